package dev.tapio.engine.correlate;

import dev.tapio.codecs.EventFrames;
import dev.tapio.codecs.sbe.EventDecoder;
import org.agrona.DirectBuffer;

import java.nio.ByteOrder;

/**
 * A flyweight over one validated, encoded event that locates every string once (var data and
 * attributes, as offsets into the buffer) so that predicates and key building compare bytes in
 * place. Nothing is copied and nothing is allocated per event. Not thread-safe: one per
 * correlating thread.
 *
 * <pre>
 *   | header | block | attributes (key,value)* | related (id)* | node ns pod podUid container ... |
 *                     ^attrOffset[i]            ^relatedHeader  ^varOffset[0..9]
 * </pre>
 */
public final class EventFields
{
    public static final int NODE = 0;
    public static final int NAMESPACE = 1;
    public static final int POD = 2;
    public static final int POD_UID = 3;
    public static final int CONTAINER = 4;
    public static final int CONTAINER_ID = 5;
    public static final int UNIT = 6;
    public static final int COMM = 7;
    public static final int MESSAGE = 8;
    public static final int TYPE_NAME = 9;
    static final String[] VAR_NAMES = {
        "node", "namespace", "pod", "podUid", "container", "containerId", "unit", "comm", "message", "typeName" };

    /** Attributes beyond this many are not visible to predicates and entity lookups. */
    public static final int MAX_ATTRIBUTES = 64;

    private final int[] varOffset = new int[EventFrames.VAR_FIELDS];
    private final int[] varLength = new int[EventFrames.VAR_FIELDS];
    private final int[] keyOffset = new int[MAX_ATTRIBUTES];
    private final int[] keyLength = new int[MAX_ATTRIBUTES];
    private final int[] valueOffset = new int[MAX_ATTRIBUTES];
    private final int[] valueLength = new int[MAX_ATTRIBUTES];
    private DirectBuffer buffer;
    private int offset;
    private int length;
    private int attributeCount;
    private int relatedHeader;
    private int block;
    private boolean parsed;

    /**
     * Wraps the event at {@code offset} (header first); the bytes must have passed EventFrames.validate.
     * Only the fixed block is located here: attributes and var data are located on first use, so an
     * event no pattern cares about costs a few loads.
     */
    public EventFields wrap(final DirectBuffer buffer, final int offset, final int length)
    {
        this.buffer = buffer;
        this.offset = offset;
        this.length = length;
        block = offset + EventFrames.HEADER_LENGTH;
        parsed = false;
        return this;
    }

    private void parse()
    {
        final DirectBuffer buffer = this.buffer;
        final int blockLength = buffer.getShort(offset, ByteOrder.LITTLE_ENDIAN) & 0xFFFF;
        int p = block + blockLength;
        final int entryBlock = buffer.getShort(p, ByteOrder.LITTLE_ENDIAN) & 0xFFFF;
        final int count = buffer.getShort(p + 2, ByteOrder.LITTLE_ENDIAN) & 0xFFFF;
        p += EventFrames.GROUP_HEADER_LENGTH;
        int n = 0;
        for (int i = 0; i < count; i++)
        {
            p += entryBlock;
            final int kl = buffer.getShort(p, ByteOrder.LITTLE_ENDIAN) & 0xFFFF;
            final int ko = p + EventFrames.VAR_LENGTH_PREFIX;
            p = ko + kl;
            final int vl = buffer.getShort(p, ByteOrder.LITTLE_ENDIAN) & 0xFFFF;
            final int vo = p + EventFrames.VAR_LENGTH_PREFIX;
            p = vo + vl;
            if (n < MAX_ATTRIBUTES)
            {
                keyOffset[n] = ko;
                keyLength[n] = kl;
                valueOffset[n] = vo;
                valueLength[n] = vl;
                n++;
            }
        }
        attributeCount = n;
        relatedHeader = p;
        final int relatedBlock = buffer.getShort(p, ByteOrder.LITTLE_ENDIAN) & 0xFFFF;
        final int relatedCount = buffer.getShort(p + 2, ByteOrder.LITTLE_ENDIAN) & 0xFFFF;
        p += EventFrames.GROUP_HEADER_LENGTH + relatedBlock * relatedCount;
        for (int i = 0; i < EventFrames.VAR_FIELDS; i++)
        {
            final int l = buffer.getShort(p, ByteOrder.LITTLE_ENDIAN) & 0xFFFF;
            varOffset[i] = p + EventFrames.VAR_LENGTH_PREFIX;
            varLength[i] = l;
            p += EventFrames.VAR_LENGTH_PREFIX + l;
        }
        parsed = true;
    }

