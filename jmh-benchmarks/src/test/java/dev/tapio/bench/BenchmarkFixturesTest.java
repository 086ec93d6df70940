package dev.tapio.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tapio.bench.baseline.BaselineEvent;
import dev.tapio.bench.baseline.BaselinePipeline;
import dev.tapio.codecs.EventDraft;
import dev.tapio.codecs.EventFrames;
import dev.tapio.codecs.json.JsonEventReader;
import dev.tapio.codecs.sbe.EventDecoder;
import dev.tapio.codecs.sbe.EventEncoder;
import dev.tapio.codecs.sbe.MessageHeaderEncoder;
import dev.tapio.codecs.sbe.Source;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Fast checks (no JMH) that the benchmarks move what they claim to: the fixture's three forms agree,
 * and both pipelines deliver every event and stop cleanly.
 */
class BenchmarkFixturesTest
{
    @Test
    void theEventsThreeFormsAgree() throws Exception
    {
        final PodEvent event = PodEvent.variant(0);
        final UnsafeBuffer sbe = new UnsafeBuffer(new byte[1024]);
        final int length = event.encode(sbe, 0, new MessageHeaderEncoder(), new EventEncoder(), true,
            PodEvent.EVENT_ID, PodEvent.INGEST_TIMESTAMP);
        assertEquals(EventFrames.OK, EventFrames.validate(sbe, 0, length));

        final EventDraft draft = new EventDraft();
        new JsonEventReader().read(event.jsonLine(), 0, event.jsonLine().length, draft);
        final UnsafeBuffer fromJson = new UnsafeBuffer(new byte[1024]);
        final int jsonLength = draft.encode(fromJson, 0, 1024, PodEvent.INGEST_TIMESTAMP, 1, Source.FILE);
        assertEquals(EventFrames.OK, EventFrames.validate(fromJson, 0, jsonLength));
        final EventDecoder d = new EventDecoder().wrap(fromJson, EventFrames.HEADER_LENGTH,
            EventDecoder.BLOCK_LENGTH, EventDecoder.SCHEMA_VERSION);
        assertEquals(PodEvent.EVENT_ID, d.eventId());
        assertEquals(PodEvent.TIMESTAMP, d.timestamp());
        assertEquals(PodEvent.TYPE, d.eventType());
        assertEquals(PodEvent.EXIT_CODE, d.exitCode());
        final EventDecoder.AttributesDecoder attributes = d.attributes();
        assertEquals(2, attributes.count());
        assertEquals("k8s.container.restart_count", attributes.next().key());
        assertEquals("4", attributes.value());
        assertEquals("OOMKilled", attributes.next().skipKey() > 0 ? attributes.value() : null);
        assertEquals(0, d.related().count());
        assertEquals("", d.nodeName());
        assertEquals(event.namespace, d.namespaceName());
        assertEquals(event.pod, d.pod());

        final ObjectMapper mapper = new ObjectMapper();
        final BaselineEvent pojo = mapper.readValue(event.jsonLine(), BaselineEvent.class);
        assertEquals(event.message, pojo.message);
        assertEquals("OOMKilled", pojo.attributes.get("k8s.container.last_terminated_reason"));
        final BaselineEvent enriched =
            mapper.readValue(mapper.writeValueAsBytes(event.toPojo(true)), BaselineEvent.class);
        assertEquals(PodEvent.TRACE_ID_HI, enriched.traceIdHi);
        assertEquals(PodEvent.TRACE_ID_LO, enriched.traceIdLo);
        assertEquals(PodEvent.SPAN_ID, enriched.spanIdBits);
        assertEquals(PodEvent.NODE, enriched.node);
    }

    @Test
    void theBaselinePipelineDeliversEveryEventAndStops() throws Exception
    {
        final List<BaselineEvent> seen = new ArrayList<>();
        final BaselinePipeline pipeline = new BaselinePipeline("node-1", 7, 42, 128, seen::add).start();
        final BaselineEvent template = PodEvent.variant(3).toPojo(false);
        for (int i = 0; i < 10_000; i++)
        {
            pipeline.publish(new BaselineEvent(template));
        }
        final BaselineEvent invalid = new BaselineEvent(template);
        invalid.type = null;
        pipeline.publish(invalid);
        assertTrue(pipeline.awaitDone(10_001, Duration.ofSeconds(30)));
        pipeline.close();
        assertTrue(pipeline.terminated());
        assertEquals(10_000, pipeline.processed());
        assertEquals(1, pipeline.rejected());
        assertEquals(10_000, seen.size());
        final BaselineEvent e = seen.get(9_999);
        assertEquals("node-1", e.node);
        assertEquals(7, e.nodeId);
        assertNotEquals(0, e.traceIdHi);
        assertNotEquals(0, e.spanIdBits);
    }

    @Test
    void theEngineBenchmarkStateRunsBothThreadingModes() throws Exception
    {
        final PipelineThroughputBenchmark bench = new PipelineThroughputBenchmark();
        for (final dev.tapio.engine.ThreadingMode mode : new dev.tapio.engine.ThreadingMode[]{
            dev.tapio.engine.ThreadingMode.SHARED, dev.tapio.engine.ThreadingMode.DEDICATED })
        {
            final PipelineThroughputBenchmark.EngineState s = new PipelineThroughputBenchmark.EngineState();
            s.threading = mode;
            s.start();
            assertEquals(mode, s.engine.threadingMode());
            assertEquals(PipelineThroughputBenchmark.EVENTS, bench.engine(s));
            s.stop(); // throws when an event was lost or a stage thread outlived it
            assertEquals(PipelineThroughputBenchmark.EVENTS, s.counters.totalOut());
        }
    }
}
