package dev.tapio.exporters.grpc;

import dev.tapio.engine.spi.EventView;
import dev.tapio.engine.spi.GroupView;
import dev.tapio.engine.spi.Sink;

import java.util.Arrays;

/**
 * The fan-out end of Subscribe: a {@link Sink} that copies each enriched event and group record into the
 * bounded buffer of every subscriber whose filter it passes. It never waits: a full buffer ends that
 * subscriber (counted as {@code tapio_grpc_subscribers_ended_total{reason="slow"}}), never the engine.
 *
 * <pre>
 *  fan-out thread ─► SubscriberHub.onEvent ─► filter ─► OneToOneRingBuffer (per subscriber, bytes) ─► drain thread ─► gRPC
 *                                                         full: that subscriber is cut off
 * </pre>
 *
 * <p>Threading: {@code onEvent}/{@code onGroup}/{@code onBatchEnd} on the fan-out thread (no locks, no
 * allocation: the subscriber list is a copy-on-write array read once per record); {@link #add}/{@link #remove}
 * from gRPC and drain threads under a lock that the fan-out thread never takes.
 */
final class SubscriberHub implements Sink
{
    static final String NAME = "grpc";

    private final Object lock = new Object();
    private volatile Subscription[] subscriptions = new Subscription[0];
    private volatile boolean closed;

    @Override
    public String name()
    {
        return NAME;
    }

    @Override
    public void onEvent(final EventView event)
    {
        final Subscription[] subs = subscriptions;
        for (int i = 0; i < subs.length; i++)
        {
            subs[i].offerEvent(event.buffer(), event.offset(), event.length());
        }
    }

    @Override
    public void onGroup(final GroupView group)
    {
        final Subscription[] subs = subscriptions;
        for (int i = 0; i < subs.length; i++)
        {
            subs[i].offerGroup(group.buffer(), group.offset(), group.length());
        }
    }

    @Override
    public void onBatchEnd()
    {
        final Subscription[] subs = subscriptions;
        for (int i = 0; i < subs.length; i++)
        {
            subs[i].wakeIfWritten();
        }
    }

    /** The engine has delivered its last record: subscribers drain what they hold and complete. */
    @Override
    public void close()
    {
        closed = true;
        for (final Subscription s : subscriptions)
        {
            s.engineStopped();
        }
    }

    boolean closed()
    {
        return closed;
    }

    /** Starts feeding a subscription (it sees records from the next one fan-out delivers). */
    void add(final Subscription s)
    {
        synchronized (lock)
        {
            final Subscription[] old = subscriptions;
            final Subscription[] next = Arrays.copyOf(old, old.length + 1);
            next[old.length] = s;
            subscriptions = next;
        }
        if (closed)
        {
            s.engineStopped();
        }
    }

    void remove(final Subscription s)
    {
        synchronized (lock)
        {
            final Subscription[] old = subscriptions;
            int n = 0;
            final Subscription[] next = new Subscription[old.length];
            for (final Subscription x : old)
            {
                if (x != s)
                {
                    next[n++] = x;
                }
            }
            subscriptions = Arrays.copyOf(next, n);
        }
    }

    int size()
    {
        return subscriptions.length;
    }

    Subscription[] snapshot()
    {
        return subscriptions;
    }
}
