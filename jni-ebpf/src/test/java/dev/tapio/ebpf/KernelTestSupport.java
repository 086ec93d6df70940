package dev.tapio.ebpf;

import dev.tapio.codecs.EventDraft;
import dev.tapio.codecs.sbe.EventType;
import dev.tapio.codecs.sbe.Severity;
import dev.tapio.engine.Engine;
import dev.tapio.engine.ThreadingMode;
import dev.tapio.engine.ring.BackpressurePolicy;
import dev.tapio.engine.spi.EventView;
import dev.tapio.engine.spi.Sink;
import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * What the real-kernel tests share: the skip when the kernel collector cannot run here (no shim built,
 * not root, the flavour's tracepoints missing), an engine with the kernel collector as its only source,
 * a sink that keeps every event decoded, and polling with a deadline instead of sleeping.
 */
final class KernelTestSupport
{
    private KernelTestSupport()
    {
    }

    /** Skips (never passes) unless the shim is built and this runs as root. */
    static void assumeKernelCollector() throws Exception
    {
        final String reason = KernelCollector.unavailableReason();
        Assumptions.assumeTrue(reason == null, () -> "kernel collector unavailable: " + reason);
        final int uid = (Integer)Files.getAttribute(Path.of("/proc/self"), "unix:uid");
        Assumptions.assumeTrue(uid == 0, "loading BPF programs needs root (CAP_BPF and CAP_PERFMON); uid is " + uid);
    }

    /** Skips the classic-tracepoint flavour when tracefs lacks the tracepoint it attaches to. */
    static void assumeFlavour(final KernelSettings.Programs programs, final String tracepoint)
    {
        if (programs == KernelSettings.Programs.TRACEPOINT)
        {
            final Path id = Path.of("/sys/kernel/tracing/events", tracepoint, "id");
            Assumptions.assumeTrue(Files.isReadable(id), () -> "tracefs has no " + id + ": the tracepoint programs cannot attach");
        }
    }

    /** An engine whose only source is {@code kernel}, started and with the collector healthy. */
    static Engine start(final KernelCollector kernel, final Sink sink) throws InterruptedException
    {
        final Engine engine = Engine.builder()
            .threading(ThreadingMode.SHARED)
            .nodeName("kernel-test")
            .source(kernel, BackpressurePolicy.BLOCK)
            .sink(sink)
            .build()
            .start();
        until(() -> "healthy".equals(kernel.health()) || kernel.health().startsWith("unavailable"),
            Duration.ofSeconds(30), kernel::health);
        assertEquals("healthy", kernel.health());
        return engine;
    }

    /** Polls {@code condition} until it holds, failing with {@code what} after {@code timeout}. */
    static void until(final BooleanSupplier condition, final Duration timeout, final Supplier<Object> what)
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

    /** The cgroup v2 id of this JVM (the inode of its cgroup directory), or 0 when no cgroup v2 is mounted. */
    static long ownCgroupV2Id() throws IOException
    {
        final Path v2 = mountOf(Files.readAllLines(Path.of("/proc/self/mountinfo")), "cgroup2", null);
        if (v2 == null)
        {
            return 0;
        }
        for (final String line : Files.readAllLines(Path.of("/proc/self/cgroup")))
        {
            if (line.startsWith("0::"))
            {
                return inode(v2.resolve(line.substring(3).replaceFirst("^/", "")));
            }
        }
        return 0;
    }

    /** Removes a cgroup directory: true when gone, false while the kernel still holds it (EBUSY) to try again. */
    static boolean rmdir(final Path dir)
    {
        try
        {
            Files.deleteIfExists(dir);
            return true;
        }
        catch (final FileSystemException e)
        {
            return false;
        }
        catch (final IOException e)
        {
            throw new UncheckedIOException(e);
        }
    }

    /** A cgroup's id: the inode number of its directory. */
    static long inode(final Path dir) throws IOException
    {
        return (Long)Files.getAttribute(dir, "unix:ino");
    }

    /** The mount point of the first mount of {@code fsType} whose super options include {@code option}. */
    static Path mountOf(final List<String> mountinfo, final String fsType, final String option)
    {
        for (final String line : mountinfo)
        {
            // id parent major:minor root mount-point options [optional...] - fstype source super-options
            final String[] halves = line.split(" - ", 2);
            if (halves.length != 2)
            {
                continue;
            }
            final String[] left = halves[0].split(" ");
            final String[] right = halves[1].split(" ");
            if (left.length < 5 || right.length < 3 || !right[0].equals(fsType))
            {
                continue;
            }
            if (option == null || List.of(right[2].split(",")).contains(option))
            {
                return Path.of(left[4].replace("\\040", " "));
            }
        }
        return null;
    }

    /** One event as it reached fan-out. */
    record Seen(
        EventType type, Severity severity, int pid, int ppid, long uid, long cgroupId, int exitCode, String comm,
        String message, Map<String, String> attributes)
    {
        String attribute(final String key)
        {
            return attributes.get(key);
        }

        /** Whether the event carries no process (the kernel could not tell whose it was). */
        boolean pidUnknown()
        {
            return pid == EventDraft.PID_NULL;
        }
    }

    /** Keeps every event that reaches fan-out, decoded (test code: it allocates). */
    static final class Recording implements Sink
    {
        private final ConcurrentLinkedQueue<Seen> seen = new ConcurrentLinkedQueue<>();
        private final EventDraft d = new EventDraft();

        @Override
        public String name()
        {
            return "recording";
        }

        @Override
        public void onEvent(final EventView event)
        {
            d.from(event.decoder());
            final Map<String, String> attributes = new LinkedHashMap<>();
            for (int i = 0; i < d.attributeCount(); i++)
            {
                attributes.put(d.attributeKey(i).toString(), d.attributeValue(i).toString());
            }
            seen.add(new Seen(d.type, d.severity, d.pid, d.ppid, d.uid, d.cgroupId, d.exitCode,
                d.text(EventDraft.COMM).toString(), d.text(EventDraft.MESSAGE).toString(), Map.copyOf(attributes)));
        }

        Optional<Seen> first(final Predicate<Seen> p)
        {
            return seen.stream().filter(p).findFirst();
        }

        List<Seen> all(final Predicate<Seen> p)
        {
            final List<Seen> out = new ArrayList<>();
            seen.stream().filter(p).forEach(out::add);
            return out;
        }

        /** Waits for the first event matching {@code p}. */
        Seen await(final Predicate<Seen> p, final Duration timeout, final Supplier<Object> what) throws InterruptedException
        {
            until(() -> first(p).isPresent(), timeout, what);
            return first(p).orElseThrow();
        }
    }
}
