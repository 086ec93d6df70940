package dev.tapio.journal;

import dev.tapio.engine.metrics.EngineCounters;
import org.agrona.DirectBuffer;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A guard beside JMH's -prof gc: once warm, appending and tailing allocate nothing per record. Counts
 * this thread's allocated bytes (HotSpot's ThreadMXBean) over 20,000 records and allows a little for
 * Chronicle mapping a new block now and then.
 */
class AllocationTest
{
    private static final int RECORDS = 20_000;

    @TempDir
    Path dir;

    private static long allocated()
    {
        return ((com.sun.management.ThreadMXBean)ManagementFactory.getThreadMXBean()).getCurrentThreadAllocatedBytes();
    }

    @Test
    void appendAndPollAllocateNothingPerRecordOnceWarm() throws Exception
    {
        Assumptions.assumeTrue(ManagementFactory.getThreadMXBean() instanceof com.sun.management.ThreadMXBean,
            "needs HotSpot's per-thread allocation counter");
        final byte[] bytes = Records.event(1, Records.TIME);
        final DirectBuffer slot = Records.direct(bytes, 0);
        final long[] sink = new long[1];
        final RecordHandler handler = (index, template, buffer, offset, length) -> sink[0] += buffer.getByte(offset + length - 1);
        try (Journal journal = Journal.open(JournalSettings.builder().dir(dir).build(), new EngineCounters());
             JournalTailer tailer = JournalTailer.open(JournalSettings.builder().dir(dir).build(), "alloc"))
        {
            for (int round = 0; round < 5; round++)            // warm up: JIT and Chronicle's buffers
            {
                for (int i = 0; i < RECORDS; i++)
                {
                    journal.append(slot, 0, bytes.length);
                }
                while (tailer.poll(handler, 256) > 0)
                {
                    // drain
                }
            }
            final long before = allocated();
            for (int i = 0; i < RECORDS; i++)
            {
                journal.append(slot, 0, bytes.length);
            }
            final long afterAppend = allocated();
            int read = 0;
            while (read < RECORDS)
            {
                read += tailer.poll(handler, 256);
            }
            final long afterPoll = allocated();
            final double appendPerRecord = (double)(afterAppend - before) / RECORDS;
            final double pollPerRecord = (double)(afterPoll - afterAppend) / RECORDS;
            System.out.printf("allocated per record: append %.3f B, poll %.3f B%n", appendPerRecord, pollPerRecord);
            assertTrue(appendPerRecord < 1.0, "append allocates " + appendPerRecord + " B/record");
            assertTrue(pollPerRecord < 1.0, "poll allocates " + pollPerRecord + " B/record");
        }
    }
}
