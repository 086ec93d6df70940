package dev.tapio.exporters.prometheus;

import dev.tapio.engine.Engine;
import dev.tapio.engine.config.ConfigException;
import dev.tapio.engine.config.ConfigNode;
import dev.tapio.engine.config.TapioConfig;
import dev.tapio.engine.spi.ConfigSection;
import dev.tapio.engine.spi.Sink;

import java.io.IOException;
import java.util.List;

/**
 * The top-level {@code prometheus:} section of tapio.yaml, owned by this module through the engine's
 * {@link ConfigSection} SPI (like {@code journal:}): validates it and, when {@code enabled} with
 * {@code eventsByType}, adds the {@link EventTypeCounts} sink to the pipeline. The HTTP server needs the
 * built engine, so the host starts it after building the engine: {@link #start(TapioConfig, Engine)}.
 */
public final class PrometheusSection implements ConfigSection
{
    public static final String KEY = "prometheus";

    @Override
    public String key()
    {
        return KEY;
    }

    @Override
    public List<Sink> configure(final ConfigNode section) throws ConfigException
    {
        final PrometheusSettings s = PrometheusSettings.fromConfig(section);
        return s.enabled() && s.eventsByType() ? List.of(new EventTypeCounts(EventTypeCounts.NAME, s.maxNamespaces())) : List.of();
    }

    /** The settings of a loaded config (disabled, with every default, when it has no {@code prometheus:}). */
    public static PrometheusSettings settings(final TapioConfig config) throws ConfigException
    {
        final ConfigNode node = config.section(KEY);
        return node == null ? PrometheusSettings.builder().enabled(false).build() : PrometheusSettings.fromConfig(node);
    }

    /**
     * Starts the exporter for an engine built from {@code config} when the config enables it.
     *
     * @return the running exporter, or null when {@code prometheus.enabled} is false
     * @throws IOException when the listen address cannot be bound (the message names it)
     */
    public static PrometheusExporter start(final TapioConfig config, final Engine engine)
        throws ConfigException, IOException
    {
        final PrometheusSettings s = settings(config);
        if (!s.enabled())
        {
            return null;
        }
        EventTypeCounts types = null;
        for (final Sink sink : config.sectionSinks())
        {
            if (sink instanceof EventTypeCounts)
            {
                types = (EventTypeCounts)sink;
            }
        }
        return PrometheusExporter.start(s, engine, types);
    }
}
