package dev.tapio.journal;

import dev.tapio.engine.metrics.EngineCounters;
import net.openhft.chronicle.core.time.SetTimeProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Retention by age and by disk cap, on hourly cycles driven by Chronicle's SetTimeProvider. */
class RetentionTest
{
    private static final long HOUR_MS = 3_600_000L;
    private static final int PER_CYCLE = 10;

    @TempDir
    Path dir;

    private final SetTimeProvider time = new SetTimeProvider(Instant.parse("2024-05-01T00:00:00Z"));
    private final ByteArrayOutputStream logBytes = new ByteArrayOutputStream();
    private final PrintStream log = new PrintStream(logBytes, true, StandardCharsets.UTF_8);

    private JournalSettings.Builder settings()
    {
        return JournalSettings.builder().dir(dir).rollCycle("hourly").timeProvider(time).minFreeDiskBytes(0);
    }

    /** Appends PER_CYCLE events in each of {@code cycles} consecutive hours; returns every index. */
    private List<Long> appendHours(final int cycles) throws IOException
    {
        final List<Long> indices = new ArrayList<>();
        try (Journal j = Journal.open(settings().retention(null).maxDiskBytes(0).build(), new EngineCounters()))
        {
            for (int h = 0; h < cycles; h++)
            {
                for (int i = 0; i < PER_CYCLE; i++)
                {
                    final int id = h * PER_CYCLE + i;
                    final byte[] e = Records.event(id, Records.TIME + id);
                    indices.add(j.append(Records.direct(e, 0), 0, e.length));
                }
                if (h < cycles - 1)
                {
                    time.advanceMillis(HOUR_MS);
                }
            }
        }
        return indices;
    }

    private List<String> cycleFiles() throws IOException
    {
        try (Stream<Path> s = Files.list(dir))
        {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".cq4")).sorted().collect(Collectors.toList());
        }
    }

    private void ack(final String name, final long index) throws IOException
    {
        try (JournalTailer t = JournalTailer.open(settings().build(), name))
        {
            while (t.lastReadIndex() < index)
            {
                if (t.poll((i, template, b, o, l) -> { }, 1) == 0)
                {
                    throw new AssertionError("index " + Long.toHexString(index) + " never delivered");
                }
            }
            t.ack(index);
        }
    }

    @Test
    void deletesCyclesOlderThanTheRetentionAndCountsRecordsNotYetAcked() throws Exception
    {
        final List<Long> idx = appendHours(4);                      // 00h, 01h, 02h, 03h
        assertEquals(List.of("20240501-00F.cq4", "20240501-01F.cq4", "20240501-02F.cq4", "20240501-03F.cq4"), cycleFiles());
        ack("slow", idx.get(5));                                      // 4 un-acked left in 00h
        ack("fast", idx.get(idx.size() - 1));
        try (JournalTailer never = JournalTailer.open(settings().build(), "never"))
        {
            assertEquals(-1, never.ackedIndex());
        }

        final EngineCounters counters = new EngineCounters();
        time.advanceMillis(HOUR_MS / 2);                             // now 03:30, keep 2h: 00h (ended 01:00) goes
        try (Journal j = new Journal(settings().retention(Duration.ofHours(2)).maxDiskBytes(0).build(), counters, log))
        {
            j.enforceRetention();
            assertEquals(List.of("20240501-01F.cq4", "20240501-02F.cq4", "20240501-03F.cq4"), cycleFiles());
            assertEquals(1, j.counters().cyclesDeleted(JournalCounters.REASON_AGE));
            assertEquals(4, counters.snapshot().get(JournalCounters.droppedLabel("slow")));
            assertEquals(PER_CYCLE, counters.snapshot().get(JournalCounters.droppedLabel("never")));
            assertEquals(null, counters.snapshot().get(JournalCounters.droppedLabel("fast")));

            time.advanceMillis(HOUR_MS * 10);                        // far later: all but the newest cycle go
            j.enforceRetention();
            assertEquals(List.of("20240501-03F.cq4"), cycleFiles());
            assertEquals(3, j.counters().cyclesDeleted(JournalCounters.REASON_AGE));
            assertEquals(4 + 2 * PER_CYCLE, counters.snapshot().get(JournalCounters.droppedLabel("slow")));
        }
        final String printed = logBytes.toString(StandardCharsets.UTF_8);
        assertEquals(2, printed.lines().filter(l -> l.contains("retention deleted")).count(), printed);
        assertTrue(printed.contains("slow=4") && printed.contains("never=10"), printed);

        // The slow tailer's acked record is gone: it resumes at the oldest record left, 03h's first.
        try (JournalTailer slow = JournalTailer.open(settings().build(), "slow"))
        {
            final List<Long> ids = new ArrayList<>();
            slow.poll((i, template, b, o, l) -> ids.add(b.getLong(o + 8, java.nio.ByteOrder.LITTLE_ENDIAN)), 100);
            assertEquals(3L * PER_CYCLE, ids.get(0));
            assertEquals(PER_CYCLE, ids.size());
        }
    }

    @Test
    void deletesOldestCyclesWhileOverTheDiskCapButNeverTheNewest() throws Exception
    {
        final List<Long> idx = appendHours(4);
        ack("bridge", idx.get(PER_CYCLE + 2));                      // acked 3 records into 01h
        long newestTwo = 0;
        for (final String f : cycleFiles().subList(2, 4))
        {
            newestTwo += Files.size(dir.resolve(f));
        }
        final EngineCounters counters = new EngineCounters();
        try (Journal j = new Journal(settings().retention(null).maxDiskBytes(newestTwo).build(), counters, log))
        {
            j.enforceRetention();
            assertEquals(List.of("20240501-02F.cq4", "20240501-03F.cq4"), cycleFiles());
            assertEquals(2, j.counters().cyclesDeleted(JournalCounters.REASON_DISK));
            assertEquals(PER_CYCLE - 3, counters.snapshot().get(JournalCounters.droppedLabel("bridge")));
        }
        try (Journal j = new Journal(settings().retention(null).maxDiskBytes(1).build(), counters, log))
        {
            j.enforceRetention();
            assertEquals(List.of("20240501-03F.cq4"), cycleFiles(), "the newest cycle stays whatever the cap");
        }
        assertTrue(logBytes.toString(StandardCharsets.UTF_8).contains("by maxDisk"));
    }

    @Test
    void appendingGoesOnWhileRetentionDeletesBehindIt() throws Exception
    {
        final EngineCounters counters = new EngineCounters();
        try (Journal j = new Journal(settings().retention(Duration.ofHours(1)).maxDiskBytes(0).build(), counters, log))
        {
            assertTrue(j.start());
            for (int h = 0; h < 5; h++)
            {
                for (int i = 0; i < PER_CYCLE; i++)
                {
                    final byte[] e = Records.event(h * PER_CYCLE + i, Records.TIME);
                    assertTrue(j.append(Records.direct(e, 0), 0, e.length) >= 0);
                }
                j.housekeep();
                time.advanceMillis(HOUR_MS);
            }
            assertTrue(cycleFiles().size() <= 2, cycleFiles().toString());
            assertEquals(5 * PER_CYCLE, j.counters().appended());
        }
    }
}
