package dev.tapio.engine.stage;

import dev.tapio.codecs.EventFrames;
import dev.tapio.codecs.sbe.EventEncoder;
import dev.tapio.engine.metrics.EngineCounters;
import dev.tapio.engine.ring.Slot;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.status.AtomicCounter;

import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * Third stage: stamps node identity. Sets the numeric node id on every event and, when an event
 * carries no node name (kernel and synthetic events do not know it), inserts this node's name into
 * the {@code nodeName} var data, moving the later var data along within the slot. When the slot has
 * no room for the name, the event keeps going without it and {@code tapio_enrich_overflow_total}
 * counts it.
 */
public final class EnrichStage implements Stage
{
    private final long nodeId;
    private final byte[] nodeName;
    private final byte[] scratch;
    private final int slotSize;
    private final AtomicCounter overflow;
    private final EventEncoder encoder = new EventEncoder();

    public EnrichStage(final long nodeId, final String nodeName, final int slotSize, final EngineCounters counters)
    {
        this.nodeId = nodeId;
        this.nodeName = nodeName.getBytes(StandardCharsets.UTF_8);
        this.slotSize = slotSize;
        this.scratch = new byte[slotSize];
        this.overflow = counters.counter(EngineCounters.ENRICH_OVERFLOW);
    }

    @Override
    public String name()
    {
        return "enrich";
    }

    @Override
    public void onSlot(final Slot slot, final long sequence)
    {
        if (slot.status != Slot.OK)
        {
            return;
        }
        final UnsafeBuffer b = slot.buffer;
        encoder.wrap(b, EventFrames.HEADER_LENGTH).nodeId(nodeId);
        if (nodeName.length == 0)
        {
            return;
        }
        final int blockLength = b.getShort(0, ByteOrder.LITTLE_ENDIAN) & 0xFFFF;
        int p = EventFrames.HEADER_LENGTH + blockLength;
        final int entryBlock = b.getShort(p, ByteOrder.LITTLE_ENDIAN) & 0xFFFF;
        final int count = b.getShort(p + 2, ByteOrder.LITTLE_ENDIAN) & 0xFFFF;
        p += EventFrames.GROUP_HEADER_LENGTH;
        for (int i = 0; i < count; i++)
        {
            p += entryBlock;
            p += EventFrames.VAR_LENGTH_PREFIX + (b.getShort(p, ByteOrder.LITTLE_ENDIAN) & 0xFFFF);
            p += EventFrames.VAR_LENGTH_PREFIX + (b.getShort(p, ByteOrder.LITTLE_ENDIAN) & 0xFFFF);
        }
        final int relatedBlock = b.getShort(p, ByteOrder.LITTLE_ENDIAN) & 0xFFFF;
        final int relatedCount = b.getShort(p + 2, ByteOrder.LITTLE_ENDIAN) & 0xFFFF;
        p += EventFrames.GROUP_HEADER_LENGTH + relatedBlock * relatedCount;
        // p: the nodeName length prefix.
        if ((b.getShort(p, ByteOrder.LITTLE_ENDIAN) & 0xFFFF) != 0)
        {
            return;
        }
        final int add = nodeName.length;
        if (slot.length + add > slotSize)
        {
            overflow.increment();
            return;
        }
        final int tail = p + EventFrames.VAR_LENGTH_PREFIX;
        final int tailLength = slot.length - tail;
        b.getBytes(tail, scratch, 0, tailLength);
        b.putShort(p, (short)add, ByteOrder.LITTLE_ENDIAN);
        b.putBytes(tail, nodeName);
        b.putBytes(tail + add, scratch, 0, tailLength);
        slot.length += add;
    }
}
