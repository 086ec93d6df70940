package dev.tapio.engine.spi;

import dev.tapio.engine.config.ConfigException;
import dev.tapio.engine.config.ConfigNode;

/** Creates sinks of one type from their configuration section; see {@link SourceFactory}. */
public interface SinkFactory
{
    String type();

    Sink create(String name, ConfigNode config) throws ConfigException;
}
