package dev.tapio.codecs;

import dev.tapio.codecs.sbe.EventDecoder;
import dev.tapio.codecs.sbe.EventType;
import dev.tapio.codecs.sbe.ImpactDecoder;
import dev.tapio.codecs.sbe.MessageHeaderDecoder;
import dev.tapio.codecs.sbe.Severity;
import dev.tapio.codecs.sbe.Source;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.ByteOrder;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

class EventFramesTest
{
    private static final int OFFSET = 24;
    private static final int BLOCK = OFFSET + EventFrames.HEADER_LENGTH;

    private final EventDraft draft = TestEvents.fullDraft();
    private final int length = draft.encodedLength();
    private final UnsafeBuffer buffer = TestEvents.encode(draft, OFFSET, 64);

    private int validate()
    {
        return EventFrames.validate(buffer, OFFSET, length);
    }

    @Test
    void layoutConstantsMatchTheSchema()
    {
        assertEquals(7301, EventFrames.SCHEMA_ID);
        assertEquals(0, EventFrames.SCHEMA_VERSION);
        assertEquals(1, EventFrames.TEMPLATE_ID);
        assertEquals(8, EventFrames.HEADER_LENGTH);
        assertEquals(108, EventFrames.BLOCK_LENGTH);
        assertEquals(4, EventFrames.GROUP_HEADER_LENGTH);
        assertEquals(65_534, EventFrames.MAX_ATTRIBUTES);
    }

    @Test
    void acceptsAGoodEncoding()
    {
        assertEquals(EventFrames.OK, validate());
        assertEquals("ok", EventFrames.reason(EventFrames.OK));
    }

