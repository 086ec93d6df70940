package dev.tapio.codecs.json;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.SerializableString;
import com.fasterxml.jackson.core.io.SerializedString;
import dev.tapio.codecs.EventFrames;
import dev.tapio.codecs.Hex;
import dev.tapio.codecs.Rfc3339;
import dev.tapio.codecs.sbe.GroupDecoder;
import dev.tapio.codecs.sbe.GroupStatus;
import dev.tapio.codecs.sbe.MessageHeaderDecoder;
import org.agrona.DirectBuffer;

import java.io.IOException;
import java.util.Arrays;

/**
 * Writes an encoded {@code Group} message (one correlation group) as one JSON object, the group
 * record of docs/EVENT-FORMAT.md, through a caller's Jackson {@link JsonGenerator}. Every field is
 * always written, in a fixed order. Field names are pre-encoded, strings go out as raw UTF-8, ids,
 * times and the duration from reusable char buffers: with a byte-based generator (over an
 * OutputStream) the only per-group allocation is Jackson's formatting of the two floats
 * ({@code impact.business}, {@code confidence}); a character-based one (over a Writer) also decodes
 * each string to a String. The scratch arrays grow to the largest group seen and are then reused.
 *
 * <p>Run {@link dev.tapio.codecs.GroupFrames#validate} on untrusted bytes first. An enum value that
 * validation would reject is written as {@code "unknown"} or {@code false} rather than thrown on.
 *
 * <p>Not thread-safe: one per writing thread.
 */
public final class JsonGroupWriter
{
    private static final SerializedString KIND = new SerializedString("kind");
    private static final SerializedString GROUP = new SerializedString("group");
    private static final SerializedString ID = new SerializedString("id");
    private static final SerializedString PATTERN = new SerializedString("pattern");
    private static final SerializedString OUTCOME = new SerializedString("outcome");
    private static final SerializedString KEY = new SerializedString("key");
    private static final SerializedString STATUS = new SerializedString("status");
    private static final SerializedString TRACE_ID = new SerializedString("traceId");
    private static final SerializedString ROOT_SPAN_ID = new SerializedString("rootSpanId");
    private static final SerializedString EVENTS = new SerializedString("events");
    private static final SerializedString STEPS = new SerializedString("steps");
    private static final SerializedString MEMBER_COUNT = new SerializedString("memberCount");
    private static final SerializedString START = new SerializedString("start");
    private static final SerializedString END = new SerializedString("end");
    private static final SerializedString DURATION_MS = new SerializedString("durationMs");
    private static final SerializedString IMPACT = new SerializedString("impact");
    private static final SerializedString BUSINESS = new SerializedString("business");
    private static final SerializedString CUSTOMER_FACING = new SerializedString("customerFacing");
    private static final SerializedString SLO_IMPACT = new SerializedString("sloImpact");
    private static final SerializedString ROOT_CAUSE = new SerializedString("rootCause");
    private static final SerializedString EVENT_ID = new SerializedString("eventId");
    private static final SerializedString SUMMARY = new SerializedString("summary");
    private static final SerializedString ACTIONS = new SerializedString("actions");
    private static final SerializedString CONFIDENCE = new SerializedString("confidence");
    private static final SerializedString NODE = new SerializedString("node");

    private static final SerializedString OPEN = new SerializedString("open");
    private static final SerializedString COMPLETE = new SerializedString("complete");
    private static final SerializedString EXPIRED = new SerializedString("expired");
    private static final SerializedString UNKNOWN = new SerializedString("unknown");

    private static final long NANOS_PER_MILLI = 1_000_000L;

    private final MessageHeaderDecoder header = new MessageHeaderDecoder();
    private final GroupDecoder decoder = new GroupDecoder();
    private final char[] chars = new char[64];
    private byte[] bytes = new byte[512];
    private long[] memberIds = new long[32];
    private short[] memberSteps = new short[32];
    private int[] actionLengths = new int[8];

