package dev.tapio.ebpf;

import dev.tapio.codecs.sbe.EventType;
import dev.tapio.codecs.sbe.Severity;
import dev.tapio.ebpf.KernelTestSupport.Recording;
import dev.tapio.ebpf.KernelTestSupport.Seen;
import dev.tapio.engine.Engine;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import static dev.tapio.ebpf.KernelTestSupport.until;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The OOM killer on the real kernel: a process this test starts in a memory cgroup of its own (32 MiB, no
 * swap) allocates until the kernel kills it, and the kernel collector reports the victim as
 * {@code kernel.container.oom_kill} (its pid, command and cgroup) and then its exit, killed by signal 9.
 * Both flavours of the programs run. Uses cgroup v2 when its memory controller is available, else the
 * cgroup v1 memory hierarchy of a hybrid host (the victim then also joins a v2 cgroup of its own, so its
 * cgroup id is known). Needs root and the native shim; skipped with the reason otherwise.
 */
@Timeout(180)
class KernelOomTest
{
    private static final long LIMIT = 32L << 20;

    private final List<Path> cgroups = new ArrayList<>();
    private Process victim;

    @BeforeAll
    static void needsTheKernel() throws Exception
    {
        KernelTestSupport.assumeKernelCollector();
    }

    @AfterEach
    void cleanUp() throws Exception
    {
        if (victim != null && victim.isAlive())
        {
            victim.destroyForcibly();
            victim.waitFor(30, TimeUnit.SECONDS);
        }
        for (int i = cgroups.size() - 1; i >= 0; i--)
        {
            final Path dir = cgroups.get(i);
            // A cgroup whose last task has just been reaped can refuse rmdir for a moment.
            until(() -> KernelTestSupport.rmdir(dir), Duration.ofSeconds(30), () -> "cannot remove " + dir);
        }
    }

    @ParameterizedTest(name = "{0} programs")
    @EnumSource(value = KernelSettings.Programs.class, names = {"TRACEPOINT", "BTF"})
    void aProcessOverItsCgroupMemoryLimitIsReportedAsTheOomVictimThenKilledBySignal9(
        final KernelSettings.Programs programs) throws Exception
    {
        KernelTestSupport.assumeFlavour(programs, "oom/mark_victim");
        final Cgroup cgroup = memoryCgroup("tapio-oom-test-" + Long.toHexString(ThreadLocalRandom.current().nextLong()));

        final KernelCollector kernel = new KernelCollector("kernel", KernelSettings.defaults().withPrograms(programs));
        final Recording sink = new Recording();
        final Engine engine = KernelTestSupport.start(kernel, sink);
        try
        {
            // The shell moves itself into the cgroup, then becomes tail, which buffers /dev/zero (one endless
            // line) until the OOM killer ends it.
            final List<String> command = new ArrayList<>(List.of("sh", "-c",
                "for f in \"$@\"; do echo $$ > \"$f\" || exit 97; done; exec tail /dev/zero", "sh"));
            for (final Path procs : cgroup.procs)
            {
                command.add(procs.toString());
            }
            victim = new ProcessBuilder(command)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(ProcessBuilder.Redirect.INHERIT)
                .start();
            final int pid = (int)victim.pid();
            if (!victim.waitFor(90, TimeUnit.SECONDS))
            {
                fail("tail /dev/zero was not killed within 90 s in " + cgroup.procs + " (limit " + LIMIT + " bytes)");
            }
            assertEquals(128 + 9, victim.exitValue(), "the victim's exit status (128 + SIGKILL)");

            final Seen oom = sink.await(e -> e.type() == EventType.KERNEL_CONTAINER_OOM_KILL && e.pid() == pid,
                Duration.ofSeconds(30), () -> "no oom_kill of pid " + pid + "; oom events " +
                    sink.all(e -> e.type() == EventType.KERNEL_CONTAINER_OOM_KILL));
            assertEquals("tail", oom.comm());
            assertEquals(Severity.ERROR, oom.severity());
            assertEquals("OOM killer chose tail (pid " + pid + ")", oom.message());
            assertEquals(0, oom.uid());
            assertEquals(ProcessHandle.current().pid(), oom.ppid(), "the victim's parent is this JVM");
            if (cgroup.id != 0)
            {
                assertEquals(cgroup.id, oom.cgroupId(), "the victim's cgroup v2 id");
            }
            if (programs == KernelSettings.Programs.TRACEPOINT)
            {
                // Only the tracepoint carries the RSS (the tp_btf program leaves it out).
                assertNotNull(oom.attribute("process.memory.anon_rss_kib"), oom::toString);
                final long rss = Long.parseLong(oom.attribute("process.memory.anon_rss_kib"));
                assertTrue(rss > 16 * 1024 && rss <= LIMIT / 1024, () -> "anon RSS " + rss + " KiB of a " + LIMIT + " limit");
            }

            final Seen exit = sink.await(e -> e.type() == EventType.KERNEL_PROCESS_EXIT && e.pid() == pid,
                Duration.ofSeconds(30), () -> "no exit of pid " + pid);
            assertEquals("tail", exit.comm());
            assertEquals("killed by signal 9", exit.message());
            assertEquals("9", exit.attribute("process.exit.signal"));
            assertEquals(Severity.WARNING, exit.severity());
            assertTrue(kernel.stats()[KernelNative.STAT_KERNEL + KernelRecord.OOM_KILL] >= 1, "kernel-side oom count");
        }
        finally
        {
            assertTrue(engine.stop());
        }
        assertEquals(0, engine.counters().totalDropped());
    }

