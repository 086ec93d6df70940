package dev.tapio.codecs;

import dev.tapio.codecs.sbe.EventDecoder;
import dev.tapio.codecs.sbe.EventEncoder;
import dev.tapio.codecs.sbe.EventType;
import dev.tapio.codecs.sbe.GroupSizeEncodingDecoder;
import dev.tapio.codecs.sbe.ImpactDecoder;
import dev.tapio.codecs.sbe.MessageHeaderDecoder;
import dev.tapio.codecs.sbe.Severity;
import dev.tapio.codecs.sbe.Source;
import org.agrona.DirectBuffer;

/**
 * Layout facts about an encoded {@code Event} and a validator that checks untrusted bytes before a
 * decoder touches them. Validation returns a code instead of throwing (hot path). Stateless.
 *
 * <pre>
 *   header (8) | block (BLOCK_LENGTH) | group header (4) | (u16 len, key, u16 len, value)*
 *              | group header (4) | (i64 eventId)* | (u16 len, bytes) x 10
 * </pre>
 */
public final class EventFrames
{
    public static final int SCHEMA_ID = EventEncoder.SCHEMA_ID;
    public static final int SCHEMA_VERSION = EventEncoder.SCHEMA_VERSION;
    public static final int TEMPLATE_ID = EventEncoder.TEMPLATE_ID;
    public static final int HEADER_LENGTH = MessageHeaderDecoder.ENCODED_LENGTH;
    public static final int BLOCK_LENGTH = EventEncoder.BLOCK_LENGTH;
    public static final int GROUP_HEADER_LENGTH = GroupSizeEncodingDecoder.ENCODED_LENGTH;
    public static final int VAR_LENGTH_PREFIX = 2;
    /** Var-data fields after the attributes group, in schema order. */
    public static final int VAR_FIELDS = 10;
    /** Bytes of one entry of the {@code related} group (an event id). */
    public static final int RELATED_ENTRY_LENGTH = 8;
    /** Most related event ids an event carries (correlation writes at most this many). */
    public static final int MAX_RELATED = 16;
    /** Bytes of an event with no attributes, no related ids and every string empty. */
    public static final int MIN_ENCODED_LENGTH =
        HEADER_LENGTH + BLOCK_LENGTH + 2 * GROUP_HEADER_LENGTH + VAR_FIELDS * VAR_LENGTH_PREFIX;
    /** Most attributes one event can carry: the generated encoder refuses a larger group count. */
    public static final int MAX_ATTRIBUTES = EventEncoder.AttributesEncoder.countMaxValue();

    public static final int OK = 0;
    public static final int TOO_SHORT = -1;
    public static final int WRONG_SCHEMA = -2;
    public static final int WRONG_TEMPLATE = -3;
    public static final int BAD_BLOCK_LENGTH = -4;
    public static final int TRUNCATED = -5;
    public static final int BAD_ENUM = -6;
    public static final int OLD_VERSION = -7;

    private static final int CUSTOMER_FACING_OFFSET =
        EventDecoder.impactEncodingOffset() + ImpactDecoder.customerFacingEncodingOffset();
    private static final int SLO_IMPACT_OFFSET =
        EventDecoder.impactEncodingOffset() + ImpactDecoder.sloImpactEncodingOffset();

    /** Raw values the generated enum lookups know (they throw on any other), NULL_VAL excluded. */
    private static final boolean[] KNOWN_TYPES = known(EventType.values());
    private static final boolean[] KNOWN_SOURCES = known(Source.values());
    private static final boolean[] KNOWN_SEVERITIES = known(Severity.values());

    private static final String[] REASONS = {
        "ok", "shorter than a header and block", "wrong schema id", "wrong template id", "bad block length",
        "var data runs past the end", "enum value out of range", "unsupported schema version"
    };

    private EventFrames()
    {
    }

    /** The event type for a raw value; OTHER for values this version does not know (newer schemas). */
    public static EventType typeOf(final int raw)
    {
        return isKnown(KNOWN_TYPES, raw) ? EventType.get(raw) : EventType.OTHER;
    }

    private static boolean[] known(final Enum<?>[] values)
    {
        int max = 0;
        for (final Enum<?> v : values)
        {
            if (!"NULL_VAL".equals(v.name()))
            {
                max = Math.max(max, raw(v));
            }
        }
        final boolean[] known = new boolean[max + 1];
        for (final Enum<?> v : values)
        {
            if (!"NULL_VAL".equals(v.name()))
            {
                known[raw(v)] = true;
            }
        }
        return known;
    }

    private static int raw(final Enum<?> v)
    {
        if (v instanceof EventType)
        {
            return ((EventType)v).value();
        }
        if (v instanceof Source)
        {
            return ((Source)v).value();
        }
        return ((Severity)v).value();
    }

    private static boolean isKnown(final boolean[] known, final int raw)
    {
        return raw < known.length && known[raw];
    }

