package dev.tapio.journal;

import dev.tapio.engine.metrics.EngineCounters;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class JournalTailerTest
{
    @TempDir
    Path dir;

    private JournalSettings settings()
    {
        return JournalSettings.builder().dir(dir).build();
    }

    private List<Long> appendEvents(final int from, final int count) throws IOException
    {
        final List<Long> indices = new ArrayList<>();
        try (Journal journal = Journal.open(settings(), new EngineCounters()))
        {
            for (int i = from; i < from + count; i++)
            {
                final byte[] e = Records.event(i, Records.TIME + i);
                indices.add(journal.append(Records.direct(e, 0), 0, e.length));
            }
        }
        return indices;
    }

    /** Event ids of everything the tailer delivers now, up to {@code max}. */
    private static List<Long> drain(final JournalTailer tailer, final int max)
    {
        final List<Long> ids = new ArrayList<>();
        while (ids.size() < max)
        {
            final int n = tailer.poll((index, template, buffer, offset, length) ->
                ids.add(buffer.getLong(offset + 8, java.nio.ByteOrder.LITTLE_ENDIAN)), Math.min(7, max - ids.size()));
            if (n == 0)
            {
                break;
            }
        }
        return ids;
    }

    private static List<Long> range(final long from, final long toExclusive)
    {
        final List<Long> out = new ArrayList<>();
        for (long i = from; i < toExclusive; i++)
        {
            out.add(i);
        }
        return out;
    }

    @Test
    void housekeepingReportsEachTailersLagInRecordsAndWhenItLastAcked() throws Exception
    {
        final EngineCounters counters = new EngineCounters();
        try (Journal journal = Journal.open(settings(), counters);
            JournalTailer behind = JournalTailer.open(settings(), "otel");
            JournalTailer idle = JournalTailer.open(settings(), "webhook.a"))
        {
            final List<Long> indices = new ArrayList<>();
            for (int i = 0; i < 100; i++)
            {
                final byte[] e = Records.event(i, Records.TIME + i);
                indices.add(journal.append(Records.direct(e, 0), 0, e.length));
            }
            final long before = System.currentTimeMillis() / 1000;
            assertEquals(range(0, 40), drain(behind, 40));
            behind.ack(indices.get(39));
            journal.housekeep();
            final java.util.Map<String, Long> s = counters.snapshot();
            assertEquals(60L, s.get("tapio_journal_tailer_lag_records{tailer=\"otel\"}"));
            assertEquals(100L, s.get("tapio_journal_tailer_lag_records{tailer=\"webhook.a\"}"), "acked nothing: all");
            assertEquals(0L, s.get("tapio_journal_tailer_acked_timestamp_seconds{tailer=\"webhook.a\"}"));
            final long ackedAt = s.get("tapio_journal_tailer_acked_timestamp_seconds{tailer=\"otel\"}");
            assertTrue(ackedAt >= before && ackedAt <= System.currentTimeMillis() / 1000 + 1, "acked at " + ackedAt);

            assertEquals(range(40, 100), drain(behind, 100));
            behind.ack(indices.get(99));
            journal.housekeep();
            assertEquals(0L, counters.snapshot().get("tapio_journal_tailer_lag_records{tailer=\"otel\"}"));
        }
    }

    @Test
    void resumesAfterTheLastAckedRecordOnReopen() throws Exception
    {
        final List<Long> indices = appendEvents(0, 50);
        try (JournalTailer t = JournalTailer.open(settings(), "bridge"))
        {
            assertEquals(range(0, 30), drain(t, 30));
            assertTrue(t.ack(indices.get(19)));
        }
        try (JournalTailer t = JournalTailer.open(settings(), "bridge"))
        {
            assertEquals(indices.get(19), t.ackedIndex());
            assertEquals(indices.get(20), t.resumedFrom());
            assertEquals(range(20, 50), drain(t, 100));
        }
    }

    @Test
    void aTailerOpenedOnOneThreadAfterAnAckIsPolledOnAnother() throws Exception
    {
        final List<Long> indices = appendEvents(0, 20);
        try (JournalTailer t = JournalTailer.open(settings(), "handover"))
        {
            assertEquals(range(0, 10), drain(t, 10));
            t.ack(indices.get(9));
        }
        // reopening positions the tailer (a read) on this thread; a host then polls it on its own thread
        try (JournalTailer t = JournalTailer.open(settings(), "handover"))
        {
            final List<Long> got = new ArrayList<>();
            final Throwable[] failure = new Throwable[1];
            final Thread poller = new Thread(() ->
            {
                try
                {
                    got.addAll(drain(t, 100));
                    t.ack(t.lastReadIndex());
                }
                catch (final Throwable e)
                {
                    failure[0] = e;
                }
            });
            poller.start();
            poller.join();
            assertEquals(null, failure[0], () -> "polling on another thread failed: " + failure[0]);
            assertEquals(range(10, 20), got);
        }
    }

    @Test
    void unackedRecordsAreDeliveredAgainAfterRestart() throws Exception
    {
        appendEvents(0, 10);
        try (JournalTailer t = JournalTailer.open(settings(), "otlp"))
        {
            assertEquals(range(0, 10), drain(t, 100));
            // nothing acked
        }
        try (JournalTailer t = JournalTailer.open(settings(), "otlp"))
        {
            assertEquals(-1, t.ackedIndex());
            assertEquals(range(0, 10), drain(t, 100));
        }
    }

    @Test
    void ackIsCumulativeAndNeverMovesBackOrPastWhatWasDelivered() throws Exception
    {
        final List<Long> indices = appendEvents(0, 10);
        try (JournalTailer t = JournalTailer.open(settings(), "hooks"))
        {
            drain(t, 5);
            assertThrows(IllegalArgumentException.class, () -> t.ack(indices.get(7)));
            assertTrue(t.ack(indices.get(4)));
            assertFalse(t.ack(indices.get(2)));
            assertEquals(indices.get(4), t.ackedIndex());
            drain(t, 100);
            t.rewindToAcked();
            assertEquals(range(5, 10), drain(t, 100));
        }
    }

    @Test
    void namedTailersKeepIndependentPositionsAndOneNameHasOneReader() throws Exception
    {
        final List<Long> indices = appendEvents(0, 10);
        try (JournalTailer a = JournalTailer.open(settings(), "a"); JournalTailer b = JournalTailer.open(settings(), "b"))
        {
            drain(a, 3);
            a.ack(indices.get(2));
            drain(b, 8);
            b.ack(indices.get(7));
            final IOException e = assertThrows(IOException.class, () -> JournalTailer.open(settings(), "a"));
            assertTrue(e.getMessage().contains("already open"), e.getMessage());
        }
        try (JournalTailer a = JournalTailer.open(settings(), "a"); JournalTailer b = JournalTailer.open(settings(), "b"))
        {
            assertEquals(range(3, 10), drain(a, 100));
            assertEquals(range(8, 10), drain(b, 100));
        }
    }

    @Test
    void newRecordsAppendedAfterAnAckedPositionAreDelivered() throws Exception
    {
        final List<Long> first = appendEvents(0, 5);
        try (JournalTailer t = JournalTailer.open(settings(), "bridge"))
        {
            drain(t, 100);
            t.ack(first.get(4));
        }
        appendEvents(5, 5);
        try (JournalTailer t = JournalTailer.open(settings(), "bridge"))
        {
            assertEquals(range(5, 10), drain(t, 100));
        }
    }

    @Test
    void latestStartSkipsWhatIsAlreadyThere() throws Exception
    {
        appendEvents(0, 5);
        try (JournalTailer t = JournalTailer.open(settings(), "live", JournalTailer.StartFrom.LATEST))
        {
            assertEquals(List.of(), drain(t, 100));
            appendEvents(5, 2);
            assertEquals(range(5, 7), drain(t, 100));
        }
    }

    @Test
    void latestStartMadeDurableResumesThereAfterARestartWithoutAnAck() throws Exception
    {
        appendEvents(0, 5);
        try (JournalTailer t = JournalTailer.open(settings(), "live", JournalTailer.StartFrom.LATEST))
        {
            assertTrue(t.ackStart(), "the last record before the start is acked");
            assertFalse(t.ackStart(), "only once");
            appendEvents(5, 2);
            // closed without delivering or acking 5 and 6
        }
        try (JournalTailer t = JournalTailer.open(settings(), "live", JournalTailer.StartFrom.LATEST))
        {
            assertEquals(range(5, 7), drain(t, 100), "resumes where it first started, not at the new end");
        }
        assertFalse(JournalTailer.exists(settings(), "empty-start"));
        try (JournalTailer t = JournalTailer.open(settings(), "empty-start", JournalTailer.StartFrom.EARLIEST))
        {
            assertTrue(JournalTailer.exists(settings(), "empty-start"));
            assertFalse(t.ackStart(), "nothing precedes the earliest record");
        }
    }

    @Test
    void rejectsNamesThatAreNotSafeFileNames()
    {
        assertThrows(IllegalArgumentException.class, () -> JournalTailer.open(settings(), "../x"));
        assertThrows(IllegalArgumentException.class, () -> JournalTailer.open(settings(), ""));
    }
}
