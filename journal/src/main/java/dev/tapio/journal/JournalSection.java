package dev.tapio.journal;

import dev.tapio.engine.config.ConfigException;
import dev.tapio.engine.config.ConfigNode;
import dev.tapio.engine.config.TapioConfig;
import dev.tapio.engine.spi.ConfigSection;
import dev.tapio.engine.spi.Sink;

import java.util.List;

/**
 * The top-level {@code journal:} section of tapio.yaml: when {@code enabled}, every pipeline gets a
 * journal sink named {@code journal}. The engine owns no journal code; it hands this section over
 * through {@link ConfigSection}. Tailers, the ServerBridge and replay read the same settings through
 * {@link #settings(TapioConfig)}.
 */
public final class JournalSection implements ConfigSection
{
    public static final String KEY = "journal";
    public static final String SINK_NAME = "journal";

    @Override
    public String key()
    {
        return KEY;
    }

    @Override
    public List<Sink> configure(final ConfigNode section) throws ConfigException
    {
        final boolean enabled = section.bool("enabled", false);
        final JournalSettings settings = enabled ?
            JournalSinkFactory.checkedSettings(section) : JournalSettings.fromConfig(section);
        return enabled ? List.of(new JournalSink(SINK_NAME, settings)) : List.of();
    }

    /** The journal settings of a loaded config (defaults when the file has no {@code journal:} section). */
    public static JournalSettings settings(final TapioConfig config) throws ConfigException
    {
        final ConfigNode node = config.section(KEY);
        if (node == null)
        {
            return JournalSettings.builder().build();
        }
        return JournalSettings.fromConfig(node);
    }

    /** Whether the loaded config turns the journal on. */
    public static boolean enabled(final TapioConfig config) throws ConfigException
    {
        return ConfigSection.enabled(config, KEY);
    }
}
