package dev.tapio.engine.metrics;

import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.status.AtomicCounter;
import org.agrona.concurrent.status.CountersManager;

import java.nio.ByteBuffer;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The engine's counters, kept in Agrona's {@link CountersManager} (fixed slots in one buffer, as
 * Aeron keeps its counters) so that they are readable from any thread while the engine runs.
 * Labels are Prometheus-style series names, e.g. {@code tapio_events_dropped_total{reason="malformed"}}.
 *
 * <p>Threading: counters are allocated on any thread (rare, synchronized); each hot-path counter
 * has a single writer that uses release-ordered adds; drop counters may have several writers and
 * use atomic adds.
 */
public final class EngineCounters
{
    public static final String EVENTS_IN = "tapio_events_in_total";
    public static final String EVENTS_OUT = "tapio_events_out_total";
    public static final String EVENTS_DROPPED = "tapio_events_dropped_total";
    public static final String SINK_ERRORS = "tapio_sink_errors_total";
    public static final String SOURCE_ERRORS = "tapio_source_errors_total";
    public static final String ENRICH_OVERFLOW = "tapio_enrich_overflow_total";

    /** Reasons an event is dropped; each is a label value of {@link #EVENTS_DROPPED}. */
    public static final String REASON_BACKPRESSURE = "backpressure";
    public static final String REASON_TOO_LARGE = "too_large";
    public static final String REASON_MALFORMED = "malformed";
    public static final String REASON_MALFORMED_JSON = "malformed_json";
    public static final String REASON_STOPPED = "stopped";

    /** Series that did not fit in the counters buffer: they still count, but are not exported. */
    public static final String UNREGISTERED = "tapio_counters_unregistered_total";

    private static final int MAX_COUNTERS = 4096;

    private final CountersManager manager;
    private final Map<String, AtomicCounter> byLabel = new ConcurrentHashMap<>();
    private final AtomicCounter eventsOut;
    private final AtomicCounter unregistered;

    public EngineCounters()
    {
        final UnsafeBuffer metadata = new UnsafeBuffer(
            ByteBuffer.allocateDirect(MAX_COUNTERS * CountersManager.METADATA_LENGTH));
        final UnsafeBuffer values = new UnsafeBuffer(
            ByteBuffer.allocateDirect(MAX_COUNTERS * CountersManager.COUNTER_LENGTH));
        manager = new CountersManager(metadata, values);
        unregistered = counter(UNREGISTERED);
        eventsOut = counter(EVENTS_OUT);
    }

    /** The counter with this full label, created on first use. */
    public AtomicCounter counter(final String label)
    {
        final AtomicCounter existing = byLabel.get(label);
        if (existing != null)
        {
            return existing;
        }
        synchronized (this)
        {
            return byLabel.computeIfAbsent(label, this::allocate);
        }
    }

    /**
     * A counter in the shared buffer or, once that is full (4,096 series), a detached one: it still counts
     * for its owner but is not exported, and {@value #UNREGISTERED} says how many such series exist.
     */
    private AtomicCounter allocate(final String label)
    {
        if (manager.available() > 0 || unregistered == null)
        {
            return manager.newCounter(label);
        }
        unregistered.increment();
        return new AtomicCounter(new UnsafeBuffer(ByteBuffer.allocateDirect(CountersManager.COUNTER_LENGTH)), 0);
    }

    public AtomicCounter eventsIn(final String source)
    {
        return counter(EVENTS_IN + "{source=\"" + source + "\"}");
    }

    public AtomicCounter eventsOut()
    {
        return eventsOut;
    }

    public AtomicCounter dropped(final String reason)
    {
        return counter(EVENTS_DROPPED + "{reason=\"" + reason + "\"}");
    }

    public AtomicCounter sinkErrors(final String sink)
    {
        return counter(SINK_ERRORS + "{sink=\"" + sink + "\"}");
    }

    public AtomicCounter sourceErrors(final String source)
    {
        return counter(SOURCE_ERRORS + "{source=\"" + source + "\"}");
    }

    public long totalIn()
    {
        return sum(EVENTS_IN);
    }

    public long totalOut()
    {
        return eventsOut.get();
    }

    public long totalDropped()
    {
        return sum(EVENTS_DROPPED);
    }

    /** The dropped count for one reason (0 when never seen). */
    public long droppedCount(final String reason)
    {
        final AtomicCounter c = byLabel.get(EVENTS_DROPPED + "{reason=\"" + reason + "\"}");
        return c == null ? 0 : c.get();
    }

    /** Current value of every counter by label, in creation order. */
    public Map<String, Long> snapshot()
    {
        final Map<String, Long> out = new LinkedHashMap<>();
        manager.forEach((id, label) -> out.put(label, manager.getCounterValue(id)));
        return out;
    }

    /** Dropped counts by reason (only reasons seen). */
    public Map<String, Long> droppedByReason()
    {
        final Map<String, Long> out = new LinkedHashMap<>();
        final String prefix = EVENTS_DROPPED + "{reason=\"";
        snapshot().forEach((label, value) ->
        {
            if (label.startsWith(prefix))
            {
                out.merge(label.substring(prefix.length(), label.indexOf('"', prefix.length())), value, Long::sum);
            }
        });
        return out;
    }

    private long sum(final String name)
    {
        long total = 0;
        for (final Map.Entry<String, AtomicCounter> e : byLabel.entrySet())
        {
            final String label = e.getKey();
            if (label.startsWith(name) && (label.length() == name.length() || label.charAt(name.length()) == '{'))
            {
                total += e.getValue().get();
            }
        }
        return total;
    }
}
