package dev.tapio.collectors.cni;

import dev.tapio.engine.config.ConfigException;
import dev.tapio.engine.config.ConfigNode;
import dev.tapio.engine.spi.Source;
import dev.tapio.engine.spi.SourceFactory;

/** {@code cni}: IP allocations and releases from host-local IPAM state. Options in docs/CONFIG.md. */
public final class CniSourceFactory implements SourceFactory
{
    @Override
    public String type()
    {
        return "cni";
    }

    @Override
    public Source create(final String name, final ConfigNode config) throws ConfigException
    {
        return new CniCollector(name, CniSettings.fromConfig(config));
    }
}
