package dev.tapio.journal;

import dev.tapio.codecs.EventFrames;
import dev.tapio.codecs.GroupFrames;
import dev.tapio.codecs.sbe.EventDecoder;
import dev.tapio.codecs.sbe.GroupDecoder;
import dev.tapio.codecs.sbe.MessageHeaderDecoder;
import org.agrona.DirectBuffer;

import java.nio.ByteOrder;

/**
 * The journal's record format: one Chronicle document per record, holding exactly the SBE message
 * (header first) as the engine had it, so the header's template id tells an Event from a Group.
 *
 * <pre>
 *  Chronicle document: | 4 B Chronicle header (length, flags) | SBE message header (8 B) | Event or Group body |
 *                                                              ^ the bytes a RecordHandler sees
 * </pre>
 *
 * Stateless; every method reads fixed offsets, never allocates.
 */
public final class JournalRecords
{
    /** Template id of an enriched event record. */
    public static final int EVENT = EventFrames.TEMPLATE_ID;
    /** Template id of a correlation group record. */
    public static final int GROUP = GroupFrames.TEMPLATE_ID;
    /** Returned by {@link #timeOf} for a record that carries no time this code knows. */
    public static final long NO_TIME = Long.MIN_VALUE;

    private static final int TEMPLATE_OFFSET = MessageHeaderDecoder.templateIdEncodingOffset();
    private static final int SCHEMA_OFFSET = MessageHeaderDecoder.schemaIdEncodingOffset();
    private static final int HEADER = MessageHeaderDecoder.ENCODED_LENGTH;
    private static final int EVENT_TIME = HEADER + EventDecoder.timestampEncodingOffset();
    private static final int GROUP_END = HEADER + GroupDecoder.endEncodingOffset();

    private JournalRecords()
    {
    }

    /** The template id, or -1 when the bytes are not a message of Tapio's schema. */
    public static int templateId(final DirectBuffer buffer, final int offset, final int length)
    {
        if (length < HEADER || (buffer.getShort(offset + SCHEMA_OFFSET, ByteOrder.LITTLE_ENDIAN) & 0xFFFF) != EventFrames.SCHEMA_ID)
        {
            return -1;
        }
        return buffer.getShort(offset + TEMPLATE_OFFSET, ByteOrder.LITTLE_ENDIAN) & 0xFFFF;
    }

    /** True for an Event or Group message long enough to hold its fixed block. */
    public static boolean isRecord(final DirectBuffer buffer, final int offset, final int length)
    {
        final int template = templateId(buffer, offset, length);
        return template == EVENT && length >= EventFrames.HEADER_LENGTH + EventFrames.BLOCK_LENGTH ||
            template == GROUP && length >= HEADER + GroupFrames.BLOCK_LENGTH;
    }

    /**
     * The record's event time in epoch nanoseconds: an Event's {@code timestamp}, a Group's {@code end}
     * (the event time of its latest member, about when it was written); {@link #NO_TIME} otherwise.
     */
    public static long timeOf(final DirectBuffer buffer, final int offset, final int length)
    {
        final int template = templateId(buffer, offset, length);
        if (template == EVENT && length >= EVENT_TIME + 8)
        {
            return buffer.getLong(offset + EVENT_TIME, ByteOrder.LITTLE_ENDIAN);
        }
        if (template == GROUP && length >= GROUP_END + 8)
        {
            return buffer.getLong(offset + GROUP_END, ByteOrder.LITTLE_ENDIAN);
        }
        return NO_TIME;
    }
}