    /** Writes the Group message at {@code offset} (header first) as a JSON object. */
    public void write(final DirectBuffer buffer, final int offset, final JsonGenerator g) throws IOException
    {
        header.wrap(buffer, offset);
        decoder.wrap(buffer, offset + EventFrames.HEADER_LENGTH, header.blockLength(), header.version());
        write(decoder, g);
    }

    /** Writes the Group the decoder is wrapped around (at the start of its block). */
    public void write(final GroupDecoder d, final JsonGenerator g) throws IOException
    {
        // SBE order is block, members, actions, var data; the JSON order differs, so the groups and
        // strings are read into scratch first and written from there.
        int members = 0;
        for (final GroupDecoder.MembersDecoder m : d.members())
        {
            ensureMembers(members + 1);
            memberIds[members] = m.eventId();
            memberSteps[members] = m.step();
            members++;
        }
        int p = 0;
        int actions = 0;
        for (final GroupDecoder.ActionsDecoder a : d.actions())
        {
            final int n = a.textLength();
            ensure(p + n);
            ensureActions(actions + 1);
            actionLengths[actions++] = a.getText(bytes, p, n);
            p += n;
        }
        final int actionBytes = p;
        int n = d.patternNameLength();
        ensure(p + n);
        final int patternLength = d.getPatternName(bytes, p, n);
        p += patternLength;
        n = d.outcomeLength();
        ensure(p + n);
        final int outcomeLength = d.getOutcome(bytes, p, n);
        p += outcomeLength;
        n = d.groupKeyLength();
        ensure(p + n);
        final int keyLength = d.getGroupKey(bytes, p, n);
        p += keyLength;
        n = d.rootCauseSummaryLength();
        ensure(p + n);
        final int summaryLength = d.getRootCauseSummary(bytes, p, n);

        final byte[] b = bytes;
        int s = actionBytes;
        g.writeStartObject();
        g.writeFieldName(KIND);
        g.writeString(GROUP);
        hex(g, ID, d.groupId());
        g.writeFieldName(PATTERN);
        JsonEventWriter.utf8(g, b, s, patternLength);
        s += patternLength;
        g.writeFieldName(OUTCOME);
        JsonEventWriter.utf8(g, b, s, outcomeLength);
        s += outcomeLength;
        g.writeFieldName(KEY);
        JsonEventWriter.utf8(g, b, s, keyLength);
        s += keyLength;
        g.writeFieldName(STATUS);
        g.writeString(status(d.statusRaw()));
        g.writeFieldName(TRACE_ID);
        Hex.put(d.traceId().hi(), chars, 0);
        Hex.put(d.traceId().lo(), chars, 16);
        g.writeString(chars, 0, 32);
        hex(g, ROOT_SPAN_ID, d.rootSpanId());

        g.writeFieldName(EVENTS);
        g.writeStartArray();
        for (int i = 0; i < members; i++)
        {
            g.writeString(chars, 0, Hex.put(memberIds[i], chars, 0));
        }
        g.writeEndArray();
        g.writeFieldName(STEPS);
        g.writeStartArray();
        for (int i = 0; i < members; i++)
        {
            g.writeNumber(memberSteps[i]);
        }
        g.writeEndArray();
        g.writeFieldName(MEMBER_COUNT);
        g.writeNumber(d.memberCount());

        final long start = d.start();
        final long end = d.end();
        g.writeFieldName(START);
        g.writeString(chars, 0, Rfc3339.format(start, chars, 0));
        g.writeFieldName(END);
        g.writeString(chars, 0, Rfc3339.format(end, chars, 0));
        g.writeFieldName(DURATION_MS);
        g.writeNumber(chars, 0, millis(end - start, chars, 0));

        g.writeFieldName(IMPACT);
        g.writeStartObject();
        g.writeFieldName(BUSINESS);
        g.writeNumber(d.impact().business());
        g.writeFieldName(CUSTOMER_FACING);
        g.writeBoolean(d.impact().customerFacingRaw() == 1);
        g.writeFieldName(SLO_IMPACT);
        g.writeBoolean(d.impact().sloImpactRaw() == 1);
        g.writeEndObject();

        g.writeFieldName(ROOT_CAUSE);
        g.writeStartObject();
        final long rootCause = d.rootCauseEventId();
        if (rootCause != 0)
        {
            hex(g, EVENT_ID, rootCause);
        }
        else
        {
            g.writeFieldName(EVENT_ID);
            g.writeNull();
        }
        g.writeFieldName(SUMMARY);
        JsonEventWriter.utf8(g, b, s, summaryLength);
        g.writeEndObject();

        g.writeFieldName(ACTIONS);
        g.writeStartArray();
        int a = 0;
        for (int i = 0; i < actions; i++)
        {
            JsonEventWriter.utf8(g, b, a, actionLengths[i]);
            a += actionLengths[i];
        }
        g.writeEndArray();

        g.writeFieldName(CONFIDENCE);
        g.writeNumber(d.confidence());
        hex(g, NODE, d.nodeId());
        g.writeEndObject();
    }

