package dev.tapio.bridge.journal;

import dev.tapio.bridge.RecordBatchBuilder;
import dev.tapio.bridge.RecordFrames;
import dev.tapio.bridge.TestRecords;
import dev.tapio.engine.metrics.EngineCounters;
import dev.tapio.journal.Journal;
import dev.tapio.journal.JournalSettings;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteOrder;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The node's record source over a real journal tailer: batches, the record that did not fit, acks, resume. */
class JournalRecordSourceTest
{
    @TempDir
    Path dir;

    private JournalSettings settings()
    {
        return JournalSettings.builder().dir(dir).build();
    }

    private void append(final long firstId, final int n)
    {
        final UnsafeBuffer b = new UnsafeBuffer(new byte[TestRecords.length()]);
        try (Journal j = Journal.open(settings(), new EngineCounters()))
        {
            for (int i = 0; i < n; i++)
            {
                TestRecords.write(b, 0, firstId + i);
                assertTrue(j.append(b, 0, b.capacity()) >= 0);
            }
        }
        catch (final java.io.IOException e)
        {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** The event ids in a batch's framed bytes. */
    private static long[] ids(final RecordBatchBuilder batch)
    {
        final long[] out = new long[batch.recordCount()];
        int p = 0;
        for (int i = 0; i < out.length; i++)
        {
            final int len = batch.buffer().getInt(p, ByteOrder.LITTLE_ENDIAN);
            out[i] = TestRecords.eventId(batch.buffer(), p + RecordFrames.LENGTH_PREFIX);
            p += RecordFrames.LENGTH_PREFIX + len;
        }
        return out;
    }

    @Test
    void fillsBatchesInJournalOrderAndKeepsTheRecordThatDidNotFitForTheNextPoll() throws Exception
    {
        append(100, 10);
        final int framed = RecordFrames.LENGTH_PREFIX + TestRecords.length();
        try (JournalRecordSource source = JournalRecordSource.open(settings(), "bridge"))
        {
            final RecordBatchBuilder batch = new RecordBatchBuilder(framed * 3 + framed / 2);   // room for 3
            assertEquals(3, source.poll(batch, 100, batch.remainingBytes()));
            assertTrue(batch.isFull());
            assertEquals(100, ids(batch)[0]);
            assertEquals(102, ids(batch)[2]);
            assertFalse(source.caughtUp(), "nothing acked yet");
            final long lastOfFirst = batch.lastIndex();
            batch.reset();

            // the fourth record was read from the tailer and refused: it comes first now
            assertEquals(3, source.poll(batch, 100, batch.remainingBytes()));
            assertEquals(103, ids(batch)[0]);
            batch.reset();
            assertEquals(2, source.poll(batch, 2, batch.remainingBytes()), "maxRecords is honoured");
            assertEquals(106, ids(batch)[0]);
            batch.reset();
            assertEquals(2, source.poll(batch, 100, batch.remainingBytes()));
            assertEquals(109, ids(batch)[1]);
            assertEquals(0, source.poll(batch, 100, batch.remainingBytes()), "end of the journal");
            assertFalse(source.caughtUp(), "polled but not acked");

            source.ack(lastOfFirst);
            assertEquals(lastOfFirst, source.ackedIndex());
        }
        // a new run resumes with the record after the acked one
        try (JournalRecordSource source = JournalRecordSource.open(settings(), "bridge"))
        {
            final RecordBatchBuilder batch = new RecordBatchBuilder(1 << 16);
            assertEquals(7, source.poll(batch, 100, batch.remainingBytes()));
            assertEquals(103, ids(batch)[0]);
            assertEquals(0, source.poll(batch, 100, batch.remainingBytes()));
            source.ack(batch.lastIndex());
            assertTrue(source.caughtUp(), "everything journaled is acked");
            append(200, 1);
            final RecordBatchBuilder next = new RecordBatchBuilder(1 << 16);
            assertEquals(1, source.poll(next, 100, next.remainingBytes()));
            assertFalse(source.caughtUp(), "a new record is not acked yet");
        }
    }

    @Test
    void anEmptyJournalIsCaughtUpAtOnce() throws Exception
    {
        append(0, 0);
        try (JournalRecordSource source = JournalRecordSource.open(settings(), "bridge"))
        {
            final RecordBatchBuilder batch = new RecordBatchBuilder(1 << 16);
            assertEquals(0, source.poll(batch, 100, batch.remainingBytes()));
            assertTrue(source.caughtUp());
            assertEquals(-1, source.ackedIndex());
        }
    }
}
