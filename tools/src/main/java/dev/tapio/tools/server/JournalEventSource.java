package dev.tapio.tools.server;

import dev.tapio.engine.spi.Publisher;
import dev.tapio.engine.spi.Source;
import dev.tapio.engine.spi.SourceContext;
import dev.tapio.journal.JournalRecords;
import dev.tapio.journal.JournalSettings;
import dev.tapio.journal.JournalTailer;
import dev.tapio.journal.RecordHandler;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.IdleStrategy;

import java.io.IOException;

/**
 * A {@link Source} that publishes the Event records of a journal, read through a named
 * {@link JournalTailer}, into an engine's ring as they are appended: the server's correlator reads the
 * server journal this way, beside the ingest thread that appends to it. Group records are skipped (a node's
 * own groups are kept in the journal, not correlated again).
 *
 * <p>The tailer is acked after each poll's records were published, so a restarted server resumes after
 * them; correlation state itself is in memory, so groups open when the server stopped are written as open
 * at that stop and do not join events after the restart. Back-pressure: the ring's (block), which slows
 * this reader only; ingest never waits for it.
 *
 * <p>Threading: the tailer is opened by the constructor (so a failure shows at startup) and then used
 * only by the engine's source thread.
 */
public final class JournalEventSource implements Source, RecordHandler
{
    private static final int POLL_LIMIT = 1024;

    private final String name;
    private final JournalTailer tailer;
    private final IdleStrategy idle = new BackoffIdleStrategy(10, 10, 10_000, 1_000_000);
    private Publisher publisher;
    private boolean stopped;
    private long count;
    private long lastHandled = -1;
    private volatile long published;

    public JournalEventSource(final String name, final JournalSettings journal, final String tailerName) throws IOException
    {
        this.name = name;
        this.tailer = JournalTailer.open(journal, tailerName);
    }

    @Override
    public String name()
    {
        return name;
    }

    @Override
    public dev.tapio.codecs.sbe.Source origin()
    {
        return dev.tapio.codecs.sbe.Source.GRPC;
    }

    @Override
    public void run(final SourceContext context)
    {
        publisher = context.publisher();
        while (context.running() && !stopped)
        {
            if (tailer.poll(this, POLL_LIMIT) > 0)
            {
                if (lastHandled >= 0)
                {
                    tailer.ack(lastHandled);
                }
                published = count;
                idle.reset();
            }
            else
            {
                idle.idle();
            }
        }
    }

    @Override
    public void onRecord(final long index, final int templateId, final DirectBuffer buffer, final int offset, final int length)
    {
        if (stopped)
        {
            return;
        }
        if (templateId == JournalRecords.EVENT)
        {
            if (publisher.publishRaw(buffer, offset, length) == Publisher.STOPPED)
            {
                stopped = true;
                return;
            }
            count++;
        }
        lastHandled = index;
    }

    /** Event records handed to the ring so far. */
    public long published()
    {
        return published;
    }

    @Override
    public void close()
    {
        tailer.close();
    }
}
