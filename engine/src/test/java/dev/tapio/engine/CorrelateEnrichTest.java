package dev.tapio.engine;

import dev.tapio.codecs.EventDraft;
import dev.tapio.engine.metrics.EngineCounters;
import dev.tapio.engine.ring.BackpressurePolicy;
import dev.tapio.engine.spi.Publisher;
import dev.tapio.engine.testing.Drafts;
import dev.tapio.engine.testing.RecordingSink;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Correlate gives every event trace context; enrich stamps node identity and leaves the rest intact. */
@Timeout(10)
class CorrelateEnrichTest
{
    private static final String NODE = "node-ä1";

    private static Engine engine(final ThreadingMode mode, final RecordingSink sink)
    {
        return Engine.builder().rules(dev.tapio.engine.correlate.RuleSet.empty())
            .ringSize(64)
            .slotSize(512)
            .threading(mode)
            .producers(ProducerMode.MULTI)
            .nodeName(NODE)
            .seed(42)
            .sink(sink)
            .build()
            .start();
    }

    /** The event as published (encoded on its own), without what the engine stamps. */
    private static Map<String, Object> asPublished(final EventDraft d)
    {
        final Map<String, Object> m = Drafts.decode(Drafts.encode(d));
        m.remove("ingestTimestamp");
        return m;
    }

    private static Map<String, Object> received(final byte[] event)
    {
        final Map<String, Object> m = Drafts.decode(event);
        m.remove("ingestTimestamp");
        return m;
    }

    @ParameterizedTest
    @EnumSource(value = ThreadingMode.class, names = { "SHARED", "DEDICATED" })
    void everyEventLeavesWithATraceIdAndSpanIdAndKeepsOnesItBrought(final ThreadingMode mode) throws Exception
    {
        final RecordingSink sink = new RecordingSink("sink", true);
        final Engine engine = engine(mode, sink);
        final Publisher host = engine.publisher("host", BackpressurePolicy.BLOCK);
        final List<EventDraft> drafts = new ArrayList<>();
        for (int i = 0; i < 100; i++)
        {
            final EventDraft d = Drafts.rich(i, "web-" + i, "message " + i);
            if (i % 3 == 1)
            {
                d.traceIdHi = 0x0af7651916cd43ddL;
                d.traceIdLo = 0x8448eb211c80319cL + i;
            }
            if (i % 3 == 2)
            {
                d.traceIdLo = 0x1234; // hi half zero: still a trace id
                d.spanId = 0xb7ad6b7169203331L;
            }
            drafts.add(d);
            assertEquals(Publisher.ACCEPTED, host.publish(d));
        }
        assertTrue(engine.stop());

        final List<byte[]> events = sink.events();
        assertEquals(100, events.size());
        final Set<String> assignedTraces = new HashSet<>();
        for (int i = 0; i < 100; i++)
        {
            final Map<String, Object> e = received(events.get(i));
            final EventDraft d = drafts.get(i);
            final long hi = (Long)e.get("traceIdHi");
            final long lo = (Long)e.get("traceIdLo");
            final long span = (Long)e.get("spanId");
            assertTrue((hi | lo) != 0, "event " + i + " has a trace id");
            assertNotEquals(0L, span, "event " + i + " has a span id");
            if (i % 3 == 0)
            {
                assertTrue(assignedTraces.add(hi + ":" + lo), "a fresh trace id per event");
            }
            else
            {
                assertEquals(d.traceIdHi, hi, "event " + i + " keeps its trace id");
                assertEquals(d.traceIdLo, lo, "event " + i + " keeps its trace id");
            }
            if (i % 3 == 2)
            {
                assertEquals(d.spanId, span, "event " + i + " keeps its span id");
            }
            assertEquals(d.parentSpanId, e.get("parentSpanId"), "the parent span is not touched");
        }
    }

