package dev.tapio.engine.collect;

import dev.tapio.codecs.EventDraft;
import dev.tapio.engine.Engine;
import dev.tapio.engine.EngineClock;
import dev.tapio.engine.ring.BackpressurePolicy;
import dev.tapio.engine.spi.SourceUnavailableException;
import dev.tapio.engine.source.SyntheticSource;
import dev.tapio.engine.testing.Await;
import dev.tapio.engine.testing.Drafts;
import dev.tapio.engine.testing.RecordingSink;
import dev.tapio.engine.testing.ScriptedSource;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The collector manager: restarts with backoff, gives up within a window, isolates, reports health. */
class CollectorManagerTest
{
    private static final Duration WAIT = Duration.ofSeconds(10);

    private final ByteArrayOutputStream errors = new ByteArrayOutputStream();

    private Engine.Builder engine()
    {
        return Engine.builder()
            .ringSize(1024)
            .nodeName("node-1")
            .errorStream(new PrintStream(errors, true, StandardCharsets.UTF_8));
    }

    private static CollectorStatus status(final Engine engine, final String name)
    {
        for (final CollectorStatus s : engine.collectors())
        {
            if (s.name().equals(name))
            {
                return s;
            }
        }
        throw new AssertionError("no collector " + name + " in " + engine.collectors());
    }

    @Test
    void aCrashingSourceIsRestartedWithGrowingBackoffWhileAHealthyOneKeepsPublishing() throws Exception
    {
        final List<Long> runStarts = new CopyOnWriteArrayList<>();
        final CountDownLatch fourthRun = new CountDownLatch(1);
        final ScriptedSource crashing = new ScriptedSource("crashing", ctx ->
        {
            runStarts.add(System.nanoTime());
            final int run = runStarts.size();
            ctx.publisher().publish(Drafts.numbered(new EventDraft(), 1_000_000 + run));
            if (run == 4)
            {
                fourthRun.countDown();
                while (ctx.running())
                {
                    ctx.heartbeat();
                    java.util.concurrent.locks.LockSupport.parkNanos(1_000_000L);
                }
                return;
            }
            throw new IllegalStateException("boom " + run);
        });
        final AtomicLong steadyPublished = new AtomicLong();
        final ScriptedSource steady = new ScriptedSource("steady", ctx ->
        {
            final EventDraft d = new EventDraft();
            long id = 1;
            // Publishes until the other source has been restarted three times, then 100 more.
            while (fourthRun.getCount() > 0 && ctx.running())
            {
                ctx.publisher().publish(Drafts.numbered(d, id++));
                steadyPublished.set(id - 1);
                java.util.concurrent.locks.LockSupport.parkNanos(100_000L);
            }
            for (int i = 0; i < 100; i++)
            {
                ctx.publisher().publish(Drafts.numbered(d, id++));
            }
            steadyPublished.set(id - 1);
        });
        final RestartPolicy policy = RestartPolicy.builder()
            .initialBackoff(Duration.ofMillis(40)).maxBackoff(Duration.ofMillis(100)).multiplier(2)
            .maxFailures(10).window(Duration.ofMinutes(1)).build();
        final RecordingSink sink = new RecordingSink("sink");
        final Engine e = engine()
            .source(crashing, BackpressurePolicy.BLOCK, policy)
            .source(steady, BackpressurePolicy.BLOCK, policy)
            .sink(sink)
            .build()
            .start();
        try
        {
            Await.until(() -> status(e, "crashing").state() == CollectorState.DEGRADED, WAIT,
                () -> "the crashing source to wait out its backoff: " + e.collectors());
            final CollectorStatus waiting = status(e, "crashing");
            assertTrue(waiting.reason().matches("restarting in \\d+ms after: java.lang.IllegalStateException: boom \\d"),
                waiting.reason());
            assertEquals("running", e.sourceStates().get("crashing"), "a source waiting to restart is not failed");

            assertTrue(fourthRun.await(WAIT.toSeconds(), TimeUnit.SECONDS), "the source was not restarted 3 times");
            assertFalse(e.awaitSources(Duration.ZERO), "a running source has not finished");
            Await.until(() -> status(e, "steady").state() == CollectorState.DONE, WAIT, () -> "steady to finish");
            Await.until(() -> status(e, "crashing").state() == CollectorState.HEALTHY, WAIT, () -> "crashing healthy");
        }
        finally
        {
            assertTrue(e.stop());
        }
        // Backoffs 40, 80, then 100 (capped) ms between the four runs.
        final long[] expectedMillis = { 40, 80, 100 };
        for (int i = 0; i < 3; i++)
        {
            final long gap = TimeUnit.NANOSECONDS.toMillis(runStarts.get(i + 1) - runStarts.get(i));
            assertTrue(gap >= expectedMillis[i], "gap " + (i + 1) + " was " + gap + " ms, less than the backoff " +
                expectedMillis[i] + " ms");
        }
        final CollectorStatus c = status(e, "crashing");
        assertEquals(CollectorState.DONE, c.state());
        assertEquals(3, c.restarts());
        assertEquals(3, c.errors());
        assertEquals(4, c.events());
        assertEquals(3, e.counters().snapshot().get("tapio_collector_restarts_total{collector=\"crashing\"}"));
        final CollectorStatus s = status(e, "steady");
        assertEquals(CollectorState.DONE, s.state());
        assertEquals(0, s.errors());
        assertEquals(0, s.restarts());
        assertEquals(steadyPublished.get(), s.events());

        long steadyIds = 0;
        long expected = 1;
        for (final long id : sink.ids())
        {
            if (id < 1_000_000)
            {
                assertEquals(expected++, id, "the healthy source's events arrive complete and in order");
                steadyIds++;
            }
        }
        assertEquals(steadyPublished.get(), steadyIds);
        assertTrue(steadyIds > 100);
        assertTrue(errors.toString(StandardCharsets.UTF_8).contains("source crashing failed: java.lang.IllegalStateException: boom 1"));
    }

