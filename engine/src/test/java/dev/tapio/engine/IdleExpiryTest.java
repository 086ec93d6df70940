package dev.tapio.engine;

import dev.tapio.codecs.EventDraft;
import dev.tapio.codecs.sbe.EventType;
import dev.tapio.codecs.sbe.GroupDecoder;
import dev.tapio.codecs.sbe.GroupStatus;
import dev.tapio.engine.correlate.CorrelationSettings;
import dev.tapio.engine.ring.BackpressurePolicy;
import dev.tapio.engine.spi.EventView;
import dev.tapio.engine.spi.GroupView;
import dev.tapio.engine.spi.Publisher;
import dev.tapio.engine.spi.Sink;
import dev.tapio.engine.testing.Await;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * With the wall clock, a group whose deadline passes while no event arrives at all still expires and
 * its record reaches the sinks: the stages get an idle tick from the wait strategy. The engine's clock
 * is injected and moved by the test; the tick itself is real time (about every 500 ms).
 */
@Timeout(30)
class IdleExpiryTest
{
    static Stream<org.junit.jupiter.params.provider.Arguments> modes()
    {
        return Stream.of(ThreadingMode.SHARED, ThreadingMode.DEDICATED)
            .flatMap(t -> Stream.of(WaitStrategyKind.BLOCKING, WaitStrategyKind.SLEEPING)
                .map(w -> org.junit.jupiter.params.provider.Arguments.of(t, w)));
    }

    @ParameterizedTest
    @MethodSource("modes")
    void anOpenGroupExpiresOnAnIdleRingAndItsRecordIsWritten(final ThreadingMode threading, final WaitStrategyKind wait)
        throws Exception
    {
        final long start = 1_800_000_000_000_000_000L;
        final AtomicLong now = new AtomicLong(start);
        final EngineClock clock = new EngineClock()
        {
            @Override
            public long nanoTime()
            {
                return now.get();
            }

            @Override
            public long toEpochNanos(final long nanoTime)
            {
                return nanoTime;
            }
        };
        final List<GroupStatus> statuses = new CopyOnWriteArrayList<>();
        final List<Integer> members = new CopyOnWriteArrayList<>();
        final Sink groups = new Sink()
        {
            @Override
            public String name()
            {
                return "groups";
            }

            @Override
            public void onEvent(final EventView event)
            {
            }

            @Override
            public void onGroup(final GroupView view)
            {
                final GroupDecoder g = view.decoder();
                members.add(g.memberCount());
                statuses.add(g.status());
            }
        };
        final Engine engine = Engine.builder()
            .ringSize(64)
            .threading(threading)
            .waitStrategy(wait)
            .producers(ProducerMode.MULTI)
            .nodeName("worker-1")
            .clock(clock)
            .correlation(CorrelationSettings.builder().clock(CorrelationSettings.Clock.WALL).lateness(Duration.ZERO).build())
            .sink(groups)
            .build()
            .start();
        final Publisher host = engine.publisher("host", BackpressurePolicy.BLOCK);
        final EventDraft d = new EventDraft();
        for (int i = 0; i < 2; i++)
        {
            d.reset();
            d.hasEventId = true;
            d.eventId = 100 + i;
            d.timestamp = start + i * 1_000_000_000L;
            d.type = EventType.K8S_POD_RESTARTED;
            d.text(EventDraft.NODE).set("worker-1");
            d.text(EventDraft.NAMESPACE).set("shop");
            d.text(EventDraft.POD).set("cart-1");
            d.text(EventDraft.CONTAINER).set("cart");
            assertEquals(Publisher.ACCEPTED, host.publish(d));
        }
        // Two restarts of three: a crash-loop group is open. Nothing more arrives; wall time passes
        // its max-gap (5m).
        Await.until(() -> engine.counters().totalOut() == 2, Duration.ofSeconds(5));
        assertTrue(statuses.isEmpty(), statuses.toString());
        now.addAndGet(Duration.ofMinutes(6).toNanos());
        Await.until(() -> !statuses.isEmpty(), Duration.ofSeconds(10), () -> "an expired group record without a new event");
        assertEquals(List.of(GroupStatus.EXPIRED), statuses);
        assertEquals(List.of(2), members);
        assertTrue(engine.stop());
        assertEquals(1, statuses.size(), "not written again at stop");
    }
}
