package dev.tapio.bridge;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteOrder;

/**
 * A batch of records under construction, filled by a {@link RecordSource}: the framed bytes of
 * {@code Batch.records} (see {@link RecordFrames}) in one reused heap buffer, plus the record count and
 * the first and last journal index. Reused for every batch, so appending allocates nothing (except once
 * to grow for a single record larger than the batch limit, which is then sent alone).
 *
 * <p>Not thread-safe: used on the bridge's thread only.
 */
public final class RecordBatchBuilder
{
    private final int maxBytes;
    private UnsafeBuffer buffer;
    private int length;
    private int count;
    private long firstIndex;
    private long lastIndex;
    private boolean full;

    public RecordBatchBuilder(final int maxBytes)
    {
        if (maxBytes < RecordFrames.LENGTH_PREFIX + 1)
        {
            throw new IllegalArgumentException("maxBytes " + maxBytes);
        }
        this.maxBytes = maxBytes;
        buffer = new UnsafeBuffer(new byte[maxBytes]);
    }

    /**
     * Appends one record with its journal index.
     *
     * @return {@code false}, appending nothing, when the record's framed length does not fit in what is
     * left of the batch; the caller keeps the record for the next batch. A record that does not fit in
     * an empty batch is accepted alone (the buffer grows).
     */
    public boolean append(final DirectBuffer src, final int offset, final int recordLength, final long index)
    {
        final int at = claim(recordLength, index);
        if (at < 0)
        {
            return false;
        }
        buffer.putBytes(at, src, offset, recordLength);
        return true;
    }

    /**
     * Reserves room for one record of {@code recordLength} bytes and returns the offset in
     * {@link #buffer()} at which the caller must write exactly that many bytes (for a source that encodes
     * or copies straight into the batch), or -1 when it does not fit (as {@link #append} refuses).
     */
    public int claim(final int recordLength, final long index)
    {
        if (recordLength < 0)
        {
            throw new IllegalArgumentException("record length " + recordLength);
        }
        final int framed = RecordFrames.LENGTH_PREFIX + recordLength;
        if (length + framed > maxBytes)
        {
            if (count > 0)
            {
                full = true;
                return -1;
            }
            if (framed > buffer.capacity())
            {
                buffer = new UnsafeBuffer(new byte[framed]);
            }
        }
        buffer.putInt(length, recordLength, ByteOrder.LITTLE_ENDIAN);
        final int at = length + RecordFrames.LENGTH_PREFIX;
        length += framed;
        if (count == 0)
        {
            firstIndex = index;
        }
        lastIndex = index;
        count++;
        return at;
    }

    /** The buffer {@link #claim} offsets refer to. Valid until the next append or claim. */
    public MutableDirectBuffer buffer()
    {
        return buffer;
    }

    /** Bytes still free before the batch limit. */
    public int remainingBytes()
    {
        return Math.max(0, maxBytes - length);
    }

    public int maxBytes()
    {
        return maxBytes;
    }

    public int recordCount()
    {
        return count;
    }

    /** Framed bytes so far. */
    public int byteCount()
    {
        return length;
    }

    /** Whether a record was refused for lack of room, or no record of any length fits any more. */
    public boolean isFull()
    {
        return full || length + RecordFrames.LENGTH_PREFIX >= maxBytes;
    }

    public boolean isEmpty()
    {
        return count == 0;
    }

    /** Journal index of the first record (undefined while empty). */
    public long firstIndex()
    {
        return firstIndex;
    }

    /** Journal index of the last record (undefined while empty). */
    public long lastIndex()
    {
        return lastIndex;
    }

    byte[] array()
    {
        return buffer.byteArray();
    }

    /** Empties the batch for reuse (keeps a grown buffer only if it is the normal size). */
    public void reset()
    {
        if (buffer.capacity() != maxBytes)
        {
            buffer = new UnsafeBuffer(new byte[maxBytes]);
        }
        length = 0;
        count = 0;
        full = false;
    }
}
