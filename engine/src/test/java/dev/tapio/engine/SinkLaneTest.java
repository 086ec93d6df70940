package dev.tapio.engine;

import dev.tapio.codecs.EventDraft;
import dev.tapio.codecs.sbe.EventType;
import dev.tapio.engine.metrics.EngineCounters;
import dev.tapio.engine.metrics.ErrorLog;
import dev.tapio.engine.ring.BackpressurePolicy;
import dev.tapio.engine.spi.EventView;
import dev.tapio.engine.spi.GroupView;
import dev.tapio.engine.spi.Publisher;
import dev.tapio.engine.spi.Sink;
import dev.tapio.engine.stage.SinkLaneStage;
import dev.tapio.engine.testing.Await;
import dev.tapio.engine.testing.Drafts;
import dev.tapio.engine.testing.RecordingSink;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A sink on a thread of its own ({@link Sink#dedicatedThread()}, as the journal is by default): it
 * gets every event and every group record, after their member events, on its own thread; while it
 * stalls, fan-out's other sinks keep receiving; the ring holds what it has not taken; stop drains it.
 */
@Timeout(60)
class SinkLaneTest
{
    /** Records "E<id>" and "G<members>" in the order they arrive, the thread, and can stall on a gate. */
    static final class LaneSink implements Sink
    {
        final List<String> log = new CopyOnWriteArrayList<>();
        final List<String> threads = new CopyOnWriteArrayList<>();
        final CountDownLatch firstEvent = new CountDownLatch(1);
        final boolean own;
        volatile CountDownLatch gate;

        LaneSink()
        {
            this(true);
        }

        LaneSink(final boolean own)
        {
            this.own = own;
        }

        @Override
        public String name()
        {
            return own ? "lane" : "inline";
        }

        @Override
        public boolean dedicatedThread()
        {
            return own;
        }

        @Override
        public void open()
        {
            threads.add(Thread.currentThread().getName());
        }

        @Override
        public void onEvent(final EventView event) throws InterruptedException
        {
            firstEvent.countDown();
            final CountDownLatch g = gate;
            if (g != null && !g.await(20, TimeUnit.SECONDS))
            {
                throw new IllegalStateException("gate never opened");
            }
            log.add("E" + event.decoder().eventId());
        }

        @Override
        public void onGroup(final GroupView group)
        {
            log.add("G" + group.decoder().memberCount());
        }

        long events()
        {
            return log.stream().filter(s -> s.startsWith("E")).count();
        }
    }

    @ParameterizedTest
    @EnumSource(value = ThreadingMode.class, names = { "SHARED", "DEDICATED" })
    void aStalledLaneDelaysNeitherFanOutNorItsOtherSinksAndCatchesUpInOrder(final ThreadingMode threading) throws Exception
    {
        final LaneSink lane = new LaneSink();
        final CountDownLatch release = new CountDownLatch(1);
        lane.gate = release;
        final RecordingSink inline = new RecordingSink("inline");
        final Engine engine = Engine.builder()
            .ringSize(4096)
            .threading(threading)
            .producers(ProducerMode.MULTI)
            .sink(inline)
            .sink(lane)
            .build()
            .start();
        assertEquals("tapio-sink-lane", engine.stageThreads().get(engine.stageThreads().size() - 1));
        final Publisher host = engine.publisher("host", BackpressurePolicy.DROP);
        final EventDraft d = new EventDraft();
        final int n = 1000;
        for (int i = 0; i < n; i++)
        {
            assertEquals(Publisher.ACCEPTED, host.publish(Drafts.numbered(d, 1 + i)));
        }
        // The lane holds its first event; fan-out and the inline sink get all of them meanwhile.
        Await.until(() -> inline.ids().size() == n, Duration.ofSeconds(10), () -> "inline sink got " + inline.ids().size());
        Await.until(() -> engine.counters().totalOut() == n, Duration.ofSeconds(10));
        assertTrue(lane.firstEvent.await(10, TimeUnit.SECONDS));
        assertEquals(0, lane.events(), "the lane is stalled on its first event");
        assertTrue(engine.ringOccupancy() >= n - 1, "slots the lane has not taken stay in the ring: " + engine.ringOccupancy());

        release.countDown();
        Await.until(() -> lane.events() == n, Duration.ofSeconds(10), () -> "lane got " + lane.events());
        final List<String> expected = new ArrayList<>();
        for (int i = 0; i < n; i++)
        {
            expected.add("E" + (1 + i));
        }
        assertEquals(expected, lane.log);
        Await.until(() -> engine.ringOccupancy() == 0, Duration.ofSeconds(5));
        assertTrue(engine.stop());
        assertEquals(List.of("tapio-sink-lane"), lane.threads, "opened on its own thread");
        assertEquals(0, engine.counters().totalDropped());
        assertTrue(engine.sinkLatencies().get("lane").cumulative().getTotalCount() >= n);
    }

    @ParameterizedTest
    @EnumSource(value = ThreadingMode.class, names = { "SHARED", "DEDICATED" })
    void groupRecordsReachTheLaneInFanOutsOrderAndOpenGroupsAtStop(final ThreadingMode threading) throws Exception
    {
        final LaneSink lane = new LaneSink();
        final LaneSink inline = new LaneSink(false);
        final Engine engine = Engine.builder()
            .ringSize(1024)
            .threading(threading)
            .producers(ProducerMode.MULTI)
            .nodeName("worker-1")
            .sink(inline)
            .sink(lane)
            .build()
            .start();
        final Publisher host = engine.publisher("host", BackpressurePolicy.BLOCK);
        final EventDraft d = new EventDraft();
        // Three restarts of one container: a complete crash loop, whose record closes the group at once.
        for (int i = 0; i < 3; i++)
        {
            restart(d, 100 + i, "cart-1", i);
            assertEquals(Publisher.ACCEPTED, host.publish(d));
        }
        Await.until(() -> lane.log.contains("G3"), Duration.ofSeconds(10), () -> "lane log " + lane.log);
        final int group = lane.log.indexOf("G3");
        for (int i = 0; i < 3; i++)
        {
            assertTrue(lane.log.indexOf("E" + (100 + i)) < group, "member E" + (100 + i) + " before its group: " + lane.log);
        }
        // Two restarts of another pod: an open group, written at stop (after the lane's thread ended).
        for (int i = 0; i < 2; i++)
        {
            restart(d, 200 + i, "cart-2", i);
            assertEquals(Publisher.ACCEPTED, host.publish(d));
        }
        Await.until(() -> lane.events() == 5, Duration.ofSeconds(10));
        assertTrue(engine.stop());
        assertEquals("G2", lane.log.get(lane.log.size() - 1), lane.log.toString());
        assertEquals(6, lane.log.stream().filter(s -> !s.equals("G3")).count(), lane.log.toString());
        assertEquals(inline.log, lane.log, "the lane sees what fan-out's inline sinks see, in the same order");
    }

    private static void restart(final EventDraft d, final long id, final String pod, final int i)
    {
        d.reset();
        d.hasEventId = true;
        d.eventId = id;
        d.timestamp = Drafts.TIME + i * 1_000_000_000L;
        d.type = EventType.K8S_POD_RESTARTED;
        d.text(EventDraft.NODE).set("worker-1");
        d.text(EventDraft.NAMESPACE).set("shop");
        d.text(EventDraft.POD).set(pod);
        d.text(EventDraft.CONTAINER).set("cart");
    }

    @Test
    void aFullGroupBufferDropsTheRecordForThatSinkOnlyCountedAndLogged()
    {
        final EngineCounters counters = new EngineCounters();
        final ByteArrayOutputStream err = new ByteArrayOutputStream();
        final LaneSink sink = new LaneSink();
        final SinkLaneStage stage = new SinkLaneStage(sink, counters, EngineClock.system(),
            new ErrorLog(new PrintStream(err, true, StandardCharsets.UTF_8), 5), 64, 4096);
        final UnsafeBuffer record = new UnsafeBuffer(new byte[200]);
        int offered = 0;
        final String label = SinkLaneStage.DROPPED + "{sink=\"lane\",reason=\"" + SinkLaneStage.REASON_GROUP_BUFFER_FULL + "\"}";
        while (counters.counter(label).get() == 0)
        {
            stage.offerGroup(0, record, 0, record.capacity());
            offered++;
            assertTrue(offered < 100, "a 4 KiB buffer must fill");
        }
        stage.offerGroup(0, record, 0, record.capacity());
        assertEquals(2, counters.counter(label).get());
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("sink lane: group buffer full"), err.toString(StandardCharsets.UTF_8));
        assertNotEquals(0, offered - 1, "some records fitted before");
    }
}
