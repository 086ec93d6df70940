package dev.tapio.engine.ring;

import com.lmax.disruptor.AlertException;
import com.lmax.disruptor.Sequence;
import com.lmax.disruptor.SequenceBarrier;
import com.lmax.disruptor.TimeoutException;
import com.lmax.disruptor.WaitStrategy;

import java.util.concurrent.locks.LockSupport;

/**
 * The non-blocking wait strategies (sleeping, yielding, busy-spin) with one addition: a consumer
 * that has waited {@code tickNanos} without a new event gets a {@link TimeoutException}, which the
 * Disruptor turns into {@code EventHandler.onTimeout}. Stages use that tick to do time-driven work
 * on an idle ring (the correlator's wall clock, expiring groups). The idle steps are the
 * Disruptor's own: spin, then {@link Thread#yield()}, then (sleeping) a 100 ns park; the clock is
 * read once every 1,024 idle iterations, so the tick costs nothing while events flow. Producers
 * never signal (no lock on the publishing side), as with the Disruptor's originals.
 *
 * <p>The blocking kind needs no wrapper: it uses {@link com.lmax.disruptor.TimeoutBlockingWaitStrategy}.
 */
public final class IdleTickWaitStrategy implements WaitStrategy
{
    /** What an idle consumer does between checks. */
    public enum Idle
    {
        SPIN, YIELD, SLEEP
    }

    private static final int SPIN_TRIES = 100;
    private static final int YIELD_TRIES = 100;
    private static final int CLOCK_EVERY = 1024;

    private final Idle idle;
    private final long tickNanos;

    public IdleTickWaitStrategy(final Idle idle, final long tickNanos)
    {
        if (tickNanos <= 0)
        {
            throw new IllegalArgumentException("tickNanos must be positive: " + tickNanos);
        }
        this.idle = idle;
        this.tickNanos = tickNanos;
    }

    @Override
    public long waitFor(final long sequence, final Sequence cursor, final Sequence dependentSequence,
        final SequenceBarrier barrier) throws AlertException, InterruptedException, TimeoutException
    {
        long available;
        int tries = 0;
        long deadline = 0;
        while ((available = dependentSequence.get()) < sequence)
        {
            barrier.checkAlert();
            if (idle == Idle.SPIN || tries < SPIN_TRIES)
            {
                Thread.onSpinWait();
            }
            else if (idle == Idle.YIELD || tries < SPIN_TRIES + YIELD_TRIES)
            {
                Thread.yield();
            }
            else
            {
                LockSupport.parkNanos(100);
            }
            if (++tries % CLOCK_EVERY == 0)
            {
                final long now = System.nanoTime();
                if (deadline == 0)
                {
                    deadline = now + tickNanos;
                }
                else if (now - deadline >= 0)
                {
                    throw TimeoutException.INSTANCE;
                }
            }
        }
        return available;
    }

    @Override
    public void signalAllWhenBlocking()
    {
    }

    @Override
    public String toString()
    {
        return "IdleTickWaitStrategy{" + idle + ", tick " + tickNanos + " ns}";
    }
}
