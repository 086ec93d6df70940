package dev.tapio.engine.spi;

import dev.tapio.engine.config.ConfigException;
import dev.tapio.engine.config.ConfigNode;

/**
 * Creates sources of one type from their configuration section; found by {@link #type()} through
 * {@link java.util.ServiceLoader} (META-INF/services/dev.tapio.engine.spi.SourceFactory), in the
 * manner of OpenTelemetry's autoconfigure SPI. Read every option through the node's typed getters:
 * keys nobody read are rejected as unknown.
 */
public interface SourceFactory
{
    /** The type name used in config keys, e.g. {@code file} in {@code file/audit}. */
    String type();

    Source create(String name, ConfigNode config) throws ConfigException;
}
