package dev.tapio.engine;

import dev.tapio.engine.metrics.EngineCounters;
import dev.tapio.engine.ring.BackpressurePolicy;
import dev.tapio.engine.testing.Await;
import dev.tapio.engine.testing.RecordingSink;
import dev.tapio.engine.testing.SequenceSource;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A full ring: the drop policy counts what it sheds, the block policy sheds nothing. */
@Timeout(10)
class BackpressureTest
{
    private static final int RING = 8;
    private static final int EVENTS = 1_000;

    @ParameterizedTest
    @EnumSource(value = ThreadingMode.class, names = { "SHARED", "DEDICATED" })
    void dropPolicyCountsShedEventsAsBackpressureAndNeverWaits(final ThreadingMode mode) throws Exception
    {
        final RecordingSink sink = new RecordingSink("held");
        final CountDownLatch gate = sink.gate();
        final SequenceSource source = new SequenceSource("dropping", 1, EVENTS);
        final Engine engine = Engine.builder()
            .ringSize(RING)
            .threading(mode)
            .nodeName("node-1")
            .source(source, BackpressurePolicy.DROP)
            .sink(sink)
            .build()
            .start();
        // The sink holds the first event, so the ring never frees a slot: the source must not wait.
        assertTrue(engine.awaitSources(Duration.ofSeconds(5)), "a dropping source never blocks");
        assertEquals(RING, source.accepted(), "exactly one ring's worth was accepted");
        gate.countDown();
        assertTrue(engine.stop(), "ring did not drain");

        final EngineCounters c = engine.counters();
        assertEquals(EVENTS, c.totalIn());
        assertEquals(EVENTS - RING, c.droppedCount(EngineCounters.REASON_BACKPRESSURE));
        assertTrue(c.droppedCount(EngineCounters.REASON_BACKPRESSURE) > 0);
        assertEquals(RING, c.totalOut());
        assertEquals(c.totalIn(), c.totalOut() + c.totalDropped(), c.snapshot().toString());
        assertEquals(List.of(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L), sink.ids(), "the first ring's worth got through");
    }

    @ParameterizedTest
    @EnumSource(value = ThreadingMode.class, names = { "SHARED", "DEDICATED" })
    void blockPolicyWaitsForSpaceAndLosesNothing(final ThreadingMode mode) throws Exception
    {
        final RecordingSink sink = new RecordingSink("held");
        final CountDownLatch gate = sink.gate();
        final SequenceSource source = new SequenceSource("blocking", 1, EVENTS);
        final Engine engine = Engine.builder()
            .ringSize(RING)
            .threading(mode)
            .nodeName("node-1")
            .source(source, BackpressurePolicy.BLOCK)
            .sink(sink)
            .build()
            .start();
        Await.until(() -> source.offered() > RING, Duration.ofSeconds(5), () -> "the ring to fill");
        assertEquals(RING, source.accepted(), "the source waits inside publish() for a free slot");
        assertEquals(0, engine.counters().totalDropped());
        gate.countDown();
        assertTrue(engine.awaitSources(Duration.ofSeconds(5)), "source did not finish");
        assertTrue(engine.stop(), "ring did not drain");

        final EngineCounters c = engine.counters();
        assertEquals(EVENTS, c.totalIn());
        assertEquals(0, c.totalDropped(), c.snapshot().toString());
        assertEquals(EVENTS, c.totalOut());
        final List<Long> ids = sink.ids();
        assertEquals(EVENTS, ids.size());
        for (int i = 0; i < EVENTS; i++)
        {
            assertEquals(i + 1, ids.get(i));
        }
    }
}
