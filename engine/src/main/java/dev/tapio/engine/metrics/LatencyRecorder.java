package dev.tapio.engine.metrics;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.SingleWriterRecorder;

/**
 * A latency in nanoseconds: the added latency (ingest → fan-out done), a sink lane's, or a stage's duration.
 * One thread records through an
 * HdrHistogram {@link SingleWriterRecorder} (wait-free, no allocation); any other thread reads
 * cumulative or interval snapshots. Values above one hour are clamped and counted.
 */
public final class LatencyRecorder
{
    public static final long MAX_NANOS = 3_600_000_000_000L;

    private final SingleWriterRecorder recorder = new SingleWriterRecorder(1, MAX_NANOS, 3);
    private final Histogram total = new Histogram(1, MAX_NANOS, 3);
    private Histogram interval;
    private volatile long clamped;

    /** The recording thread only (one per recorder). */
    public void record(final long nanos)
    {
        if (nanos > MAX_NANOS)
        {
            clamped++;
            recorder.recordValue(MAX_NANOS);
        }
        else
        {
            recorder.recordValue(Math.max(1, nanos));
        }
    }

    /** Everything recorded since the last call, folded into the cumulative histogram too. */
    public synchronized Histogram interval()
    {
        interval = recorder.getIntervalHistogram(interval);
        total.add(interval);
        return interval.copy();
    }

    /** Everything recorded since the engine started (copy). */
    public synchronized Histogram cumulative()
    {
        interval = recorder.getIntervalHistogram(interval);
        total.add(interval);
        return total.copy();
    }

    /** Forgets everything recorded so far (e.g. after a benchmark's warm-up). */
    public synchronized void reset()
    {
        interval = recorder.getIntervalHistogram(interval);
        total.reset();
    }

    public long clamped()
    {
        return clamped;
    }
}
