package dev.tapio.engine.spi;

import dev.tapio.engine.config.ConfigException;
import dev.tapio.engine.config.ConfigNode;
import dev.tapio.engine.config.TapioConfig;

import java.util.List;

/**
 * A top-level section of {@code tapio.yaml} owned by a module the engine does not depend on (the
 * journal's {@code journal:}), found through {@link java.util.ServiceLoader}. The engine hands the
 * section over without knowing its keys, so dependencies keep pointing one way (journal → engine); the
 * module validates it with {@link ConfigNode}'s typed getters (errors name file, line and key) and may
 * add sinks to every pipeline. Keys it does not read are rejected as unknown afterwards. Without the
 * module on the class path the key itself is unknown.
 */
public interface ConfigSection
{
    /** The top-level key, e.g. {@code journal}. */
    String key();

    /**
     * Reads and validates the section (an empty node when the file has none, so defaults apply).
     *
     * @return sinks to add to the pipeline, after the configured ones; empty when the section turns
     * nothing on. They run even when {@code --output} replaces the configured sinks.
     */
    List<Sink> configure(ConfigNode section) throws ConfigException;

    /**
     * Called once every section has been configured, for rules that span sections (the bridge needs the
     * journal): read the others through {@link dev.tapio.engine.config.TapioConfig#section}. Default: none.
     */
    default void check(final TapioConfig config) throws ConfigException
    {
    }

    /**
     * For {@link #check}, the rule that sections which read another one's output share: when this section says
     * {@code enabled: true} and the section {@code needed} does not, the error at this section's {@code enabled}
     * with {@code message} (e.g. the webhooks need the journal).
     */
    default void requireEnabled(final TapioConfig config, final String needed, final String message)
        throws ConfigException
    {
        final ConfigNode node = config.section(key());
        if (node != null && node.bool("enabled", false) && !enabled(config, needed))
        {
            throw node.error("enabled", message);
        }
    }

    /** Whether the loaded config has the section {@code key} with {@code enabled: true}. */
    static boolean enabled(final TapioConfig config, final String key) throws ConfigException
    {
        final ConfigNode node = config.section(key);
        return node != null && node.bool("enabled", false);
    }
}
