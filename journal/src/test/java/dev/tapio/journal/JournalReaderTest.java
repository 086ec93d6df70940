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
    void countsWhatItScansAndHandsOverRecordsOutsideTheRangeAndUntimedOnes() throws Exception
    {
        write();
        final byte[] foreign = "not a tapio record".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        try (Journal j = Journal.open(JournalSettings.builder().dir(dir).timeProvider(time).retention(null).build(),
            new EngineCounters()))
        {
            // Journal.append refuses foreign bytes: write one through Chronicle, as another producer could. It is the
            // first record of a new cycle: the seek must look past it for a time, or it would skip the previous cycle.
            try (net.openhft.chronicle.queue.impl.single.SingleChronicleQueue q =
                     net.openhft.chronicle.queue.impl.single.SingleChronicleQueueBuilder.binary(dir).timeProvider(time).build();
                 net.openhft.chronicle.queue.ExcerptAppender a = q.createAppender())
            {
                try (net.openhft.chronicle.wire.DocumentContext dc = a.writingDocument())
                {
                    dc.wire().bytes().write(foreign);
                }
            }
            final byte[] r = Records.event(999_999, t0 + (long)HOURS * PER_HOUR * SECOND);
            assertTrue(j.append(Records.direct(r, 0), 0, r.length) >= 0);
        }
        try (JournalReader r = JournalReader.open(dir).slack(Duration.ofSeconds(10)))
        {
            final List<Long> outside = new ArrayList<>();
            final List<Integer> untimed = new ArrayList<>();
            r.outside((index, template, b, o, l) -> outside.add(b.getLong(o + 8, ByteOrder.LITTLE_ENDIAN)));
            r.untimed((index, template, b, o, l) -> untimed.add(template));
            final long last = (long)HOURS * PER_HOUR - 1;
            r.seek(t0 + (last - 5) * SECOND, Long.MAX_VALUE);
            final List<Long> ids = readAll(r);
            assertEquals(List.of(last - 5, last - 4, last - 3, last - 2, last - 1, last, 999_999L), ids);
            assertEquals(List.of(-1), untimed, "the foreign record, not a message of Tapio's schema");
            // the 10 s of slack before from: 10 records (none of them late here)
            assertEquals(List.of(last - 15, last - 14, last - 13, last - 12, last - 11, last - 10, last - 9, last - 8,
                last - 7, last - 6), outside);
            assertEquals(ids.size() + outside.size() + untimed.size(), r.scanned());
        }
    }

    @Test
    void stopsAtAnIndexOrFollowsWhatIsAppendedAfterTheEnd() throws Exception
    {
        try (Journal j = Journal.open(JournalSettings.builder().dir(dir).timeProvider(time).build(), new EngineCounters());
            JournalReader r = JournalReader.open(dir).slack(Duration.ZERO))
        {
            assertEquals(-1, r.lastIndex(), "empty");
            long third = -1;
            for (int i = 0; i < 5; i++)
            {
                final byte[] e = Records.event(i, t0 + i * SECOND);
                final long index = j.append(Records.direct(e, 0), 0, e.length);
                third = i == 2 ? index : third;
            }
            r.stopAfter(third).seek(Long.MIN_VALUE, Long.MAX_VALUE);
            assertEquals(3, r.countFromSeek(Long.MAX_VALUE), "counted through the index, up to the stop");
            assertEquals(List.of(0L, 1L, 2L), readAll(r));
            assertTrue(r.endOfRange());
            assertEquals(0, r.read((index, template, b, o, l) -> { }, 10), "the range has ended");

            r.stopAfter(Long.MAX_VALUE).seek(t0 + 3 * SECOND, Long.MAX_VALUE);
            assertEquals(2, r.countFromSeek(Long.MAX_VALUE));
            assertEquals(List.of(3L, 4L), readAll(r));
            assertTrue(r.done() && !r.endOfRange(), "at the end of what is written, not of the range");
            final byte[] e = Records.event(5, t0 + 5 * SECOND);
            final long index = j.append(Records.direct(e, 0), 0, e.length);
            assertEquals(index, r.lastIndex());
            final List<Long> more = new ArrayList<>();
            assertEquals(1, r.read((i, template, b, o, l) -> more.add(b.getLong(o + 8, ByteOrder.LITTLE_ENDIAN)), 10));
            assertEquals(List.of(5L), more, "read again after the end: what was appended since");
        }
    }

    @Test
    void countsTheRecordsOfASoughtRangeThroughTheIndex() throws Exception
    {
        write();
        try (JournalReader r = JournalReader.open(dir).slack(Duration.ZERO))
        {
            // [01:00:00, 03:00:00) spans three cycles: 7,200 records (late ones and groups included)
            r.seek(t0 + 3600 * SECOND, t0 + 3 * 3600 * SECOND);
            final long count = r.countFromSeek(t0 + 3 * 3600 * SECOND);
            final List<Long> ids = readAll(r);
            assertEquals(ids.size(), r.scanned() - 1, "scanned the range and the first record after it");
            assertTrue(Math.abs(count - 7_200) <= 2, "index count " + count);
        }
        try (JournalReader fresh = JournalReader.open(dir))
        {
            assertEquals(-1, fresh.countFromSeek(Long.MAX_VALUE), "nothing sought yet");
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
