package dev.tapio.engine.spi;

import dev.tapio.codecs.sbe.GroupDecoder;
import dev.tapio.codecs.sbe.MessageHeaderDecoder;
import org.agrona.DirectBuffer;

/**
 * A flyweight over one encoded correlation group record (an SBE {@code Group} message, header
 * first), handed to sinks. Valid only during the call that received it. Not thread-safe.
 */
public final class GroupView
{
    private final MessageHeaderDecoder header = new MessageHeaderDecoder();
    private final GroupDecoder decoder = new GroupDecoder();
    private DirectBuffer buffer;
    private int offset;
    private int length;

    public GroupView wrap(final DirectBuffer buffer, final int offset, final int length)
    {
        this.buffer = buffer;
        this.offset = offset;
        this.length = length;
        return this;
    }

    /** The bytes: an SBE message header followed by the Group. */
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

    /** A decoder positioned at the start of the group; each call rewinds it. */
    public GroupDecoder decoder()
    {
        header.wrap(buffer, offset);
        return decoder.wrap(buffer, offset + MessageHeaderDecoder.ENCODED_LENGTH, header.blockLength(), header.version());
    }
}
