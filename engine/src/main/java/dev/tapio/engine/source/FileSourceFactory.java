package dev.tapio.engine.source;

import dev.tapio.engine.config.ConfigException;
import dev.tapio.engine.config.ConfigNode;
import dev.tapio.engine.spi.Source;
import dev.tapio.engine.spi.SourceFactory;

import java.nio.file.Files;
import java.nio.file.Path;

/** {@code file}: JSON Lines from a file or stdin ({@code path: -}). Options in docs/CONFIG.md. */
public final class FileSourceFactory implements SourceFactory
{
    @Override
    public String type()
    {
        return "file";
    }

    @Override
    public Source create(final String name, final ConfigNode c) throws ConfigException
    {
        final String path = c.string("path", null);
        if (path == null || path.isEmpty())
        {
            throw c.error("path", "required: the JSON Lines file to read, or - for stdin");
        }
        if (!FileSource.STDIN.equals(path) && !Files.isReadable(Path.of(path)))
        {
            throw c.error("path", "cannot read " + path);
        }
        final int maxLine = (int)c.bytes("maxLineLength", 1 << 20, 1024, 64 << 20);
        return new FileSource(name, path, maxLine);
    }
}
