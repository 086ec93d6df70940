package dev.tapio.codecs;

import dev.tapio.codecs.sbe.GroupDecoder;
import dev.tapio.codecs.sbe.GroupEncoder;
import dev.tapio.codecs.sbe.GroupStatus;
import dev.tapio.codecs.sbe.ImpactDecoder;
import org.agrona.DirectBuffer;

import java.nio.ByteOrder;

/**
 * Layout facts about an encoded {@code Group} message (one correlation group, template id 2) and a
 * validator that checks untrusted bytes before a decoder or {@code JsonGroupWriter} touches them.
 * Validation returns the {@link EventFrames} codes ({@link EventFrames#reason(int)} names them)
 * instead of throwing. Stateless and thread-safe.
 *
 * <pre>
 *   header (8) | block (BLOCK_LENGTH) | group header (4) | (i64 eventId, i64 timestamp, u8 step)*
 *              | group header (4) | (u16 len, text)* | (u16 len, bytes) x 4
 * </pre>
 */
public final class GroupFrames
{
    public static final int TEMPLATE_ID = GroupEncoder.TEMPLATE_ID;
    public static final int BLOCK_LENGTH = GroupEncoder.BLOCK_LENGTH;
    /** Bytes of one entry of the {@code members} group: event id, event time, step index. */
    public static final int MEMBER_ENTRY_LENGTH = GroupEncoder.MembersEncoder.sbeBlockLength();
    /** Var-data fields after the groups, in schema order: patternName, outcome, groupKey, rootCauseSummary. */
    public static final int VAR_FIELDS = 4;
    /** Bytes of a Group with no members, no actions and every string empty. */
    public static final int MIN_ENCODED_LENGTH = EventFrames.HEADER_LENGTH + BLOCK_LENGTH +
        2 * EventFrames.GROUP_HEADER_LENGTH + VAR_FIELDS * EventFrames.VAR_LENGTH_PREFIX;

    private static final int TEMPLATE_ID_OFFSET = 2;
    private static final int STATUS_OFFSET = GroupDecoder.statusEncodingOffset();
    private static final int CUSTOMER_FACING_OFFSET =
        GroupDecoder.impactEncodingOffset() + ImpactDecoder.customerFacingEncodingOffset();
    private static final int SLO_IMPACT_OFFSET =
        GroupDecoder.impactEncodingOffset() + ImpactDecoder.sloImpactEncodingOffset();
    /** Raw status values the generated lookup knows (it throws on any other), NULL_VAL excluded. */
    private static final boolean[] KNOWN_STATUSES = knownStatuses();

    private GroupFrames()
    {
    }

    private static boolean[] knownStatuses()
    {
        final boolean[] known = new boolean[256];
        for (final GroupStatus s : GroupStatus.values())
        {
            if (s != GroupStatus.NULL_VAL)
            {
                known[s.value()] = true;
            }
        }
        return known;
    }

    /**
     * The template id in the message header at {@code offset}: {@link EventFrames#TEMPLATE_ID} for an
     * Event, {@link #TEMPLATE_ID} for a Group, anything else for a message this code does not know. Use it
     * to choose a validator and writer; it checks neither the schema id nor the length, so the caller must
     * have at least a header's bytes at {@code offset}.
     */
    public static int templateIdOf(final DirectBuffer buffer, final int offset)
    {
        return buffer.getShort(offset + TEMPLATE_ID_OFFSET, ByteOrder.LITTLE_ENDIAN) & 0xFFFF;
    }

