package dev.tapio.engine;

import dev.tapio.engine.metrics.EngineCounters;
import dev.tapio.engine.metrics.ErrorLog;
import dev.tapio.engine.ring.Slot;
import dev.tapio.engine.ring.SlotRing;
import dev.tapio.engine.spi.EventView;
import dev.tapio.engine.spi.Sink;
import dev.tapio.engine.stage.Stage;
import dev.tapio.engine.stage.StageHandler;
import dev.tapio.engine.testing.Await;
import dev.tapio.engine.testing.RecordingSink;
import dev.tapio.engine.testing.ScriptedSource;
import dev.tapio.engine.testing.SequenceSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A failing sink, stage or source is counted and logged; it never stops events or the other parts. */
@Timeout(10)
class FailureIsolationTest
{
    /** Throws on every 10th event it is handed (the 10th, 20th, ...). */
    private static final class FlakySink implements Sink
    {
        final AtomicInteger calls = new AtomicInteger();

        @Override
        public String name()
        {
            return "flaky";
        }

        @Override
        public void onEvent(final EventView event) throws IOException
        {
            if (calls.incrementAndGet() % 10 == 0)
            {
                throw new IOException("disk full at event " + event.decoder().eventId());
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = ThreadingMode.class, names = { "SHARED", "DEDICATED" })
    void aSinkThatThrowsIsCountedAndTheOtherSinkStillGetsEveryEvent(final ThreadingMode mode) throws Exception
    {
        final ByteArrayOutputStream errors = new ByteArrayOutputStream();
        final FlakySink flaky = new FlakySink();
        final RecordingSink good = new RecordingSink("good");
        final SequenceSource source = new SequenceSource("seq", 1, 1_000);
        final Engine engine = Engine.builder()
            .ringSize(64)
            .threading(mode)
            .nodeName("node-1")
            .errorStream(new PrintStream(errors, true, StandardCharsets.UTF_8))
            .source(source)
            .sink(flaky)
            .sink(good)
            .build()
            .start();
        assertTrue(engine.awaitSources(Duration.ofSeconds(5)));
        assertTrue(engine.stop());

        final EngineCounters c = engine.counters();
        assertEquals(100, c.sinkErrors("flaky").get());
        assertEquals(100, c.snapshot().get("tapio_sink_errors_total{sink=\"flaky\"}"));
        assertEquals(0, c.sinkErrors("good").get());
        assertEquals(1_000, flaky.calls.get(), "the flaky sink is still handed every event");
        final List<Long> ids = good.ids();
        assertEquals(1_000, ids.size());
        for (int i = 0; i < ids.size(); i++)
        {
            assertEquals(i + 1, ids.get(i));
        }
        assertEquals(1_000, c.totalOut(), "a sink's failure does not make an event less out");
        assertEquals(c.totalIn(), c.totalOut());
        assertEquals(1_000, source.accepted(), "the source is not slowed or stopped by the sink");
        assertEquals("done", engine.sourceStates().get("seq"));
        assertEquals(100, engine.errors().count("sink flaky onEvent: IOException"));
        final String log = errors.toString(StandardCharsets.UTF_8);
        assertTrue(log.contains("sink flaky: onEvent failed: java.io.IOException: disk full at event 10"), log);
        assertTrue(log.contains("occurrences so far"), "repeats are counted, not all printed: " + log);
    }

    @Test
    void aSinkWhoseOpenAndCloseFailIsCountedAndStillHandedEvents() throws Exception
    {
        final AtomicInteger seen = new AtomicInteger();
        final Sink broken = new Sink()
        {
            @Override
            public String name()
            {
                return "broken";
            }

            @Override
            public void open() throws IOException
            {
                throw new IOException("cannot open");
            }

            @Override
            public void onEvent(final EventView event)
            {
                seen.incrementAndGet();
            }

            @Override
            public void close() throws IOException
            {
                throw new IOException("cannot close");
            }
        };
        final RecordingSink good = new RecordingSink("good");
        final Engine engine = Engine.builder()
            .ringSize(64)
            .nodeName("node-1")
            .errorStream(new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8))
            .source(new SequenceSource("seq", 1, 50))
            .sink(broken)
            .sink(good)
            .build()
            .start();
        assertTrue(engine.awaitSources(Duration.ofSeconds(5)));
        assertTrue(engine.stop());
        assertEquals(2, engine.counters().sinkErrors("broken").get(), "open and close");
        assertEquals(50, seen.get());
        assertEquals(50, good.count());
        assertTrue(good.closed(), "a failing close does not keep the other sinks from closing");
    }

    /** Records the sequences it saw. */
    private static final class RecordingStage implements Stage
    {
        final List<Long> seen = new ArrayList<>();
        int batchEnds;

        @Override
        public String name()
        {
            return "recording";
        }

        @Override
        public void onSlot(final Slot slot, final long sequence)
        {
            seen.add(sequence);
        }

        @Override
        public void onBatchEnd()
        {
            batchEnds++;
        }
    }

