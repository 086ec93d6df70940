package dev.tapio.exporters.otel;

import dev.tapio.engine.config.ConfigException;
import dev.tapio.engine.config.ConfigNode;
import dev.tapio.engine.config.TapioConfig;
import dev.tapio.engine.spi.ConfigSection;
import dev.tapio.engine.spi.Sink;
import dev.tapio.journal.JournalSection;

import java.util.List;

/**
 * The top-level {@code otel:} section of tapio.yaml, found through {@link java.util.ServiceLoader}: it
 * validates the OTLP exporter's options at startup and adds no sink, because the exporter reads the
 * journal through its own tailer instead of hanging off fan-out (a slow collector must never stall the
 * ring). Hosts (e.g. {@code tapio run}) read the settings through {@link #settings(TapioConfig)}.
 */
public final class OtelSection implements ConfigSection
{
    public static final String KEY = "otel";

    @Override
    public String key()
    {
        return KEY;
    }

    @Override
    public List<Sink> configure(final ConfigNode section) throws ConfigException
    {
        OtelSettings.fromConfig(section);
        return List.of();
    }

    @Override
    public void check(final TapioConfig config) throws ConfigException
    {
        final ConfigNode node = config.section(KEY);
        if (node != null && !node.bool("enabled", false))
        {
            final ConfigNode metrics = node.child("metrics");
            if (metrics.bool("enabled", false))
            {
                throw metrics.error("enabled", "the metrics go with the OTLP exporter: set otel.enabled: true as well");
            }
        }
        requireEnabled(config, JournalSection.KEY, "the OTLP exporter reads the journal: set journal.enabled: true as well");
    }

    /** The settings of a loaded config (defaults, disabled, when the file has no {@code otel:} section). */
    public static OtelSettings settings(final TapioConfig config) throws ConfigException
    {
        final ConfigNode node = config.section(KEY);
        return node == null ? OtelSettings.builder().build() : OtelSettings.fromConfig(node);
    }
}
