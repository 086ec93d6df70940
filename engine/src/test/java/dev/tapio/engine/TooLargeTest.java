package dev.tapio.engine;

import dev.tapio.codecs.EventDraft;
import dev.tapio.codecs.sbe.Source;
import dev.tapio.engine.metrics.EngineCounters;
import dev.tapio.engine.ring.BackpressurePolicy;
import dev.tapio.engine.spi.Publisher;
import dev.tapio.engine.spi.SlotWriter;
import dev.tapio.engine.testing.Drafts;
import dev.tapio.engine.testing.RecordingSink;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Events that do not fit a slot are refused whole and counted; nothing is truncated. */
@Timeout(10)
class TooLargeTest
{
    private static Engine engine(final RecordingSink sink)
    {
        return Engine.builder()
            .ringSize(64)
            .slotSize(512)
            .producers(ProducerMode.MULTI)
            .nodeName("node-1")
            .sink(sink)
            .build()
            .start();
    }

    @Test
    void aDraftLargerThanASlotIsRefusedAsTooLargeAndTheNextOneStillArrivesWhole() throws Exception
    {
        final RecordingSink sink = new RecordingSink("sink", true);
        final Engine engine = engine(sink);
        final Publisher host = engine.publisher("host", BackpressurePolicy.BLOCK);

        final EventDraft big = Drafts.rich(1, "web-1", "x".repeat(1000));
        assertTrue(big.encodedLength() > 512);
        assertEquals(Publisher.TOO_LARGE, host.publish(big));
        final EventDraft small = Drafts.rich(2, "web-2", "fits");
        assertEquals(Publisher.ACCEPTED, host.publish(small));
        assertTrue(engine.stop());

        final EngineCounters c = engine.counters();
        assertEquals(1, c.droppedCount(EngineCounters.REASON_TOO_LARGE));
        assertEquals(2, c.totalIn());
        assertEquals(1, c.totalOut(), c.snapshot() + " " + sink.ids());
        assertEquals(List.of(2L), sink.ids(), "the large event is not delivered in part");
        assertEquals("fits", Drafts.decode(sink.events().get(0)).get("message"));
    }

    @Test
    void aDraftThatFitsExactlyIsAccepted() throws Exception
    {
        final RecordingSink sink = new RecordingSink("sink", true);
        final Engine engine = Engine.builder()
            .ringSize(8)
            .slotSize(512)
            .producers(ProducerMode.MULTI)
            .nodeName("")
            .sink(sink)
            .build()
            .start();
        final Publisher host = engine.publisher("host", BackpressurePolicy.BLOCK);
        final EventDraft d = Drafts.rich(1, "web-1", "");
        d.text(EventDraft.MESSAGE).set("m".repeat(512 - d.encodedLength()));
        assertEquals(512, d.encodedLength());
        assertEquals(Publisher.ACCEPTED, host.publish(d));
        d.text(EventDraft.MESSAGE).set("m".repeat(512 - d.encodedLength() + d.text(EventDraft.MESSAGE).length() + 1));
        assertEquals(513, d.encodedLength());
        assertEquals(Publisher.TOO_LARGE, host.publish(d));
        assertTrue(engine.stop());

        assertEquals(1, sink.count());
        assertEquals(512, Drafts.decode(sink.events().get(0)).get("encodedLength"));
        assertEquals(1, engine.counters().droppedCount(EngineCounters.REASON_TOO_LARGE));
    }

    @Test
    void rawBytesLargerThanASlotAreRefusedAsTooLarge() throws Exception
    {
        final RecordingSink sink = new RecordingSink("sink");
        final Engine engine = engine(sink);
        final Publisher host = engine.publisher("host", BackpressurePolicy.BLOCK);
        final byte[] big = Drafts.encode(Drafts.rich(1, "web-1", "y".repeat(1000)));
        assertEquals(Publisher.TOO_LARGE, host.publishRaw(new org.agrona.concurrent.UnsafeBuffer(big), 0, big.length));
        assertTrue(engine.stop());
        assertEquals(1, engine.counters().droppedCount(EngineCounters.REASON_TOO_LARGE));
        assertEquals(0, engine.counters().droppedCount(EngineCounters.REASON_MALFORMED));
        assertEquals(0, sink.count());
    }

    /** Encodes a small event per batch index, except where told to fail. */
    private static final class Writer implements SlotWriter<long[]>
    {
        private final EventDraft draft = new EventDraft();

        @Override
        public int write(
            final org.agrona.MutableDirectBuffer buffer, final int capacity, final long ingestTimestamp,
            final long eventId, final int index, final long[] idsByIndex)
        {
            idsByIndex[index] = eventId;
            if (index == 2)
            {
                return -1;
            }
            if (index == 4)
            {
                return capacity + 1;
            }
            Drafts.numbered(draft, 0);
            draft.hasEventId = false;
            draft.source = null;
            draft.text(EventDraft.POD).set("pod-" + index);
            return draft.encode(buffer, 0, capacity, ingestTimestamp, eventId, Source.GRPC);
        }
    }

    @Test
    void aSlotWriterThatCannotFitOneEventOfABatchLosesOnlyThatOne() throws Exception
    {
        final RecordingSink sink = new RecordingSink("sink", true);
        final Engine engine = engine(sink);
        final Publisher host = engine.publisher("host", BackpressurePolicy.BLOCK);
        final long[] ids = new long[6];
        assertEquals(4, host.publishBatch(new Writer(), ids, 6, 0, 0), "4 of the 6 were accepted");
        assertTrue(engine.stop());

        final EngineCounters c = engine.counters();
        assertEquals(6, c.totalIn());
        assertEquals(2, c.droppedCount(EngineCounters.REASON_TOO_LARGE));
        assertEquals(4, c.totalOut());
        assertEquals(c.totalIn(), c.totalOut() + c.totalDropped());
        assertEquals(0, c.droppedCount(EngineCounters.REASON_MALFORMED), "a void slot is not decoded");
        assertEquals(List.of(ids[0], ids[1], ids[3], ids[5]), sink.ids());
        final List<byte[]> events = sink.events();
        final String[] pods = { "pod-0", "pod-1", "pod-3", "pod-5" };
        for (int i = 0; i < pods.length; i++)
        {
            final Map<String, Object> e = Drafts.decode(events.get(i));
            assertEquals(pods[i], e.get("pod"));
            assertEquals(Source.GRPC, e.get("source"));
        }
    }

    @Test
    void aSingleSlotWriterPublishThatCannotFitReturnsTooLarge() throws Exception
    {
        final RecordingSink sink = new RecordingSink("sink");
        final Engine engine = engine(sink);
        final Publisher host = engine.publisher("host", BackpressurePolicy.BLOCK);
        final SlotWriter<Object> never = (buffer, capacity, ingest, id, index, arg) -> -1;
        assertEquals(Publisher.TOO_LARGE, host.publish(never, null));
        assertTrue(engine.stop());
        assertEquals(1, engine.counters().droppedCount(EngineCounters.REASON_TOO_LARGE));
        assertEquals(1, engine.counters().totalIn());
        assertEquals(0, sink.count());
    }
}