    @Test
    void aStageThatThrowsIsCountedAndTheSlotStillReachesTheNextStage()
    {
        final EngineCounters counters = new EngineCounters();
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        final ErrorLog log = new ErrorLog(new PrintStream(out, true, StandardCharsets.UTF_8), 5);
        final Stage throwing = new Stage()
        {
            @Override
            public String name()
            {
                return "broken";
            }

            @Override
            public void onSlot(final Slot slot, final long sequence)
            {
                if (sequence % 2 == 0)
                {
                    throw new IllegalStateException("bad slot " + sequence);
                }
            }

            @Override
            public void onBatchEnd()
            {
                throw new IllegalArgumentException("bad batch end");
            }
        };
        final RecordingStage next = new RecordingStage();
        final StageHandler handler = new StageHandler(counters, log, throwing, next);
        assertEquals("broken+recording", handler.name());
        final Slot slot = new SlotRing(2, 512).newInstance();
        for (long seq = 0; seq < 10; seq++)
        {
            handler.onEvent(slot, seq, seq == 9);
        }
        assertEquals(List.of(0L, 1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L), next.seen, "every slot reached the next stage");
        assertEquals(1, next.batchEnds, "and so did the end of the batch");
        final Map<String, Long> snapshot = counters.snapshot();
        assertEquals(6, snapshot.get("tapio_stage_errors_total{stage=\"broken\"}"), "5 slots and 1 batch end");
        assertEquals(0, snapshot.get("tapio_stage_errors_total{stage=\"recording\"}"));
        assertTrue(out.toString(StandardCharsets.UTF_8).contains("stage broken failed on an event (it passes on)"));
    }

    @ParameterizedTest
    @EnumSource(value = ThreadingMode.class, names = { "SHARED", "DEDICATED" })
    void aSourceThatThrowsIsReportedFailedWhileAnotherKeepsDelivering(final ThreadingMode mode) throws Exception
    {
        final ByteArrayOutputStream errors = new ByteArrayOutputStream();
        final CountDownLatch failureSeen = new CountDownLatch(1);
        final ScriptedSource failing = new ScriptedSource("failing", ctx ->
        {
            final dev.tapio.codecs.EventDraft d = new dev.tapio.codecs.EventDraft();
            for (int i = 0; i < 5; i++)
            {
                ctx.publisher().publish(dev.tapio.engine.testing.Drafts.numbered(d, 1_000_000 + i));
            }
            throw new IllegalStateException("connection refused");
        });
        final ScriptedSource steady = new ScriptedSource("steady", ctx ->
        {
            final dev.tapio.codecs.EventDraft d = new dev.tapio.codecs.EventDraft();
            for (int i = 0; i < 500; i++)
            {
                ctx.publisher().publish(dev.tapio.engine.testing.Drafts.numbered(d, 1 + i));
            }
            // Go on only once the other source is known to have failed.
            if (!failureSeen.await(5, TimeUnit.SECONDS))
            {
                throw new IllegalStateException("the failure was never seen");
            }
            for (int i = 500; i < 1_000; i++)
            {
                ctx.publisher().publish(dev.tapio.engine.testing.Drafts.numbered(d, 1 + i));
            }
        });
        final RecordingSink sink = new RecordingSink("sink");
        final Engine engine = Engine.builder()
            .ringSize(64)
            .threading(mode)
            .nodeName("node-1")
            .errorStream(new PrintStream(errors, true, StandardCharsets.UTF_8))
            .source(failing)
            .source(steady)
            .sink(sink)
            .build()
            .start();
        Await.until(() -> engine.sourceStates().get("failing").startsWith("failed"), Duration.ofSeconds(5),
            () -> "the failing source to fail, states " + engine.sourceStates());
        assertEquals("failed: java.lang.IllegalStateException: connection refused",
            engine.sourceStates().get("failing"));
        assertEquals(1, engine.counters().sourceErrors("failing").get());
        assertEquals(1, engine.counters().snapshot().get("tapio_source_errors_total{source=\"failing\"}"));
        failureSeen.countDown();

        assertTrue(engine.awaitSources(Duration.ofSeconds(5)));
        assertTrue(engine.stop());
        assertEquals("done", engine.sourceStates().get("steady"));
        assertEquals(0, engine.counters().sourceErrors("steady").get());
        final List<Long> steadyIds = new ArrayList<>();
        int fromFailing = 0;
        for (final long id : sink.ids())
        {
            if (id >= 1_000_000)
            {
                fromFailing++;
            }
            else
            {
                steadyIds.add(id);
            }
        }
        assertEquals(5, fromFailing, "what the failing source published before failing is delivered");
        assertEquals(1_000, steadyIds.size(), "the other source's events all arrive, also after the failure");
        for (int i = 0; i < steadyIds.size(); i++)
        {
            assertEquals(i + 1, steadyIds.get(i));
        }
        assertEquals(1_005, engine.counters().totalOut());
        assertEquals(engine.counters().totalIn(), engine.counters().totalOut());
        final String log = errors.toString(StandardCharsets.UTF_8);
        assertTrue(log.contains("source failing failed: java.lang.IllegalStateException: connection refused"), log);
    }
}
