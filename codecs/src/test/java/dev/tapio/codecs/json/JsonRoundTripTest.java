package dev.tapio.codecs.json;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.tapio.codecs.EventDraft;
import dev.tapio.codecs.EventFrames;
import dev.tapio.codecs.Hex;
import dev.tapio.codecs.Rfc3339;
import dev.tapio.codecs.sbe.EventDecoder;
import dev.tapio.codecs.sbe.EventType;
import dev.tapio.codecs.sbe.MessageHeaderDecoder;
import dev.tapio.codecs.sbe.Source;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** JSON Lines in, SBE in a buffer, JSON out: what survives and what the writer adds. */
class JsonRoundTripTest
{
    static final long INGEST_NS = 1_795_255_200_000_000_000L; // 2026-11-21T10:00:00Z
    static final String INGEST_TIME = "2026-11-21T10:00:00.000000000Z";
    static final long DEFAULT_ID = 0x00c0ffee00c0ffeeL;

    static final String FULL_EVENT = "{"
        + "\"id\":\"0123456789abcdef\","
        + "\"time\":\"2026-11-21T09:59:59.999995000Z\","
        + "\"type\":\"kernel.process.exit\","
        + "\"source\":\"kernel\","
        + "\"severity\":\"error\","
        + "\"node\":\"node-a\","
        + "\"namespace\":\"shop\","
        + "\"pod\":\"checkout-7d9f\","
        + "\"podUid\":\"6f1c2a9e-0000-4000-8000-000000000001\","
        + "\"container\":\"app\","
        + "\"containerId\":\"containerd://abc123\","
        + "\"unit\":\"kubelet.service\","
        + "\"pid\":4242,"
        + "\"ppid\":1,"
        + "\"uid\":1000,"
        + "\"cgroupId\":4660,"
        + "\"comm\":\"java\","
        + "\"exitCode\":137,"
        + "\"message\":\"process exited\","
        + "\"attributes\":{\"http.route\":\"/checkout\",\"team\":\"payments\"},"
        + "\"traceId\":\"4bf92f3577b34da6a3ce929d0e0e4736\","
        + "\"spanId\":\"00f067aa0ba902b7\","
        + "\"parentSpanId\":\"1122334455667788\","
        + "\"impact\":{\"business\":0.75,\"customerFacing\":true,\"sloImpact\":false}"
        + "}";

    private final JsonFactory factory = new JsonFactory();
    private final JsonEventReader reader = new JsonEventReader();
    private final JsonEventWriter writer = new JsonEventWriter();
    private final EventDraft draft = new EventDraft();
    private final UnsafeBuffer buffer = new UnsafeBuffer(new byte[256 * 1024]);
    private int encodedLength;

    /** Reads JSON into the draft and encodes it at offset 0 of the buffer. */
    private void encode(final String json) throws EventFormatException
    {
        reader.read(json, draft);
        encodedLength = draft.encode(buffer, 0, buffer.capacity(), INGEST_NS, DEFAULT_ID, Source.FILE);
        assertEquals(draft.encodedLength(), encodedLength);
        assertEquals(EventFrames.OK, EventFrames.validate(buffer, 0, encodedLength));
    }

