package dev.tapio.bridge.config;

import dev.tapio.engine.config.ConfigException;
import dev.tapio.engine.config.ConfigNode;
import dev.tapio.engine.config.TapioConfig;
import dev.tapio.engine.spi.ConfigSection;
import dev.tapio.engine.spi.Sink;

import java.util.List;

/**
 * The top-level {@code server:} section of tapio.yaml, read by {@code tapio server} (the central ingest
 * server) and validated wherever the file is loaded. Adds no sink to a node's pipeline.
 */
public final class ServerSection implements ConfigSection
{
    public static final String KEY = "server";

    @Override
    public String key()
    {
        return KEY;
    }

    @Override
    public List<Sink> configure(final ConfigNode section) throws ConfigException
    {
        ServerConfig.read(section);
        return List.of();
    }

    /** The server settings of a loaded config (every default when it has no {@code server:}). */
    public static ServerConfig config(final TapioConfig config) throws ConfigException
    {
        final ConfigNode node = config.section(KEY);
        return node == null ? ServerConfig.defaults() : ServerConfig.read(node);
    }
}
