package dev.tapio.bridge;

import dev.tapio.bridge.server.IngestContext;
import dev.tapio.bridge.server.RecordSink;
import org.agrona.DirectBuffer;
import org.agrona.collections.LongArrayList;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A {@link RecordSink} that keeps the event id of every appended record, can block inside an append
 * (to stop a server mid-batch) or fail a flush, and remembers the trace context of the last flush.
 */
public final class CollectingSink implements RecordSink
{
    private final LongArrayList ids = new LongArrayList();
    private volatile long blockAt = -1;
    private final CountDownLatch blocked = new CountDownLatch(1);
    private final CountDownLatch release = new CountDownLatch(1);
    private volatile int failFlushes;
    private volatile String traceparent;
    private volatile long flushes;
    private int flushedSize;

    @Override
    public void append(final DirectBuffer buffer, final int offset, final int length)
    {
        final int n;
        synchronized (ids)
        {
            ids.addLong(TestRecords.eventId(buffer, offset));
            n = ids.size();
        }
        if (n == blockAt)
        {
            blocked.countDown();
            try
            {
                if (!release.await(30, TimeUnit.SECONDS))
                {
                    throw new IllegalStateException("sink never released");
                }
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public void flush()
    {
        traceparent = IngestContext.traceparent();
        if (failFlushes > 0)
        {
            failFlushes--;
            truncate(flushedSize); // like a journal whose unflushed tail was lost
            throw new IllegalStateException("journal flush failed (test)");
        }
        flushedSize = size();
        flushes++;
    }

    /** Blocks the append that brings the count to {@code n} until {@link #release()}. */
    public void blockAt(final long n)
    {
        blockAt = n;
    }

    public boolean awaitBlocked(final long seconds) throws InterruptedException
    {
        return blocked.await(seconds, TimeUnit.SECONDS);
    }

    public void release()
    {
        release.countDown();
    }

    public void failNextFlushes(final int n)
    {
        failFlushes = n;
    }

    private void truncate(final int size)
    {
        synchronized (ids)
        {
            while (ids.size() > size)
            {
                ids.removeAt(ids.size() - 1);
            }
        }
    }

    public long[] ids()
    {
        synchronized (ids)
        {
            return ids.toLongArray();
        }
    }

    public int size()
    {
        synchronized (ids)
        {
            return ids.size();
        }
    }

    public String lastTraceparent()
    {
        return traceparent;
    }

    public long flushes()
    {
        return flushes;
    }
}
