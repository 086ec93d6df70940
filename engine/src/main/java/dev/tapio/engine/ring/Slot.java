package dev.tapio.engine.ring;

import org.agrona.concurrent.UnsafeBuffer;

/**
 * One entry of the ring: a view of a fixed-size region of the ring's single off-heap buffer plus
 * the little the stages need beside the SBE bytes. Pre-allocated once; producers encode straight
 * into {@link #buffer}. Owned by whichever stage the Disruptor's sequences say owns it.
 */
public final class Slot
{
    /** The slot holds a valid event (so far). */
    public static final int OK = 0;
    /** A producer could not fit its event; already counted as too_large. */
    public static final int VOID_TOO_LARGE = 1;
    /** The decode stage rejected the bytes; already counted as malformed. */
    public static final int VOID_MALFORMED = 2;

    /** The slot's bytes: offset 0 up to the slot size. */
    public final UnsafeBuffer buffer;
    /** Encoded length of the event in the slot. */
    public int length;
    /** {@link #OK} or the reason the event is skipped. */
    public int status;
    /** Monotonic ns from which added latency is measured (publish time or intended send time). */
    public long originNanos;

    Slot(final UnsafeBuffer buffer)
    {
        this.buffer = buffer;
    }
}