    private String writeJson() throws IOException
    {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (JsonGenerator g = factory.createGenerator(out, JsonEncoding.UTF8))
        {
            writer.write(buffer, 0, g);
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    private Map<String, Object> roundTrip(final String json) throws Exception
    {
        encode(json);
        return JsonTree.object(writeJson());
    }

    private static Object at(final Map<String, Object> tree, final String object, final String field)
    {
        return ((Map<?, ?>)tree.get(object)).get(field);
    }

    private EventDecoder decoder()
    {
        final MessageHeaderDecoder h = new MessageHeaderDecoder().wrap(buffer, 0);
        return new EventDecoder().wrap(buffer, h.encodedLength(), h.blockLength(), h.version());
    }

    @Test
    void fullEventSurvivesJsonToSbeToJson() throws Exception
    {
        final Map<String, Object> out = roundTrip(FULL_EVENT);
        assertEquals(INGEST_TIME, out.remove("ingestTime"));
        assertEquals(JsonTree.parse(FULL_EVENT), out);
    }

    @Test
    void writerGivesTheSameJsonThroughACharacterBasedGenerator() throws Exception
    {
        encode(FULL_EVENT.replace("process exited", "se\u00f1al \uD83D\uDEA8").replace("kernel.process.exit", "custom.thing"));
        final java.io.StringWriter chars = new java.io.StringWriter();
        try (JsonGenerator g = factory.createGenerator(chars))
        {
            writer.write(buffer, 0, g);
        }
        assertEquals(writeJson(), chars.toString());
        assertEquals("se\u00f1al \uD83D\uDEA8", JsonTree.object(chars.toString()).get("message"));
    }

    @Test
    void writerOutputReadsBackToTheSameEncoding() throws Exception
    {
        encode(FULL_EVENT);
        final byte[] first = new byte[encodedLength];
        buffer.getBytes(0, first);
        encode(writeJson());
        final byte[] second = new byte[encodedLength];
        buffer.getBytes(0, second);
        assertArrayEquals(first, second);
    }

    @Test
    void unicodeStringsSurviveInValuesAndAttributeKeys() throws Exception
    {
        final String json = "{\"type\":\"k8s.event.warning\",\"message\":\"se\u00f1al \uD83D\uDEA8 Gr\u00fc\u00dfe \u65e5\u672c\","
            + "\"node\":\"nodo-\u00f1\",\"attributes\":{\"cl\u00e9 \uD83D\uDD11\":\"v\u00e4rde \uD83D\uDE00\"}}";
        final Map<String, Object> out = roundTrip(json);
        assertEquals("se\u00f1al \uD83D\uDEA8 Gr\u00fc\u00dfe \u65e5\u672c", out.get("message"));
        assertEquals("nodo-\u00f1", out.get("node"));
        assertEquals("v\u00e4rde \uD83D\uDE00", at(out, "attributes", "cl\u00e9 \uD83D\uDD11"));
        final EventDecoder d = decoder();
        final EventDecoder.AttributesDecoder a = d.attributes();
        a.next().skipKey();
        a.skipValue();
        d.related();
        assertEquals("nodo-\u00f1".getBytes(StandardCharsets.UTF_8).length, d.nodeNameLength());
    }

    @Test
    void escapedCharactersSurvive() throws Exception
    {
        final String json = "{\"type\":\"cni.error\",\"message\":\"line1\\nline2\\t\\\"quoted\\\" \\\\ \\u0001 \\u00f1\"}";
        final Map<String, Object> out = roundTrip(json);
        assertEquals("line1\nline2\t\"quoted\" \\ \u0001 \u00f1", out.get("message"));
    }

    @Test
    void unknownFieldsAreIgnored() throws Exception
    {
        final Map<String, Object> out = roundTrip("{\"extra\":{\"a\":[1,2,{\"b\":3}]},\"type\":\"k8s.pod.running\","
            + "\"list\":[\"x\"],\"flag\":true,\"pod\":\"web-1\",\"ingestTime\":\"2000-01-01T00:00:00Z\"}");
        assertFalse(out.containsKey("extra"));
        assertFalse(out.containsKey("list"));
        assertFalse(out.containsKey("flag"));
        assertEquals("k8s.pod.running", out.get("type"));
        assertEquals("web-1", out.get("pod"));
        assertEquals(INGEST_TIME, out.get("ingestTime"));
    }

    @Test
    void unknownTypeIsKeptByNameAsOther() throws Exception
    {
        final Map<String, Object> out = roundTrip("{\"type\":\"custom.thing\"}");
        assertEquals("custom.thing", out.get("type"));
        final EventDecoder d = decoder();
        assertSame(EventType.OTHER, d.eventType());
        skipGroups(d);
        for (int i = 0; i < 9; i++)
        {
            skipVar(d, i);
        }
        assertEquals("custom.thing", d.typeName());
    }

    @Test
    void knownTypeLeavesTypeNameEmpty() throws Exception
    {
        encode("{\"type\":\"http.error_rate\"}");
        final EventDecoder d = decoder();
        assertSame(EventType.HTTP_ERROR_RATE, d.eventType());
        skipGroups(d);
        for (int i = 0; i < 9; i++)
        {
            skipVar(d, i);
        }
        assertEquals(0, d.typeNameLength());
    }

    /** Moves a decoder past both groups (attributes, related) to the first var-data field. */
    private static void skipGroups(final EventDecoder d)
    {
        for (final EventDecoder.AttributesDecoder a : d.attributes())
        {
            a.skipKey();
            a.skipValue();
        }
        for (final EventDecoder.RelatedDecoder r : d.related())
        {
            r.eventId();
        }
    }

    private static void skipVar(final EventDecoder d, final int field)
    {
        switch (field)
        {
            case EventDraft.NODE -> d.skipNodeName();
            case EventDraft.NAMESPACE -> d.skipNamespaceName();
            case EventDraft.POD -> d.skipPod();
            case EventDraft.POD_UID -> d.skipPodUid();
            case EventDraft.CONTAINER -> d.skipContainerName();
            case EventDraft.CONTAINER_ID -> d.skipContainerId();
            case EventDraft.UNIT -> d.skipUnit();
            case EventDraft.COMM -> d.skipComm();
            case EventDraft.MESSAGE -> d.skipMessage();
            default -> throw new IllegalArgumentException("field " + field);
        }
    }

    @Test
    void absentOptionalFieldsAreNotWritten() throws Exception
    {
        final Map<String, Object> out = roundTrip("{\"type\":\"k8s.pod.created\"}");
        for (final String f : new String[] {"pid", "ppid", "uid", "exitCode", "cgroupId", "traceId", "spanId",
            "parentSpanId", "correlation", "impact", "attributes", "node", "namespace", "pod", "podUid", "container",
            "containerId", "unit", "comm", "message"})
        {
            assertFalse(out.containsKey(f), f);
        }
        assertEquals("info", out.get("severity"));
        assertEquals("file", out.get("source"));
        assertEquals(Hex.toHex(DEFAULT_ID), out.get("id"));
        assertEquals(INGEST_TIME, out.get("time"));
        assertEquals(INGEST_TIME, out.get("ingestTime"));
    }

    @Test
    void exitCodeZeroIsPreservedAndDistinctFromAbsent() throws Exception
    {
        final Map<String, Object> zero = roundTrip("{\"type\":\"kernel.process.exit\",\"exitCode\":0,\"pid\":0}");
        assertTrue(zero.containsKey("exitCode"));
        assertEquals(0L, zero.get("exitCode"));
        assertEquals(0L, zero.get("pid"));
        final Map<String, Object> absent = roundTrip("{\"type\":\"kernel.process.exit\"}");
        assertFalse(absent.containsKey("exitCode"));
        assertFalse(absent.containsKey("pid"));
        assertEquals(EventDecoder.exitCodeNullValue(), decoder().exitCode());
        assertEquals(EventDecoder.pidNullValue(), decoder().pid());
    }

    @Test
    void negativeExitCodesAndTheLargestUidSurvive() throws Exception
    {
        final Map<String, Object> out = roundTrip("{\"type\":\"kernel.process.exit\",\"exitCode\":-2147483647,"
            + "\"uid\":4294967294,\"pid\":2147483647}");
        assertEquals(-2147483647L, out.get("exitCode"));
        assertEquals(4294967294L, out.get("uid"));
        assertEquals(2147483647L, out.get("pid"));
    }

    @Test
    void nullValuesCountAsAbsent() throws Exception
    {
        final Map<String, Object> out = roundTrip("{\"type\":\"kernel.process.exec\",\"pid\":null,\"message\":null,"
            + "\"id\":null,\"time\":null,\"severity\":null}");
        assertFalse(out.containsKey("pid"));
        assertFalse(out.containsKey("message"));
        assertEquals(Hex.toHex(DEFAULT_ID), out.get("id"));
        assertEquals(INGEST_TIME, out.get("time"));
        assertEquals("info", out.get("severity"));
    }

    @Test
    void nonHexIdGetsAStableDerivedIdAndIsKeptAsSourceIdAttribute() throws Exception
    {
        final Map<String, Object> out = roundTrip("{\"id\":\"evt-1\",\"type\":\"k8s.pod.failed\"}");
        final long derived = draft.eventId;
        assertTrue(draft.hasEventId);
        assertEquals("evt-1", at(out, "attributes", JsonEventReader.SOURCE_ID_ATTRIBUTE));
        assertEquals(Hex.toHex(derived), out.get("id"));

        final EventDraft other = new EventDraft();
        new JsonEventReader().read("{\"type\":\"cni.error\",\"id\":\"evt-1\"}", other);
        assertEquals(derived, other.eventId);
        new JsonEventReader().read("{\"type\":\"cni.error\",\"id\":\"evt-2\"}", other);
        assertNotEquals(derived, other.eventId);

        // Reading the output back keeps both the derived id and the attribute.
        final Map<String, Object> again = roundTrip(JsonTree.write(out));
        assertEquals(out.get("id"), again.get("id"));
        assertEquals("evt-1", at(again, "attributes", "source.id"));
        assertEquals(1, ((Map<?, ?>)again.get("attributes")).size());
    }

    @Test
    void derivedIdIsFnv1a64OverTheUtf16CharsOfTheId() throws Exception
    {
        reader.read("{\"id\":\"evt-1\",\"type\":\"x\"}", draft);
        long h = 0xcbf29ce484222325L;
        for (final char c : "evt-1".toCharArray())
        {
            h ^= c;
            h *= 0x100000001b3L;
        }
        assertEquals(h, draft.eventId);
    }

    @Test
    void hexAndIntegerIdsAreTakenAsTheEventId() throws Exception
    {
        assertEquals("00000000000000ff", roundTrip("{\"id\":\"FF\",\"type\":\"x\"}").get("id"));
        assertEquals("ffffffffffffffff", roundTrip("{\"id\":\"ffffffffffffffff\",\"type\":\"x\"}").get("id"));
        assertEquals("000000000000002a", roundTrip("{\"id\":42,\"type\":\"x\"}").get("id"));
        assertFalse(roundTrip("{\"id\":\"1234\",\"type\":\"x\"}").containsKey("attributes"));
        // 17 hex digits is not an id of ours.
        assertEquals("00000000000000001",
            at(roundTrip("{\"id\":\"00000000000000001\",\"type\":\"x\"}"), "attributes", "source.id"));
    }

    @Test
    void timeMayBeEpochNanosecondsOrRfc3339WithAnOffset() throws Exception
    {
        assertEquals("2026-11-21T10:00:00.000000001Z",
            roundTrip("{\"type\":\"x\",\"time\":1795255200000000001}").get("time"));
        assertEquals("2026-11-21T10:00:00.500000000Z",
            roundTrip("{\"type\":\"x\",\"time\":\"2026-11-21T12:00:00.5+02:00\"}").get("time"));
        assertEquals(Rfc3339.parse("2026-11-21T10:00:00.5Z"), draft.timestamp);
    }

    @Test
    void timeAtTheEpochItselfIsTakenAsNoTimeAndBecomesTheIngestTime() throws Exception
    {
        assertEquals(INGEST_TIME, roundTrip("{\"type\":\"x\",\"time\":\"1970-01-01T00:00:00Z\"}").get("time"));
        assertEquals(INGEST_TIME, roundTrip("{\"type\":\"x\",\"time\":0}").get("time"));
        assertEquals("1970-01-01T00:00:00.000000001Z", roundTrip("{\"type\":\"x\",\"time\":1}").get("time"));
    }

    @Test
    void unpairedSurrogatesBecomeQuestionMarks() throws Exception
    {
        assertEquals("a?b", roundTrip("{\"type\":\"x\",\"message\":\"a\\ud800b\"}").get("message"));
    }

    @Test
    void attributeValuesMayBeNumbersOrBooleansAndAreKeptAsText() throws Exception
    {
        final Map<String, Object> out = roundTrip("{\"type\":\"x\",\"attributes\":{\"n\":42,\"f\":1.5,\"b\":true,\"z\":null}}");
        final Map<?, ?> a = (Map<?, ?>)out.get("attributes");
        assertEquals("42", a.get("n"));
        assertTrue(a.get("n") instanceof String);
        assertEquals("1.5", a.get("f"));
        assertEquals("true", a.get("b"));
        assertEquals("", a.get("z"));
    }

    @Test
    void correlationIsReadByIdAndWrittenWithItsPattern() throws Exception
    {
        encode("{\"type\":\"x\",\"correlation\":{\"id\":\"00000000000000aa\"}}");
        assertEquals(0xaaL, draft.correlationId);
        draft.patternId = 7;
        draft.encode(buffer, 0, buffer.capacity(), INGEST_NS, DEFAULT_ID, Source.FILE);
        final Map<String, Object> out = JsonTree.object(writeJson());
        assertEquals("00000000000000aa", at(out, "correlation", "id"));
        assertEquals(7L, at(out, "correlation", "pattern"));
        // A correlated event always carries an impact object, zero or not.
        assertEquals(0.0, at(out, "impact", "business"));
        assertEquals(Boolean.FALSE, at(out, "impact", "customerFacing"));
    }

    @Test
    void relatedIdsSurviveJsonToSbeToJsonInOrder() throws Exception
    {
        final Map<String, Object> out = roundTrip("{\"type\":\"k8s.pod.failed\",\"correlation\":{"
            + "\"id\":\"00000000000000aa\",\"related\":[\"00000000000000B2\",\"ffffffffffffffff\",\"00000000000000a1\"]}}");
        assertEquals(3, draft.relatedCount);
        assertEquals(-1L, draft.related[1]);
        assertEquals(java.util.List.of("00000000000000b2", "ffffffffffffffff", "00000000000000a1"),
            at(out, "correlation", "related"));
        assertEquals("00000000000000aa", at(out, "correlation", "id"));
    }

    @Test
    void sixteenRelatedIdsAreAcceptedAndAnEmptyListWritesNone() throws Exception
    {
        final StringBuilder json = new StringBuilder("{\"type\":\"x\",\"correlation\":{\"id\":\"0000000000000001\","
            + "\"related\":[");
        final java.util.List<String> ids = new java.util.ArrayList<>();
        for (int i = 0; i < EventFrames.MAX_RELATED; i++)
        {
            ids.add(Hex.toHex(0x1000L + i));
            json.append(i == 0 ? "" : ",").append('"').append(ids.get(i)).append('"');
        }
        json.append("]}}");
        assertEquals(ids, at(roundTrip(json.toString()), "correlation", "related"));

        final Map<String, Object> none = roundTrip("{\"type\":\"x\",\"correlation\":{\"id\":\"0000000000000001\","
            + "\"related\":[]}}");
        assertEquals(0, draft.relatedCount);
        assertFalse(((Map<?, ?>)none.get("correlation")).containsKey("related"));
        roundTrip("{\"type\":\"x\",\"correlation\":{\"id\":\"0000000000000001\",\"related\":null}}");
        assertEquals(0, draft.relatedCount);
    }

    @Test
    void writerOutputWithRelatedIdsReadsBackToTheSameEncoding() throws Exception
    {
        encode("{\"type\":\"k8s.pod.restarted\",\"pod\":\"web-1\",\"correlation\":{\"id\":\"00000000000000aa\","
            + "\"related\":[\"0000000000000001\",\"0000000000000002\"]},\"attributes\":{\"k\":\"v\"}}");
        final byte[] first = new byte[encodedLength];
        buffer.getBytes(0, first);
        final String json = writeJson();
        encode(json);
        final byte[] second = new byte[encodedLength];
        buffer.getBytes(0, second);
        assertArrayEquals(first, second, json);
    }

    @Test
    void correlationPatternIsIgnoredOnInputWhetherNameNumberOrAnythingElse() throws Exception
    {
        for (final String pattern : new String[] {"\"crash-loop\"", "7", "null", "{\"a\":[1]}", "[\"x\"]"})
        {
            encode("{\"type\":\"x\",\"correlation\":{\"pattern\":" + pattern + ",\"id\":\"00000000000000aa\","
                + "\"related\":[\"0000000000000001\"]}}");
            assertEquals(0xaaL, draft.correlationId, pattern);
            assertEquals(0, draft.patternId, pattern);
            assertEquals(1, draft.relatedCount, pattern);
        }
    }

    @Test
    void writerNamesThePatternWhenGivenNamesAndTheNamedOutputReadsBack() throws Exception
    {
        writer.patternNames(id -> id == 7 ? "crash-loop" : null);
        encode("{\"type\":\"x\",\"correlation\":{\"id\":\"00000000000000aa\"}}");
        draft.patternId = 7;
        draft.encode(buffer, 0, buffer.capacity(), INGEST_NS, DEFAULT_ID, Source.FILE);
        final String json = writeJson();
        assertEquals("crash-loop", at(JsonTree.object(json), "correlation", "pattern"));
        draft.patternId = 8;
        draft.encode(buffer, 0, buffer.capacity(), INGEST_NS, DEFAULT_ID, Source.FILE);
        assertEquals(8L, at(JsonTree.object(writeJson()), "correlation", "pattern"));
        encode(json);
        assertEquals(0xaaL, draft.correlationId);
    }

    @Test
    void manyAttributesAndLongStringsSurvive() throws Exception
    {
        final StringBuilder json = new StringBuilder("{\"type\":\"x\",\"attributes\":{");
        for (int i = 0; i < 40; i++)
        {
            json.append(i == 0 ? "" : ",").append("\"key").append(i).append("\":\"").append("v".repeat(i * 10))
                .append('"');
        }
        json.append("},\"message\":\"").append("m".repeat(3000)).append("\",\"node\":\"n\"}");
        final Map<String, Object> out = roundTrip(json.toString());
        assertEquals(40, ((Map<?, ?>)out.get("attributes")).size());
        assertEquals("v".repeat(390), at(out, "attributes", "key39"));
        assertEquals("m".repeat(3000), out.get("message"));
        assertEquals("n", out.get("node"));
    }

    @Test
    void readsOneLineFromTheMiddleOfAByteArray() throws Exception
    {
        final byte[] lines = ("{\"type\":\"a\"}\n{\"type\":\"k8s.pod.deleted\",\"pod\":\"p\u00f1\"}\n{\"type\":\"c\"}\n")
            .getBytes(StandardCharsets.UTF_8);
        final int start = "{\"type\":\"a\"}\n".length();
        int end = start;
        while (lines[end] != '\n')
        {
            end++;
        }
        reader.read(lines, start, end - start, draft);
        assertSame(EventType.K8S_POD_DELETED, draft.type);
        assertEquals("p\u00f1", draft.text(EventDraft.POD).toString());
    }

    @Test
    void readerResetsTheDraftBetweenEvents() throws Exception
    {
        reader.read(FULL_EVENT, draft);
        reader.read("{\"type\":\"custom.thing\"}", draft);
        assertEquals(EventFrames.MIN_ENCODED_LENGTH + "custom.thing".length(), draft.encodedLength());
        assertFalse(draft.hasEventId);
        assertEquals(EventDraft.PID_NULL, draft.pid);
    }
}
