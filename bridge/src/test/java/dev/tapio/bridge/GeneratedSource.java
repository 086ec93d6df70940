package dev.tapio.bridge;

import org.agrona.collections.LongArrayList;

/**
 * A {@link RecordSource} over a virtual journal: record at index i is an Event with id
 * {@code idBase + i}. Records up to {@link #release} are available. Remembers every ack.
 */
public final class GeneratedSource implements RecordSource
{
    private final long idBase;
    private volatile long available;
    private long next;
    private volatile long polled;
    private volatile long lastAcked = -1;
    private final LongArrayList acks = new LongArrayList();
    private volatile boolean ackOutOfOrder;
    private volatile Thread pollThread;
    private volatile boolean wrongThread;

    public GeneratedSource(final long idBase, final long available)
    {
        this.idBase = idBase;
        this.available = available;
    }

    /** Makes records up to (excluding) {@code count} available. */
    public void release(final long count)
    {
        available = count;
    }

    @Override
    public int poll(final RecordBatchBuilder batch, final int maxRecords, final int maxBytes)
    {
        checkThread();
        int n = 0;
        final int length = TestRecords.length();
        while (n < maxRecords && next < available)
        {
            final int at = batch.claim(length, next);
            if (at < 0)
            {
                break;
            }
            TestRecords.write(batch.buffer(), at, idBase + next);
            next++;
            n++;
        }
        polled = next;
        return n;
    }

    @Override
    public void ack(final long lastIndex)
    {
        checkThread();
        synchronized (acks)
        {
            if (lastIndex <= lastAcked || lastIndex >= next)
            {
                ackOutOfOrder = true;
            }
            acks.addLong(lastIndex);
        }
        lastAcked = lastIndex;
    }

    private void checkThread()
    {
        final Thread t = Thread.currentThread();
        if (pollThread == null)
        {
            pollThread = t;
        }
        else if (pollThread != t)
        {
            wrongThread = true;
        }
    }

    /** Records handed to the bridge so far. */
    public long polled()
    {
        return polled;
    }

    public long lastAcked()
    {
        return lastAcked;
    }

    public long ackCount()
    {
        synchronized (acks)
        {
            return acks.size();
        }
    }

    /** Whether ack ever went backwards, repeated, or named an index not yet polled. */
    public boolean ackOutOfOrder()
    {
        return ackOutOfOrder;
    }

    /** Whether poll or ack were ever called from two different threads. */
    public boolean calledFromSeveralThreads()
    {
        return wrongThread;
    }
}
