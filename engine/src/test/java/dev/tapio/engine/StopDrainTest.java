package dev.tapio.engine;

import dev.tapio.codecs.EventDraft;
import dev.tapio.engine.metrics.EngineCounters;
import dev.tapio.engine.ring.BackpressurePolicy;
import dev.tapio.engine.spi.Publisher;
import dev.tapio.engine.testing.Await;
import dev.tapio.engine.testing.Drafts;
import dev.tapio.engine.testing.RecordingSink;
import dev.tapio.engine.testing.SequenceSource;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** stop() drains the ring: no event accepted into it is lost, however slow the sinks are at that moment. */
@Timeout(10)
class StopDrainTest
{
    @ParameterizedTest
    @EnumSource(value = ThreadingMode.class, names = { "SHARED", "DEDICATED" })
    void stopDeliversEveryEventStillInTheRingOnceTheSinkIsReleased(final ThreadingMode mode) throws Exception
    {
        final int events = 100;
        final RecordingSink sink = new RecordingSink("slow");
        final CountDownLatch gate = sink.gate();
        final Engine engine = Engine.builder()
            .ringSize(128)
            .threading(mode)
            .producers(ProducerMode.MULTI)
            .nodeName("node-1")
            .shutdownTimeout(Duration.ofSeconds(8))
            .source(new SequenceSource("seq", 1, events))
            .sink(sink)
            .build()
            .start();
        assertTrue(engine.awaitSources(Duration.ofSeconds(5)), "source did not finish");
        assertTrue(sink.awaitFirstEvent(5), "the first event never reached the sink");
        assertEquals(events, engine.ringOccupancy(), "every event waits in the ring behind the held sink");

        final CompletableFuture<Boolean> stopped = CompletableFuture.supplyAsync(engine::stop);
        // A host publisher sees STOPPED once stop() refuses publishes, i.e. once it is draining.
        final Publisher probe = engine.publisher("probe", BackpressurePolicy.DROP);
        final EventDraft draft = new EventDraft();
        final long[] probesAccepted = { 0 };
        Await.until(() ->
        {
            final int r = probe.publish(Drafts.numbered(draft, 1_000_000 + probesAccepted[0]));
            if (r == Publisher.ACCEPTED)
            {
                probesAccepted[0]++;
            }
            return r == Publisher.STOPPED;
        }, Duration.ofSeconds(5), () -> "stop() to refuse publishes");
        assertFalse(stopped.isDone(), "stop() must wait for the held events");
        assertTrue(engine.ringOccupancy() >= events, "the events are still in the ring when the sink is released");

        gate.countDown();
        assertTrue(stopped.get(5, TimeUnit.SECONDS), "stop() reports a complete drain");

        final EngineCounters c = engine.counters();
        final List<Long> ids = sink.ids();
        assertEquals(events + probesAccepted[0], ids.size(), "every accepted event reached the sink");
        for (int i = 0; i < events; i++)
        {
            assertEquals(i + 1, ids.get(i));
        }
        assertEquals(ids.size(), c.totalOut());
        assertEquals(c.totalIn(), c.totalOut() + c.totalDropped(), c.snapshot().toString());
        assertEquals(1, c.droppedCount(EngineCounters.REASON_STOPPED), "only the probe that saw STOPPED");
        assertTrue(sink.closed(), "sinks are closed after the drain");
    }

    @ParameterizedTest
    @EnumSource(value = ThreadingMode.class, names = { "SHARED", "DEDICATED" })
    void stopRightAfterStartStillDeliversWhatWasPublished(final ThreadingMode mode) throws Exception
    {
        final EventDraft draft = new EventDraft();
        for (int round = 0; round < 50; round++)
        {
            final RecordingSink sink = new RecordingSink("sink");
            final Engine engine = Engine.builder()
                .ringSize(8)
                .threading(mode)
                .producers(ProducerMode.MULTI)
                .nodeName("node-1")
                .sink(sink)
                .build()
                .start();
            final Publisher host = engine.publisher("host", BackpressurePolicy.BLOCK);
            assertEquals(Publisher.ACCEPTED, host.publish(Drafts.numbered(draft, round)));
            assertTrue(engine.stop(), "stop() reports a complete drain");
            assertEquals(List.of((long)round), sink.ids(), "round " + round);
            assertEquals(1, engine.counters().totalOut(), "round " + round);
        }
    }

    @ParameterizedTest
    @EnumSource(value = ThreadingMode.class, names = { "SHARED", "DEDICATED" })
    void stopWhileASourceIsBlockedOnAFullRingLosesNothing(final ThreadingMode mode) throws Exception
    {
        final RecordingSink sink = new RecordingSink("slow");
        final CountDownLatch gate = sink.gate();
        final SequenceSource endless = new SequenceSource("endless", 1, 0);
        final Engine engine = Engine.builder()
            .ringSize(16)
            .threading(mode)
            .nodeName("node-1")
            .shutdownTimeout(Duration.ofSeconds(8))
            .source(endless, BackpressurePolicy.BLOCK)
            .sink(sink)
            .build()
            .start();
        // The ring is full and the source waits for space inside publish().
        Await.until(() -> endless.offered() > 16, Duration.ofSeconds(5), () -> "the ring to fill");
        assertEquals(16, endless.accepted());

        final CompletableFuture<Boolean> stopped = CompletableFuture.supplyAsync(engine::stop);
        Await.until(() -> !endless.context().running(), Duration.ofSeconds(5),
            () -> "stop() to tell the sources to stop");
        assertEquals("running", engine.sourceStates().get("endless"), "the source is still blocked in publish()");
        assertFalse(stopped.isDone(), "stop() must wait for the held events");
        gate.countDown();
        assertTrue(stopped.get(5, TimeUnit.SECONDS), "stop() reports a complete drain");

        final EngineCounters c = engine.counters();
        final List<Long> ids = sink.ids();
        assertEquals(endless.accepted(), ids.size(), "every accepted event reached the sink");
        for (int i = 0; i < ids.size(); i++)
        {
            assertEquals(i + 1, ids.get(i));
        }
        assertEquals(ids.size(), c.totalOut());
        assertEquals(c.totalIn(), c.totalOut() + c.totalDropped(), c.snapshot().toString());
        assertEquals("done", engine.sourceStates().get("endless"));
    }
}
