package dev.tapio.codecs;

import dev.tapio.codecs.sbe.EventDecoder;
import dev.tapio.codecs.sbe.EventEncoder;
import dev.tapio.codecs.sbe.EventType;
import dev.tapio.codecs.sbe.GroupSizeEncodingDecoder;
import dev.tapio.codecs.sbe.MessageHeaderDecoder;
import dev.tapio.codecs.sbe.Severity;
import dev.tapio.codecs.sbe.Source;
import org.agrona.DirectBuffer;

/**
 * Layout facts about an encoded {@code Event} and a validator that checks untrusted bytes before a
 * decoder touches them. Validation returns a code instead of throwing (hot path). Stateless.
 *
 * <pre>
 *   header (8) | block (BLOCK_LENGTH) | group header (4) | (u16 len, key, u16 len, value)* | (u16 len, bytes) x 10
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
    /** Bytes of an event with no attributes and every string empty. */
    public static final int MIN_ENCODED_LENGTH =
        HEADER_LENGTH + BLOCK_LENGTH + GROUP_HEADER_LENGTH + VAR_FIELDS * VAR_LENGTH_PREFIX;
    /** Offset of the var-data {@code node} length prefix when there are no attributes. */
    public static final int MAX_ATTRIBUTES = 65_535;

    public static final int OK = 0;
    public static final int TOO_SHORT = -1;
    public static final int WRONG_SCHEMA = -2;
    public static final int WRONG_TEMPLATE = -3;
    public static final int BAD_BLOCK_LENGTH = -4;
    public static final int TRUNCATED = -5;
    public static final int BAD_ENUM = -6;
    public static final int OLD_VERSION = -7;

    private static final String[] REASONS = {
        "ok", "shorter than a header and block", "wrong schema id", "wrong template id", "bad block length",
        "var data runs past the end", "enum value out of range", "unsupported schema version"
    };

    /** Valid raw values of each enum, by value (the null value excluded). */
    private static final boolean[] KNOWN_EVENT_TYPES = new boolean[1 << 16];
    private static final boolean[] KNOWN_SOURCES = new boolean[1 << 8];
    private static final boolean[] KNOWN_SEVERITIES = new boolean[1 << 8];

    static
    {
        for (final EventType t : EventType.values())
        {
            KNOWN_EVENT_TYPES[t.value()] = t != EventType.NULL_VAL;
        }
        for (final Source s : Source.values())
        {
            KNOWN_SOURCES[s.value()] = s != Source.NULL_VAL;
        }
        for (final Severity s : Severity.values())
        {
            KNOWN_SEVERITIES[s.value()] = s != Severity.NULL_VAL;
        }
    }

    private EventFrames()
    {
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
        // Table look-ups, not EventType.get() & co: those throw on a value the schema does not know.
        if (!KNOWN_EVENT_TYPES[typeRaw] && version == SCHEMA_VERSION ||
            !KNOWN_SOURCES[sourceRaw] || !KNOWN_SEVERITIES[severityRaw])
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
