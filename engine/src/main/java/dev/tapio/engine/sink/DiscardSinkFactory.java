package dev.tapio.engine.sink;

import dev.tapio.engine.config.ConfigNode;
import dev.tapio.engine.spi.Sink;
import dev.tapio.engine.spi.SinkFactory;

/** {@code discard}: drops every event after counting it out. No options. */
public final class DiscardSinkFactory implements SinkFactory
{
    @Override
    public String type()
    {
        return "discard";
    }

    @Override
    public Sink create(final String name, final ConfigNode config)
    {
        return new DiscardSink(name);
    }
}