    public DirectBuffer buffer()
    {
        return buffer;
    }

    public int offset()
    {
        return offset;
    }

    public int length()
    {
        return length;
    }

    /** Absolute offset of the related group's header. */
    public int relatedHeaderOffset()
    {
        if (!parsed)
        {
            parse();
        }
        return relatedHeader;
    }

    public int relatedCount()
    {
        if (!parsed)
        {
            parse();
        }
        return buffer.getShort(relatedHeader + 2, ByteOrder.LITTLE_ENDIAN) & 0xFFFF;
    }

    public long eventId()
    {
        return buffer.getLong(block + EventDecoder.eventIdEncodingOffset(), ByteOrder.LITTLE_ENDIAN);
    }

    public long timestamp()
    {
        return buffer.getLong(block + EventDecoder.timestampEncodingOffset(), ByteOrder.LITTLE_ENDIAN);
    }

    public int typeRaw()
    {
        return buffer.getShort(block + EventDecoder.eventTypeEncodingOffset(), ByteOrder.LITTLE_ENDIAN) & 0xFFFF;
    }

    public int severityRaw()
    {
        return buffer.getByte(block + EventDecoder.severityEncodingOffset()) & 0xFF;
    }

    public int pid()
    {
        return buffer.getInt(block + EventDecoder.pidEncodingOffset(), ByteOrder.LITTLE_ENDIAN);
    }

    public int ppid()
    {
        return buffer.getInt(block + EventDecoder.ppidEncodingOffset(), ByteOrder.LITTLE_ENDIAN);
    }

    public long uid()
    {
        return buffer.getInt(block + EventDecoder.uidEncodingOffset(), ByteOrder.LITTLE_ENDIAN) & 0xFFFF_FFFFL;
    }

    public int exitCode()
    {
        return buffer.getInt(block + EventDecoder.exitCodeEncodingOffset(), ByteOrder.LITTLE_ENDIAN);
    }

    public long cgroupId()
    {
        return buffer.getLong(block + EventDecoder.cgroupIdEncodingOffset(), ByteOrder.LITTLE_ENDIAN);
    }

    public long traceIdHi()
    {
        return buffer.getLong(block + EventDecoder.traceIdEncodingOffset(), ByteOrder.LITTLE_ENDIAN);
    }

    public long traceIdLo()
    {
        return buffer.getLong(block + EventDecoder.traceIdEncodingOffset() + 8, ByteOrder.LITTLE_ENDIAN);
    }

    public long spanId()
    {
        return buffer.getLong(block + EventDecoder.spanIdEncodingOffset(), ByteOrder.LITTLE_ENDIAN);
    }

    /** Absolute offset of the fixed block (for writing fields in place). */
    public int blockOffset()
    {
        return block;
    }

    public int varOffset(final int field)
    {
        if (!parsed)
        {
            parse();
        }
        return varOffset[field];
    }

    public int varLength(final int field)
    {
        if (!parsed)
        {
            parse();
        }
        return varLength[field];
    }

    public int attributeCount()
    {
        if (!parsed)
        {
            parse();
        }
        return attributeCount;
    }

    /** Index of the first attribute whose key equals {@code key}, or -1. */
    public int attribute(final byte[] key)
    {
        if (!parsed)
        {
            parse();
        }
        for (int i = 0; i < attributeCount; i++)
        {
            if (Bytes.equals(buffer, keyOffset[i], keyLength[i], key))
            {
                return i;
            }
        }
        return -1;
    }

    public int attributeValueOffset(final int index)
    {
        if (!parsed)
        {
            parse();
        }
        return valueOffset[index];
    }

    public int attributeValueLength(final int index)
    {
        if (!parsed)
        {
            parse();
        }
        return valueLength[index];
    }
}
