package dev.tapio.engine.stage;

import com.lmax.disruptor.EventHandler;
import dev.tapio.engine.metrics.EngineCounters;
import dev.tapio.engine.metrics.ErrorLog;
import dev.tapio.engine.metrics.LatencyRecorder;
import dev.tapio.engine.ring.Slot;
import org.agrona.concurrent.status.AtomicCounter;

/**
 * A Disruptor consumer running one or more stages in order on one thread. With one stage per
 * handler each stage has its own thread (dedicated mode); with all four in one handler the stages
 * are composed onto a single thread (shared mode), which on a small machine saves the hand-offs.
 *
 * <pre>
 *   dedicated:  ring ─► [decode] ─► [correlate] ─► [enrich] ─► [fanout]    (4 threads, gated in order)
 *   shared:     ring ─► [decode → correlate → enrich → fanout]             (1 thread)
 * </pre>
 *
 * An exception escaping a stage is counted ({@code tapio_stage_errors_total{stage=...}}) and logged
 * once with a count; the slot continues to the next stage, so a failing correlation never stops an
 * event.
 *
 * <p>With {@link #sampleDurations} set, one event in {@value #SAMPLE_EVERY} (by ring sequence) has each stage's
 * {@link Stage#onSlot} timed into that stage's recorder: two clock reads per stage on a sampled event, none on
 * the others.
 */
public final class StageHandler implements EventHandler<Slot>
{
    /** One event in this many has its stage durations recorded. */
    public static final int SAMPLE_EVERY = 64;
    private static final long SAMPLE_MASK = SAMPLE_EVERY - 1;

    private final Stage[] stages;
    private LatencyRecorder[] durations;
    private final AtomicCounter[] errors;
    private final ErrorLog errorLog;
    private final String name;
    private Runnable onStarted = () -> { };

    public StageHandler(final EngineCounters counters, final ErrorLog errorLog, final Stage... stages)
    {
        this.stages = stages.clone();
        this.errorLog = errorLog;
        this.errors = new AtomicCounter[stages.length];
        final StringBuilder sb = new StringBuilder();
        for (int i = 0; i < stages.length; i++)
        {
            errors[i] = counters.counter("tapio_stage_errors_total{stage=\"" + stages[i].name() + "\"}");
            sb.append(i == 0 ? "" : "+").append(stages[i].name());
        }
        this.name = sb.toString();
    }

    public String name()
    {
        return name;
    }

    /** Records the time each stage takes on sampled events, one recorder per stage (in order). */
    public StageHandler sampleDurations(final LatencyRecorder... perStage)
    {
        if (perStage.length != stages.length)
        {
            throw new IllegalArgumentException(perStage.length + " recorders for " + stages.length + " stages");
        }
        this.durations = perStage.clone();
        return this;
    }

    /** Runs on the stage thread once its stages have started (the Disruptor then counts it as running). */
    public StageHandler onStarted(final Runnable callback)
    {
        this.onStarted = callback;
        return this;
    }

    @Override
    public void onStart()
    {
        try
        {
            for (final Stage s : stages)
            {
                s.onStart();
            }
        }
        finally
        {
            onStarted.run();
        }
    }

    @Override
    public void onEvent(final Slot slot, final long sequence, final boolean endOfBatch)
    {
        final Stage[] stages = this.stages;
        final LatencyRecorder[] durations = this.durations;
        if (durations != null && (sequence & SAMPLE_MASK) == 0)
        {
            for (int i = 0; i < stages.length; i++)
            {
                final long start = System.nanoTime();
                try
                {
                    stages[i].onSlot(slot, sequence);
                }
                catch (final RuntimeException e)
                {
                    fail(i, e);
                }
                durations[i].record(System.nanoTime() - start);
            }
        }
        else
        {
            for (int i = 0; i < stages.length; i++)
            {
                try
                {
                    stages[i].onSlot(slot, sequence);
                }
                catch (final RuntimeException e)
                {
                    fail(i, e);
                }
            }
        }
        if (endOfBatch)
        {
            for (int i = 0; i < stages.length; i++)
            {
                try
                {
                    stages[i].onBatchEnd();
                }
                catch (final RuntimeException e)
                {
                    fail(i, e);
                }
            }
        }
    }

    /** The wait strategy's idle tick: every stage of this thread gets {@link Stage#onIdle()}. */
    @Override
    public void onTimeout(final long sequence)
    {
        for (int i = 0; i < stages.length; i++)
        {
            try
            {
                stages[i].onIdle();
            }
            catch (final RuntimeException e)
            {
                fail(i, e);
            }
        }
    }

    private void fail(final int stage, final RuntimeException e)
    {
        errors[stage].increment();
        errorLog.record("stage " + stages[stage].name() + ": " + e.getClass().getSimpleName(),
            "stage " + stages[stage].name() + " failed on an event (it passes on): " + e);
    }

    @Override
    public void onShutdown()
    {
        for (final Stage s : stages)
        {
            s.onShutdown();
        }
    }
}
