package dev.tapio.ebpf;

import dev.tapio.engine.Engine;
import dev.tapio.engine.ThreadingMode;
import dev.tapio.engine.ring.BackpressurePolicy;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The other flavours of the kernel collector on the real kernel: the tp_btf programs (which need no
 * tracefs) and the BPF ring buffer instead of perf buffers each see the processes this test starts
 * executing and exiting with their codes, as {@link KernelCollectorTest} does for the defaults, and lose
 * nothing. Needs root and the native shim; otherwise skipped with the reason.
 */
@Timeout(120)
class KernelFlavoursTest
{
    private static final int PROCESSES = 500;

    @BeforeAll
    static void needsTheKernel() throws Exception
    {
        final String reason = KernelCollector.unavailableReason();
        Assumptions.assumeTrue(reason == null, () -> "kernel collector unavailable: " + reason);
        final int uid = (Integer)Files.getAttribute(Path.of("/proc/self"), "unix:uid");
        Assumptions.assumeTrue(uid == 0, "loading BPF programs needs root (CAP_BPF and CAP_PERFMON); uid is " + uid);
    }

    @Test
    void btfProgramsSeeProcessesExecutingAndExitingWithTheirCodes() throws Exception
    {
        final KernelCollector kernel = execAndExit(KernelSettings.defaults().withPrograms(KernelSettings.Programs.BTF));
        assertTrue(kernel.usesBtfPrograms());
    }

    @Test
    void tracepointProgramsAreChosenWhenConfigured() throws Exception
    {
        final KernelCollector kernel = execAndExit(KernelSettings.defaults().withPrograms(KernelSettings.Programs.TRACEPOINT));
        assertFalse(kernel.usesBtfPrograms());
    }

    @Test
    void ringBufferSeesProcessesExecutingAndExitingWithTheirCodes() throws Exception
    {
        final KernelCollector kernel = execAndExit(KernelSettings.defaults().withOutput(KernelSettings.Output.RINGBUF));
        assertEquals(-1, kernel.stats()[KernelNative.STAT_PERF_DROPPED], "no perf events with the ring buffer");
    }

    @Test
    void btfProgramsIntoARingBufferSeeProcessesExecutingAndExiting() throws Exception
    {
        final KernelCollector kernel = execAndExit(KernelSettings.defaults()
            .withPrograms(KernelSettings.Programs.BTF).withOutput(KernelSettings.Output.RINGBUF));
        assertTrue(kernel.usesBtfPrograms());
    }

    /**
     * Runs {@value #PROCESSES} /bin/true and a shell exiting 3 under a collector with {@code settings},
     * checks each was seen executing and exiting with its code, stops, and checks that the final stats
     * balance without loss. Returns the stopped collector.
     */
    private static KernelCollector execAndExit(final KernelSettings settings) throws Exception
    {
        final KernelCollector kernel = new KernelCollector("kernel", settings);
        final KernelCollectorTest.Counting sink = new KernelCollectorTest.Counting();
        final Engine engine = Engine.builder()
            .threading(ThreadingMode.SHARED)
            .nodeName("kernel-flavours-test")
            .source(kernel, BackpressurePolicy.BLOCK)
            .sink(sink)
            .build()
            .start();
        try
        {
            until(() -> !"not started".equals(kernel.health()), Duration.ofSeconds(30), kernel::health);
            assertEquals("healthy", kernel.health());

            final Process p = new ProcessBuilder("sh", "-c", "for i in $(seq " + PROCESSES + "); do /bin/true; done; exit 3")
                .inheritIO().start();
            assertEquals(3, p.waitFor());
            final long shPid = p.pid();

            until(() -> sink.count("KERNEL_PROCESS_EXIT/true/0") >= PROCESSES && sink.exitOfPid.containsKey(shPid),
                Duration.ofSeconds(30), () -> sink.counts + " sh exit " + sink.exitOfPid.get(shPid));
            assertTrue(sink.count("KERNEL_PROCESS_EXEC/true") >= PROCESSES, sink.counts::toString);
            assertEquals("sh/3/exited with code 3", sink.exitOfPid.get(shPid));
            assertEquals("/bin/true", sink.execPath.get("true"));
        }
        finally
        {
            assertTrue(engine.stop());
        }
        assertEquals(0, engine.counters().totalDropped());
        final long[] s = kernel.stats();
        long seen = 0;
        for (int kind = KernelRecord.EXEC; kind <= KernelRecord.RESET; kind++)
        {
            seen += s[KernelNative.STAT_KERNEL + kind];
        }
        assertTrue(s[KernelNative.STAT_KERNEL + KernelRecord.EXEC] >= PROCESSES + 1, () -> Arrays.toString(s));
        assertEquals(0, s[KernelNative.STAT_OUTPUT_FAILED], () -> "kernel output failures " + Arrays.toString(s));
        assertEquals(0, s[KernelNative.STAT_LOST], () -> "perf lost samples " + Arrays.toString(s));
        assertEquals(0, s[KernelNative.STAT_OVERFLOW], () -> "poll buffer overflow " + Arrays.toString(s));
        assertEquals(seen, s[KernelNative.STAT_RECEIVED], () -> "every record emitted is received " + Arrays.toString(s));
        assertEquals(s[KernelNative.STAT_RECEIVED], engine.counters().totalIn(), "every record received is published");
        return kernel;
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
