package dev.tapio.codecs;

import dev.tapio.codecs.sbe.BooleanType;
import dev.tapio.codecs.sbe.GroupEncoder;
import dev.tapio.codecs.sbe.GroupStatus;
import dev.tapio.codecs.sbe.MessageHeaderEncoder;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * A correlation group's values for tests, encoded with the generated {@link GroupEncoder}. Public so
 * that the JSON tests in another package can use it; mutable, one per test.
 */
public final class TestGroup
{
    public long groupId = 0x00000000000000aaL;
    public long nodeId = 0x0a0b0c0d0e0f1011L;
    public int patternId = 3;
    public GroupStatus status = GroupStatus.COMPLETE;
    public long traceIdHi = 0x4bf92f3577b34da6L;
    public long traceIdLo = 0xa3ce929d0e0e4736L;
    public long rootSpanId = 0x00f067aa0ba902b7L;
    public long start = TestEvents.INGEST_NS;                // 2026-11-21T10:00:00Z
    public long end = TestEvents.INGEST_NS + 1_500_000_000L; // 1.5 s later
    public float business = 0.75f;
    public boolean customerFacing = true;
    public boolean sloImpact = false;
    public long rootCauseEventId = 0x0123456789abcd02L;
    public float confidence = 0.5f;
    public int memberCount = 4;
    public long[] memberIds = {0x0123456789abcd01L, 0x0123456789abcd02L, 0xfedcba9876543210L};
    public long[] memberTimes = {TestEvents.INGEST_NS, TestEvents.INGEST_NS + 1_000_000L, TestEvents.INGEST_NS + 1_500_000_000L};
    public short[] memberSteps = {0, 1, 255};
    public String[] actions = {"kubectl describe pod web-1", "raise the memory limit of \"app\""};
    public String patternName = "crash-loop";
    public String outcome = "pod-crash-loop";
    public String groupKey = "node=n1,pod=default/web-1";
    public String rootCauseSummary = "container app was OOM-killed";

    /** Encodes at {@code offset} (header first); returns the encoded length. */
    public int encode(final MutableDirectBuffer buffer, final int offset)
    {
        final GroupEncoder e = new GroupEncoder().wrapAndApplyHeader(buffer, offset, new MessageHeaderEncoder())
            .groupId(groupId)
            .nodeId(nodeId)
            .patternId(patternId)
            .status(status)
            .rootSpanId(rootSpanId)
            .start(start)
            .end(end)
            .rootCauseEventId(rootCauseEventId)
            .confidence(confidence)
            .memberCount(memberCount);
        e.traceId().hi(traceIdHi).lo(traceIdLo);
        e.impact().business(business)
            .customerFacing(customerFacing ? BooleanType.T : BooleanType.F)
            .sloImpact(sloImpact ? BooleanType.T : BooleanType.F);
        final GroupEncoder.MembersEncoder m = e.membersCount(memberIds.length);
        for (int i = 0; i < memberIds.length; i++)
        {
            m.next().eventId(memberIds[i]).timestamp(memberTimes[i]).step(memberSteps[i]);
        }
        final GroupEncoder.ActionsEncoder a = e.actionsCount(actions.length);
        for (final String action : actions)
        {
            a.next().text(action);
        }
        e.patternName(patternName).outcome(outcome).groupKey(groupKey).rootCauseSummary(rootCauseSummary);
        return EventFrames.HEADER_LENGTH + e.encodedLength();
    }

    /** Encodes into a new buffer at {@code offset} with {@code slack} spare bytes after the message. */
    public UnsafeBuffer encode(final int offset, final int slack)
    {
        final UnsafeBuffer scratch = new UnsafeBuffer(new byte[offset + capacity()]);
        final int length = encode(scratch, offset);
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[offset + length + slack]);
        buffer.putBytes(0, scratch, 0, offset + length);
        return buffer;
    }

    /** The encoded length, header included. */
    public int encodedLength()
    {
        return encode(new UnsafeBuffer(new byte[capacity()]), 0);
    }

    /** Enough bytes for the encoding (strings at up to 3 UTF-8 bytes per char). */
    private int capacity()
    {
        int n = GroupFrames.MIN_ENCODED_LENGTH + memberIds.length * GroupFrames.MEMBER_ENTRY_LENGTH;
        for (final String action : actions)
        {
            n += EventFrames.VAR_LENGTH_PREFIX + 3 * action.length();
        }
        return n + 3 * (patternName.length() + outcome.length() + groupKey.length() + rootCauseSummary.length());
    }
}