    @Test
    void aSourceThatKeepsCrashingEndsFailedWithItsReason() throws Exception
    {
        final AtomicInteger runs = new AtomicInteger();
        final ScriptedSource broken = new ScriptedSource("broken", ctx ->
        {
            runs.incrementAndGet();
            throw new IOException("connect /run/thing.sock: connection refused");
        });
        final RestartPolicy policy = RestartPolicy.builder()
            .initialBackoff(Duration.ofMillis(1)).maxBackoff(Duration.ofMillis(4)).maxFailures(3)
            .window(Duration.ofMinutes(1)).build();
        try (Engine e = engine().source(broken, BackpressurePolicy.BLOCK, policy).sink(new RecordingSink("sink")).build().start())
        {
            assertTrue(e.awaitSources(WAIT));
            final CollectorStatus s = status(e, "broken");
            assertEquals(CollectorState.FAILED, s.state());
            assertEquals("java.io.IOException: connect /run/thing.sock: connection refused (gave up after 3 crashes " +
                "within 1m)", s.reason());
            assertEquals(3, runs.get());
            assertEquals(2, s.restarts());
            assertEquals(3, s.errors());
            assertEquals("failed: " + s.reason(), e.sourceStates().get("broken"));
            assertEquals("failed: " + s.reason(), s.toString());
        }
        assertEquals(3, runs.get(), "not started again after giving up");
    }

    @Test
    void stopEndsABackoffWaitAtOnce() throws Exception
    {
        final ScriptedSource crashing = new ScriptedSource("crashing", ctx ->
        {
            throw new IllegalStateException("boom");
        });
        final RestartPolicy policy = RestartPolicy.builder().initialBackoff(Duration.ofMinutes(10))
            .maxBackoff(Duration.ofMinutes(10)).build();
        final Engine e = engine().source(crashing, BackpressurePolicy.BLOCK, policy).sink(new RecordingSink("sink"))
            .build().start();
        Await.until(() -> status(e, "crashing").state() == CollectorState.DEGRADED, WAIT, () -> "the backoff");
        assertEquals("restarting in 10m after: java.lang.IllegalStateException: boom", status(e, "crashing").reason());
        final long before = System.nanoTime();
        assertTrue(e.stop());
        assertTrue(System.nanoTime() - before < Duration.ofSeconds(5).toNanos(), "stop did not wait out the backoff");
        assertEquals("failed: stopped while waiting to restart after: java.lang.IllegalStateException: boom",
            status(e, "crashing").toString());
        assertEquals(0, status(e, "crashing").restarts());
    }