    /** A short phrase for a code returned by {@link #validate}. */
    public static String reason(final int code)
    {
        final int i = -code;
        return i >= 0 && i < REASONS.length ? REASONS[i] : "unknown";
    }

    /**
     * Checks that {@code length} bytes at {@code offset} hold one well-formed Event: header, schema and
     * template ids, block length, every group and var-data length within bounds, and enum values.
     *
     * @return {@link #OK} or a negative code; {@link #reason(int)} names it.
     */
    public static int validate(final DirectBuffer buffer, final int offset, final int length)
    {
        if (length < HEADER_LENGTH)
        {
            return TOO_SHORT;
        }
        final int blockLength = buffer.getShort(offset, java.nio.ByteOrder.LITTLE_ENDIAN) & 0xFFFF;
        final int templateId = buffer.getShort(offset + 2, java.nio.ByteOrder.LITTLE_ENDIAN) & 0xFFFF;
        final int schemaId = buffer.getShort(offset + 4, java.nio.ByteOrder.LITTLE_ENDIAN) & 0xFFFF;
        final int version = buffer.getShort(offset + 6, java.nio.ByteOrder.LITTLE_ENDIAN) & 0xFFFF;
        if (schemaId != SCHEMA_ID)
        {
            return WRONG_SCHEMA;
        }
        if (templateId != TEMPLATE_ID)
        {
            return WRONG_TEMPLATE;
        }
        if (version < SCHEMA_VERSION)
        {
            return OLD_VERSION;
        }
        if (blockLength < BLOCK_LENGTH)
        {
            return BAD_BLOCK_LENGTH;
        }
        final int end = offset + length;
        int p = offset + HEADER_LENGTH + blockLength;
        if (p + GROUP_HEADER_LENGTH > end)
        {
            return TOO_SHORT;
        }
        final int block = offset + HEADER_LENGTH;
        final int typeRaw = buffer.getShort(block + EventDecoder.eventTypeEncodingOffset(),
            java.nio.ByteOrder.LITTLE_ENDIAN) & 0xFFFF;
        final int sourceRaw = buffer.getByte(block + EventDecoder.sourceEncodingOffset()) & 0xFF;
        final int severityRaw = buffer.getByte(block + EventDecoder.severityEncodingOffset()) & 0xFF;
        final int customerFacingRaw = buffer.getByte(block + CUSTOMER_FACING_OFFSET) & 0xFF;
        final int sloImpactRaw = buffer.getByte(block + SLO_IMPACT_OFFSET) & 0xFF;
        // A newer version may add event types; sources, severities and flags must be known.
        if (version == SCHEMA_VERSION && !isKnown(KNOWN_TYPES, typeRaw) ||
            !isKnown(KNOWN_SOURCES, sourceRaw) || !isKnown(KNOWN_SEVERITIES, severityRaw) ||
            customerFacingRaw > 1 || sloImpactRaw > 1)
        {
            return BAD_ENUM;
        }

        final int entryBlockLength = buffer.getShort(p, java.nio.ByteOrder.LITTLE_ENDIAN) & 0xFFFF;
        final int count = buffer.getShort(p + 2, java.nio.ByteOrder.LITTLE_ENDIAN) & 0xFFFF;
        p += GROUP_HEADER_LENGTH;
        for (int i = 0; i < count; i++)
        {
            p += entryBlockLength;
            for (int k = 0; k < 2; k++)
            {
                if (p + VAR_LENGTH_PREFIX > end)
                {
                    return TRUNCATED;
                }
                p += VAR_LENGTH_PREFIX + (buffer.getShort(p, java.nio.ByteOrder.LITTLE_ENDIAN) & 0xFFFF);
            }
        }
        if (p + GROUP_HEADER_LENGTH > end)
        {
            return TRUNCATED;
        }
        final int relatedBlockLength = buffer.getShort(p, java.nio.ByteOrder.LITTLE_ENDIAN) & 0xFFFF;
        final int relatedCount = buffer.getShort(p + 2, java.nio.ByteOrder.LITTLE_ENDIAN) & 0xFFFF;
        if (relatedBlockLength < RELATED_ENTRY_LENGTH && relatedCount > 0)
        {
            return BAD_BLOCK_LENGTH;
        }
        // In long: 65,535 entries of 65,535 bytes overflow an int and would move p backwards.
        final long relatedEnd = (long)p + GROUP_HEADER_LENGTH + (long)relatedCount * relatedBlockLength;
        if (relatedEnd > end)
        {
            return TRUNCATED;
        }
        p = (int)relatedEnd;
        for (int i = 0; i < VAR_FIELDS; i++)
        {
            if (p + VAR_LENGTH_PREFIX > end)
            {
                return TRUNCATED;
            }
            p += VAR_LENGTH_PREFIX + (buffer.getShort(p, java.nio.ByteOrder.LITTLE_ENDIAN) & 0xFFFF);
        }
        return p <= end ? OK : TRUNCATED;
    }
}
