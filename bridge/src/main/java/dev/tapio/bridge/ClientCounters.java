package dev.tapio.bridge;

import dev.tapio.journal.delivery.CircuitBreaker;
import dev.tapio.engine.metrics.EngineCounters;
import org.agrona.concurrent.status.AtomicCounter;

/**
 * The bridge's counters and gauges, kept in an {@link EngineCounters} registry. Single writer (the
 * bridge's thread) except the ack-reported ones, bumped on the gRPC thread that delivers acks.
 */
public final class ClientCounters
{
    public static final String BATCHES_SENT = "tapio_bridge_batches_sent_total";
    public static final String BATCHES_RESENT = "tapio_bridge_batches_resent_total";
    public static final String RECORDS_SENT = "tapio_bridge_records_sent_total";
    public static final String BATCHES_ACKED = "tapio_bridge_batches_acked_total";
    public static final String RECORDS_ACKED = "tapio_bridge_records_acked_total";
    /** Records the server reported as duplicates in its acks. */
    public static final String SERVER_DUPLICATES = "tapio_bridge_server_duplicates_total";
    /** Records the server reported as rejected (malformed) in its acks. */
    public static final String SERVER_REJECTED = "tapio_bridge_server_rejected_total";
    public static final String STREAMS_OPENED = "tapio_bridge_streams_opened_total";
    public static final String STREAM_FAILURES = "tapio_bridge_stream_failures_total";
    /** Gauge: 0 closed, 1 open, 2 half-open. */
    public static final String CIRCUIT_STATE = "tapio_bridge_circuit_state";
    public static final String CIRCUIT_TRANSITIONS = "tapio_bridge_circuit_transitions_total";
    /** Gauge: batches sent or waiting to be resent, not yet acked. */
    public static final String IN_FLIGHT = "tapio_bridge_in_flight_batches";

    final AtomicCounter batchesSent;
    final AtomicCounter batchesResent;
    final AtomicCounter recordsSent;
    final AtomicCounter batchesAcked;
    final AtomicCounter recordsAcked;
    final AtomicCounter serverDuplicates;
    final AtomicCounter serverRejected;
    final AtomicCounter streamsOpened;
    final AtomicCounter circuitState;
    final AtomicCounter inFlight;
    private final AtomicCounter[] transitions = new AtomicCounter[CircuitBreaker.State.values().length];
    private final EngineCounters registry;

    public ClientCounters(final EngineCounters registry)
    {
        this.registry = registry;
        batchesSent = registry.counter(BATCHES_SENT);
        batchesResent = registry.counter(BATCHES_RESENT);
        recordsSent = registry.counter(RECORDS_SENT);
        batchesAcked = registry.counter(BATCHES_ACKED);
        recordsAcked = registry.counter(RECORDS_ACKED);
        serverDuplicates = registry.counter(SERVER_DUPLICATES);
        serverRejected = registry.counter(SERVER_REJECTED);
        streamsOpened = registry.counter(STREAMS_OPENED);
        circuitState = registry.counter(CIRCUIT_STATE);
        inFlight = registry.counter(IN_FLIGHT);
        for (final CircuitBreaker.State s : CircuitBreaker.State.values())
        {
            transitions[s.ordinal()] = registry.counter(CIRCUIT_TRANSITIONS + "{to=\"" + s.label() + "\"}");
        }
    }

    void onTransition(final CircuitBreaker.State to)
    {
        circuitState.setRelease(to.code);
        transitions[to.ordinal()].incrementRelease();
    }

    /** The failure counter for a gRPC status code name (created on first failure with that code). */
    AtomicCounter streamFailures(final String code)
    {
        return registry.counter(STREAM_FAILURES + "{code=\"" + code + "\"}");
    }

    public EngineCounters registry()
    {
        return registry;
    }

    public long batchesSent()
    {
        return batchesSent.get();
    }

    public long batchesResent()
    {
        return batchesResent.get();
    }

    public long recordsSent()
    {
        return recordsSent.get();
    }

    public long batchesAcked()
    {
        return batchesAcked.get();
    }

    public long recordsAcked()
    {
        return recordsAcked.get();
    }

    public long serverDuplicates()
    {
        return serverDuplicates.get();
    }

    public long serverRejected()
    {
        return serverRejected.get();
    }

    public long streamsOpened()
    {
        return streamsOpened.get();
    }

    /** Stream failures with this gRPC status code name (e.g. UNAVAILABLE, UNAUTHENTICATED). */
    public long streamFailureCount(final String code)
    {
        return streamFailures(code).get();
    }

    /** Stream failures of every status code. */
    public long streamFailures()
    {
        long total = 0;
        for (final java.util.Map.Entry<String, Long> e : registry.snapshot().entrySet())
        {
            if (e.getKey().startsWith(STREAM_FAILURES + "{"))
            {
                total += e.getValue();
            }
        }
        return total;
    }

    public long circuitState()
    {
        return circuitState.get();
    }

    public long transitionsTo(final CircuitBreaker.State s)
    {
        return transitions[s.ordinal()].get();
    }
}
