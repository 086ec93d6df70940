package dev.tapio.engine;

import dev.tapio.codecs.EventDraft;
import dev.tapio.codecs.sbe.Source;
import dev.tapio.engine.ring.BackpressurePolicy;
import dev.tapio.engine.source.SyntheticSource;
import dev.tapio.engine.spi.Publisher;
import dev.tapio.engine.spi.SlotWriter;
import dev.tapio.engine.testing.Drafts;
import dev.tapio.engine.testing.RecordingSink;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The added-latency histogram has one value per event out, measured on the engine's clock. */
@Timeout(10)
class LatencyTest
{
    /** A clock that moves 1 µs every time it is read. */
    private static final class SteppingClock implements EngineClock
    {
        final AtomicLong now = new AtomicLong(1_000_000_000L);

        @Override
        public long nanoTime()
        {
            return now.addAndGet(1_000);
        }

        @Override
        public long toEpochNanos(final long nanoTime)
        {
            return Drafts.TIME + nanoTime;
        }
    }

    @ParameterizedTest
    @EnumSource(value = ThreadingMode.class, names = { "SHARED", "DEDICATED" })
    void recordsOnePositiveLatencyPerEventOut(final ThreadingMode mode) throws Exception
    {
        final Engine engine = Engine.builder()
            .ringSize(1024)
            .threading(mode)
            .nodeName("node-1")
            .source(new SyntheticSource("synthetic", 0, 30_000, 64, SyntheticSource.Pacing.COARSE, 3, 10, 100))
            .sink(new RecordingSink("sink"))
            .build()
            .start();
        assertTrue(engine.awaitSources(Duration.ofSeconds(8)));
        assertTrue(engine.stop());

        final Histogram h = engine.latency().cumulative();
        assertEquals(30_000, engine.counters().totalOut());
        assertEquals(engine.counters().totalOut(), h.getTotalCount());
        assertTrue(h.getMinValue() > 0, "min " + h.getMinValue());
        assertTrue(h.getMaxValue() < Duration.ofSeconds(10).toNanos(), "max " + h.getMaxValue());
        assertEquals(0, engine.latency().clamped());
    }

    @Test
    void measuresFromPublishToFanOutOnTheEngineClock() throws Exception
    {
        final SteppingClock clock = new SteppingClock();
        final Engine engine = Engine.builder()
            .ringSize(64)
            .producers(ProducerMode.MULTI)
            .nodeName("node-1")
            .clock(clock)
            .sink(new RecordingSink("sink"))
            .build()
            .start();
        final Publisher host = engine.publisher("host", BackpressurePolicy.BLOCK);
        final EventDraft d = new EventDraft();
        for (int i = 0; i < 20; i++)
        {
            assertEquals(Publisher.ACCEPTED, host.publish(Drafts.numbered(d, i)));
        }
        assertTrue(engine.stop());

        final Histogram h = engine.latency().cumulative();
        assertEquals(20, h.getTotalCount());
        assertTrue(h.getMinValue() >= 1_000, "at least one clock step between publish and fan-out: " + h.getMinValue());
        assertTrue(h.getMaxValue() < 1_000_000_000L, "max " + h.getMaxValue());
    }

    @Test
    void batchesAreMeasuredFromTheirIntendedSendTimes() throws Exception
    {
        final SteppingClock clock = new SteppingClock();
        final RecordingSink sink = new RecordingSink("sink");
        final Engine engine = Engine.builder()
            .ringSize(64)
            .producers(ProducerMode.MULTI)
            .nodeName("node-1")
            .clock(clock)
            .sink(sink)
            .build()
            .start();
        final Publisher host = engine.publisher("host", BackpressurePolicy.BLOCK);
        final EventDraft d = new EventDraft();
        final SlotWriter<EventDraft> writer = (buffer, capacity, ingest, id, index, draft) ->
            Drafts.numbered(draft, index).encode(buffer, 0, capacity, ingest, id, Source.GRPC);
        // Intended 10 ms ago, one event per ms: this batch is late by 1..10 ms (coordinated omission).
        final long intended = clock.nanoTime() - 10_000_000L;
        assertEquals(10, host.publishBatch(writer, d, 10, intended, 1_000_000L));
        assertTrue(engine.stop());

        assertEquals(10, sink.count());
        final Histogram h = engine.latency().cumulative();
        assertEquals(10, h.getTotalCount());
        assertTrue(h.getMinValue() >= 1_000_000L * 99 / 100, "min " + h.getMinValue());
        assertTrue(h.getMaxValue() >= 10_000_000L * 99 / 100, "max " + h.getMaxValue());
    }
}
