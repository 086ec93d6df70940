package dev.tapio.exporters.grpc;

import dev.tapio.engine.metrics.EngineCounters;
import org.agrona.concurrent.status.AtomicCounter;

/**
 * The gRPC API's counters, kept in the engine's registry beside its own (so the Prometheus exporter and
 * the CLI's summary show them). Thread-safe: Agrona counters.
 */
final class GrpcCounters
{
    static final String INGEST_STREAMS = "tapio_grpc_ingest_streams_total";
    static final String INGEST_REQUESTS = "tapio_grpc_ingest_requests_total";
    static final String INGEST_EVENTS = "tapio_grpc_ingest_events_total";
    static final String INGEST_WAITS = "tapio_grpc_ingest_backpressure_waits_total";
    static final String SUBSCRIBERS = "tapio_grpc_subscribers_total";
    static final String SUBSCRIBERS_ENDED = "tapio_grpc_subscribers_ended_total";
    static final String SUBSCRIBER_RECORDS = "tapio_grpc_subscriber_records_total";
    static final String AUTH_FAILURES = "tapio_grpc_auth_failures_total";
    static final String REFUSED = "tapio_grpc_calls_refused_total";

    final AtomicCounter ingestStreams;
    final AtomicCounter ingestRequests;
    final AtomicCounter ingestAccepted;
    final AtomicCounter ingestRejected;
    final AtomicCounter ingestWaits;
    final AtomicCounter subscribers;
    final AtomicCounter endedSlow;
    final AtomicCounter endedCancelled;
    final AtomicCounter endedError;
    final AtomicCounter endedShutdown;
    final AtomicCounter recordsLive;
    final AtomicCounter recordsReplayed;
    final AtomicCounter authFailures;
    final AtomicCounter refusedLimit;

    GrpcCounters(final EngineCounters registry)
    {
        ingestStreams = registry.counter(INGEST_STREAMS);
        ingestRequests = registry.counter(INGEST_REQUESTS);
        ingestAccepted = registry.counter(INGEST_EVENTS + "{result=\"accepted\"}");
        ingestRejected = registry.counter(INGEST_EVENTS + "{result=\"rejected\"}");
        ingestWaits = registry.counter(INGEST_WAITS);
        subscribers = registry.counter(SUBSCRIBERS);
        endedSlow = registry.counter(SUBSCRIBERS_ENDED + "{reason=\"slow\"}");
        endedCancelled = registry.counter(SUBSCRIBERS_ENDED + "{reason=\"cancelled\"}");
        endedError = registry.counter(SUBSCRIBERS_ENDED + "{reason=\"error\"}");
        endedShutdown = registry.counter(SUBSCRIBERS_ENDED + "{reason=\"shutdown\"}");
        recordsLive = registry.counter(SUBSCRIBER_RECORDS + "{from=\"live\"}");
        recordsReplayed = registry.counter(SUBSCRIBER_RECORDS + "{from=\"journal\"}");
        authFailures = registry.counter(AUTH_FAILURES);
        refusedLimit = registry.counter(REFUSED + "{reason=\"limit\"}");
    }
}
