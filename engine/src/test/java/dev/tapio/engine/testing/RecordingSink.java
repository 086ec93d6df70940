package dev.tapio.engine.testing;

import dev.tapio.engine.spi.EventView;
import dev.tapio.engine.spi.Sink;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A sink that records what reaches it: each event's id and ring sequence, and optionally a copy of
 * its bytes. It can hold the fan-out thread on a gate (a latch) before handling each event, to let
 * events pile up in the ring. Thread-safe for reading from the test thread.
 */
public final class RecordingSink implements Sink
{
    /** How long a gated sink waits before giving up, so that a failing test cannot hang the build. */
    private static final long GATE_TIMEOUT_SECONDS = 10;

    private final String name;
    private final boolean keepBytes;
    private final List<Long> ids = new ArrayList<>();
    private final List<Long> sequences = new ArrayList<>();
    private final List<byte[]> events = new ArrayList<>();
    private final CountDownLatch firstEvent = new CountDownLatch(1);
    private volatile CountDownLatch gate;
    private volatile boolean opened;
    private volatile boolean closed;

    public RecordingSink(final String name)
    {
        this(name, false);
    }

    public RecordingSink(final String name, final boolean keepBytes)
    {
        this.name = name;
        this.keepBytes = keepBytes;
    }

    /** Holds every event until the returned latch is counted down. */
    public CountDownLatch gate()
    {
        final CountDownLatch g = new CountDownLatch(1);
        gate = g;
        return g;
    }

    @Override
    public String name()
    {
        return name;
    }

    @Override
    public void open()
    {
        opened = true;
    }

    @Override
    public void onEvent(final EventView event) throws InterruptedException
    {
        firstEvent.countDown();
        final CountDownLatch g = gate;
        if (g != null && !g.await(GATE_TIMEOUT_SECONDS, TimeUnit.SECONDS))
        {
            throw new IllegalStateException("sink " + name + ": gate never opened");
        }
        final long id = event.decoder().eventId();
        byte[] copy = null;
        if (keepBytes)
        {
            copy = new byte[event.length()];
            event.buffer().getBytes(event.offset(), copy);
        }
        synchronized (this)
        {
            ids.add(id);
            sequences.add(event.sequence());
            if (copy != null)
            {
                events.add(copy);
            }
        }
    }

    @Override
    public void close()
    {
        closed = true;
    }

    /** Waits until the first event reached the sink (it may be held at the gate). */
    public boolean awaitFirstEvent(final long seconds) throws InterruptedException
    {
        return firstEvent.await(seconds, TimeUnit.SECONDS);
    }

    public synchronized List<Long> ids()
    {
        return new ArrayList<>(ids);
    }

    public synchronized List<Long> sequences()
    {
        return new ArrayList<>(sequences);
    }

    /** Copies of the events' bytes (header first), in arrival order; only when made with keepBytes. */
    public synchronized List<byte[]> events()
    {
        return new ArrayList<>(events);
    }

    public synchronized int count()
    {
        return ids.size();
    }

    public boolean opened()
    {
        return opened;
    }

    public boolean closed()
    {
        return closed;
    }
}
