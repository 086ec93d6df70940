package dev.tapio.bridge.config;

import dev.tapio.engine.config.ConfigException;
import dev.tapio.engine.config.ConfigNode;
import dev.tapio.engine.config.TapioConfig;
import dev.tapio.engine.spi.ConfigSection;
import dev.tapio.engine.spi.Sink;
import dev.tapio.journal.JournalSection;

import java.util.List;

/**
 * The top-level {@code bridge:} section of tapio.yaml (the engine's {@link ConfigSection} SPI, like the
 * journal's): when {@code enabled}, {@code tapio run} forwards the node's journal to a {@code tapio server}
 * through a {@link dev.tapio.bridge.ServerBridge} reading the journal tailer {@code bridge}. Adds no sink:
 * the bridge reads the journal, it is not on the fan-out thread. The bridge needs the journal, so
 * {@code enabled: true} without {@code journal.enabled: true} is an error naming the key.
 */
public final class BridgeSection implements ConfigSection
{
    public static final String KEY = "bridge";

    @Override
    public String key()
    {
        return KEY;
    }

    @Override
    public List<Sink> configure(final ConfigNode section) throws ConfigException
    {
        BridgeConfig.read(section);
        return List.of();
    }

    @Override
    public void check(final TapioConfig config) throws ConfigException
    {
        requireEnabled(config, JournalSection.KEY, "the bridge forwards the journal: set journal.enabled: true as well");
    }

    /** The bridge settings of a loaded config (every default, the bridge off, when it has no {@code bridge:}). */
    public static BridgeConfig config(final TapioConfig config) throws ConfigException
    {
        final ConfigNode node = config.section(KEY);
        return node == null ? BridgeConfig.defaults() : BridgeConfig.read(node);
    }
}
