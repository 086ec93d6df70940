package dev.tapio.codecs.json;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.tapio.codecs.EventFrames;
import dev.tapio.codecs.GroupFrames;
import dev.tapio.codecs.Hex;
import dev.tapio.codecs.Rfc3339;
import dev.tapio.codecs.TestGroup;
import dev.tapio.codecs.sbe.GroupDecoder;
import dev.tapio.codecs.sbe.GroupStatus;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Group messages encoded with the generated encoder, written as JSON and parsed back with Jackson. */
class JsonGroupWriterTest
{
    private static final int OFFSET = 40;

    private static final String FULL_JSON = "{\"kind\":\"group\",\"id\":\"00000000000000aa\",\"pattern\":\"crash-loop\","
        + "\"outcome\":\"pod-crash-loop\",\"key\":\"node=n1,pod=default/web-1\",\"status\":\"complete\","
        + "\"traceId\":\"4bf92f3577b34da6a3ce929d0e0e4736\",\"rootSpanId\":\"00f067aa0ba902b7\","
        + "\"events\":[\"0123456789abcd01\",\"0123456789abcd02\",\"fedcba9876543210\"],\"steps\":[0,1,255],"
        + "\"memberCount\":4,\"start\":\"2026-11-21T10:00:00.000000000Z\",\"end\":\"2026-11-21T10:00:01.500000000Z\","
        + "\"durationMs\":1500,\"impact\":{\"business\":0.75,\"customerFacing\":true,\"sloImpact\":false},"
        + "\"rootCause\":{\"eventId\":\"0123456789abcd02\",\"summary\":\"container app was OOM-killed\"},"
        + "\"actions\":[\"kubectl describe pod web-1\",\"raise the memory limit of \\\"app\\\"\"],"
        + "\"confidence\":0.5,\"node\":\"0a0b0c0d0e0f1011\"}";

    private final JsonFactory factory = new JsonFactory();
    private final JsonGroupWriter writer = new JsonGroupWriter();
    private final TestGroup group = new TestGroup();

    /** Encodes the group at {@code OFFSET}, checks that it validates, and writes it through a byte-based generator. */
    private String write(final TestGroup g) throws IOException
    {
        final UnsafeBuffer buffer = g.encode(OFFSET, 16);
        assertEquals(EventFrames.OK, GroupFrames.validate(buffer, OFFSET, g.encodedLength()));
        return write(buffer);
    }

