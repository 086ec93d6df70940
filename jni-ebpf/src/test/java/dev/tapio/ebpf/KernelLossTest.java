package dev.tapio.ebpf;

import dev.tapio.engine.Engine;
import dev.tapio.engine.ThreadingMode;
import dev.tapio.engine.ring.BackpressurePolicy;
import dev.tapio.engine.spi.EventView;
import dev.tapio.engine.spi.Sink;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Loss accounting on the real kernel is exact: a fork storm into a deliberately tiny buffer drained by a
 * slow consumer loses records, and once the collector stopped (programs detached, buffers drained) every
 * record a program tried to emit is either received or counted lost, to the record. The machine keeps
 * running other processes meanwhile, so only the final figures can balance exactly; while running, the
 * kernel's counters are ahead by the records in flight.
 *
 * <p>Perf's own report of a loss, the PERF_RECORD_LOST record, is written in front of the next sample
 * that fits on that CPU; losses after the last such sample stay unreported, so the sum of those records
 * is at most the output failures, not equal. The perf events' own count (PERF_FORMAT_LOST) is what
 * equals them. Needs root and the native shim; otherwise skipped with the reason.
 */
@Timeout(180)
class KernelLossTest
{
    private static final int STORMS = 3;
    private static final int PROCESSES_PER_STORM = 2000;

    @BeforeAll
    static void needsTheKernel() throws Exception
    {
        final String reason = KernelCollector.unavailableReason();
        Assumptions.assumeTrue(reason == null, () -> "kernel collector unavailable: " + reason);
        final int uid = (Integer)Files.getAttribute(Path.of("/proc/self"), "unix:uid");
        Assumptions.assumeTrue(uid == 0, "loading BPF programs needs root (CAP_BPF and CAP_PERFMON); uid is " + uid);
    }

    /** Counts every event and takes its time over each: with a small ring, the collector's publishes block. */
    static final class Slow implements Sink
    {
        final AtomicLong events = new AtomicLong();

        @Override
        public String name()
        {
            return "slow";
        }

        @Override
        public void onEvent(final EventView event)
        {
            events.incrementAndGet();
            LockSupport.parkNanos(200_000); // the slow consumer, not synchronization
        }
    }

    @Test
    void perfBufferOfOnePageLosesRecordsAndEveryOneIsAccountedFor() throws Exception
    {
        final long[] s = storm(KernelSettings.defaults().withPerfPages(1).withWakeupEvents(16));

        final long seen = seen(s);
        final long received = s[KernelNative.STAT_RECEIVED];
        final long failed = s[KernelNative.STAT_OUTPUT_FAILED];
        final long dropped = s[KernelNative.STAT_PERF_DROPPED];
        final long reported = s[KernelNative.STAT_LOST];
        System.out.printf("perf, 1 page per CPU: seen %d = received %d + output failed %d; perf dropped %d, " +
            "PERF_RECORD_LOST total %d%n", seen, received, failed, dropped, reported);

        assertTrue(reported > 0, () -> "no loss reported: " + Arrays.toString(s));
        assertEquals(0, s[KernelNative.STAT_OVERFLOW], "poll buffer overflow");
        assertEquals(seen, received + failed, () -> "seen = received + output failed: " + Arrays.toString(s));
        assertEquals(failed, dropped, () -> "output failed = the perf events' lost samples: " + Arrays.toString(s));
        assertTrue(reported <= dropped, () -> "PERF_RECORD_LOST totals <= lost samples: " + Arrays.toString(s));
        assertEquals(seen, received + dropped, () -> "seen = received + lost: " + Arrays.toString(s));
    }

    @Test
    void ringBufferOfOnePageLosesRecordsAndEveryOneIsAccountedFor() throws Exception
    {
        final long[] s = storm(KernelSettings.defaults().withOutput(KernelSettings.Output.RINGBUF).withRingbufBytes(4096));

        final long seen = seen(s);
        final long received = s[KernelNative.STAT_RECEIVED];
        final long failed = s[KernelNative.STAT_OUTPUT_FAILED];
        System.out.printf("ring buffer, 4096 bytes: seen %d = received %d + output failed %d%n", seen, received, failed);

        assertTrue(failed > 0, () -> "no loss: " + Arrays.toString(s));
        assertEquals(0, s[KernelNative.STAT_OVERFLOW], "poll buffer overflow");
        assertEquals(0, s[KernelNative.STAT_LOST], "a ring buffer has no lost-sample records");
        assertEquals(-1, s[KernelNative.STAT_PERF_DROPPED], "no perf events");
        assertEquals(seen, received + failed, () -> "seen = received + output failed: " + Arrays.toString(s));
    }

    /**
     * Runs the fork storms into a collector with {@code settings} behind a slow sink, stops the engine and
     * returns the collector's final stats, after checking that every record received reached the sink.
     */
    private static long[] storm(final KernelSettings settings) throws Exception
    {
        final KernelCollector kernel = new KernelCollector("kernel", settings);
        final Slow sink = new Slow();
        final Engine engine = Engine.builder()
            .threading(ThreadingMode.SHARED)
            .nodeName("kernel-loss-test")
            .ringSize(256)
            .source(kernel, BackpressurePolicy.BLOCK)
            .sink(sink)
            .build()
            .start();
        long[] running = null;
        try
        {
            until(() -> !"not started".equals(kernel.health()), Duration.ofSeconds(30), kernel::health);
            assertEquals("healthy", kernel.health());

            final List<Process> storms = new ArrayList<>();
            for (int i = 0; i < STORMS; i++)
            {
                storms.add(new ProcessBuilder("sh", "-c", "for i in $(seq " + PROCESSES_PER_STORM + "); do /bin/true; done")
                    .inheritIO().start());
            }
            for (final Process p : storms)
            {
                assertEquals(0, p.waitFor());
            }
            running = kernel.stats();
        }
        finally
        {
            assertTrue(engine.stop());
        }
        final long[] s = kernel.stats();
        assertEquals("stopped", kernel.health());
        assertArrayEquals(s, kernel.stats(), "the final stats do not move");
        final long[] before = running;
        assertTrue(seen(s) >= seen(before) && s[KernelNative.STAT_RECEIVED] >= before[KernelNative.STAT_RECEIVED],
            () -> "final " + Arrays.toString(s) + " behind running " + Arrays.toString(before));
        assertTrue(seen(s) >= 2L * STORMS * PROCESSES_PER_STORM, () -> "the storm's exec and exit: " + Arrays.toString(s));

        final long received = s[KernelNative.STAT_RECEIVED];
        assertEquals(0, engine.counters().totalDropped(), () -> "engine drops " + engine.counters().snapshot());
        assertEquals(received, engine.counters().totalIn(), "every record received is published");
        assertEquals(received, sink.events.get(), "every record received reaches the sink");
        return s;
    }

    /** Records the programs tried to emit: the sum of the kernel's per-kind counters. */
    private static long seen(final long[] s)
    {
        long sum = 0;
        for (int kind = KernelRecord.EXEC; kind <= KernelRecord.RESET; kind++)
        {
            sum += s[KernelNative.STAT_KERNEL + kind];
        }
        return sum;
    }

    private static void until(final BooleanSupplier condition, final Duration timeout, final Supplier<Object> what)
        throws InterruptedException
    {
        final long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean())
        {
            if (System.nanoTime() > deadline)
            {
                fail("not within " + timeout + ": " + what.get());
            }
            Thread.sleep(5); // polling with a deadline
        }
    }
}
