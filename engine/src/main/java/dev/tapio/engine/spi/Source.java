package dev.tapio.engine.spi;

/**
 * A source of events (a collector). The engine gives each source its own thread and calls
 * {@link #run} once; the source publishes through {@link SourceContext#publisher()} until it has no
 * more events or {@link SourceContext#running()} turns false. An exception thrown from run is
 * counted and logged; it never stops the engine.
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

    /** Publishes events until done or stopped. */
    void run(SourceContext context) throws Exception;

    /** Releases resources; called after {@link #run} returned, on the engine's stopping thread. */
    @Override
    default void close() throws Exception
    {
    }
}
