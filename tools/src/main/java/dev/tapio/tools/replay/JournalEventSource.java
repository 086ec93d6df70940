package dev.tapio.tools.replay;

import dev.tapio.engine.spi.Publisher;
import dev.tapio.engine.spi.Source;
import dev.tapio.engine.spi.SourceContext;
import dev.tapio.journal.JournalReader;
import org.agrona.DirectBuffer;

import java.io.PrintStream;
import java.nio.file.Path;

/**
 * The source of {@code tapio replay --rules} (what-if): scans a journal with a {@link ReplayScan} on the
 * engine's source thread and publishes every matching event's SBE bytes unchanged ({@link Publisher#publishRaw};
 * the decode stage validates them again), so correlation runs over exactly what the journal holds. The
 * journal's own group records are counted and passed over. The reader is opened on the source thread
 * (Chronicle tailers belong to one thread); the host checks the directory beforehand.
 */
public final class JournalEventSource implements Source
{
    private final Path dir;
    private final ReplayScan.Settings settings;
    private final PatternNames names;
    private final PrintStream err;
    private final boolean progress;
    private final boolean console;
    private volatile ReplayScan scan;
    private volatile Exception failure;

    public JournalEventSource(final Path dir, final ReplayScan.Settings settings, final PatternNames names,
        final PrintStream err, final boolean progress, final boolean console)
    {
        this.dir = dir;
        this.settings = settings.groups(false);
        this.names = names;
        this.err = err;
        this.progress = progress;
        this.console = console;
    }

    @Override
    public String name()
    {
        return "journal";
    }

    @Override
    public dev.tapio.codecs.sbe.Source origin()
    {
        return dev.tapio.codecs.sbe.Source.FILE;
    }

    @Override
    public void run(final SourceContext context)
    {
        final Publisher publisher = context.publisher();
        try (JournalReader reader = JournalReader.open(dir))
        {
            final ReplayScan s = new ReplayScan(reader, settings, new ReplayScan.Output()
            {
                @Override
                public boolean event(final DirectBuffer buffer, final int offset, final int length)
                {
                    return publisher.publishRaw(buffer, offset, length) != Publisher.STOPPED;
                }

                @Override
                public boolean group(final DirectBuffer buffer, final int offset, final int length)
                {
                    return true;
                }
            }, names, err, progress, console);
            scan = s;
            s.run();
        }
        catch (final Exception e)
        {
            failure = e;
        }
    }

    /** The finished scan's counts (after the engine's sources have finished), or null if it never ran. */
    public ReplayScan scan()
    {
        return scan;
    }

    /** What stopped the scan early, or null. */
    public Exception failure()
    {
        return failure;
    }
}
