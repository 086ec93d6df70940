package dev.tapio.bridge.server;

import dev.tapio.engine.metrics.EngineCounters;
import org.agrona.concurrent.status.AtomicCounter;

/**
 * The ingest server's counters, kept in an {@link EngineCounters} registry so the Prometheus exporter
 * and the CLI read them like the engine's. Some have one writer at a time (under the ingest lock), the
 * auth and stream ones are bumped from any gRPC thread; all use atomic adds.
 */
public final class ServerCounters
{
    public static final String STREAMS = "tapio_bridge_server_streams_total";
    public static final String BATCHES = "tapio_bridge_server_batches_total";
    public static final String BATCHES_ACKED = "tapio_bridge_server_batches_acked_total";
    public static final String RECORDS = "tapio_bridge_server_records_total";
    public static final String RECORDS_ACCEPTED = "tapio_bridge_server_records_accepted_total";
    public static final String RECORDS_DUPLICATE = "tapio_bridge_server_records_duplicate_total";
    public static final String RECORDS_REJECTED = "tapio_bridge_server_records_rejected_total";
    public static final String AUTH_FAILURES = "tapio_bridge_server_auth_failures_total";
    public static final String SINK_ERRORS = "tapio_bridge_server_sink_errors_total";
    public static final String TRACEPARENT_INVALID = "tapio_bridge_server_traceparent_invalid_total";
    public static final String REASON_MALFORMED = "malformed";
    public static final String REASON_FRAMING = "framing";

    final AtomicCounter streams;
    final AtomicCounter batches;
    final AtomicCounter batchesAcked;
    final AtomicCounter records;
    final AtomicCounter accepted;
    final AtomicCounter duplicates;
    final AtomicCounter rejectedMalformed;
    final AtomicCounter rejectedFraming;
    final AtomicCounter authFailures;
    final AtomicCounter sinkErrors;
    final AtomicCounter traceparentInvalid;
    private final EngineCounters registry;

    public ServerCounters(final EngineCounters registry)
    {
        this.registry = registry;
        streams = registry.counter(STREAMS);
        batches = registry.counter(BATCHES);
        batchesAcked = registry.counter(BATCHES_ACKED);
        records = registry.counter(RECORDS);
        accepted = registry.counter(RECORDS_ACCEPTED);
        duplicates = registry.counter(RECORDS_DUPLICATE);
        rejectedMalformed = registry.counter(RECORDS_REJECTED + "{reason=\"" + REASON_MALFORMED + "\"}");
        rejectedFraming = registry.counter(RECORDS_REJECTED + "{reason=\"" + REASON_FRAMING + "\"}");
        authFailures = registry.counter(AUTH_FAILURES);
        sinkErrors = registry.counter(SINK_ERRORS);
        traceparentInvalid = registry.counter(TRACEPARENT_INVALID);
    }

    public EngineCounters registry()
    {
        return registry;
    }

    public long streams()
    {
        return streams.get();
    }

    public long batches()
    {
        return batches.get();
    }

    public long batchesAcked()
    {
        return batchesAcked.get();
    }

    public long records()
    {
        return records.get();
    }

    public long accepted()
    {
        return accepted.get();
    }

    public long duplicates()
    {
        return duplicates.get();
    }

    /** Rejected records, both reasons. */
    public long rejected()
    {
        return rejectedMalformed.get() + rejectedFraming.get();
    }

    public long rejectedMalformed()
    {
        return rejectedMalformed.get();
    }

    public long rejectedFraming()
    {
        return rejectedFraming.get();
    }

    public long authFailures()
    {
        return authFailures.get();
    }

    public long sinkErrors()
    {
        return sinkErrors.get();
    }

    public long traceparentInvalid()
    {
        return traceparentInvalid.get();
    }
}
