package dev.tapio.engine.stage;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.AtomicBuffer;
import org.agrona.concurrent.ControlledMessageHandler;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.OneToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;

import java.nio.ByteBuffer;

/**
 * Group records on their way from one pipeline thread to the next, each tagged with the ring sequence
 * of the event it must follow: the writer offers a record "after sequence s", the reader takes it only
 * once it has itself handed event s on. So group records keep their place among the events whichever
 * thread runs which stage: a group closed by event s never reaches a sink before event s does.
 *
 * <pre>
 *   correlate ──(tag: the event it was processing)──► fan-out ──(tag: the event it just delivered)──► sink lane
 * </pre>
 *
 * One writer thread, one reader thread (Agrona {@link OneToOneRingBuffer}); no allocation per record.
 */
public final class SequencedRecords
{
    /** Receives one record; the buffer is valid only during the call. */
    @FunctionalInterface
    public interface Delivery
    {
        void onRecord(DirectBuffer buffer, int offset, int length);
    }

    private static final int MSG_TYPE = 1;
    private static final int TAG_LENGTH = Long.BYTES;

    private final OneToOneRingBuffer ring;
    private final ControlledMessageHandler handler = this::onMessage;
    private long upTo;
    private Delivery delivery;

    public SequencedRecords(final int capacityBytes)
    {
        this.ring = new OneToOneRingBuffer(new UnsafeBuffer(
            ByteBuffer.allocateDirect(capacityBytes + RingBufferDescriptor.TRAILER_LENGTH)));
    }

    /** Writer thread: false when the buffer is full (or the record larger than an eighth of it). */
    public boolean offer(final long afterSequence, final DirectBuffer buffer, final int offset, final int length)
    {
        if (length + TAG_LENGTH > ring.maxMsgLength())
        {
            return false;
        }
        final int index = ring.tryClaim(MSG_TYPE, length + TAG_LENGTH);
        if (index <= 0)
        {
            return false;
        }
        final AtomicBuffer b = ring.buffer();
        b.putLong(index, afterSequence);
        b.putBytes(index + TAG_LENGTH, buffer, offset, length);
        ring.commit(index);
        return true;
    }

    /** Reader thread: hands on, in order, every record that follows an event up to {@code sequence}. */
    public void drainUpTo(final long sequence, final Delivery delivery)
    {
        if (ring.size() == 0)
        {
            return;
        }
        this.upTo = sequence;
        this.delivery = delivery;
        try
        {
            while (ring.controlledRead(handler) > 0)
            {
                // until empty or the next record follows a later event
            }
        }
        finally
        {
            this.delivery = null;
        }
    }

    /** Reader thread (or any thread once the writer has stopped): hands on every record. */
    public void drainAll(final Delivery delivery)
    {
        drainUpTo(Long.MAX_VALUE, delivery);
    }

    public boolean isEmpty()
    {
        return ring.size() == 0;
    }

    public int capacity()
    {
        return ring.capacity();
    }

    private ControlledMessageHandler.Action onMessage(
        final int msgTypeId, final MutableDirectBuffer buffer, final int index, final int length)
    {
        if (buffer.getLong(index) > upTo)
        {
            return ControlledMessageHandler.Action.ABORT;
        }
        delivery.onRecord(buffer, index + TAG_LENGTH, length - TAG_LENGTH);
        return ControlledMessageHandler.Action.CONTINUE;
    }
}
