package dev.tapio.exporters.webhooks;

import dev.tapio.engine.config.ConfigException;
import dev.tapio.engine.config.ConfigNode;
import dev.tapio.engine.config.TapioConfig;
import dev.tapio.engine.spi.ConfigSection;
import dev.tapio.engine.spi.Sink;
import dev.tapio.journal.JournalSection;

import java.util.List;

/**
 * The top-level {@code webhooks:} section of tapio.yaml, found through {@link java.util.ServiceLoader}: it
 * validates every endpoint at startup (errors name file, line and key, e.g.
 * {@code tapio.yaml:12: webhooks.endpoints[1].secrets: secret is not whsec_ followed by standard base64})
 * and adds no sink: the exporter reads the journal through its own tailers, so {@code webhooks.enabled} needs
 * {@code journal.enabled}. Hosts read the settings through {@link #settings(TapioConfig)}.
 */
public final class WebhooksSection implements ConfigSection
{
    public static final String KEY = "webhooks";

    @Override
    public String key()
    {
        return KEY;
    }

    @Override
    public List<Sink> configure(final ConfigNode section) throws ConfigException
    {
        WebhooksSettings.fromConfig(section);
        return List.of();
    }

    @Override
    public void check(final TapioConfig config) throws ConfigException
    {
        requireEnabled(config, JournalSection.KEY,
            "webhooks are delivered from the journal: set journal.enabled: true as well");
    }

    /** The settings of a loaded config (disabled when the file has no {@code webhooks:} section). */
    public static WebhooksSettings settings(final TapioConfig config) throws ConfigException
    {
        final ConfigNode node = config.section(KEY);
        return node == null ? WebhooksSettings.disabled() : WebhooksSettings.fromConfig(node);
    }
}