    @ParameterizedTest
    @EnumSource(value = ThreadingMode.class, names = { "SHARED", "DEDICATED" })
    void enrichStampsTheNodeWhereMissingAndLeavesEveryOtherFieldIntact(final ThreadingMode mode) throws Exception
    {
        final RecordingSink sink = new RecordingSink("sink", true);
        final Engine engine = engine(mode, sink);
        final Publisher host = engine.publisher("host", BackpressurePolicy.BLOCK);

        final EventDraft withoutNode = Drafts.rich(1, "checkout-7d9c4-x2 ☕", "OOMKilled: \"quoted\" / é 😀");
        withoutNode.traceIdHi = 1;
        withoutNode.spanId = 2;
        final EventDraft withNode = Drafts.rich(2, "cart-1", "from elsewhere");
        withNode.text(EventDraft.NODE).set("worker-9");
        withNode.traceIdHi = 3;
        withNode.spanId = 4;
        final EventDraft noAttributes = Drafts.numbered(new EventDraft(), 3);
        noAttributes.text(EventDraft.UNIT).set("kubelet.service");
        noAttributes.text(EventDraft.TYPE_NAME).set("");
        noAttributes.traceIdLo = 5;
        noAttributes.spanId = 6;
        final EventDraft other = Drafts.rich(4, "p", "m");
        other.type = dev.tapio.codecs.sbe.EventType.OTHER;
        other.text(EventDraft.TYPE_NAME).set("custom.audit");
        for (int i = 0; i < 8; i++)
        {
            other.addAttribute("key-" + i, "value-" + i);
        }
        other.traceIdLo = 7;
        other.spanId = 8;
        final EventDraft[] drafts = { withoutNode, withNode, noAttributes, other };
        for (final EventDraft d : drafts)
        {
            assertEquals(Publisher.ACCEPTED, host.publish(d));
        }
        assertTrue(engine.stop());

        final long nodeId = EngineSettings.nodeIdOf(NODE);
        assertEquals(nodeId, engine.settings().nodeId());
        final List<byte[]> events = sink.events();
        assertEquals(drafts.length, events.size());
        for (int i = 0; i < drafts.length; i++)
        {
            final Map<String, Object> expected = asPublished(drafts[i]);
            final String ownNode = drafts[i].text(EventDraft.NODE).isEmpty() ? null :
                (String)expected.get("nodeName");
            expected.put("nodeId", nodeId);
            expected.put("nodeName", ownNode != null ? ownNode : NODE);
            if (ownNode == null)
            {
                expected.put("encodedLength",
                    (Integer)expected.get("encodedLength") + NODE.getBytes(java.nio.charset.StandardCharsets.UTF_8).length);
            }
            assertEquals(expected, received(events.get(i)), "event " + i);
        }
        assertEquals(0, engine.counters().counter(EngineCounters.ENRICH_OVERFLOW).get());
    }

    @Test
    void anEventWithNoRoomForTheNodeNameKeepsGoingWithoutItAndIsCounted() throws Exception
    {
        final RecordingSink sink = new RecordingSink("sink", true);
        final Engine engine = engine(ThreadingMode.SHARED, sink);
        final Publisher host = engine.publisher("host", BackpressurePolicy.BLOCK);
        final EventDraft full = Drafts.rich(1, "web-1", "");
        full.traceIdHi = 1;
        full.spanId = 1;
        full.text(EventDraft.MESSAGE).set("z".repeat(512 - 3 - full.encodedLength()));
        assertEquals(509, full.encodedLength());
        assertEquals(Publisher.ACCEPTED, host.publish(full));
        assertTrue(engine.stop());

        assertEquals(1, engine.counters().counter(EngineCounters.ENRICH_OVERFLOW).get());
        assertEquals(1, engine.counters().totalOut());
        final Map<String, Object> expected = asPublished(full);
        expected.put("nodeId", EngineSettings.nodeIdOf(NODE));
        assertEquals(expected, received(sink.events().get(0)), "the event arrives whole, without a node name");
    }
}
