package dev.tapio.journal;

import dev.tapio.engine.metrics.EngineCounters;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class JournalRoundTripTest
{
    @TempDir
    Path dir;

    @Test
    void eventsAndGroupsComeBackByteExactWithTheirTemplateIds() throws Exception
    {
        final List<byte[]> written = new ArrayList<>();
        final List<Long> indices = new ArrayList<>();
        final EngineCounters counters = new EngineCounters();
        try (Journal journal = Journal.open(JournalSettings.builder().dir(dir).build(), counters))
        {
            for (int i = 0; i < 100; i++)
            {
                final byte[] bytes = i % 10 == 9 ? Records.group(i, Records.TIME + i) : Records.event(i, Records.TIME + i);
                written.add(bytes);
                // Alternate direct (ring slot) and heap buffers, at an offset.
                final long index = i % 2 == 0 ?
                    journal.append(Records.direct(bytes, 24), 24, bytes.length) :
                    journal.append(new UnsafeBuffer(prefixed(bytes, 8)), 8, bytes.length);
                assertTrue(index >= 0, "append " + i + " returned " + index);
                indices.add(index);
            }
            assertEquals(100, journal.counters().appended());
        }

        final List<byte[]> read = new ArrayList<>();
        final List<Integer> templates = new ArrayList<>();
        final List<Long> readIndices = new ArrayList<>();
        try (JournalTailer tailer = JournalTailer.open(JournalSettings.builder().dir(dir).build(), "roundtrip"))
        {
            int n;
            while ((n = tailer.poll((index, template, buffer, offset, length) ->
            {
                readIndices.add(index);
                templates.add(template);
                read.add(Records.copy(buffer, offset, length));
            }, 16)) > 0)
            {
                assertTrue(n <= 16);
            }
        }
        assertEquals(written.size(), read.size());
        for (int i = 0; i < written.size(); i++)
        {
            assertArrayEquals(written.get(i), read.get(i), "record " + i);
            assertEquals(i % 10 == 9 ? JournalRecords.GROUP : JournalRecords.EVENT, templates.get(i));
        }
        assertEquals(indices, readIndices);
        assertTrue(Files.exists(dir.resolve("tailers").resolve("roundtrip.ack")));
    }

    @Test
    void refusesBytesThatAreNotAnEventOrGroupAndCountsThem() throws Exception
    {
        try (Journal journal = Journal.open(JournalSettings.builder().dir(dir).build(), new EngineCounters()))
        {
            assertEquals(Journal.MALFORMED, journal.append(new UnsafeBuffer(new byte[64]), 0, 64));
            assertEquals(Journal.MALFORMED, journal.append(new UnsafeBuffer(new byte[4]), 0, 4));
            assertEquals(2, journal.counters().failures(JournalCounters.REASON_MALFORMED));
            assertEquals(0, journal.counters().appended());
        }
    }

    private static byte[] prefixed(final byte[] bytes, final int offset)
    {
        final byte[] out = new byte[bytes.length + offset];
        System.arraycopy(bytes, 0, out, offset, bytes.length);
        return out;
    }
}
