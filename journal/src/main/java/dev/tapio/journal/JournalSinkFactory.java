package dev.tapio.journal;

import dev.tapio.engine.config.ConfigException;
import dev.tapio.engine.config.ConfigNode;
import dev.tapio.engine.spi.Sink;
import dev.tapio.engine.spi.SinkFactory;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * {@code journal}: a sink under {@code sinks:} that appends to a Chronicle Queue journal. Takes the same
 * options as the top-level {@code journal:} section (docs/CONFIG.md) except {@code enabled}.
 */
public final class JournalSinkFactory implements SinkFactory
{
    @Override
    public String type()
    {
        return "journal";
    }

    @Override
    public Sink create(final String name, final ConfigNode config) throws ConfigException
    {
        return new JournalSink(name, checkedSettings(config));
    }

    /** Reads the journal options and checks at startup that the directory can be created and written. */
    static JournalSettings checkedSettings(final ConfigNode config) throws ConfigException
    {
        final JournalSettings settings = JournalSettings.fromConfig(config);
        final Path dir = settings.dir().toAbsolutePath();
        Path existing = dir;
        while (existing != null && !Files.exists(existing))
        {
            existing = existing.getParent();
        }
        if (existing == null || !Files.isDirectory(existing) || !Files.isWritable(existing))
        {
            throw config.error("dir", "cannot create or write the journal directory " + dir +
                (existing == null ? "" : " (" + existing + (Files.isDirectory(existing) ? " is not writable)" : " is not a directory)")));
        }
        return settings;
    }
}
