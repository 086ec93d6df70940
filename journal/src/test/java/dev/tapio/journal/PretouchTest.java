package dev.tapio.journal;

import dev.tapio.engine.metrics.EngineCounters;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Pre-touching pages ahead of the appender, racing it on purpose, never changes a byte it writes. */
class PretouchTest
{
    @TempDir
    Path dir;

    @Test
    void pagesAheadAreTouchedWhileAppendingAndEveryRecordReadsBackExact() throws Exception
    {
        final int records = 100_000;
        final byte[][] bytes = new byte[16][];
        final org.agrona.DirectBuffer[] slots = new org.agrona.DirectBuffer[16];
        for (int i = 0; i < bytes.length; i++)
        {
            bytes[i] = Records.event(i, Records.TIME + i);
            slots[i] = Records.direct(bytes[i], 0);
        }
        final JournalSettings settings = JournalSettings.builder().dir(dir).blockSize(1 << 20).build();
        final AtomicBoolean appending = new AtomicBoolean(true);
        try (Journal journal = Journal.open(settings, new EngineCounters()))
        {
            final Thread toucher = new Thread(() ->
            {
                while (appending.get())
                {
                    journal.pretouch();
                }
            }, "test-pretoucher");
            toucher.start();
            for (int i = 0; i < records; i++)
            {
                assertTrue(journal.append(slots[i & 15], 0, bytes[i & 15].length) >= 0);
            }
            appending.set(false);
            toucher.join();
            assertTrue(journal.pagesPretouched() > 0, "no page was touched ahead");
            if (System.getProperty("os.name").startsWith("Linux"))
            {
                // Without MADV_RANDOM each touch reads around the page: 20 ms stalls on ext4 (BENCHMARKS.md).
                assertTrue(journal.mappingsAdvised() > 0, "the pre-toucher's mappings were not advised MADV_RANDOM");
                assertTrue(journal.appenderMappingsAdvised() > 0, "Chronicle's mappings were not advised MADV_RANDOM");
            }
        }
        final int[] read = {0};
        final String[] bad = {null};
        try (JournalTailer t = JournalTailer.open(settings, "check"))
        {
            while (t.poll((index, template, b, o, l) ->
            {
                final int k = read[0] & 15;
                if (bad[0] == null && (b.getLong(o + 8, ByteOrder.LITTLE_ENDIAN) != k || !Arrays.equals(bytes[k], Records.copy(b, o, l))))
                {
                    bad[0] = "record " + read[0];
                }
                read[0]++;
            }, 4096) > 0)
            {
                // drain
            }
        }
        assertEquals(null, bad[0]);
        assertEquals(records, read[0]);
    }
}
