package dev.tapio.engine.stage;

import com.lmax.disruptor.EventProcessor;
import com.lmax.disruptor.RingBuffer;
import com.lmax.disruptor.Sequence;
import com.lmax.disruptor.SequenceBarrier;
import com.lmax.disruptor.Sequencer;
import dev.tapio.engine.ring.Slot;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.IdleStrategy;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The ring consumer of a {@link SinkLaneStage}: follows fan-out's sequence and, when it has nothing
 * to do, backs off with Agrona's {@link BackoffIdleStrategy} (spin, yield, then park from 1 µs up to
 * {@link #MAX_PARK_NANOS}) instead of the Disruptor's barrier wait.
 *
 * <p>Why not a plain {@code BatchEventProcessor}: every Disruptor wait strategy waits for the ring's
 * cursor politely but busy-spins while a consumer it depends on (fan-out) has not caught up, which is
 * nearly always the case for a consumer one step behind. On two cores that spin takes the CPU the
 * stages need. A sink lane is not on the latency path (fan-out's other sinks are), so it may sleep:
 * it picks up records within about {@code MAX_PARK_NANOS} of fan-out when idle, at once when busy.
 *
 * <p>Works with {@code Disruptor.shutdown}: the processor's sequence is a gating sequence of the ring
 * and is in the Disruptor's consumer repository, so the drain waits for it, and {@link #halt()} stops it.
 * The lane's idle tick ({@link StageHandler#onTimeout}) comes every millisecond or so while the ring
 * is quiet, which is when group records from fan-out's idle tick reach the sink.
 */
public final class SinkLaneProcessor implements EventProcessor
{
    public static final long MAX_PARK_NANOS = TimeUnit.MILLISECONDS.toNanos(1);
    /** At most this many slots per batch, so the lane releases slots to producers as it goes. */
    static final int MAX_BATCH = 4096;

    private static final int IDLE = 0;
    private static final int HALTED = 1;
    private static final int RUNNING = 2;

    private final Sequence sequence = new Sequence(Sequencer.INITIAL_CURSOR_VALUE);
    private final RingBuffer<Slot> ring;
    private final SequenceBarrier barrier;
    private final StageHandler handler;
    private final IdleStrategy idle = new BackoffIdleStrategy(64, 16, 1_000, MAX_PARK_NANOS);
    private final AtomicInteger state = new AtomicInteger(IDLE);

    public SinkLaneProcessor(final RingBuffer<Slot> ring, final SequenceBarrier barrier, final StageHandler handler)
    {
        this.ring = ring;
        this.barrier = barrier;
        this.handler = handler;
    }

    @Override
    public Sequence getSequence()
    {
        return sequence;
    }

    @Override
    public void halt()
    {
        state.set(HALTED);
        barrier.alert();
    }

    @Override
    public boolean isRunning()
    {
        return state.get() != IDLE;
    }

    @Override
    public void run()
    {
        if (!state.compareAndSet(IDLE, RUNNING))
        {
            if (state.get() == RUNNING)
            {
                throw new IllegalStateException("sink lane already running");
            }
            // halted before it started: run the lifecycle, process nothing
            handler.onStart();
            handler.onShutdown();
            state.set(IDLE);
            return;
        }
        barrier.clearAlert();
        handler.onStart();
        try
        {
            loop();
        }
        finally
        {
            handler.onShutdown();
            state.set(IDLE);
        }
    }

    private void loop()
    {
        long next = sequence.get() + 1;
        long lastTick = System.nanoTime();
        while (state.get() == RUNNING)
        {
            // Everything up to fan-out's sequence is published and enriched (fan-out passed it).
            final long available = barrier.getCursor();
            if (available >= next)
            {
                final long end = Math.min(available, next + MAX_BATCH - 1);
                for (long s = next; s <= end; s++)
                {
                    handler.onEvent(ring.get(s), s, s == end);
                }
                sequence.set(end);
                next = end + 1;
                idle.reset();
            }
            else
            {
                idle.idle();
                final long now = System.nanoTime();
                if (now - lastTick >= MAX_PARK_NANOS)
                {
                    lastTick = now;
                    handler.onTimeout(next - 1);
                }
            }
        }
    }
}
