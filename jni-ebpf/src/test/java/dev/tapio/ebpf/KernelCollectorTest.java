package dev.tapio.ebpf;

import dev.tapio.codecs.EventDraft;
import dev.tapio.codecs.sbe.EventType;
import dev.tapio.engine.Engine;
import dev.tapio.engine.spi.EventView;
import dev.tapio.engine.spi.Sink;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The kernel collector on the real kernel: processes this test starts are seen as exec and exit events
 * with the right command, exit code and pid. Needs root (CI runs as root) and the native shim built;
 * otherwise every test is skipped with the exact reason.
 */
@Timeout(120)
class KernelCollectorTest
{
    @BeforeEach
    void needsTheKernel() throws Exception
    {
        KernelTestSupport.assumeKernelCollector();
    }

    /** Counts what reaches fan-out, by kind and command, decoding each event (test code: it may allocate). */
    static final class Counting implements Sink
    {
        final ConcurrentHashMap<String, AtomicLong> counts = new ConcurrentHashMap<>();
        final ConcurrentHashMap<Long, String> exitOfPid = new ConcurrentHashMap<>();
        /** Executable path by command, from the exec events (the last one seen). */
        final ConcurrentHashMap<String, String> execPath = new ConcurrentHashMap<>();
        final EventDraft d = new EventDraft();

        @Override
        public String name()
        {
            return "counting";
        }

        @Override
        public void onEvent(final EventView event)
        {
            d.from(event.decoder());
            final String comm = d.text(EventDraft.COMM).toString();
            String key = d.type.name() + "/" + comm;
            if (d.type == EventType.KERNEL_PROCESS_EXIT)
            {
                key += "/" + d.exitCode;
                exitOfPid.put((long)d.pid, comm + "/" + d.exitCode + "/" + d.text(EventDraft.MESSAGE));
            }
            else if (d.type == EventType.KERNEL_PROCESS_EXEC)
            {
                execPath.put(comm, d.text(EventDraft.MESSAGE).toString());
            }
            counts.computeIfAbsent(key, k -> new AtomicLong()).incrementAndGet();
        }

        long count(final String key)
        {
            final AtomicLong c = counts.get(key);
            return c == null ? 0 : c.get();
        }
    }

    @Test
    void twoThousandTrueProcessesAreSeenExecutingAndExitingWithTheirCodes() throws Exception
    {
        final KernelCollector kernel = new KernelCollector("kernel", KernelSettings.defaults());
        final Counting sink = new Counting();
        final Engine engine = KernelTestSupport.start(kernel, sink);
        try
        {
            final Process p = new ProcessBuilder("sh", "-c", "for i in $(seq 2000); do /bin/true; done; exit 3")
                .inheritIO().start();
            assertEquals(3, p.waitFor());
            final long shPid = p.pid();

            KernelTestSupport.until(() -> sink.count("KERNEL_PROCESS_EXIT/true/0") >= 2000 && sink.exitOfPid.containsKey(shPid),
                Duration.ofSeconds(30), () -> sink.counts + " sh exit " + sink.exitOfPid.get(shPid));
            assertTrue(sink.count("KERNEL_PROCESS_EXEC/true") >= 2000, sink.counts::toString);
            assertEquals("sh/3/exited with code 3", sink.exitOfPid.get(shPid));

            final long[] s = kernel.stats();
            assertEquals(0, s[KernelNative.STAT_LOST], "perf lost samples");
            assertEquals(0, s[KernelNative.STAT_OUTPUT_FAILED], "kernel output failures");
            assertEquals(0, s[KernelNative.STAT_OVERFLOW], "poll buffer overflow");
            assertTrue(s[KernelNative.STAT_RECEIVED] >= 4000, () -> "received " + s[KernelNative.STAT_RECEIVED]);
        }
        finally
        {
            assertTrue(engine.stop());
        }
        assertEquals(0, engine.counters().totalDropped());
        // The loss accounting is exported beside the engine's counters, final figures after stop.
        final long[] last = kernel.stats();
        final java.util.Map<String, Long> c = engine.counters().snapshot();
        assertEquals(last[KernelNative.STAT_RECEIVED], c.get("tapio_kernel_records_total{source=\"kernel\",result=\"received\"}"));
        assertEquals(last[KernelNative.STAT_OUTPUT_FAILED],
            c.get("tapio_kernel_records_total{source=\"kernel\",result=\"output_failed\"}"));
        assertEquals(last[KernelNative.STAT_KERNEL + KernelRecord.EXEC], c.get("tapio_kernel_emitted_total{source=\"kernel\",kind=\"exec\"}"));
        assertTrue(c.get("tapio_kernel_emitted_total{source=\"kernel\",kind=\"exec\"}") >= 2000, c::toString);
        assertEquals(engine.counters().totalIn(), last[KernelNative.STAT_RECEIVED], "every record received went into the ring");
    }
}
