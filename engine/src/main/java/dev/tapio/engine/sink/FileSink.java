package dev.tapio.engine.sink;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.StreamWriteFeature;
import dev.tapio.codecs.json.JsonEventWriter;
import dev.tapio.engine.spi.EventView;
import dev.tapio.engine.spi.Sink;

import java.io.BufferedOutputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Writes enriched events as JSON Lines to a file or stdout, flushing at the end of each ring batch
 * (so output keeps up with a live run without a syscall per event). Runs on the fan-out thread.
 */
public final class FileSink implements Sink
{
    public static final String STDOUT = "-";

    private final String name;
    private final String path;
    private final boolean append;
    private final JsonEventWriter writer = new JsonEventWriter();
    private final dev.tapio.codecs.json.JsonGroupWriter groupWriter = new dev.tapio.codecs.json.JsonGroupWriter();
    private boolean events = true;
    private boolean groups = true;
    private JsonGenerator generator;
    private boolean dirty;

    public FileSink(final String name, final String path, final boolean append)
    {
        this.name = name;
        this.path = path;
        this.append = append;
    }

    /** Which records to write: enriched events, group records (both by default). */
    public FileSink records(final boolean events, final boolean groups)
    {
        this.events = events;
        this.groups = groups;
        return this;
    }

    /** Writes pattern names instead of ids in events' correlation objects. */
    public FileSink patternNames(final java.util.function.IntFunction<String> names)
    {
        writer.patternNames(names);
        return this;
    }

    @Override
    public void onGroup(final dev.tapio.engine.spi.GroupView group) throws IOException
    {
        if (!groups)
        {
            return;
        }
        groupWriter.write(group.buffer(), group.offset(), generator);
        generator.writeRaw('\n');
        dirty = true;
    }

    @Override
    public String name()
    {
        return name;
    }

    @Override
    public void open() throws IOException
    {
        final OutputStream out;
        if (STDOUT.equals(path))
        {
            out = new FileOutputStream(java.io.FileDescriptor.out);
        }
        else
        {
            final Path p = Path.of(path);
            if (p.toAbsolutePath().getParent() != null)
            {
                Files.createDirectories(p.toAbsolutePath().getParent());
            }
            out = append ?
                Files.newOutputStream(p, StandardOpenOption.CREATE, StandardOpenOption.APPEND) :
                Files.newOutputStream(p);
        }
        generator = JsonFactory.builder().disable(StreamWriteFeature.AUTO_CLOSE_TARGET).build()
            .createGenerator(new BufferedOutputStream(out, 64 * 1024), JsonEncoding.UTF8);
        generator.setRootValueSeparator(null);
    }

    @Override
    public void onEvent(final EventView event) throws IOException
    {
        if (!events)
        {
            return;
        }
        writer.write(event.buffer(), event.offset(), generator);
        generator.writeRaw('\n');
        dirty = true;
    }

    @Override
    public void onBatchEnd() throws IOException
    {
        if (dirty)
        {
            generator.flush();
            dirty = false;
        }
    }

    @Override
    public void close() throws IOException
    {
        if (generator != null)
        {
            generator.flush();
            final Object target = generator.getOutputTarget();
            generator.close();
            if (target instanceof OutputStream && !STDOUT.equals(path))
            {
                ((OutputStream)target).close();
            }
        }
    }
}
