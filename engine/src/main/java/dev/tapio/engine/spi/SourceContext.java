package dev.tapio.engine.spi;

import dev.tapio.engine.metrics.ErrorLog;

/** What the engine hands a running {@link Source}. */
public interface SourceContext
{
    /** The publisher owned by this source's thread. */
    Publisher publisher();

    /** False once the engine is stopping; sources check it between events or batches. */
    boolean running();

    /** Rate-limited error log shared by the engine. */
    ErrorLog errors();

    /** The node name this engine stamps on events. */
    String nodeName();

    /**
     * Says "alive" without publishing (a collector waiting on a quiet socket). With the source's
     * {@code restart.hangTimeout} set, a source that neither publishes nor heartbeats for that long is
     * treated as hung. Cheap: one volatile write, no clock read; call it from the source's own thread.
     */
    default void heartbeat()
    {
    }

    /** Reports the source impaired (still running), with a one-line reason, until {@link #healthy()}. */
    default void degraded(final String reason)
    {
    }

    /** Reports the source healthy again (after {@link #degraded}); also implied by each (re)start. */
    default void healthy()
    {
    }
}
