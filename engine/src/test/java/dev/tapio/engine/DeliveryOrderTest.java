package dev.tapio.engine;

import dev.tapio.engine.metrics.EngineCounters;
import dev.tapio.engine.ring.BackpressurePolicy;
import dev.tapio.engine.source.SyntheticSource;
import dev.tapio.engine.testing.RecordingSink;
import dev.tapio.engine.testing.SequenceSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every threading mode and wait strategy hands every event to the sinks, in ring order. */
class DeliveryOrderTest
{
    private static final int EVENTS = 20_000;
    private static final int PER_PRODUCER = 10_000;

    static Stream<Arguments> modesAndStrategies()
    {
        final List<Arguments> out = new ArrayList<>();
        for (final ThreadingMode mode : new ThreadingMode[]{ ThreadingMode.SHARED, ThreadingMode.DEDICATED })
        {
            for (final WaitStrategyKind wait : WaitStrategyKind.values())
            {
                out.add(Arguments.of(mode, wait));
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0} / {1}")
    @MethodSource("modesAndStrategies")
    @Timeout(10)
    void deliversEveryEventInRingOrderToEverySink(final ThreadingMode mode, final WaitStrategyKind wait)
        throws Exception
    {
        final RecordingSink first = new RecordingSink("first");
        final RecordingSink second = new RecordingSink("second");
        final Engine engine = Engine.builder()
            .ringSize(256)
            .threading(mode)
            .waitStrategy(wait)
            .nodeName("node-1")
            .source(new SequenceSource("seq", 1, EVENTS))
            .sink(first)
            .sink(second)
            .build();
        assertEquals(mode, engine.threadingMode());
        assertEquals(mode == ThreadingMode.SHARED ? 1 : 4, engine.stageThreads().size());
        engine.start();
        assertTrue(engine.awaitSources(Duration.ofSeconds(8)), "source did not finish");
        assertTrue(engine.stop(), "ring did not drain");

        final EngineCounters c = engine.counters();
        assertEquals(EVENTS, c.totalIn());
        assertEquals(EVENTS, c.totalOut(), c.snapshot().toString());
        assertEquals(0, c.totalDropped());
        for (final RecordingSink sink : new RecordingSink[]{ first, second })
        {
            final List<Long> ids = sink.ids();
            final List<Long> sequences = sink.sequences();
            assertEquals(EVENTS, ids.size(), sink.name());
            for (int i = 0; i < EVENTS; i++)
            {
                assertEquals(i + 1, ids.get(i), sink.name() + ": event at position " + i);
                assertEquals(i, sequences.get(i), sink.name() + ": ring sequence at position " + i);
            }
            assertTrue(sink.opened() && sink.closed(), sink.name() + " was opened and closed");
        }
    }

    @ParameterizedTest
    @EnumSource(value = ThreadingMode.class, names = { "SHARED", "DEDICATED" })
    @Timeout(10)
    void keepsEachProducersOrderWhenSeveralPublishAtOnce(final ThreadingMode mode) throws Exception
    {
        final RecordingSink sink = new RecordingSink("sink");
        final Engine engine = Engine.builder()
            .ringSize(128)
            .threading(mode)
            .nodeName("node-1")
            .source(new SequenceSource("a", 1, PER_PRODUCER), BackpressurePolicy.BLOCK)
            .source(new SequenceSource("b", 1_000_001, PER_PRODUCER), BackpressurePolicy.BLOCK)
            .sink(sink)
            .build()
            .start();
        assertTrue(!engine.singleProducer(), "two sources need the multi-producer ring");
        assertTrue(engine.awaitSources(Duration.ofSeconds(8)), "sources did not finish");
        assertTrue(engine.stop(), "ring did not drain");

        long nextA = 1;
        long nextB = 1_000_001;
        for (final long id : sink.ids())
        {
            if (id < 1_000_001)
            {
                assertEquals(nextA++, id, "source a out of order");
            }
            else
            {
                assertEquals(nextB++, id, "source b out of order");
            }
        }
        assertEquals(1 + PER_PRODUCER, nextA);
        assertEquals(1_000_001 + PER_PRODUCER, nextB);
        assertEquals(2L * PER_PRODUCER, engine.counters().totalOut());
        assertEquals(2L * PER_PRODUCER, engine.counters().totalIn());
    }

    @ParameterizedTest
    @EnumSource(value = ThreadingMode.class, names = { "SHARED", "DEDICATED" })
    @Timeout(10)
    void deliversBatchPublishedSyntheticEventsWithConsecutiveIds(final ThreadingMode mode) throws Exception
    {
        final RecordingSink sink = new RecordingSink("sink");
        final SyntheticSource synthetic = new SyntheticSource("synthetic", 0, 50_000, 64,
            SyntheticSource.Pacing.COARSE, 7, 10, 100);
        final Engine engine = Engine.builder()
            .ringSize(1024)
            .threading(mode)
            .nodeName("node-1")
            .source(synthetic)
            .sink(sink)
            .build()
            .start();
        assertTrue(engine.awaitSources(Duration.ofSeconds(8)), "source did not finish");
        assertTrue(engine.stop(), "ring did not drain");

        final List<Long> ids = sink.ids();
        assertEquals(50_000, ids.size());
        for (int i = 1; i < ids.size(); i++)
        {
            assertEquals(ids.get(0) + i, ids.get(i), "event ids of one publisher are consecutive, at " + i);
        }
        assertEquals(50_000, engine.counters().totalOut());
        assertEquals(engine.counters().totalIn(), engine.counters().totalOut());
    }

    @Test
    void startsOnlyOnceAndStopsIdempotently() throws Exception
    {
        final Engine engine = Engine.builder().ringSize(8).nodeName("n").sink(new RecordingSink("s")).build();
        assertTrue(engine.stop(), "stopping an engine never started is a no-op");
        engine.start();
        org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class, engine::start);
        assertTrue(engine.stop());
        assertTrue(engine.stop());
    }
}
