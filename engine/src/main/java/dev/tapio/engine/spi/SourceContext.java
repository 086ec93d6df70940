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
}