    @Test
    void crashesFurtherApartThanTheWindowNeverAddUpToFailed() throws Exception
    {
        // The engine clock jumps 2 s ahead at every crash: each crash is alone in its 1 s window.
        final AtomicLong offset = new AtomicLong();
        final EngineClock system = EngineClock.system();
        final EngineClock clock = new EngineClock()
        {
            @Override
            public long nanoTime()
            {
                return system.nanoTime() + offset.get();
            }

            @Override
            public long toEpochNanos(final long nanoTime)
            {
                return system.toEpochNanos(nanoTime - offset.get());
            }
        };
        final AtomicInteger runs = new AtomicInteger();
        final ScriptedSource flaky = new ScriptedSource("flaky", ctx ->
        {
            if (runs.incrementAndGet() <= 6)
            {
                offset.addAndGet(2_000_000_000L);
                throw new IllegalStateException("flake");
            }
        });
        final RestartPolicy policy = RestartPolicy.builder()
            .initialBackoff(Duration.ofMillis(1)).maxBackoff(Duration.ofMillis(1)).maxFailures(2)
            .window(Duration.ofSeconds(1)).build();
        try (Engine e = engine().clock(clock).source(flaky, BackpressurePolicy.BLOCK, policy)
            .sink(new RecordingSink("sink")).build().start())
        {
            assertTrue(e.awaitSources(WAIT));
            final CollectorStatus s = status(e, "flaky");
            assertEquals(CollectorState.DONE, s.state(), s.toString());
            assertEquals(6, s.restarts());
            assertEquals(6, s.errors());
        }
    }

    @Test
    void anUnavailableSourceSaysWhyAndIsNotRestartedInALoop() throws Exception
    {
        final AtomicInteger runs = new AtomicInteger();
        final ScriptedSource kernelLike = new ScriptedSource("kernel", ctx ->
        {
            runs.incrementAndGet();
            throw new SourceUnavailableException("needs CAP_BPF and CAP_PERFMON (run as root)");
        });
        final ScriptedSource finite = new ScriptedSource("finite", ctx ->
            ctx.publisher().publish(Drafts.numbered(new EventDraft(), 7)));
        try (Engine e = engine()
            .source(kernelLike, BackpressurePolicy.BLOCK, RestartPolicy.DEFAULT)
            .source(finite, BackpressurePolicy.BLOCK, RestartPolicy.DEFAULT)
            .sink(new RecordingSink("sink")).build().start())
        {
            assertTrue(e.awaitSources(WAIT), "an unavailable source does not keep a host waiting");
            final CollectorStatus s = status(e, "kernel");
            assertEquals(CollectorState.UNAVAILABLE, s.state());
            assertEquals("needs CAP_BPF and CAP_PERFMON (run as root)", s.reason());
            assertEquals("failed: needs CAP_BPF and CAP_PERFMON (run as root)", e.sourceStates().get("kernel"));
            assertEquals(0, s.restarts());
            assertEquals(1, s.errors());
            assertEquals(CollectorState.DONE, status(e, "finite").state());
            assertNull(status(e, "finite").reason());
        }
        assertEquals(1, runs.get(), "retried only after unavailableRetry (1m), not at once");
        assertTrue(errors.toString(StandardCharsets.UTF_8).contains(
            "source kernel unavailable: needs CAP_BPF and CAP_PERFMON (run as root) (trying again every 1m)"));
    }

    @Test
    void anUnavailableSourceIsTriedAgainAfterUnavailableRetry() throws Exception
    {
        final AtomicInteger runs = new AtomicInteger();
        final CountDownLatch running = new CountDownLatch(1);
        final ScriptedSource late = new ScriptedSource("late", ctx ->
        {
            if (runs.incrementAndGet() <= 3)
            {
                throw new SourceUnavailableException("no socket /run/late.sock");
            }
            running.countDown();
            while (ctx.running())
            {
                ctx.heartbeat();
                java.util.concurrent.locks.LockSupport.parkNanos(1_000_000L);
            }
        });
        final RestartPolicy policy = RestartPolicy.builder().unavailableRetry(Duration.ofMillis(20)).build();
        try (Engine e = engine().source(late, BackpressurePolicy.BLOCK, policy).sink(new RecordingSink("sink")).build().start())
        {
            assertTrue(running.await(WAIT.toSeconds(), TimeUnit.SECONDS));
            Await.until(() -> status(e, "late").state() == CollectorState.HEALTHY, WAIT, () -> "late healthy");
            assertEquals(0, status(e, "late").restarts(), "a retry after unavailable is not a crash restart");
            assertEquals(3, status(e, "late").errors());
        }
        assertEquals(4, runs.get());
        final String log = errors.toString(StandardCharsets.UTF_8);
        assertEquals(1, log.split("source late unavailable: no socket /run/late.sock", -1).length - 1,
            "logged once, not once per retry: " + log);
    }

