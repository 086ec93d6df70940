package dev.tapio.ebpf;

import dev.tapio.engine.config.ConfigException;
import dev.tapio.engine.config.ConfigNode;
import dev.tapio.engine.spi.Source;
import dev.tapio.engine.spi.SourceFactory;

/** {@code kernel}: the eBPF kernel collector. Options in docs/CONFIG.md. */
public final class KernelSourceFactory implements SourceFactory
{
    @Override
    public String type()
    {
        return "kernel";
    }

    @Override
    public Source create(final String name, final ConfigNode config) throws ConfigException
    {
        return new KernelCollector(name, KernelSettings.fromConfig(config));
    }
}
