package dev.tapio.codecs;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.tapio.codecs.json.JsonGroupWriter;
import dev.tapio.codecs.sbe.GroupDecoder;
import dev.tapio.codecs.sbe.GroupStatus;
import dev.tapio.codecs.sbe.ImpactDecoder;
import dev.tapio.codecs.sbe.MessageHeaderDecoder;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.OutputStream;
import java.nio.ByteOrder;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GroupFramesTest
{
    private static final int OFFSET = 24;
    private static final int BLOCK = OFFSET + EventFrames.HEADER_LENGTH;
    private static final int MEMBERS = BLOCK + GroupFrames.BLOCK_LENGTH;

    private final TestGroup group = new TestGroup();
    private final int length = group.encodedLength();
    private final UnsafeBuffer buffer = group.encode(OFFSET, 64);

    private int validate()
    {
        return GroupFrames.validate(buffer, OFFSET, length);
    }

    /** Offset of the actions group's header: after the members group's header and entries. */
    private int actionsGroup()
    {
        return MEMBERS + EventFrames.GROUP_HEADER_LENGTH + group.memberIds.length * GroupFrames.MEMBER_ENTRY_LENGTH;
    }

    @Test
    void layoutConstantsMatchTheSchema()
    {
        assertEquals(2, GroupFrames.TEMPLATE_ID);
        assertEquals(81, GroupFrames.BLOCK_LENGTH);
        assertEquals(17, GroupFrames.MEMBER_ENTRY_LENGTH);
        assertEquals(4, GroupFrames.VAR_FIELDS);
        assertEquals(8 + 81 + 4 + 4 + 4 * 2, GroupFrames.MIN_ENCODED_LENGTH);
        final TestGroup empty = new TestGroup();
        empty.memberIds = new long[0];
        empty.actions = new String[0];
        empty.patternName = empty.outcome = empty.groupKey = empty.rootCauseSummary = "";
        assertEquals(GroupFrames.MIN_ENCODED_LENGTH, empty.encodedLength());
    }

    @Test
    void acceptsAGoodEncodingWithOrWithoutTrailingBytes()
    {
        assertEquals(EventFrames.OK, validate());
        assertEquals(EventFrames.OK, GroupFrames.validate(buffer, OFFSET, length + 64));
    }

    @Test
    void acceptsAGroupWithNoMembersActionsOrStrings()
    {
        final TestGroup empty = new TestGroup();
        empty.memberIds = new long[0];
        empty.actions = new String[0];
        empty.patternName = empty.outcome = empty.groupKey = empty.rootCauseSummary = "";
        final UnsafeBuffer b = empty.encode(0, 0);
        assertEquals(EventFrames.OK, GroupFrames.validate(b, 0, GroupFrames.MIN_ENCODED_LENGTH));
    }

    @Test
    void templateIdOfTellsAnEventFromAGroup()
    {
        assertEquals(GroupFrames.TEMPLATE_ID, GroupFrames.templateIdOf(buffer, OFFSET));
        final UnsafeBuffer event = TestEvents.encode(TestEvents.fullDraft(), 8, 0);
        assertEquals(EventFrames.TEMPLATE_ID, GroupFrames.templateIdOf(event, 8));
        buffer.putShort(OFFSET + 2, (short)0xBEEF, ByteOrder.LITTLE_ENDIAN);
        assertEquals(0xBEEF, GroupFrames.templateIdOf(buffer, OFFSET));
    }

    @Test
    void eventAndGroupValidatorsEachRejectTheOthersMessageAsTheWrongTemplate()
    {
        final EventDraft draft = TestEvents.fullDraft();
        final UnsafeBuffer event = TestEvents.encode(draft, 0, 0);
        assertEquals(EventFrames.WRONG_TEMPLATE, GroupFrames.validate(event, 0, draft.encodedLength()));
        assertEquals(EventFrames.WRONG_TEMPLATE, EventFrames.validate(buffer, OFFSET, length));
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 3, 7})
    void rejectsLessThanAHeaderAsTooShort(final int n)
    {
        assertEquals(EventFrames.TOO_SHORT, GroupFrames.validate(buffer, OFFSET, n));
    }

    @Test
    void rejectsAMissingBlockOrMembersHeaderAsTooShort()
    {
        for (int n = EventFrames.HEADER_LENGTH; n < EventFrames.HEADER_LENGTH + GroupFrames.BLOCK_LENGTH + 4; n++)
        {
            assertEquals(EventFrames.TOO_SHORT, GroupFrames.validate(buffer, OFFSET, n), "length " + n);
        }
    }

    @Test
    void rejectsAnyTruncationAfterTheMembersHeader()
    {
        for (int n = EventFrames.HEADER_LENGTH + GroupFrames.BLOCK_LENGTH + 4; n < length; n++)
        {
            assertEquals(EventFrames.TRUNCATED, GroupFrames.validate(buffer, OFFSET, n), "length " + n);
        }
    }

    @Test
    void rejectsAnotherSchemaId()
    {
        buffer.putShort(OFFSET + 4, (short)7302, ByteOrder.LITTLE_ENDIAN);
        assertEquals(EventFrames.WRONG_SCHEMA, validate());
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 3, 65_535})
    void rejectsAnotherTemplateId(final int templateId)
    {
        buffer.putShort(OFFSET + 2, (short)templateId, ByteOrder.LITTLE_ENDIAN);
        assertEquals(EventFrames.WRONG_TEMPLATE, validate());
    }

    @Test
    void rejectsABlockShorterThanTheSchemasBlock()
    {
        buffer.putShort(OFFSET, (short)(GroupFrames.BLOCK_LENGTH - 1), ByteOrder.LITTLE_ENDIAN);
        assertEquals(EventFrames.BAD_BLOCK_LENGTH, validate());
    }

    @ParameterizedTest
    @ValueSource(ints = {3, 4, 99, 254, 255})
    void rejectsAnUnknownStatus(final int raw)
    {
        buffer.putByte(BLOCK + GroupDecoder.statusEncodingOffset(), (byte)raw);
        assertEquals(EventFrames.BAD_ENUM, assertDoesNotThrow(this::validate));
    }

    @ParameterizedTest
    @EnumSource(value = GroupStatus.class, names = "NULL_VAL", mode = EnumSource.Mode.EXCLUDE)
    void acceptsEveryKnownStatus(final GroupStatus status)
    {
        buffer.putByte(BLOCK + GroupDecoder.statusEncodingOffset(), (byte)status.value());
        assertEquals(EventFrames.OK, validate());
    }

    @ParameterizedTest
    @ValueSource(ints = {2, 255})
    void rejectsAnImpactFlagThatIsNeitherTrueNorFalse(final int raw)
    {
        final int impact = BLOCK + GroupDecoder.impactEncodingOffset();
        buffer.putByte(impact + ImpactDecoder.customerFacingEncodingOffset(), (byte)raw);
        assertEquals(EventFrames.BAD_ENUM, validate());
        final UnsafeBuffer other = group.encode(OFFSET, 0);
        other.putByte(impact + ImpactDecoder.sloImpactEncodingOffset(), (byte)raw);
        assertEquals(EventFrames.BAD_ENUM, GroupFrames.validate(other, OFFSET, length));
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 100, 65_535})
    void rejectsAMemberCountThatRunsPastTheEnd(final int beyondTheFirstThatDoesNotFit)
    {
        final int room = OFFSET + length - (MEMBERS + EventFrames.GROUP_HEADER_LENGTH);
        final int count = Math.min(65_535, room / GroupFrames.MEMBER_ENTRY_LENGTH + 1 + beyondTheFirstThatDoesNotFit);
        buffer.putShort(MEMBERS + 2, (short)count, ByteOrder.LITTLE_ENDIAN);
        assertEquals(EventFrames.TRUNCATED, assertDoesNotThrow(this::validate));
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 8, 16})
    void rejectsAMemberEntryShorterThanTheSchemasEntry(final int entryLength)
    {
        buffer.putShort(MEMBERS, (short)entryLength, ByteOrder.LITTLE_ENDIAN);
        assertEquals(EventFrames.BAD_BLOCK_LENGTH, validate());
    }

    @Test
    void rejectsMembersWhoseSizeWouldOverflowAnInt()
    {
        buffer.putShort(MEMBERS, (short)0xFFFF, ByteOrder.LITTLE_ENDIAN);
        buffer.putShort(MEMBERS + 2, (short)0xFFFF, ByteOrder.LITTLE_ENDIAN);
        assertEquals(EventFrames.TRUNCATED, assertDoesNotThrow(this::validate));
    }

    @ParameterizedTest
    @ValueSource(ints = {3, 50, 65_535})
    void rejectsAnActionCountThatRunsPastTheEnd(final int count)
    {
        buffer.putShort(actionsGroup() + 2, (short)count, ByteOrder.LITTLE_ENDIAN);
        assertEquals(EventFrames.TRUNCATED, assertDoesNotThrow(this::validate));
    }

    @Test
    void rejectsAnActionEntryBlockThatRunsPastTheEnd()
    {
        buffer.putShort(actionsGroup(), (short)4000, ByteOrder.LITTLE_ENDIAN);
        assertEquals(EventFrames.TRUNCATED, validate());
    }

    @Test
    void rejectsAVarDataLengthThatRunsPastTheEnd()
    {
        // The root cause summary is the last var data: its prefix is right before its bytes at the end.
        final int summary = OFFSET + length - group.rootCauseSummary.length() - EventFrames.VAR_LENGTH_PREFIX;
        assertEquals(group.rootCauseSummary.length(), buffer.getShort(summary, ByteOrder.LITTLE_ENDIAN));
        buffer.putShort(summary, (short)(group.rootCauseSummary.length() + 1), ByteOrder.LITTLE_ENDIAN);
        assertEquals(EventFrames.TRUNCATED, validate());
    }

    @Test
    void acceptsANewerVersionWithALongerBlockAndLongerMemberEntries()
    {
        final TestGroup one = new TestGroup();
        one.memberIds = new long[] {7L};
        one.memberTimes = new long[] {8L};
        one.memberSteps = new short[] {9};
        final UnsafeBuffer original = one.encode(0, 0);
        final int length = one.encodedLength();
        final int blockExtra = 8;
        final int entryExtra = 4;
        final UnsafeBuffer newer = new UnsafeBuffer(new byte[length + blockExtra + entryExtra]);
        final int split = EventFrames.HEADER_LENGTH + GroupFrames.BLOCK_LENGTH;
        final int entryEnd = split + EventFrames.GROUP_HEADER_LENGTH + GroupFrames.MEMBER_ENTRY_LENGTH;
        newer.putBytes(0, original, 0, split);
        newer.putBytes(split + blockExtra, original, split, entryEnd - split);
        newer.putBytes(entryEnd + blockExtra + entryExtra, original, entryEnd, length - entryEnd);
        newer.putShort(0, (short)(GroupFrames.BLOCK_LENGTH + blockExtra), ByteOrder.LITTLE_ENDIAN);
        newer.putShort(6, (short)1, ByteOrder.LITTLE_ENDIAN);
        newer.putShort(split + blockExtra, (short)(GroupFrames.MEMBER_ENTRY_LENGTH + entryExtra), ByteOrder.LITTLE_ENDIAN);
        assertEquals(EventFrames.OK, GroupFrames.validate(newer, 0, newer.capacity()));

        final MessageHeaderDecoder h = new MessageHeaderDecoder().wrap(newer, 0);
        final GroupDecoder d = new GroupDecoder().wrap(newer, 8, h.blockLength(), h.version());
        assertEquals(one.groupId, d.groupId());
        final GroupDecoder.MembersDecoder m = d.members();
        assertEquals(9, m.next().step());
        d.actions().forEach(GroupDecoder.ActionsDecoder::skipText);
        assertEquals(one.patternName, d.patternName());
        d.skipOutcome();
        d.skipGroupKey();
        assertEquals(one.rootCauseSummary, d.rootCauseSummary());
        assertEquals(newer.capacity(), d.limit());
    }

    /**
     * Flips random bytes of a valid encoding. Validation must never throw, and whenever it accepts the
     * bytes, the JSON writer must not throw and a decoder walking the whole message must stay inside
     * the validated length.
     */
    @Test
    void randomCorruptionNeverMakesValidateThrowOrLetTheWriterReadPastTheEnd() throws Exception
    {
        final long seed = 20261123L;
        final Random random = new Random(seed);
        final byte[] original = new byte[buffer.capacity()];
        buffer.getBytes(0, original);
        final UnsafeBuffer work = new UnsafeBuffer(new byte[original.length + 200_000]);
        final MessageHeaderDecoder header = new MessageHeaderDecoder();
        final GroupDecoder decoder = new GroupDecoder();
        final JsonGroupWriter writer = new JsonGroupWriter();
        final JsonGenerator g = new JsonFactory().createGenerator(OutputStream.nullOutputStream());
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
                what.append(' ').append(at - OFFSET).append('^').append(b & 0xFF);
            }
            final int code;
            try
            {
                code = GroupFrames.validate(work, OFFSET, length);
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
            try
            {
                header.wrap(work, OFFSET);
                decoder.wrap(work, OFFSET + EventFrames.HEADER_LENGTH, header.blockLength(), header.version());
                decoder.status();
                decoder.impact().customerFacing();
                decoder.impact().sloImpact();
                writer.write(decoder, g);
                g.flush();
            }
            catch (final RuntimeException e)
            {
                throw new AssertionError("writing threw after validate returned OK for " + what, e);
            }
            assertTrue(decoder.limit() <= OFFSET + length, what::toString);
        }
        assertTrue(accepted > 100, "accepted " + accepted);
        assertTrue(rejected > 100, "rejected " + rejected);
    }
}
