package dev.tapio.engine.spi;

/**
 * A source of events (a collector). The engine gives each source its own thread and calls
 * {@link #run} once; the source publishes through {@link SourceContext#publisher()} until it has no
 * more events or {@link SourceContext#running()} turns false. An exception thrown from run is
 * counted and logged; it never stops the engine. The engine's
 * {@link dev.tapio.engine.collect.CollectorManager} may call run again on the same instance after it
 * threw (a restart with backoff), so a source either resumes or starts afresh in run; one that cannot
 * (it would repeat what it already published) says so with {@link #restartable()}. A source that cannot
 * run on this machine throws {@link SourceUnavailableException} with the reason.
 */
public interface Source extends AutoCloseable
{
    /** The name given in configuration (e.g. {@code file/audit}); used in counters and errors. */
    String name();

    /** The collector family stamped on events that do not say where they came from. */
    dev.tapio.codecs.sbe.Source origin();

    /**
     * Called once by the engine that will run this source, before {@link #run}, with that engine's
     * counters, so a source can keep its own beside the engine's (the kernel collector's loss accounting).
     */
    default void counters(final dev.tapio.engine.metrics.EngineCounters counters)
    {
    }

    /**
     * False when calling {@link #run} again after a crash would repeat events (a file read from its start):
     * then the default restart policy of {@code tapio run} does not restart it.
     */
    default boolean restartable()
    {
        return true;
    }

    /** Publishes events until done or stopped. */
    void run(SourceContext context) throws Exception;

    /** Releases resources; called after {@link #run} returned, on the engine's stopping thread. */
    @Override
    default void close() throws Exception
    {
    }
}