    private String write(final UnsafeBuffer buffer) throws IOException
    {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (JsonGenerator gen = factory.createGenerator(out, JsonEncoding.UTF8))
        {
            writer.write(buffer, OFFSET, gen);
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    private Map<String, Object> tree(final TestGroup g) throws IOException
    {
        return JsonTree.object(write(g));
    }

    private static Object at(final Map<String, Object> tree, final String object, final String field)
    {
        return ((Map<?, ?>)tree.get(object)).get(field);
    }

    @Test
    void writesTheDocumentedShapeExactly() throws Exception
    {
        assertEquals(FULL_JSON, write(group));
    }

    @Test
    void writesEveryFieldInTheDocumentedOrder() throws Exception
    {
        final Map<String, Object> out = tree(group);
        assertEquals(List.of("kind", "id", "pattern", "outcome", "key", "status", "traceId", "rootSpanId", "events",
            "steps", "memberCount", "start", "end", "durationMs", "impact", "rootCause", "actions", "confidence", "node"),
            new ArrayList<>(out.keySet()));
        assertEquals(List.of("business", "customerFacing", "sloImpact"),
            new ArrayList<>(((Map<?, ?>)out.get("impact")).keySet()));
        assertEquals(List.of("eventId", "summary"), new ArrayList<>(((Map<?, ?>)out.get("rootCause")).keySet()));
    }

    @Test
    void everyFieldReadsBackToTheEncodedValue() throws Exception
    {
        final Map<String, Object> out = tree(group);
        assertEquals("group", out.get("kind"));
        assertEquals(Hex.toHex(group.groupId), out.get("id"));
        assertEquals(group.patternName, out.get("pattern"));
        assertEquals(group.outcome, out.get("outcome"));
        assertEquals(group.groupKey, out.get("key"));
        assertEquals("complete", out.get("status"));
        assertEquals(Hex.toHex(group.traceIdHi) + Hex.toHex(group.traceIdLo), out.get("traceId"));
        assertEquals(Hex.toHex(group.rootSpanId), out.get("rootSpanId"));
        final List<String> events = new ArrayList<>();
        final List<Long> steps = new ArrayList<>();
        for (int i = 0; i < group.memberIds.length; i++)
        {
            events.add(Hex.toHex(group.memberIds[i]));
            steps.add((long)group.memberSteps[i]);
        }
        assertEquals(events, out.get("events"));
        assertEquals(steps, out.get("steps"));
        assertEquals((long)group.memberCount, out.get("memberCount"));
        assertEquals(group.start, Rfc3339.parse((String)out.get("start")));
        assertEquals(group.end, Rfc3339.parse((String)out.get("end")));
        assertEquals((group.end - group.start) / 1e6, ((Number)out.get("durationMs")).doubleValue());
        assertEquals(group.business, ((Number)at(out, "impact", "business")).floatValue());
        assertEquals(group.customerFacing, at(out, "impact", "customerFacing"));
        assertEquals(group.sloImpact, at(out, "impact", "sloImpact"));
        assertEquals(Hex.toHex(group.rootCauseEventId), at(out, "rootCause", "eventId"));
        assertEquals(group.rootCauseSummary, at(out, "rootCause", "summary"));
        assertEquals(Arrays.asList(group.actions), out.get("actions"));
        assertEquals(group.confidence, ((Number)out.get("confidence")).floatValue());
        assertEquals(Hex.toHex(group.nodeId), out.get("node"));
    }

    @Test
    void otherValuesReadBackToo() throws Exception
    {
        group.groupId = -1L;
        group.nodeId = 0L;
        group.status = GroupStatus.EXPIRED;
        group.traceIdHi = 0x8000000000000000L;
        group.traceIdLo = 1L;
        group.business = 0.1f;
        group.customerFacing = false;
        group.sloImpact = true;
        group.confidence = 0.9f;
        group.memberCount = 70_000;
        final Map<String, Object> out = tree(group);
        assertEquals("ffffffffffffffff", out.get("id"));
        assertEquals("0000000000000000", out.get("node"));
        assertEquals("expired", out.get("status"));
        assertEquals("80000000000000000000000000000001", out.get("traceId"));
        assertEquals(0.1f, ((Number)at(out, "impact", "business")).floatValue());
        assertEquals(Boolean.FALSE, at(out, "impact", "customerFacing"));
        assertEquals(Boolean.TRUE, at(out, "impact", "sloImpact"));
        assertEquals(0.9f, ((Number)out.get("confidence")).floatValue());
        assertEquals(70_000L, out.get("memberCount"));
    }

    @Test
    void statusIsWrittenInLowerCase() throws Exception
    {
        for (final GroupStatus s : new GroupStatus[] {GroupStatus.OPEN, GroupStatus.COMPLETE, GroupStatus.EXPIRED})
        {
            group.status = s;
            assertEquals(s.name().toLowerCase(java.util.Locale.ROOT), tree(group).get("status"));
        }
    }

    @Test
    void aStatusValidationWouldRejectIsWrittenAsUnknownRatherThanThrown() throws Exception
    {
        final UnsafeBuffer buffer = group.encode(OFFSET, 0);
        buffer.putByte(OFFSET + EventFrames.HEADER_LENGTH + GroupDecoder.statusEncodingOffset(), (byte)9);
        assertEquals(EventFrames.BAD_ENUM, GroupFrames.validate(buffer, OFFSET, group.encodedLength()));
        assertEquals("unknown", JsonTree.object(write(buffer)).get("status"));
    }

    @Test
    void rootCauseEventIdIsNullWhenZero() throws Exception
    {
        group.rootCauseEventId = 0L;
        group.rootCauseSummary = "";
        final Map<String, Object> out = tree(group);
        final Map<?, ?> rootCause = (Map<?, ?>)out.get("rootCause");
        assertTrue(rootCause.containsKey("eventId"));
        assertNull(rootCause.get("eventId"));
        assertEquals("", rootCause.get("summary"));
        assertTrue(write(group).contains("\"rootCause\":{\"eventId\":null,\"summary\":\"\"}"));
    }

    @Test
    void anEmptyGroupWritesEveryFieldWithEmptyValues() throws Exception
    {
        group.memberIds = new long[0];
        group.memberTimes = new long[0];
        group.memberSteps = new short[0];
        group.actions = new String[0];
        group.patternName = group.outcome = group.groupKey = group.rootCauseSummary = "";
        group.memberCount = 0;
        group.end = group.start;
        final Map<String, Object> out = tree(group);
        assertEquals(19, out.size());
        assertEquals(List.of(), out.get("events"));
        assertEquals(List.of(), out.get("steps"));
        assertEquals(List.of(), out.get("actions"));
        assertEquals("", out.get("pattern"));
        assertEquals("", out.get("outcome"));
        assertEquals("", out.get("key"));
        assertEquals(0L, out.get("memberCount"));
        assertEquals(0L, out.get("durationMs"));
    }

    @ParameterizedTest
    @CsvSource({
        "0,                    0",
        "1,                    0.000001",
        "10,                   0.00001",
        "999999,               0.999999",
        "1000000,              1",
        "1500000,              1.5",
        "1234567890,           1234.56789",
        "-2000000,             -2",
        "-1,                   -0.000001",
        "9223372036854775807,  9223372036854.775807",
        "-9223372036854775808, -9223372036854.775808",
    })
    void durationIsAnExactPlainDecimalOfMilliseconds(final long nanos, final String expected) throws Exception
    {
        final char[] c = new char[64];
        assertEquals(expected, new String(c, 3, JsonGroupWriter.millis(nanos, c, 3)));
        group.start = 0L;
        group.end = nanos;
        assertTrue(write(group).contains("\"durationMs\":" + expected + ","), expected);
    }

    @Test
    void durationMsIsEndMinusStartOverAMillion() throws Exception
    {
        group.start = Rfc3339.parse("2026-11-21T10:00:00.000000001Z");
        group.end = Rfc3339.parse("2026-11-21T10:05:00.250000000Z");
        final Map<String, Object> out = tree(group);
        assertEquals((group.end - group.start) / 1e6, ((Number)out.get("durationMs")).doubleValue());
        assertEquals("2026-11-21T10:00:00.000000001Z", out.get("start"));
        assertEquals("2026-11-21T10:05:00.250000000Z", out.get("end"));
    }

    @Test
    void unicodeAndEscapesSurviveInEveryString() throws Exception
    {
        group.patternName = "se\u00f1al \uD83D\uDEA8";
        group.outcome = "line1\nline2\t\"q\" \\ \u0001";
        group.groupKey = "pod=d\u00e9fault/web-\u65e5";
        group.rootCauseSummary = "Gr\u00fc\u00dfe \uD83D\uDE00";
        group.actions = new String[] {"\u00e9", "", "a\"b"};
        final Map<String, Object> out = tree(group);
        assertEquals(group.patternName, out.get("pattern"));
        assertEquals(group.outcome, out.get("outcome"));
        assertEquals(group.groupKey, out.get("key"));
        assertEquals(group.rootCauseSummary, at(out, "rootCause", "summary"));
        assertEquals(Arrays.asList(group.actions), out.get("actions"));
    }

    @Test
    void characterBasedGeneratorGivesTheSameText() throws Exception
    {
        group.patternName = "se\u00f1al \uD83D\uDEA8";
        group.actions = new String[] {"\u00e9 \"x\""};
        final UnsafeBuffer buffer = group.encode(OFFSET, 0);
        final StringWriter chars = new StringWriter();
        try (JsonGenerator gen = factory.createGenerator(chars))
        {
            writer.write(buffer, OFFSET, gen);
        }
        assertEquals(write(buffer), chars.toString());
    }

    @Test
    void manyMembersAndLongStringsGrowTheScratchAndTheWriterIsReusable() throws Exception
    {
        final int n = 1000;
        group.memberIds = new long[n];
        group.memberTimes = new long[n];
        group.memberSteps = new short[n];
        group.actions = new String[40];
        for (int i = 0; i < n; i++)
        {
            group.memberIds[i] = 0x1000L + i;
            group.memberTimes[i] = group.start + i;
            group.memberSteps[i] = (short)(i % 256);
        }
        for (int i = 0; i < group.actions.length; i++)
        {
            group.actions[i] = "action " + i + " " + "x".repeat(i * 20);
        }
        group.rootCauseSummary = "s".repeat(5000);
        final Map<String, Object> big = tree(group);
        assertEquals(n, ((List<?>)big.get("events")).size());
        assertEquals(Hex.toHex(0x1000L + n - 1), ((List<?>)big.get("events")).get(n - 1));
        assertEquals(255L, ((List<?>)big.get("steps")).get(255));
        assertEquals(Arrays.asList(group.actions), big.get("actions"));
        assertEquals(group.rootCauseSummary, at(big, "rootCause", "summary"));

        // The same writer on a smaller group writes only that group's members and actions.
        assertEquals(FULL_JSON, write(new TestGroup()));
    }

    @Test
    void writesFromADecoderTheCallerWrapped() throws Exception
    {
        final UnsafeBuffer buffer = group.encode(OFFSET, 0);
        final GroupDecoder d = new GroupDecoder().wrapAndApplyHeader(buffer, OFFSET,
            new dev.tapio.codecs.sbe.MessageHeaderDecoder());
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (JsonGenerator gen = factory.createGenerator(out, JsonEncoding.UTF8))
        {
            writer.write(d, gen);
        }
        assertEquals(FULL_JSON, out.toString(StandardCharsets.UTF_8));
        assertEquals(OFFSET + group.encodedLength(), d.limit());
    }
}
