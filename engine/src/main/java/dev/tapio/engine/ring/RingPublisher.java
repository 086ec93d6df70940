package dev.tapio.engine.ring;

import com.lmax.disruptor.InsufficientCapacityException;
import com.lmax.disruptor.RingBuffer;
import dev.tapio.codecs.EventDraft;
import dev.tapio.codecs.sbe.Source;
import dev.tapio.engine.EngineClock;
import dev.tapio.engine.metrics.EngineCounters;
import dev.tapio.engine.spi.Publisher;
import dev.tapio.engine.spi.SlotWriter;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.status.AtomicCounter;

import java.util.function.BooleanSupplier;

/**
 * {@link Publisher} over the Disruptor ring for one producing thread: claims sequences (blocking or
 * failing fast per the back-pressure policy), lets the caller encode into the slot, stamps the
 * ingest time and id, and publishes. Counts every offer as in and every refusal as dropped.
 */
public final class RingPublisher implements Publisher
{
    private final RingBuffer<Slot> ring;
    private final BackpressurePolicy policy;
    private final EngineClock clock;
    private final EventIds.Block ids;
    private final Source defaultSource;
    private final int slotSize;
    private final BooleanSupplier accepting;
    private final EngineCounters counters;
    private final AtomicCounter in;
    private final AtomicCounter droppedBackpressure;
    private final AtomicCounter droppedTooLarge;
    private final AtomicCounter droppedStopped;

    public RingPublisher(
        final RingBuffer<Slot> ring,
        final int slotSize,
        final String sourceName,
        final Source defaultSource,
        final BackpressurePolicy policy,
        final EngineClock clock,
        final EventIds ids,
        final EngineCounters counters,
        final BooleanSupplier accepting)
    {
        this.ring = ring;
        this.slotSize = slotSize;
        this.defaultSource = defaultSource;
        this.policy = policy;
        this.clock = clock;
        this.ids = ids.newBlock();
        this.accepting = accepting;
        this.counters = counters;
        this.in = counters.eventsIn(sourceName);
        this.droppedBackpressure = counters.dropped(EngineCounters.REASON_BACKPRESSURE);
        this.droppedTooLarge = counters.dropped(EngineCounters.REASON_TOO_LARGE);
        this.droppedStopped = counters.dropped(EngineCounters.REASON_STOPPED);
    }

    @Override
    public int maxEventLength()
    {
        return slotSize;
    }

    @Override
    public int publish(final EventDraft draft)
    {
        in.incrementRelease();
        if (draft.encodedLength() > slotSize || draft.exceedsFieldLimits())
        {
            droppedTooLarge.increment();
            return TOO_LARGE;
        }
        final long seq = claim(1);
        if (seq < 0)
        {
            return (int)seq;
        }
        final Slot slot = ring.get(seq);
        final long now = clock.nanoTime();
        slot.length = draft.encode(slot.buffer, 0, slotSize, clock.toEpochNanos(now), ids.next(), defaultSource);
        slot.status = Slot.OK;
        slot.originNanos = now;
        ring.publish(seq);
        return ACCEPTED;
    }

    @Override
    public <A> int publish(final SlotWriter<A> writer, final A arg)
    {
        final int n = publishBatch(writer, arg, 1, 0, 0);
        return n == 1 ? ACCEPTED : n == 0 ? TOO_LARGE : n;
    }

    @Override
    public <A> int publishBatch(
        final SlotWriter<A> writer, final A arg, final int count, final long originNanos, final long originStepNanos)
    {
        final int max = ring.getBufferSize();
        if (count > max)
        {
            int accepted = 0;
            for (int done = 0; done < count; done += max)
            {
                final int chunk = Math.min(max, count - done);
                final int r = publishBatch(writer, arg, chunk, originNanos == 0 ? 0 : originNanos + done * originStepNanos,
                    originStepNanos);
                accepted += Math.max(0, r);
            }
            return accepted;
        }
        final int n = count;
        in.getAndAddRelease(n);
        final long hi = claim(n);
        if (hi < 0)
        {
            if (n > 1)
            {
                // claim() counted one; the whole batch is refused.
                (hi == BACK_PRESSURED ? droppedBackpressure : droppedStopped).getAndAdd(n - 1);
            }
            return (int)hi;
        }
        final long lo = hi - n + 1;
        final long now = clock.nanoTime();
        final long epoch = clock.toEpochNanos(now);
        int accepted = 0;
        for (long seq = lo; seq <= hi; seq++)
        {
            final int index = (int)(seq - lo);
            final Slot slot = ring.get(seq);
            final MutableDirectBuffer buffer = slot.buffer;
            final int length = writer.write(buffer, slotSize, epoch, ids.next(), index, arg);
            slot.originNanos = originNanos == 0 ? now : originNanos + index * originStepNanos;
            if (length < 0 || length > slotSize)
            {
                slot.length = 0;
                slot.status = Slot.VOID_TOO_LARGE;
                droppedTooLarge.increment();
            }
            else
            {
                slot.length = length;
                slot.status = Slot.OK;
                accepted++;
            }
        }
        ring.publish(lo, hi);
        return accepted;
    }

    @Override
    public int publishRaw(final DirectBuffer src, final int offset, final int length)
    {
        in.incrementRelease();
        if (length > slotSize)
        {
            droppedTooLarge.increment();
            return TOO_LARGE;
        }
        final long seq = claim(1);
        if (seq < 0)
        {
            return (int)seq;
        }
        final Slot slot = ring.get(seq);
        slot.buffer.putBytes(0, src, offset, length);
        slot.length = length;
        slot.status = Slot.OK;
        slot.originNanos = clock.nanoTime();
        ring.publish(seq);
        return ACCEPTED;
    }

    @Override
    public void reject(final String reason)
    {
        in.incrementRelease();
        counters.dropped(reason).increment();
    }

    /** Claims n sequences and returns the highest, or a negative code (counted once). */
    private long claim(final int n)
    {
        if (!accepting.getAsBoolean())
        {
            droppedStopped.increment();
            return STOPPED;
        }
        if (policy == BackpressurePolicy.BLOCK)
        {
            return ring.next(n);
        }
        try
        {
            return ring.tryNext(n);
        }
        catch (final InsufficientCapacityException e)
        {
            droppedBackpressure.increment();
            return BACK_PRESSURED;
        }
    }
}