    @Test
    void acceptsTrailingBytesAfterTheMessage()
    {
        assertEquals(EventFrames.OK, EventFrames.validate(buffer, OFFSET, length + 64));
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 7})
    void rejectsLessThanAHeaderAsTooShort(final int n)
    {
        assertEquals(EventFrames.TOO_SHORT, EventFrames.validate(buffer, OFFSET, n));
    }

    @ParameterizedTest
    @ValueSource(ints = {8, 60, 8 + 108, 8 + 108 + 3})
    void rejectsAMissingBlockOrGroupHeaderAsTooShort(final int n)
    {
        assertEquals(EventFrames.TOO_SHORT, EventFrames.validate(buffer, OFFSET, n));
        assertEquals("shorter than a header and block", EventFrames.reason(EventFrames.TOO_SHORT));
    }

    @Test
    void rejectsAnyTruncationInsideTheVarData()
    {
        for (int n = 8 + 108 + 4; n < length; n++)
        {
            assertEquals(EventFrames.TRUNCATED, EventFrames.validate(buffer, OFFSET, n), "length " + n);
        }
    }

    @Test
    void rejectsAnotherSchemaId()
    {
        buffer.putShort(OFFSET + 4, (short)7302, ByteOrder.LITTLE_ENDIAN);
        assertEquals(EventFrames.WRONG_SCHEMA, validate());
        assertEquals("wrong schema id", EventFrames.reason(EventFrames.WRONG_SCHEMA));
    }

    @Test
    void rejectsABigEndianHeader()
    {
        buffer.putShort(OFFSET + 4, (short)7301, ByteOrder.BIG_ENDIAN);
        assertEquals(EventFrames.WRONG_SCHEMA, validate());
    }

    @Test
    void rejectsAnotherTemplateId()
    {
        buffer.putByte(OFFSET + 2, (byte)2);
        assertEquals(EventFrames.WRONG_TEMPLATE, validate());
        assertEquals("wrong template id", EventFrames.reason(EventFrames.WRONG_TEMPLATE));
    }

    @Test
    void rejectsABlockShorterThanTheSchemasBlock()
    {
        buffer.putShort(OFFSET, (short)(EventFrames.BLOCK_LENGTH - 1), ByteOrder.LITTLE_ENDIAN);
        assertEquals(EventFrames.BAD_BLOCK_LENGTH, validate());
    }

    /** Offset of the related group's header: after the attributes group's header and entries. */
    private int relatedGroup()
    {
        int p = BLOCK + EventFrames.BLOCK_LENGTH + EventFrames.GROUP_HEADER_LENGTH;
        for (int i = 0; i < 2 * draft.attributeCount(); i++)
        {
            p += 2 + (buffer.getShort(p, ByteOrder.LITTLE_ENDIAN) & 0xFFFF);
        }
        return p;
    }

    @Test
    void rejectsAVarDataLengthThatRunsPastTheEnd()
    {
        // The var data begins after both groups: find the message's length prefix.
        int p = relatedGroup() + EventFrames.GROUP_HEADER_LENGTH +
            draft.relatedCount * EventFrames.RELATED_ENTRY_LENGTH;
        for (int i = 0; i < EventDraft.MESSAGE; i++)
        {
            p += 2 + (buffer.getShort(p, ByteOrder.LITTLE_ENDIAN) & 0xFFFF);
        }
        assertEquals("process exited".length(), buffer.getShort(p, ByteOrder.LITTLE_ENDIAN));
        buffer.putShort(p, (short)0xFFFF, ByteOrder.LITTLE_ENDIAN);
        assertEquals(EventFrames.TRUNCATED, validate());
        assertEquals("var data runs past the end", EventFrames.reason(EventFrames.TRUNCATED));
    }

    @Test
    void rejectsAnAttributeCountThatRunsPastTheEnd()
    {
        final int group = BLOCK + EventFrames.BLOCK_LENGTH;
        buffer.putShort(group + 2, (short)500, ByteOrder.LITTLE_ENDIAN);
        assertEquals(EventFrames.TRUNCATED, validate());
    }

    @Test
    void rejectsAGroupEntryBlockThatRunsPastTheEnd()
    {
        final int group = BLOCK + EventFrames.BLOCK_LENGTH;
        buffer.putShort(group, (short)4000, ByteOrder.LITTLE_ENDIAN);
        assertEquals(EventFrames.TRUNCATED, validate());
    }

    @Test
    void relatedGroupSitsAfterTheAttributesWithOneEightByteEntryPerId()
    {
        final int p = relatedGroup();
        assertEquals(EventFrames.RELATED_ENTRY_LENGTH, buffer.getShort(p, ByteOrder.LITTLE_ENDIAN));
        assertEquals(2, buffer.getShort(p + 2, ByteOrder.LITTLE_ENDIAN));
        assertEquals(draft.related[0], buffer.getLong(p + 4, ByteOrder.LITTLE_ENDIAN));
        assertEquals(draft.related[1], buffer.getLong(p + 12, ByteOrder.LITTLE_ENDIAN));
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 500, 65_535})
    void rejectsARelatedCountThatRunsPastTheEnd(final int beyondTheFirstThatDoesNotFit)
    {
        final int p = relatedGroup();
        final int room = OFFSET + length - (p + EventFrames.GROUP_HEADER_LENGTH);
        final int count = Math.min(65_535, room / EventFrames.RELATED_ENTRY_LENGTH + 1 + beyondTheFirstThatDoesNotFit);
        buffer.putShort(p + 2, (short)count, ByteOrder.LITTLE_ENDIAN);
        assertEquals(EventFrames.TRUNCATED, assertDoesNotThrow(this::validate), "count " + count);
    }

    @Test
    void rejectsARelatedGroupWhoseEntriesWouldOverflowAnInt()
    {
        // 65,535 entries of 65,535 bytes: more than an int holds, so the bounds check must not wrap.
        final int p = relatedGroup();
        buffer.putShort(p, (short)0xFFFF, ByteOrder.LITTLE_ENDIAN);
        buffer.putShort(p + 2, (short)0xFFFF, ByteOrder.LITTLE_ENDIAN);
        assertEquals(EventFrames.TRUNCATED, assertDoesNotThrow(this::validate));
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 7})
    void rejectsARelatedEntryShorterThanAnEventId(final int entryLength)
    {
        buffer.putShort(relatedGroup(), (short)entryLength, ByteOrder.LITTLE_ENDIAN);
        assertEquals(EventFrames.BAD_BLOCK_LENGTH, validate());
    }

    @Test
    void acceptsAShortRelatedEntryLengthWhenTheGroupIsEmpty()
    {
        final EventDraft none = TestEvents.fullDraft();
        none.relatedCount = 0;
        final UnsafeBuffer b = TestEvents.encode(none, OFFSET, 0);
        final int p = OFFSET + none.encodedLength() - EventFrames.VAR_FIELDS * EventFrames.VAR_LENGTH_PREFIX -
            varBytes(none) - EventFrames.GROUP_HEADER_LENGTH;
        assertEquals(0, b.getShort(p + 2, ByteOrder.LITTLE_ENDIAN));
        b.putShort(p, (short)0, ByteOrder.LITTLE_ENDIAN);
        assertEquals(EventFrames.OK, EventFrames.validate(b, OFFSET, none.encodedLength()));
    }

    @Test
    void acceptsALongerRelatedEntryFromANewerVersion()
    {
        // A newer version may add a field to each related entry; readers skip it by the stated length.
        final EventDraft one = TestEvents.fullDraft();
        one.relatedCount = 1;
        final int length = one.encodedLength();
        final UnsafeBuffer original = TestEvents.encode(one, 0, 0);
        final int group = length - EventFrames.VAR_FIELDS * EventFrames.VAR_LENGTH_PREFIX - varBytes(one) -
            EventFrames.RELATED_ENTRY_LENGTH - EventFrames.GROUP_HEADER_LENGTH;
        final int extra = 4;
        final UnsafeBuffer newer = new UnsafeBuffer(new byte[length + extra]);
        final int entryEnd = group + EventFrames.GROUP_HEADER_LENGTH + EventFrames.RELATED_ENTRY_LENGTH;
        newer.putBytes(0, original, 0, entryEnd);
        newer.putInt(entryEnd, 0x7777_7777);
        newer.putBytes(entryEnd + extra, original, entryEnd, length - entryEnd);
        newer.putShort(group, (short)(EventFrames.RELATED_ENTRY_LENGTH + extra), ByteOrder.LITTLE_ENDIAN);
        assertEquals(EventFrames.OK, EventFrames.validate(newer, 0, length + extra));
        assertEquals(EventFrames.TRUNCATED, EventFrames.validate(newer, 0, length + extra - 1));

        final MessageHeaderDecoder h = new MessageHeaderDecoder().wrap(newer, 0);
        final EventDraft copy = new EventDraft().from(
            new EventDecoder().wrap(newer, EventFrames.HEADER_LENGTH, h.blockLength(), h.version()));
        assertEquals(1, copy.relatedCount);
        assertEquals(one.related[0], copy.related[0]);
        assertEquals("process exited", copy.text(EventDraft.MESSAGE).toString());
    }

    private static int varBytes(final EventDraft d)
    {
        int n = 0;
        for (int i = 0; i < EventFrames.VAR_FIELDS; i++)
        {
            n += d.text(i).length();
        }
        return n;
    }

    @ParameterizedTest
    @ValueSource(ints = {5, 99, 254, 255})
    void rejectsAnUnknownSeverity(final int raw)
    {
        buffer.putByte(BLOCK + EventDecoder.severityEncodingOffset(), (byte)raw);
        assertEquals(EventFrames.BAD_ENUM, assertDoesNotThrow(this::validate));
        assertEquals("enum value out of range", EventFrames.reason(EventFrames.BAD_ENUM));
    }

    @ParameterizedTest
    @ValueSource(ints = {7, 99, 255})
    void rejectsAnUnknownSource(final int raw)
    {
        buffer.putByte(BLOCK + EventDecoder.sourceEncodingOffset(), (byte)raw);
        assertEquals(EventFrames.BAD_ENUM, assertDoesNotThrow(this::validate));
    }

    @ParameterizedTest
    @ValueSource(ints = {21, 300, 65_535})
    void rejectsAnUnknownEventTypeInTheCurrentVersion(final int raw)
    {
        buffer.putShort(BLOCK + EventDecoder.eventTypeEncodingOffset(), (short)raw, ByteOrder.LITTLE_ENDIAN);
        assertEquals(EventFrames.BAD_ENUM, assertDoesNotThrow(this::validate));
    }

    @ParameterizedTest
    @ValueSource(ints = {2, 7, 255})
    void rejectsAnImpactFlagThatIsNeitherTrueNorFalse(final int raw)
    {
        buffer.putByte(BLOCK + EventDecoder.impactEncodingOffset() + ImpactDecoder.sloImpactEncodingOffset(), (byte)raw);
        assertEquals(EventFrames.BAD_ENUM, assertDoesNotThrow(this::validate));
        final UnsafeBuffer other = TestEvents.encode(draft, OFFSET, 0);
        other.putByte(BLOCK + EventDecoder.impactEncodingOffset() + ImpactDecoder.customerFacingEncodingOffset(),
            (byte)raw);
        assertEquals(EventFrames.BAD_ENUM, EventFrames.validate(other, OFFSET, length));
    }

    @Test
    void acceptsEveryKnownEnumValue()
    {
        for (final EventType t : EventType.values())
        {
            if (t != EventType.NULL_VAL)
            {
                buffer.putShort(BLOCK + EventDecoder.eventTypeEncodingOffset(), (short)t.value(), ByteOrder.LITTLE_ENDIAN);
                assertEquals(EventFrames.OK, validate(), t.name());
            }
        }
        for (final Source s : Source.values())
        {
            if (s != Source.NULL_VAL)
            {
                buffer.putByte(BLOCK + EventDecoder.sourceEncodingOffset(), (byte)s.value());
                assertEquals(EventFrames.OK, validate(), s.name());
            }
        }
        for (final Severity s : Severity.values())
        {
            if (s != Severity.NULL_VAL)
            {
                buffer.putByte(BLOCK + EventDecoder.severityEncodingOffset(), (byte)s.value());
                assertEquals(EventFrames.OK, validate(), s.name());
            }
        }
    }

    /**
     * A message from a newer schema version: a longer block (a field added at its end) and a type this
     * version does not know. Validation accepts it, and a decoder acting on version 0's fields reads it.
     */
    @Test
    void acceptsANewerVersionWithALongerBlockAndAnUnknownType()
    {
        final int extra = 8;
        final UnsafeBuffer newer = new UnsafeBuffer(new byte[length + extra]);
        final int split = EventFrames.HEADER_LENGTH + EventFrames.BLOCK_LENGTH;
        newer.putBytes(0, buffer, OFFSET, split);
        newer.putLong(split, 0x5555_5555_5555_5555L);
        newer.putBytes(split + extra, buffer, OFFSET + split, length - split);
        newer.putShort(0, (short)(EventFrames.BLOCK_LENGTH + extra), ByteOrder.LITTLE_ENDIAN);
        newer.putShort(6, (short)1, ByteOrder.LITTLE_ENDIAN);
        newer.putShort(EventFrames.HEADER_LENGTH + EventDecoder.eventTypeEncodingOffset(), (short)21,
            ByteOrder.LITTLE_ENDIAN);
        assertEquals(EventFrames.OK, EventFrames.validate(newer, 0, length + extra));

        final MessageHeaderDecoder h = new MessageHeaderDecoder().wrap(newer, 0);
        final EventDecoder e = new EventDecoder().wrap(newer, 8, h.blockLength(), h.version());
        assertEquals(21, e.eventTypeRaw());
        // The known fields are where version 0 put them, and the var data follows the longer block.
        assertEquals(draft.eventId, e.eventId());
        assertEquals(draft.pid, e.pid());
        assertEquals(2, e.attributes().count());
        e.wrap(newer, 8, h.blockLength(), h.version());
        e.sbeSkip();
        assertEquals(length + extra, e.limit());
    }

    @Test
    void reasonNamesEveryCodeAndUnknownCodes()
    {
        for (int code = 0; code >= EventFrames.OLD_VERSION; code--)
        {
            assertNotEquals("unknown", EventFrames.reason(code));
        }
        assertEquals("unknown", EventFrames.reason(-8));
        assertEquals("unknown", EventFrames.reason(1));
    }

    /**
     * Flips random bytes of a valid encoding. Validation must never throw, and whenever it accepts the
     * bytes, an SBE decoder reading every fixed field, every attribute and every var-data field must
     * stay inside the validated length.
     */
    @Test
    void randomCorruptionNeverMakesValidateThrowOrLetADecoderReadPastTheEnd()
    {
        final long seed = 20261121L;
        final Random random = new Random(seed);
        final byte[] original = new byte[buffer.capacity()];
        buffer.getBytes(0, original);
        // Slack after the message so that a decoder overrunning it reads bytes rather than throwing.
        final UnsafeBuffer work = new UnsafeBuffer(new byte[original.length + 200_000]);
        final MessageHeaderDecoder header = new MessageHeaderDecoder();
        final EventDecoder decoder = new EventDecoder();
        final byte[] scratch = new byte[65_536];
        int accepted = 0;
        int rejected = 0;
        for (int i = 0; i < 10_000; i++)
        {
            work.putBytes(0, original);
            final int flips = 1 + random.nextInt(3);
            final StringBuilder what = new StringBuilder("seed " + seed + " iteration " + i + " flips");
            for (int f = 0; f < flips; f++)
            {
                final int at = OFFSET + random.nextInt(length);
                final byte b = (byte)(1 + random.nextInt(255));
                work.putByte(at, (byte)(work.getByte(at) ^ b));
                what.append(' ').append(at - OFFSET).append("^").append(b & 0xFF);
            }
            final int code;
            try
            {
                code = EventFrames.validate(work, OFFSET, length);
            }
            catch (final RuntimeException e)
            {
                throw new AssertionError("validate threw for " + what, e);
            }
            if (code != EventFrames.OK)
            {
                assertTrue(code < 0 && !"unknown".equals(EventFrames.reason(code)), what::toString);
                rejected++;
                continue;
            }
            accepted++;
            final int end = OFFSET + length;
            try
            {
                header.wrap(work, OFFSET);
                decoder.wrap(work, OFFSET + EventFrames.HEADER_LENGTH, header.blockLength(), header.version());
                decoder.eventId();
                decoder.timestamp();
                decoder.source();
                decoder.severity();
                decoder.impact().customerFacing();
                decoder.impact().sloImpact();
                if (header.version() == EventFrames.SCHEMA_VERSION)
                {
                    decoder.eventType();
                }
                for (final EventDecoder.AttributesDecoder a : decoder.attributes())
                {
                    a.getKey(scratch, 0, a.keyLength());
                    assertTrue(decoder.limit() <= end, what::toString);
                    a.getValue(scratch, 0, a.valueLength());
                    assertTrue(decoder.limit() <= end, what::toString);
                }
                for (final EventDecoder.RelatedDecoder r : decoder.related())
                {
                    r.eventId();
                    assertTrue(decoder.limit() <= end, what::toString);
                }
                for (int v = 0; v < EventFrames.VAR_FIELDS; v++)
                {
                    readVar(decoder, v, scratch);
                    assertTrue(decoder.limit() <= end, what::toString);
                }
            }
            catch (final RuntimeException e)
            {
                throw new AssertionError("decoding threw after validate returned OK for " + what, e);
            }
            assertTrue(decoder.limit() <= end, what::toString);
        }
        assertTrue(accepted > 100, "accepted " + accepted);
        assertTrue(rejected > 100, "rejected " + rejected);
    }

    private static void readVar(final EventDecoder d, final int field, final byte[] dst)
    {
        switch (field)
        {
            case EventDraft.NODE -> d.getNodeName(dst, 0, d.nodeNameLength());
            case EventDraft.NAMESPACE -> d.getNamespaceName(dst, 0, d.namespaceNameLength());
            case EventDraft.POD -> d.getPod(dst, 0, d.podLength());
            case EventDraft.POD_UID -> d.getPodUid(dst, 0, d.podUidLength());
            case EventDraft.CONTAINER -> d.getContainerName(dst, 0, d.containerNameLength());
            case EventDraft.CONTAINER_ID -> d.getContainerId(dst, 0, d.containerIdLength());
            case EventDraft.UNIT -> d.getUnit(dst, 0, d.unitLength());
            case EventDraft.COMM -> d.getComm(dst, 0, d.commLength());
            case EventDraft.MESSAGE -> d.getMessage(dst, 0, d.messageLength());
            case EventDraft.TYPE_NAME -> d.getTypeName(dst, 0, d.typeNameLength());
            default -> fail("no var field " + field);
        }
    }
}
