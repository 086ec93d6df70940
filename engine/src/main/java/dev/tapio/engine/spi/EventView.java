package dev.tapio.engine.spi;

import dev.tapio.codecs.EventFrames;
import dev.tapio.codecs.sbe.EventDecoder;
import dev.tapio.codecs.sbe.MessageHeaderDecoder;
import org.agrona.DirectBuffer;

/**
 * A flyweight over one encoded event in a ring slot, handed to sinks. Valid only during the call
 * that received it. Not thread-safe.
 */
public final class EventView
{
    private final MessageHeaderDecoder header = new MessageHeaderDecoder();
    private final EventDecoder decoder = new EventDecoder();
    private DirectBuffer buffer;
    private int offset;
    private int length;
    private long sequence;

    public EventView wrap(final DirectBuffer buffer, final int offset, final int length, final long sequence)
    {
        this.buffer = buffer;
        this.offset = offset;
        this.length = length;
        this.sequence = sequence;
        return this;
    }

    /** The bytes: an SBE message header followed by the Event. */
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

    /** The ring sequence of this event (monotonic within one engine run). */
    public long sequence()
    {
        return sequence;
    }

    /** A decoder positioned at the start of the event; each call rewinds it. */
    public EventDecoder decoder()
    {
        header.wrap(buffer, offset);
        return decoder.wrap(buffer, offset + EventFrames.HEADER_LENGTH, header.blockLength(), header.version());
    }
}
