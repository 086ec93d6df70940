package dev.tapio.engine.spi;

/**
 * An in-process consumer of enriched events, called on the fan-out thread (or on a thread of its own:
 * {@link #dedicatedThread()}). Sinks must be cheap:
 * anything that talks to a network reads the journal instead (see docs/ARCHITECTURE.md). An
 * exception from a sink is counted per sink and logged once with a count; the event still reaches
 * the other sinks and counts as out.
 */
public interface Sink extends AutoCloseable
{
    String name();

    /**
     * Called once by the engine that will run this sink, before {@link #open()}, with that engine's
     * counters, so a sink can keep its own counters beside the engine's (the journal sink does).
     */
    default void counters(final dev.tapio.engine.metrics.EngineCounters counters)
    {
    }

    /**
     * True: the engine runs this sink on a thread of its own, a ring consumer gated behind fan-out,
     * so the sink's stalls never delay fan-out or the other sinks (the ring absorbs them). Then every
     * call below is made on that thread instead of the fan-out thread (group records follow their
     * member events), and {@link #close()} on the stopping thread as before. For sinks whose calls can
     * block for milliseconds now and then, such as a memory-mapped journal; see
     * {@code dev.tapio.engine.stage.SinkLaneStage}.
     */
    default boolean dedicatedThread()
    {
        return false;
    }

    /** Called once on the fan-out thread (or the sink's own, see {@link #dedicatedThread()}) before the first event. */
    default void open() throws Exception
    {
    }

    /** One enriched event; the view is valid only during the call. */
    void onEvent(EventView event) throws Exception;

    /**
     * One correlation group record, when the group closes (complete, expired, or open at the end of
     * a run); the view is valid only during the call. Called on the fan-out thread, and on the
     * stopping thread for the groups still open at stop.
     */
    default void onGroup(GroupView group) throws Exception
    {
    }

    /** End of a ring batch: a good moment to flush buffers. */
    default void onBatchEnd() throws Exception
    {
    }

    /** Called after the last event, on the stopping thread. */
    @Override
    default void close() throws Exception
    {
    }
}
