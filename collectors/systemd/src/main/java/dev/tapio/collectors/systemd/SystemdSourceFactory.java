package dev.tapio.collectors.systemd;

import dev.tapio.engine.config.ConfigException;
import dev.tapio.engine.config.ConfigNode;
import dev.tapio.engine.spi.Source;
import dev.tapio.engine.spi.SourceFactory;

/** {@code systemd}: unit state changes from systemd over D-Bus. Options in collectors/systemd/README.md. */
public final class SystemdSourceFactory implements SourceFactory
{
    @Override
    public String type()
    {
        return "systemd";
    }

    @Override
    public Source create(final String name, final ConfigNode config) throws ConfigException
    {
        return new SystemdCollector(name, SystemdSettings.fromConfig(config));
    }
}
