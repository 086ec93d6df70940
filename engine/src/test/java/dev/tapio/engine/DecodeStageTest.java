package dev.tapio.engine;

import dev.tapio.codecs.EventFrames;
import dev.tapio.codecs.sbe.EventDecoder;
import dev.tapio.engine.metrics.EngineCounters;
import dev.tapio.engine.ring.BackpressurePolicy;
import dev.tapio.engine.spi.Publisher;
import dev.tapio.engine.testing.Drafts;
import dev.tapio.engine.testing.RecordingSink;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The decode stage stops bad raw bytes before any later stage or sink reads them. */
@Timeout(10)
class DecodeStageTest
{
    private static byte[] valid(final long id)
    {
        return Drafts.encode(Drafts.rich(id, "web-" + id, "raw event " + id));
    }

    @ParameterizedTest
    @EnumSource(value = ThreadingMode.class, names = { "SHARED", "DEDICATED" })
    void malformedRawEventsAreCountedAndNeverReachSinksWhileValidOnesDo(final ThreadingMode mode) throws Exception
    {
        final ByteArrayOutputStream errors = new ByteArrayOutputStream();
        final RecordingSink sink = new RecordingSink("sink", true);
        final Engine engine = Engine.builder().rules(dev.tapio.engine.correlate.RuleSet.empty())
            .ringSize(64)
            .threading(mode)
            .producers(ProducerMode.MULTI)
            .nodeName("node-1")
            .errorStream(new PrintStream(errors, true, StandardCharsets.UTF_8))
            .sink(sink)
            .build()
            .start();
        final Publisher host = engine.publisher("host", BackpressurePolicy.BLOCK);

        final byte[] garbage = new byte[96];
        Arrays.fill(garbage, (byte)0xAB);

        final byte[] wrongSchema = valid(100);
        new UnsafeBuffer(wrongSchema).putShort(4, (short)(EventFrames.SCHEMA_ID + 1), ByteOrder.LITTLE_ENDIAN);

        final byte[] wrongTemplate = valid(101);
        new UnsafeBuffer(wrongTemplate).putShort(2, (short)(EventFrames.TEMPLATE_ID + 1), ByteOrder.LITTLE_ENDIAN);

        // The last var-data field (typeName, empty) claims 200 bytes that are not there.
        final byte[] truncatedVarData = valid(102);
        new UnsafeBuffer(truncatedVarData).putShort(truncatedVarData.length - 2, (short)200, ByteOrder.LITTLE_ENDIAN);

        // A valid event cut short in the middle of its var data.
        final byte[] cutShort = Arrays.copyOf(valid(103), valid(103).length - 5);

        final byte[] badEnum = valid(104);
        new UnsafeBuffer(badEnum).putByte(EventFrames.HEADER_LENGTH + EventDecoder.severityEncodingOffset(), (byte)99);

        final byte[] tiny = { 1, 2, 3 };

        final byte[][] sequence = {
            valid(1), garbage, valid(2), wrongSchema, valid(3), truncatedVarData, valid(4), cutShort, valid(5),
            wrongTemplate, badEnum, tiny, valid(6)
        };
        for (final byte[] b : sequence)
        {
            assertEquals(Publisher.ACCEPTED, host.publishRaw(new UnsafeBuffer(b), 0, b.length),
                "raw bytes are taken in untrusted; decode judges them");
        }
        assertTrue(engine.stop(), "ring did not drain");

        final EngineCounters c = engine.counters();
        assertEquals(List.of(1L, 2L, 3L, 4L, 5L, 6L), sink.ids(), "only the valid events, in order");
        assertEquals(7, c.droppedCount(EngineCounters.REASON_MALFORMED), c.snapshot().toString());
        assertEquals(sequence.length, c.totalIn());
        assertEquals(6, c.totalOut());
        assertEquals(c.totalIn(), c.totalOut() + c.totalDropped());
        assertEquals(0, c.counter("tapio_stage_errors_total{stage=\"decode\"}").get(),
            "rejecting bad bytes is not a stage failure");
        // The valid ones came through whole (enrich added the node name, nothing else changed).
        for (int i = 0; i < 6; i++)
        {
            final java.util.Map<String, Object> expected = Drafts.decode(valid(i + 1));
            final java.util.Map<String, Object> actual = Drafts.decode(sink.events().get(i));
            assertEquals("node-1", actual.get("nodeName"));
            for (final String k : new String[]{ "nodeId", "nodeName", "traceIdHi", "traceIdLo", "spanId",
                "encodedLength" })
            {
                expected.remove(k);
                actual.remove(k);
            }
            assertEquals(expected, actual);
        }
        final String log = errors.toString(StandardCharsets.UTF_8);
        assertTrue(log.contains("decode: dropped malformed event"), log);
        assertTrue(log.contains("wrong schema id"), log);
        assertTrue(log.contains("var data runs past the end"), log);
    }

    @Test
    void validateAcceptsAnEncodedDraftByteForByte()
    {
        final byte[] b = valid(7);
        assertEquals(EventFrames.OK, EventFrames.validate(new UnsafeBuffer(b), 0, b.length));
        assertArrayEquals(b, valid(7), "encoding is deterministic");
    }

    @Test
    void enumValuesTheSchemaDoesNotKnowAreRejectedAsBadEnumWithoutThrowing()
    {
        final int block = EventFrames.HEADER_LENGTH;
        final int[][] cases = {
            { block + EventDecoder.severityEncodingOffset(), 1, 99 },
            { block + EventDecoder.severityEncodingOffset(), 1, 255 },
            { block + EventDecoder.sourceEncodingOffset(), 1, 42 },
            { block + EventDecoder.eventTypeEncodingOffset(), 2, 999 },
            { block + EventDecoder.eventTypeEncodingOffset(), 2, 0xFFFF },
        };
        for (final int[] c : cases)
        {
            final byte[] b = valid(9);
            final UnsafeBuffer u = new UnsafeBuffer(b);
            if (c[1] == 1)
            {
                u.putByte(c[0], (byte)c[2]);
            }
            else
            {
                u.putShort(c[0], (short)c[2], ByteOrder.LITTLE_ENDIAN);
            }
            assertEquals(EventFrames.BAD_ENUM, EventFrames.validate(u, 0, b.length),
                "value " + c[2] + " at offset " + c[0]);
        }
    }

    @Test
    void hostPublishersNeedTheMultiProducerRing()
    {
        final Engine engine = Engine.builder().rules(dev.tapio.engine.correlate.RuleSet.empty())
            .ringSize(8)
            .producers(ProducerMode.SINGLE)
            .nodeName("node-1")
            .sink(new RecordingSink("s"))
            .build();
        assertThrows(IllegalStateException.class, () -> engine.publisher("host", BackpressurePolicy.BLOCK));
    }
}