    private static SerializableString status(final short raw)
    {
        if (raw == GroupStatus.OPEN.value())
        {
            return OPEN;
        }
        if (raw == GroupStatus.COMPLETE.value())
        {
            return COMPLETE;
        }
        if (raw == GroupStatus.EXPIRED.value())
        {
            return EXPIRED;
        }
        return UNKNOWN;
    }

    private void hex(final JsonGenerator g, final SerializableString name, final long value) throws IOException
    {
        g.writeFieldName(name);
        g.writeString(chars, 0, Hex.put(value, chars, 0));
    }

    /**
     * Writes a nanosecond duration as a plain decimal number of milliseconds, exact: at most six fraction
     * digits with trailing zeros dropped, no fraction when whole ({@code 1500}, {@code 1.5},
     * {@code 0.000001}, {@code -2}). Never an exponent.
     *
     * @return the number of characters written (at most 22).
     */
    static int millis(final long nanos, final char[] dst, final int offset)
    {
        int p = offset;
        if (nanos < 0)
        {
            dst[p++] = '-';
        }
        // -Long.MIN_VALUE is itself; read as unsigned it is the right magnitude.
        final long magnitude = nanos < 0 ? -nanos : nanos;
        long whole = Long.divideUnsigned(magnitude, NANOS_PER_MILLI);
        int fraction = (int)Long.remainderUnsigned(magnitude, NANOS_PER_MILLI);
        final int digitsStart = p;
        do
        {
            dst[p++] = (char)('0' + (whole % 10));
            whole /= 10;
        }
        while (whole != 0);
        for (int i = digitsStart, j = p - 1; i < j; i++, j--)
        {
            final char c = dst[i];
            dst[i] = dst[j];
            dst[j] = c;
        }
        if (fraction != 0)
        {
            int digits = 6;
            while (fraction % 10 == 0)
            {
                fraction /= 10;
                digits--;
            }
            dst[p++] = '.';
            for (int i = digits - 1; i >= 0; i--)
            {
                dst[p + i] = (char)('0' + (fraction % 10));
                fraction /= 10;
            }
            p += digits;
        }
        return p - offset;
    }

    private void ensure(final int capacity)
    {
        if (capacity > bytes.length)
        {
            bytes = Arrays.copyOf(bytes, Math.max(capacity, bytes.length * 2));
        }
    }

    private void ensureMembers(final int count)
    {
        if (count > memberIds.length)
        {
            final int n = Math.max(count, memberIds.length * 2);
            memberIds = Arrays.copyOf(memberIds, n);
            memberSteps = Arrays.copyOf(memberSteps, n);
        }
    }

    private void ensureActions(final int count)
    {
        if (count > actionLengths.length)
        {
            actionLengths = Arrays.copyOf(actionLengths, Math.max(count, actionLengths.length * 2));
        }
    }
}