    @Test
    void aHungSourceIsInterruptedAndRestartedWhileAHeartbeatingQuietOneIsLeftAlone() throws Exception
    {
        final AtomicInteger runs = new AtomicInteger();
        final CountDownLatch secondRun = new CountDownLatch(1);
        final ScriptedSource stuck = new ScriptedSource("stuck", ctx ->
        {
            if (runs.incrementAndGet() == 1)
            {
                new CountDownLatch(1).await(); // hangs: never publishes, never heartbeats
            }
            secondRun.countDown();
            ctx.publisher().publish(Drafts.numbered(new EventDraft(), 1));
        });
        final AtomicLong beats = new AtomicLong();
        final ScriptedSource quiet = new ScriptedSource("quiet", ctx ->
        {
            while (ctx.running())
            {
                ctx.heartbeat();
                beats.incrementAndGet();
                java.util.concurrent.locks.LockSupport.parkNanos(5_000_000L); // pacing, not synchronization
            }
        });
        final RestartPolicy policy = RestartPolicy.builder().hangTimeout(Duration.ofMillis(100))
            .initialBackoff(Duration.ofMillis(1)).build();
        try (Engine e = engine()
            .source(stuck, BackpressurePolicy.BLOCK, policy)
            .source(quiet, BackpressurePolicy.BLOCK, policy)
            .sink(new RecordingSink("sink")).build().start())
        {
            assertTrue(secondRun.await(WAIT.toSeconds(), TimeUnit.SECONDS), "the hung source was not restarted");
            Await.until(() -> status(e, "stuck").state() == CollectorState.DONE, WAIT, () -> "stuck done");
            final CollectorStatus s = status(e, "stuck");
            assertEquals(1, s.restarts());
            assertEquals(1, s.errors());
            assertEquals(1, s.events());
            // The quiet one lived through several hang timeouts without an event.
            Await.until(() -> beats.get() > 60, WAIT, () -> "heartbeats");
            final CollectorStatus q = status(e, "quiet");
            assertEquals(CollectorState.HEALTHY, q.state(), q.toString());
            assertEquals(0, q.errors());
        }
        assertTrue(errors.toString(StandardCharsets.UTF_8).contains(
            "source stuck: no event and no heartbeat for 100ms; interrupting it"));
        assertTrue(errors.toString(StandardCharsets.UTF_8).contains("source stuck failed: hung: no progress for 100ms"));
    }

    @Test
    void aSourceReportsItsOwnDegradedHealthWithAReason() throws Exception
    {
        final CountDownLatch reported = new CountDownLatch(1);
        final CountDownLatch recover = new CountDownLatch(1);
        final CountDownLatch recovered = new CountDownLatch(1);
        final ScriptedSource s = new ScriptedSource("bus", ctx ->
        {
            ctx.degraded("reconnecting to unix:path=/run/dbus/system_bus_socket");
            reported.countDown();
            recover.await();
            ctx.healthy();
            recovered.countDown();
            while (ctx.running())
            {
                java.util.concurrent.locks.LockSupport.parkNanos(1_000_000L);
            }
        });
        try (Engine e = engine().source(s, BackpressurePolicy.BLOCK, RestartPolicy.DEFAULT)
            .sink(new RecordingSink("sink")).build().start())
        {
            assertTrue(reported.await(WAIT.toSeconds(), TimeUnit.SECONDS));
            assertEquals("degraded: reconnecting to unix:path=/run/dbus/system_bus_socket", status(e, "bus").toString());
            assertEquals("running", e.sourceStates().get("bus"), "degraded is not failed");
            recover.countDown();
            assertTrue(recovered.await(WAIT.toSeconds(), TimeUnit.SECONDS));
            assertEquals("healthy", status(e, "bus").toString());
        }
    }

    @Test
    void finiteSourcesAreDoneAndNotRestarted() throws Exception
    {
        final SyntheticSource synthetic = new SyntheticSource("synthetic", 0, 500, 64,
            SyntheticSource.Pacing.COARSE, 42, 5, 50);
        try (Engine e = engine().slotSize(1024).source(synthetic, BackpressurePolicy.BLOCK, RestartPolicy.DEFAULT)
            .sink(new RecordingSink("sink")).build().start())
        {
            assertTrue(e.awaitSources(WAIT));
            final CollectorStatus s = status(e, "synthetic");
            assertEquals(CollectorState.DONE, s.state());
            assertEquals(500, s.events());
            assertEquals(0, s.restarts());
            assertEquals("done", e.sourceStates().get("synthetic"));
        }
    }
}
