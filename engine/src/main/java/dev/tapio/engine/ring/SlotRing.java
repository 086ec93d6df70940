package dev.tapio.engine.ring;

import com.lmax.disruptor.EventFactory;
import org.agrona.BufferUtil;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteBuffer;

/**
 * The memory behind the ring: one aligned off-heap buffer cut into {@code ringSize} slots of
 * {@code slotSize} bytes, and the factory the Disruptor uses to pre-allocate one {@link Slot} view
 * per region, in sequence order.
 *
 * <pre>
 *   off-heap: | slot 0 (slotSize) | slot 1 | ... | slot ringSize-1 |
 *   ring:       Slot[0] ──────────┘  Slot[1] ...   (sequence &amp; (ringSize-1) → slot)
 * </pre>
 */
public final class SlotRing implements EventFactory<Slot>
{
    public static final int ALIGNMENT = 64;

    private final ByteBuffer memory;
    private final int ringSize;
    private final int slotSize;
    private int created;

    public SlotRing(final int ringSize, final int slotSize)
    {
        if (Integer.bitCount(ringSize) != 1)
        {
            throw new IllegalArgumentException("ring size must be a power of two: " + ringSize);
        }
        if ((long)ringSize * slotSize > Integer.MAX_VALUE - ALIGNMENT)
        {
            throw new IllegalArgumentException("ring size x slot size exceeds 2 GiB");
        }
        this.ringSize = ringSize;
        this.slotSize = slotSize;
        this.memory = BufferUtil.allocateDirectAligned(ringSize * slotSize, ALIGNMENT);
    }

    @Override
    public Slot newInstance()
    {
        if (created == ringSize)
        {
            throw new IllegalStateException("the ring asked for more slots than it has");
        }
        final Slot slot = new Slot(new UnsafeBuffer(memory, created * slotSize, slotSize));
        created++;
        return slot;
    }

    public int ringSize()
    {
        return ringSize;
    }

    public int slotSize()
    {
        return slotSize;
    }

    /** Off-heap bytes held. */
    public long bytes()
    {
        return (long)ringSize * slotSize;
    }
}
