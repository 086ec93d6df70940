package dev.tapio.ebpf;

import dev.tapio.codecs.EventDraft;
import dev.tapio.codecs.sbe.EventType;
import dev.tapio.engine.Engine;
import dev.tapio.engine.spi.EventView;
import dev.tapio.engine.spi.Sink;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Tapio's exec and exit events on a workload agree with an independent tool's, bpftrace (Debian's),
 * attached to the same tracepoints at the same time, process by process (pids compared). The workload
 * runs a copy of /bin/true under a name nothing else on the machine uses.
 */
@Timeout(180)
class KernelCrossCheckTest
{
    static final int PROCESSES = 1000;
    static final String COMM = "tapio-xc-true";

    @BeforeEach
    void needsTheKernelAndBpftrace() throws Exception
    {
        KernelTestSupport.assumeKernelCollector();
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/bpftrace")),
            "bpftrace not installed (Debian: apt-get install bpftrace)");
        Assumptions.assumeTrue(Files.isReadable(Path.of("/sys/kernel/tracing/events/sched/sched_process_exec/id")),
            "tracefs not mounted at /sys/kernel/tracing: bpftrace's tracepoints need it");
    }

    @Test
    void execAndExitEventsAgreeWithBpftraceProcessByProcess() throws Exception
    {
        final Set<Long> execs = ConcurrentHashMap.newKeySet();
        final Set<Long> exits = ConcurrentHashMap.newKeySet();
        final KernelCollector kernel = new KernelCollector("kernel", KernelSettings.defaults());
        final Engine engine = KernelTestSupport.start(kernel, new Sink()
            {
                final EventDraft d = new EventDraft();

                @Override
                public String name()
                {
                    return "cross-check";
                }

                @Override
                public void onEvent(final EventView event)
                {
                    d.from(event.decoder());
                    if (COMM.equals(d.text(EventDraft.COMM).toString()))
                    {
                        if (d.type == EventType.KERNEL_PROCESS_EXEC)
                        {
                            execs.add((long)d.pid);
                        }
                        else if (d.type == EventType.KERNEL_PROCESS_EXIT)
                        {
                            exits.add((long)d.pid);
                        }
                    }
                }
            });
        final Set<Long> bpfExecs = ConcurrentHashMap.newKeySet();
        final Set<Long> bpfExits = ConcurrentHashMap.newKeySet();
        final Process bpftrace = new ProcessBuilder("bpftrace", "-e",
            "tracepoint:sched:sched_process_exec /comm == \"" + COMM + "\"/ { printf(\"exec %d\\n\", pid); } " +
            "tracepoint:sched:sched_process_exit /comm == \"" + COMM + "\" && pid == tid/ { printf(\"exit %d\\n\", pid); }")
            .redirectErrorStream(true).start();
        final StringBuffer other = new StringBuffer();
        final Thread reader = new Thread(() ->
        {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(bpftrace.getInputStream(), StandardCharsets.UTF_8)))
            {
                String line;
                while ((line = r.readLine()) != null)
                {
                    if (line.startsWith("exec "))
                    {
                        bpfExecs.add(Long.parseLong(line.substring(5).trim()));
                    }
                    else if (line.startsWith("exit "))
                    {
                        bpfExits.add(Long.parseLong(line.substring(5).trim()));
                    }
                    else
                    {
                        other.append(line).append('\n');
                    }
                }
            }
            catch (final java.io.IOException e)
            {
                other.append(e);
            }
        }, "bpftrace-output");
        reader.start();
        try
        {
            final Path exe = Files.copy(Path.of("/bin/true"), Files.createTempDirectory("tapio-xc").resolve(COMM));
            assertTrue(exe.toFile().setExecutable(true));
            // Warm-up: one process at a time until both tools have seen one whole (both attached).
            final Set<Long> warmUp = new HashSet<>();
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
            while (true)
            {
                final Process p = new ProcessBuilder(exe.toString()).start();
                assertEquals(0, p.waitFor());
                warmUp.add(p.pid());
                final long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
                while (System.nanoTime() < until && !(both(execs, bpfExecs, p.pid()) && both(exits, bpfExits, p.pid())))
                {
                    Thread.sleep(5); // polling with a deadline
                }
                if (both(execs, bpfExecs, p.pid()) && both(exits, bpfExits, p.pid()))
                {
                    break;
                }
                if (System.nanoTime() > deadline)
                {
                    fail("not both attached: Tapio " + kernel.health() + ", bpftrace: " + other);
                }
            }
            final Process work = new ProcessBuilder("sh", "-c", "for i in $(seq " + PROCESSES + "); do " + exe + "; done")
                .inheritIO().start();
            assertEquals(0, work.waitFor());
            while (measured(exits, warmUp) < PROCESSES || measured(bpfExits, warmUp) < PROCESSES ||
                measured(execs, warmUp) < PROCESSES || measured(bpfExecs, warmUp) < PROCESSES)
            {
                if (System.nanoTime() > deadline + TimeUnit.SECONDS.toNanos(60))
                {
                    break;
                }
                Thread.sleep(5); // polling with a deadline
            }
            execs.removeAll(warmUp);
            exits.removeAll(warmUp);
            bpfExecs.removeAll(warmUp);
            bpfExits.removeAll(warmUp);
            System.out.printf("cross-check: %d %s processes; execs Tapio %d, bpftrace %d; exits Tapio %d, bpftrace %d%n",
                PROCESSES, COMM, execs.size(), bpfExecs.size(), exits.size(), bpfExits.size());
            assertEquals(PROCESSES, bpfExecs.size(), "bpftrace execs");
            assertEquals(bpfExecs, new HashSet<>(execs), "the same processes seen executing");
            assertEquals(bpfExits, new HashSet<>(exits), "the same processes seen exiting");
            Files.delete(exe);
        }
        finally
        {
            bpftrace.destroy();
            if (!bpftrace.waitFor(20, TimeUnit.SECONDS))
            {
                bpftrace.destroyForcibly();
            }
            assertTrue(engine.stop());
        }
    }

    private static boolean both(final Set<Long> a, final Set<Long> b, final long pid)
    {
        return a.contains(pid) && b.contains(pid);
    }

    private static long measured(final Set<Long> seen, final Set<Long> warmUp)
    {
        return seen.stream().filter(p -> !warmUp.contains(p)).count();
    }
}
