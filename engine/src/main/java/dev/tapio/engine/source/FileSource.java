package dev.tapio.engine.source;

import dev.tapio.codecs.EventDraft;
import dev.tapio.codecs.json.EventFormatException;
import dev.tapio.codecs.json.JsonEventReader;
import dev.tapio.engine.Engine;
import dev.tapio.engine.metrics.EngineCounters;
import dev.tapio.engine.spi.Publisher;
import dev.tapio.engine.spi.Source;
import dev.tapio.engine.spi.SourceContext;

import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Reads JSON Lines (docs/EVENT-FORMAT.md) from a file or stdin and publishes each line as one event.
 * A line that is not a valid event is counted as dropped{reason="malformed_json"} and reported with
 * its line number and the problem (the first ones in full, then counted); the run goes on. Blank
 * lines are not events and are skipped. Lines longer than the limit are dropped as
 * {@code line_too_long}.
 *
 * <p>Threading: {@link #run} on the source's thread only.
 */
public final class FileSource implements Source, Engine.InterruptibleSource
{
    public static final String STDIN = "-";
    public static final String REASON_LINE_TOO_LONG = "line_too_long";

    private final String name;
    private final String path;
    private final int maxLineLength;
    private final JsonEventReader reader = new JsonEventReader();
    private final EventDraft draft = new EventDraft();
    private byte[] line = new byte[8192];
    private volatile long lines;

    public FileSource(final String name, final String path, final int maxLineLength)
    {
        this.name = name;
        this.path = path;
        this.maxLineLength = maxLineLength;
    }

    @Override
    public String name()
    {
        return name;
    }

    @Override
    public dev.tapio.codecs.sbe.Source origin()
    {
        return dev.tapio.codecs.sbe.Source.FILE;
    }

    /** Run again, it would read the file from its start and publish every line a second time. */
    @Override
    public boolean restartable()
    {
        return false;
    }

    /** Lines read so far (blank ones included). */
    public long lines()
    {
        return lines;
    }

    private String displayName()
    {
        return STDIN.equals(path) ? "stdin" : path;
    }

    @Override
    public void run(final SourceContext context) throws IOException
    {
        try (InputStream in = open())
        {
            read(in, context);
        }
    }

    private InputStream open() throws IOException
    {
        if (STDIN.equals(path))
        {
            // An interruptible channel, so that stop() can end a read blocked on a terminal.
            return Channels.newInputStream(new FileInputStream(FileDescriptor.in).getChannel());
        }
        return Files.newInputStream(Path.of(path));
    }

    private void read(final InputStream in, final SourceContext context) throws IOException
    {
        final Publisher publisher = context.publisher();
        final byte[] buf = new byte[64 * 1024];
        int length = 0;
        boolean tooLong = false;
        long lineNo = 0;
        int n;
        while (context.running() && (n = in.read(buf)) > 0)
        {
            int start = 0;
            for (int i = 0; i < n; i++)
            {
                if (buf[i] == '\n')
                {
                    length = append(buf, start, i - start, length, tooLong);
                    tooLong = length < 0;
                    lineNo++;
                    handle(publisher, context, lineNo, tooLong ? -1 : length);
                    length = 0;
                    tooLong = false;
                    start = i + 1;
                }
            }
            length = append(buf, start, n - start, length, tooLong);
            tooLong = length < 0;
            if (tooLong)
            {
                length = 0;
                tooLong = true;
            }
            lines = lineNo;
        }
        if (length > 0 || tooLong)
        {
            lineNo++;
            handle(publisher, context, lineNo, tooLong ? -1 : length);
        }
        lines = lineNo;
    }

    /** Appends to the current line; returns its new length, or -1 once it is over the limit. */
    private int append(final byte[] src, final int offset, final int count, final int length, final boolean tooLong)
    {
        if (tooLong)
        {
            return -1;
        }
        final int newLength = length + count;
        if (newLength > maxLineLength)
        {
            return -1;
        }
        if (newLength > line.length)
        {
            line = java.util.Arrays.copyOf(line, Math.max(newLength, line.length * 2));
        }
        System.arraycopy(src, offset, line, length, count);
        return newLength;
    }

    private void handle(final Publisher publisher, final SourceContext context, final long lineNo, final int length)
    {
        if (length < 0)
        {
            publisher.reject(REASON_LINE_TOO_LONG);
            context.errors().record(name + ": line too long", displayName() + ":" + lineNo + ": line longer than " +
                maxLineLength + " bytes, dropped");
            return;
        }
        int end = length;
        if (end > 0 && line[end - 1] == '\r')
        {
            end--;
        }
        if (isBlank(line, end))
        {
            return;
        }
        try
        {
            reader.read(line, 0, end, draft);
        }
        catch (final EventFormatException e)
        {
            publisher.reject(EngineCounters.REASON_MALFORMED_JSON);
            context.errors().record(name + ": malformed", displayName() + ":" + lineNo + ": " + e.getMessage());
            return;
        }
        final int result = publisher.publish(draft);
        if (result == Publisher.TOO_LARGE)
        {
            context.errors().record(name + ": too large", displayName() + ":" + lineNo + ": event of " +
                draft.encodedLength() + " bytes does not fit a " + publisher.maxEventLength() + "-byte slot, dropped");
        }
    }

    private static boolean isBlank(final byte[] b, final int length)
    {
        for (int i = 0; i < length; i++)
        {
            if (b[i] != ' ' && b[i] != '\t')
            {
                return false;
            }
        }
        return true;
    }
}