    /** A memory cgroup limited to {@link #LIMIT} without swap: the cgroup.procs files to join, and its v2 id (0 unknown). */
    private record Cgroup(List<Path> procs, long id)
    {
    }

    private Cgroup memoryCgroup(final String name) throws IOException
    {
        final List<String> mounts = Files.readAllLines(Path.of("/proc/self/mountinfo"));
        final Path v2 = KernelTestSupport.mountOf(mounts, "cgroup2", null);
        if (v2 != null && Files.readString(v2.resolve("cgroup.controllers")).contains("memory"))
        {
            final Path control = v2.resolve("cgroup.subtree_control");
            if (!List.of(Files.readString(control).trim().split("\\s+")).contains("memory"))
            {
                try
                {
                    Files.writeString(control, "+memory");
                }
                catch (final IOException e)
                {
                    Assumptions.abort("cannot enable the memory controller in " + control + ": " + e);
                }
            }
            final Path dir = mkdir(v2.resolve(name));
            write(dir.resolve("memory.max"), Long.toString(LIMIT));
            if (Files.exists(dir.resolve("memory.swap.max")))
            {
                write(dir.resolve("memory.swap.max"), "0");
            }
            return new Cgroup(List.of(dir.resolve("cgroup.procs")), KernelTestSupport.inode(dir));
        }
        final Path v1 = KernelTestSupport.mountOf(mounts, "cgroup", "memory");
        Assumptions.assumeTrue(v1 != null, () -> "no memory cgroup: " + (v2 == null ? "no cgroup v2 mounted" :
            "the cgroup v2 hierarchy at " + v2 + " has no memory controller") + " and no cgroup v1 memory hierarchy");
        final Path dir = mkdir(v1.resolve(name));
        write(dir.resolve("memory.limit_in_bytes"), Long.toString(LIMIT));
        if (Files.exists(dir.resolve("memory.memsw.limit_in_bytes")))
        {
            write(dir.resolve("memory.memsw.limit_in_bytes"), Long.toString(LIMIT));
        }
        if (v2 == null)
        {
            return new Cgroup(List.of(dir.resolve("cgroup.procs")), 0);
        }
        // Hybrid: the programs report the cgroup v2 id; a v2 cgroup of its own makes the victim's known.
        final Path unified = mkdir(v2.resolve(name));
        return new Cgroup(List.of(dir.resolve("cgroup.procs"), unified.resolve("cgroup.procs")), KernelTestSupport.inode(unified));
    }

    private Path mkdir(final Path dir) throws IOException
    {
        Files.createDirectory(dir);
        cgroups.add(dir);
        return dir;
    }

    private static void write(final Path file, final String value) throws IOException
    {
        Files.writeString(file, value);
        assertEquals(value, Files.readString(file).trim(), file::toString);
    }
}
