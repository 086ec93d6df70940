package dev.tapio.journal;

import dev.tapio.engine.metrics.EngineCounters;
import net.openhft.chronicle.core.time.SetTimeProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteOrder;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class JournalReaderTest
{
    private static final long SECOND = 1_000_000_000L;
    private static final int HOURS = 6;
    private static final int PER_HOUR = 3600;          // one event per event-second

    @TempDir
    Path dir;

    private final SetTimeProvider time = new SetTimeProvider(Instant.parse("2024-05-01T00:00:00Z"));
    private final long t0 = Instant.parse("2024-05-01T00:00:00Z").getEpochSecond() * SECOND;

    /**
     * Six hourly cycles, one event per second of event time, each written in the hour it happened, every
     * 100th a group record closing at that time, and every 500th event late by 90 s.
     */
    private void write() throws Exception
    {
        try (Journal j = Journal.open(JournalSettings.builder().dir(dir).timeProvider(time).retention(null).build(),
            new EngineCounters()))
        {
            for (int h = 0; h < HOURS; h++)
            {
                for (int s = 0; s < PER_HOUR; s++)
                {
                    final long id = (long)h * PER_HOUR + s;
                    final long eventTime = t0 + id * SECOND - (id % 500 == 499 ? 90 * SECOND : 0);
                    final byte[] r = id % 100 == 50 ? Records.group(id, eventTime) : Records.event(id, eventTime);
                    assertTrue(j.append(Records.direct(r, 0), 0, r.length) >= 0);
                }
                time.advanceMillis(3_600_000L);
            }
        }
    }

    private static List<Long> readAll(final JournalReader r)
    {
        final List<Long> ids = new ArrayList<>();
        while (!r.done())
        {
            // id is the first field of both Event and Group
            r.read((index, template, b, o, l) -> ids.add(b.getLong(o + 8, ByteOrder.LITTLE_ENDIAN)), 1000);
        }
        return ids;
    }

    @Test
    void seeksByEventTimeAndReadsExactlyTheRangeIncludingLateRecordsWithinTheSlack() throws Exception
    {
        write();
        try (JournalReader r = JournalReader.open(dir).slack(Duration.ofMinutes(5)))
        {
            // [02:36:40, 02:37:40): holds late event 9499 (event time 9409 s, written at 9499 s) and group 9450
            final long from = t0 + 9400 * SECOND;
            final long to = from + 60 * SECOND;
            r.seek(from, to);
            assertTrue(r.seekProbes() < 40, "a seek probes O(log n) records, made " + r.seekProbes());
            final List<Long> ids = readAll(r);
            final List<Long> expected = new ArrayList<>();
            for (long id = 0; id < (long)HOURS * PER_HOUR; id++)
            {
                final long t = t0 + id * SECOND - (id % 500 == 499 ? 90 * SECOND : 0);
                if (t >= from && t < to)
                {
                    expected.add(id);
                }
            }
            assertEquals(expected, ids);
            assertTrue(expected.stream().anyMatch(id -> id % 500 == 499), "the range holds a late event");
            assertTrue(expected.stream().anyMatch(id -> id % 100 == 50), "the range holds a group record");
        }
    }

    @Test
    void openRangesReadFromTheStartOrToTheEnd() throws Exception
    {
        write();
        try (JournalReader r = JournalReader.open(dir))
        {
            r.seek(Long.MIN_VALUE, t0 + 10 * SECOND);
            assertEquals(List.of(0L, 1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L), readAll(r));
            r.seek(t0 + ((long)HOURS * PER_HOUR - 3) * SECOND, Long.MAX_VALUE);
            assertEquals(List.of((long)HOURS * PER_HOUR - 3, (long)HOURS * PER_HOUR - 2, (long)HOURS * PER_HOUR - 1), readAll(r));
            r.seek(t0 + 100L * HOURS * PER_HOUR * SECOND, Long.MAX_VALUE);
            assertEquals(List.of(), readAll(r));
        }
    }

    @Test
    void seekLastReadsTheTailAcrossCycles() throws Exception
    {
        write();
        final long total = (long)HOURS * PER_HOUR;
        try (JournalReader r = JournalReader.open(dir))
        {
            // 5000 records span the last two hourly cycles
            r.seekLast(5000);
            final List<Long> tail = readAll(r);
            assertEquals(5000, tail.size());
            assertEquals(total - 5000, tail.get(0));
            assertEquals(total - 1, tail.get(tail.size() - 1));

            r.seekLast(3);
            assertEquals(List.of(total - 3, total - 2, total - 1), readAll(r));
            r.seekLast(0);
            assertEquals(List.of(), readAll(r));
            r.seekLast(total * 2);
            assertEquals(total, readAll(r).size());
        }
    }

    @Test
    void seekLastOnAnEmptyJournalFindsNothing() throws Exception
    {
        try (Journal j = Journal.open(JournalSettings.builder().dir(dir).build(), new EngineCounters()))
        {
            j.lastIndexAppended();
        }
        try (JournalReader r = JournalReader.open(dir))
        {
            assertEquals(-1, r.seekLast(10));
            assertEquals(List.of(), readAll(r));
        }
    }
}
