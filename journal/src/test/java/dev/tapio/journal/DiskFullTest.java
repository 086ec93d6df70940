package dev.tapio.journal;

import dev.tapio.engine.metrics.EngineCounters;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A full file system, for real: a 4 MiB tmpfs mounted for this class (needs root; skipped with the
 * reason printed otherwise). The journal must report the directory, count what it refuses, keep the
 * caller running, and resume by itself when space returns.
 */
class DiskFullTest
{
    private static Path mountPoint;
    private static String skipReason;

    private Path dir;
    private Path filler;
    private final ByteArrayOutputStream logBytes = new ByteArrayOutputStream();
    private final PrintStream log = new PrintStream(logBytes, true, StandardCharsets.UTF_8);
    private final byte[] event = Records.event(1, Records.TIME);
    private final org.agrona.DirectBuffer eventBuffer = Records.direct(event, 0);

    @BeforeAll
    static void mountSmallTmpfs() throws Exception
    {
        if (!"0".equals(run("id", "-u").trim()))
        {
            skipReason = "not root: cannot mount a 4 MiB tmpfs to fill";
        }
        else
        {
            mountPoint = Files.createTempDirectory("tapio-diskfull-");
            final String out = run("mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", mountPoint.toString());
            if (!isMounted(mountPoint))
            {
                skipReason = "mount -t tmpfs failed: " + out.trim();
                Files.deleteIfExists(mountPoint);
                mountPoint = null;
            }
        }
        if (skipReason != null)
        {
            System.err.println("DiskFullTest skipped: " + skipReason);
        }
    }

    @AfterAll
    static void unmount() throws Exception
    {
        if (mountPoint != null)
        {
            // Chronicle releases its mappings lazily (cleaners), so the mount may still be busy: detach it
            // lazily then; the kernel frees it when the last mapping goes.
            if (!run("umount", mountPoint.toString()).isBlank() || isMounted(mountPoint))
            {
                run("umount", "-l", mountPoint.toString());
            }
            Files.deleteIfExists(mountPoint);
        }
    }

    @BeforeEach
    void freshDirectory() throws IOException
    {
        Assumptions.assumeTrue(skipReason == null, () -> skipReason);
        dir = mountPoint.resolve("journal");
        filler = mountPoint.resolve("filler");
    }

    @AfterEach
    void clean() throws IOException
    {
        System.out.print(logBytes.toString(StandardCharsets.UTF_8));
        if (mountPoint != null)
        {
            try (Stream<Path> s = Files.walk(mountPoint))
            {
                s.sorted(Comparator.reverseOrder()).filter(p -> !p.equals(mountPoint)).forEach(p -> p.toFile().delete());
            }
        }
    }

    private JournalSettings.Builder settings()
    {
        return JournalSettings.builder().dir(dir).rollCycle("hourly").blockSize(64 << 10).retention(null).maxDiskBytes(0);
    }

    @Test
    void freeSpaceGuardRefusesAndCountsThenResumesWhenSpaceReturns() throws Exception
    {
        final EngineCounters counters = new EngineCounters();
        try (Journal j = new Journal(settings().minFreeDiskBytes(1 << 20).build(), counters, log))
        {
            assertTrue(j.start());
            j.checkDisk();
            assertTrue(j.append(eventBuffer, 0, event.length) >= 0);

            fill(512 << 10);                                          // leave about 512 KiB: under the 1 MiB guard
            j.checkDisk();
            assertTrue(j.diskLow());
            for (int i = 0; i < 1000; i++)
            {
                assertEquals(Journal.DISK_FULL, j.append(eventBuffer, 0, event.length));
            }
            assertEquals(1000, j.counters().failures(JournalCounters.REASON_DISK_FULL));
            final String printed = logBytes.toString(StandardCharsets.UTF_8);
            assertTrue(printed.contains(dir.toString()) && printed.contains("minFreeDisk"), printed);
            assertEquals(1, printed.lines().count(), "logged once, not per record: " + printed);

            Files.delete(filler);
            j.checkDisk();
            assertTrue(!j.diskLow());
            assertTrue(j.append(eventBuffer, 0, event.length) >= 0);
            assertEquals(2, j.counters().appended());
            assertTrue(logBytes.toString(StandardCharsets.UTF_8).contains("resume after 1000 records refused"));
        }
    }

    @Test
    void writeFaultOnAFullFileSystemIsCountedAndAppendsResumeAfterBackOff() throws Exception
    {
        final EngineCounters counters = new EngineCounters();
        final List<Long> written = new ArrayList<>();
        try (Journal j = new Journal(settings().minFreeDiskBytes(0).build(), counters, log))
        {
            assertTrue(j.start());
            fill(256 << 10);
            long result = 0;
            int attempts = 0;
            while (result >= 0 && attempts++ < 100_000)
            {
                result = j.append(eventBuffer, 0, event.length);
                if (result >= 0)
                {
                    written.add(result);
                }
            }
            assertEquals(Journal.DISK_FULL, result, "the file system never filled");
            assertTrue(j.failing());
            for (int i = 0; i < 10_000; i++)
            {
                // inside the back-off: refused at once, no write attempted
                assertEquals(Journal.DISK_FULL, j.append(eventBuffer, 0, event.length));
            }
            assertTrue(j.counters().failures(JournalCounters.REASON_DISK_FULL) >= 10_001);
            final String printed = logBytes.toString(StandardCharsets.UTF_8);
            assertTrue(printed.contains("journal " + dir) && printed.contains("cannot append"), printed);

            Files.delete(filler);
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            long resumed = -1;
            while (resumed < 0 && System.nanoTime() < deadline)
            {
                resumed = j.append(eventBuffer, 0, event.length);
                if (resumed < 0)
                {
                    Thread.onSpinWait();
                }
            }
            assertTrue(resumed >= 0, "appends did not resume: " + logBytes.toString(StandardCharsets.UTF_8));
            assertTrue(!j.failing());
            assertTrue(logBytes.toString(StandardCharsets.UTF_8).contains("appends resumed"));
            for (int i = 0; i < 10; i++)
            {
                assertTrue(j.append(eventBuffer, 0, event.length) >= 0);
            }
        }
        // What was written before the fault and after recovery reads back.
        try (JournalTailer t = JournalTailer.open(settings().build(), "check"))
        {
            final int[] n = {0};
            while (t.poll((i, template, b, o, l) ->
            {
                assertEquals(event.length, l);
                n[0]++;
            }, 1000) > 0)
            {
                // drain
            }
            assertTrue(n[0] >= written.size() + 11, n[0] + " records read, " + (written.size() + 11) + " written");
        }
    }

    /** Fills the file system up to about {@code leave} free bytes. */
    private void fill(final long leave) throws IOException
    {
        final long usable = Files.getFileStore(mountPoint).getUsableSpace();
        final byte[] chunk = new byte[4096];
        long remaining = usable - leave;
        try (OutputStream out = Files.newOutputStream(filler))
        {
            while (remaining > 0)
            {
                out.write(chunk, 0, (int)Math.min(chunk.length, remaining));
                remaining -= chunk.length;
            }
        }
    }

    private static boolean isMounted(final Path p) throws IOException
    {
        return Files.readAllLines(Path.of("/proc/mounts")).stream().anyMatch(l -> l.contains(" " + p + " tmpfs "));
    }

    private static String run(final String... command) throws IOException, InterruptedException
    {
        final Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        final String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor(30, TimeUnit.SECONDS);
        return out;
    }
}
