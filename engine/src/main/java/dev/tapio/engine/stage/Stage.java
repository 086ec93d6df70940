package dev.tapio.engine.stage;

import dev.tapio.engine.ring.Slot;

/**
 * One step of the pipeline over a ring slot. Stages are plain objects; whether each runs on its own
 * thread or several share one is the {@link dev.tapio.engine.ThreadingMode}'s choice. Hot path:
 * no allocation, no locks, no exceptions for control flow.
 */
public interface Stage
{
    /** A short name for threads, counters and errors: decode, correlate, enrich, fanout. */
    String name();

    /** Called on the stage's thread before the first slot. */
    default void onStart()
    {
    }

    /** Processes one slot; a slot whose status is not {@link Slot#OK} is to be passed over. */
    void onSlot(Slot slot, long sequence);

    /** The last slot of a batch the Disruptor handed over was processed. */
    default void onBatchEnd()
    {
    }

    /**
     * No event arrived for a while (about {@code WaitStrategyKind.IDLE_TICK_NANOS}): a chance for
     * time-driven work on an idle ring. Called on the stage's thread, between slots.
     */
    default void onIdle()
    {
    }

    /** Called on the stage's thread after the last slot. */
    default void onShutdown()
    {
    }
}