    /**
     * Checks that {@code length} bytes at {@code offset} hold one well-formed Group: header, schema and
     * template ids, block length, the members and actions groups and every var-data length within
     * bounds, and the status and impact flags known values.
     *
     * @return {@link EventFrames#OK} or a negative {@link EventFrames} code.
     */
    public static int validate(final DirectBuffer buffer, final int offset, final int length)
    {
        if (length < EventFrames.HEADER_LENGTH)
        {
            return EventFrames.TOO_SHORT;
        }
        final int blockLength = buffer.getShort(offset, ByteOrder.LITTLE_ENDIAN) & 0xFFFF;
        final int templateId = buffer.getShort(offset + 2, ByteOrder.LITTLE_ENDIAN) & 0xFFFF;
        final int schemaId = buffer.getShort(offset + 4, ByteOrder.LITTLE_ENDIAN) & 0xFFFF;
        final int version = buffer.getShort(offset + 6, ByteOrder.LITTLE_ENDIAN) & 0xFFFF;
        if (schemaId != EventFrames.SCHEMA_ID)
        {
            return EventFrames.WRONG_SCHEMA;
        }
        if (templateId != TEMPLATE_ID)
        {
            return EventFrames.WRONG_TEMPLATE;
        }
        if (version < EventFrames.SCHEMA_VERSION)
        {
            return EventFrames.OLD_VERSION;
        }
        if (blockLength < BLOCK_LENGTH)
        {
            return EventFrames.BAD_BLOCK_LENGTH;
        }
        final int end = offset + length;
        final int block = offset + EventFrames.HEADER_LENGTH;
        int p = block + blockLength;
        if (p + EventFrames.GROUP_HEADER_LENGTH > end)
        {
            return EventFrames.TOO_SHORT;
        }
        // The generated lookups throw on any other value, so a new status needs readers updated first.
        final int status = buffer.getByte(block + STATUS_OFFSET) & 0xFF;
        final int customerFacing = buffer.getByte(block + CUSTOMER_FACING_OFFSET) & 0xFF;
        final int sloImpact = buffer.getByte(block + SLO_IMPACT_OFFSET) & 0xFF;
        if (!KNOWN_STATUSES[status] || customerFacing > 1 || sloImpact > 1)
        {
            return EventFrames.BAD_ENUM;
        }

        final int memberBlockLength = buffer.getShort(p, ByteOrder.LITTLE_ENDIAN) & 0xFFFF;
        final int memberCount = buffer.getShort(p + 2, ByteOrder.LITTLE_ENDIAN) & 0xFFFF;
        if (memberBlockLength < MEMBER_ENTRY_LENGTH && memberCount > 0)
        {
            return EventFrames.BAD_BLOCK_LENGTH;
        }
        // In long: 65,535 entries of 65,535 bytes overflow an int.
        final long membersEnd = (long)p + EventFrames.GROUP_HEADER_LENGTH + (long)memberCount * memberBlockLength;
        if (membersEnd + EventFrames.GROUP_HEADER_LENGTH > end)
        {
            return EventFrames.TRUNCATED;
        }
        p = (int)membersEnd;

        final int actionBlockLength = buffer.getShort(p, ByteOrder.LITTLE_ENDIAN) & 0xFFFF;
        final int actionCount = buffer.getShort(p + 2, ByteOrder.LITTLE_ENDIAN) & 0xFFFF;
        p += EventFrames.GROUP_HEADER_LENGTH;
        for (int i = 0; i < actionCount; i++)
        {
            p += actionBlockLength;
            if (p + EventFrames.VAR_LENGTH_PREFIX > end)
            {
                return EventFrames.TRUNCATED;
            }
            p += EventFrames.VAR_LENGTH_PREFIX + (buffer.getShort(p, ByteOrder.LITTLE_ENDIAN) & 0xFFFF);
        }
        for (int i = 0; i < VAR_FIELDS; i++)
        {
            if (p + EventFrames.VAR_LENGTH_PREFIX > end)
            {
                return EventFrames.TRUNCATED;
            }
            p += EventFrames.VAR_LENGTH_PREFIX + (buffer.getShort(p, ByteOrder.LITTLE_ENDIAN) & 0xFFFF);
        }
        return p <= end ? EventFrames.OK : EventFrames.TRUNCATED;
    }
}
