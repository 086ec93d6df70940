package dev.tapio.engine.sink;

import dev.tapio.engine.config.ConfigException;
import dev.tapio.engine.config.ConfigNode;
import dev.tapio.engine.spi.Sink;
import dev.tapio.engine.spi.SinkFactory;

import java.nio.file.Files;
import java.nio.file.Path;

/** {@code file}: JSON Lines to a file or stdout ({@code path: -}). Options in docs/CONFIG.md. */
public final class FileSinkFactory implements SinkFactory
{
    @Override
    public String type()
    {
        return "file";
    }

    @Override
    public Sink create(final String name, final ConfigNode c) throws ConfigException
    {
        final String path = c.string("path", FileSink.STDOUT);
        final boolean append = c.bool("append", false);
        if (!FileSink.STDOUT.equals(path))
        {
            final Path p = Path.of(path).toAbsolutePath();
            Path dir = p.getParent();
            while (dir != null && !Files.exists(dir))
            {
                dir = dir.getParent();
            }
            if (dir == null || !Files.isWritable(dir) || Files.isDirectory(p) || Files.exists(p) && !Files.isWritable(p))
            {
                throw c.error("path", "cannot write " + path);
            }
        }
        final String records = c.choice("records", "all", "all", "events", "groups");
        return new FileSink(name, path, append).records(!"groups".equals(records), !"events".equals(records));
    }
}
