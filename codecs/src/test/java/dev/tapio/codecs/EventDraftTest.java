package dev.tapio.codecs;

import dev.tapio.codecs.sbe.BooleanType;
import dev.tapio.codecs.sbe.EventDecoder;
import dev.tapio.codecs.sbe.EventType;
import dev.tapio.codecs.sbe.MessageHeaderDecoder;
import dev.tapio.codecs.sbe.Severity;
import dev.tapio.codecs.sbe.Source;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EventDraftTest
{
    private static final byte FILL = (byte)0x5A;

    private static EventDecoder decoder(final UnsafeBuffer buffer, final int offset)
    {
        final MessageHeaderDecoder header = new MessageHeaderDecoder().wrap(buffer, offset);
        return new EventDecoder().wrap(buffer, offset + header.encodedLength(), header.blockLength(), header.version());
    }

    private static String repeat(final char c, final int n)
    {
        final char[] chars = new char[n];
        Arrays.fill(chars, c);
        return new String(chars);
    }

    @Test
    void emptyDraftEncodesToTheMinimumLength()
    {
        final EventDraft d = new EventDraft();
        assertEquals(144, EventFrames.MIN_ENCODED_LENGTH);
        assertEquals(EventFrames.MIN_ENCODED_LENGTH, d.encodedLength());
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[512]);
        assertEquals(EventFrames.MIN_ENCODED_LENGTH, d.encode(buffer, 0, 512, 1L, 2L, Source.FILE));
    }

    @Test
    void encodedLengthEqualsTheLengthEncodeReturns()
    {
        final EventDraft full = TestEvents.fullDraft();
        final EventDraft unicode = new EventDraft();
        unicode.type = EventType.OTHER;
        unicode.text(EventDraft.TYPE_NAME).set("custom.thing");
        unicode.text(EventDraft.MESSAGE).set("señal 🚨 Grüße 日本");
        unicode.addAttribute("clé", "värde ✓");
        final EventDraft manyAttributes = new EventDraft();
        for (int i = 0; i < 50; i++)
        {
            manyAttributes.addAttribute("key" + i, repeat('v', i));
        }
        for (final EventDraft d : new EventDraft[] {full, unicode, manyAttributes})
        {
            final UnsafeBuffer buffer = new UnsafeBuffer(new byte[8192]);
            final int n = d.encode(buffer, 100, 8000, TestEvents.INGEST_NS, 1L, Source.FILE);
            assertEquals(d.encodedLength(), n);
            assertEquals(EventFrames.OK, EventFrames.validate(buffer, 100, n));
            assertEquals(EventFrames.TRUNCATED, EventFrames.validate(buffer, 100, n - 1));
        }
        assertEquals(
            EventFrames.MIN_ENCODED_LENGTH + "señal 🚨 Grüße 日本".getBytes(java.nio.charset.StandardCharsets.UTF_8).length +
            "custom.thing".length() + 4 + "clé".getBytes(java.nio.charset.StandardCharsets.UTF_8).length +
            "värde ✓".getBytes(java.nio.charset.StandardCharsets.UTF_8).length,
            unicode.encodedLength());
    }

    @Test
    void encodeReturnsMinusOneAndWritesNothingWhenTheEventDoesNotFit()
    {
        final EventDraft d = new EventDraft();
        d.type = EventType.K8S_EVENT_WARNING;
        d.text(EventDraft.MESSAGE).set(repeat('x', 600));
        assertTrue(d.encodedLength() > 512);

        final byte[] bytes = new byte[2048];
        Arrays.fill(bytes, FILL);
        final UnsafeBuffer buffer = new UnsafeBuffer(bytes);
        assertEquals(-1, d.encode(buffer, 0, 512, TestEvents.INGEST_NS, 1L, Source.FILE));
        for (final byte b : bytes)
        {
            assertEquals(FILL, b);
        }
    }

    @Test
    void encodeFitsExactlyWhenCapacityEqualsEncodedLength()
    {
        final EventDraft d = TestEvents.fullDraft();
        final int length = d.encodedLength();
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[length + 16]);
        assertEquals(-1, d.encode(buffer, 8, length - 1, TestEvents.INGEST_NS, 1L, Source.FILE));
        assertEquals(length, d.encode(buffer, 8, length, TestEvents.INGEST_NS, 1L, Source.FILE));
        assertEquals(EventFrames.OK, EventFrames.validate(buffer, 8, length));
    }

    @Test
    void encodeFillsDefaultsForIdTimeAndSource()
    {
        final EventDraft d = new EventDraft();
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[512]);
        d.encode(buffer, 0, 512, TestEvents.INGEST_NS, TestEvents.DEFAULT_ID, Source.GRPC);
        final EventDecoder e = decoder(buffer, 0);
        assertEquals(TestEvents.DEFAULT_ID, e.eventId());
        assertEquals(0L, e.nodeId());
        assertEquals(TestEvents.INGEST_NS, e.timestamp());
        assertEquals(TestEvents.INGEST_NS, e.ingestTimestamp());
        assertSame(EventType.OTHER, e.eventType());
        assertSame(Source.GRPC, e.source());
        assertSame(Severity.INFO, e.severity());
        assertEquals(EventDecoder.pidNullValue(), e.pid());
        assertEquals(EventDecoder.ppidNullValue(), e.ppid());
        assertEquals(EventDecoder.uidNullValue(), e.uid());
        assertEquals(EventDecoder.exitCodeNullValue(), e.exitCode());
        assertEquals(0L, e.cgroupId());
        assertEquals(0L, e.traceId().hi());
        assertEquals(0L, e.traceId().lo());
        assertEquals(0L, e.spanId());
        assertEquals(0L, e.correlationId());
        assertEquals(0, e.patternId());
        assertEquals(0f, e.impact().business());
        assertSame(BooleanType.F, e.impact().customerFacing());
        assertEquals(0, e.attributes().count());
    }

    @Test
    void draftValuesOverrideTheDefaults()
    {
        final EventDraft d = new EventDraft();
        d.hasEventId = true;
        d.eventId = 0L; // an explicit id of zero is still the draft's own id
        d.timestamp = 123L;
        d.source = Source.SYSTEMD;
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[512]);
        d.encode(buffer, 0, 512, TestEvents.INGEST_NS, TestEvents.DEFAULT_ID, Source.GRPC);
        final EventDecoder e = decoder(buffer, 0);
        assertEquals(0L, e.eventId());
        assertEquals(123L, e.timestamp());
        assertEquals(TestEvents.INGEST_NS, e.ingestTimestamp());
        assertSame(Source.SYSTEMD, e.source());
    }

    @Test
    void fromDecoderThenEncodeReproducesTheSameBytes()
    {
        final EventDraft original = TestEvents.fullDraft();
        for (int i = 0; i < 20; i++)
        {
            original.addAttribute("k" + i, "välue " + i);
        }
        original.text(EventDraft.MESSAGE).set(repeat('m', 1000)); // larger than from()'s first scratch buffer
        final int length = original.encodedLength();
        final UnsafeBuffer first = TestEvents.encode(original, 0, 0);

        final EventDraft copy = new EventDraft().from(decoder(first, 0));
        assertEquals(length, copy.encodedLength());
        assertEquals(original.attributeCount(), copy.attributeCount());
        final UnsafeBuffer second = new UnsafeBuffer(new byte[length]);
        assertEquals(length, copy.encode(second, 0, length, TestEvents.INGEST_NS, 0L, Source.SYNTHETIC));
        assertArrayEquals(first.byteArray(), second.byteArray());
    }

    @Test
    void relatedIdsRoundTripThroughEncodeAndFrom()
    {
        final EventDraft d = TestEvents.fullDraft();
        d.relatedCount = 0;
        for (int i = 0; i < EventFrames.MAX_RELATED; i++)
        {
            d.related[d.relatedCount++] = 0x8000_0000_0000_0000L | i; // high bit set: ids are unsigned
        }
        assertEquals(TestEvents.fullDraft().encodedLength() +
            (EventFrames.MAX_RELATED - 2) * EventFrames.RELATED_ENTRY_LENGTH, d.encodedLength());
        final UnsafeBuffer buffer = TestEvents.encode(d, 16, 0);
        assertEquals(EventFrames.OK, EventFrames.validate(buffer, 16, d.encodedLength()));

        final EventDraft copy = new EventDraft().from(decoder(buffer, 16));
        assertEquals(EventFrames.MAX_RELATED, copy.relatedCount);
        assertArrayEquals(d.related, copy.related);
        assertEquals("process exited", copy.text(EventDraft.MESSAGE).toString());
        assertEquals(d.encodedLength(), copy.encodedLength());
    }

    @Test
    void relatedIdsKeepTheirOrderAndAnEmptyGroupEncodesNoEntries()
    {
        final EventDraft d = new EventDraft();
        d.related[0] = 3L;
        d.related[1] = 1L;
        d.related[2] = 2L;
        d.relatedCount = 3;
        final UnsafeBuffer buffer = TestEvents.encode(d, 0, 0);
        final EventDecoder e = decoder(buffer, 0);
        e.attributes();
        final EventDecoder.RelatedDecoder r = e.related();
        assertEquals(3, r.count());
        assertEquals(3L, r.next().eventId());
        assertEquals(1L, r.next().eventId());
        assertEquals(2L, r.next().eventId());

        d.reset();
        assertEquals(0, d.relatedCount);
        final EventDecoder empty = decoder(TestEvents.encode(d, 0, 0), 0);
        empty.attributes();
        assertEquals(0, empty.related().count());
    }

    @Test
    void aRelatedCountOutsideTheArrayIsRefusedNotThrown()
    {
        final EventDraft d = new EventDraft();
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[1024]);
        d.relatedCount = EventFrames.MAX_RELATED + 1;
        assertTrue(d.exceedsFieldLimits());
        assertEquals(-1, d.encode(buffer, 0, 1024, 1L, 1L, Source.FILE));
        d.relatedCount = -1;
        assertTrue(d.exceedsFieldLimits());
        assertEquals(-1, d.encode(buffer, 0, 1024, 1L, 1L, Source.FILE));
    }

    @Test
    void resetClearsEveryField()
    {
        final EventDraft d = TestEvents.fullDraft();
        d.reset();
        assertEquals(EventFrames.MIN_ENCODED_LENGTH, d.encodedLength());
        assertFalse(d.hasEventId);
        assertEquals(0, d.attributeCount());
        assertEquals(0, d.relatedCount);
        assertSame(EventType.OTHER, d.type);
        assertEquals(null, d.source);
        assertSame(Severity.INFO, d.severity);
        assertEquals(EventDraft.PID_NULL, d.pid);
        assertEquals(EventDraft.PID_NULL, d.ppid);
        assertEquals(EventDraft.UID_NULL, d.uid);
        assertEquals(EventDraft.EXIT_CODE_NULL, d.exitCode);
        final UnsafeBuffer a = TestEvents.encode(d, 0, 0);
        final UnsafeBuffer b = TestEvents.encode(new EventDraft(), 0, 0);
        assertArrayEquals(b.byteArray(), a.byteArray());
    }

    @Test
    void stringsUpToTheLengthPrefixLimitEncodeAndLongerOnesAreRejected()
    {
        final EventDraft d = new EventDraft();
        d.text(EventDraft.MESSAGE).set(repeat('a', 65_534));
        assertFalse(d.exceedsFieldLimits());
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[70_000]);
        assertEquals(d.encodedLength(), d.encode(buffer, 0, 70_000, 1L, 1L, Source.FILE));
        assertEquals(EventFrames.OK, EventFrames.validate(buffer, 0, d.encodedLength()));

        d.text(EventDraft.MESSAGE).set(repeat('a', 65_535));
        assertTrue(d.exceedsFieldLimits());
        assertEquals(-1, d.encode(buffer, 0, 70_000, 1L, 1L, Source.FILE));

        d.reset();
        d.addAttribute("k", repeat('v', 65_535));
        assertTrue(d.exceedsFieldLimits());
        assertEquals(-1, d.encode(buffer, 0, 70_000, 1L, 1L, Source.FILE));
    }

    @Test
    void attributeCountIsLimitedToWhatTheGroupHeaderAllows()
    {
        final EventDraft d = new EventDraft();
        for (int i = 0; i < 65_534; i++)
        {
            d.addAttribute();
        }
        final int capacity = d.encodedLength() + 100;
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[capacity]);
        assertFalse(d.exceedsFieldLimits());
        assertEquals(d.encodedLength(), d.encode(buffer, 0, capacity, 1L, 1L, Source.FILE));
        assertEquals(EventFrames.OK, EventFrames.validate(buffer, 0, d.encodedLength()));

        d.addAttribute(); // 65,535: the SBE encoder refuses a count above 65,534
        assertTrue(d.exceedsFieldLimits());
        assertEquals(-1, d.encode(buffer, 0, capacity + 100, 1L, 1L, Source.FILE));
    }
}
