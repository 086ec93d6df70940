package dev.tapio.collectors.kubernetes;

import dev.tapio.engine.config.ConfigException;
import dev.tapio.engine.config.ConfigNode;
import dev.tapio.engine.spi.Source;
import dev.tapio.engine.spi.SourceFactory;

/** {@code kubernetes}: the Kubernetes collector. Options in docs/CONFIG.md and this module's README. */
public final class KubernetesSourceFactory implements SourceFactory
{
    @Override
    public String type()
    {
        return "kubernetes";
    }

    @Override
    public Source create(final String name, final ConfigNode config) throws ConfigException
    {
        return new KubernetesCollector(name, KubernetesSettings.fromConfig(config));
    }
}
