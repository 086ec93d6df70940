package dev.tapio.tools;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tapio.codecs.EventDraft;
import dev.tapio.codecs.EventFrames;
import dev.tapio.codecs.sbe.EventDecoder;
import dev.tapio.codecs.sbe.EventType;
import dev.tapio.codecs.sbe.Source;
import dev.tapio.engine.metrics.EngineCounters;
import dev.tapio.journal.Journal;
import dev.tapio.journal.JournalSettings;
import net.openhft.chronicle.queue.ExcerptAppender;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueueBuilder;
import net.openhft.chronicle.wire.DocumentContext;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code tapio replay} against journals written record by record through the {@link Journal} API: the
 * seek (records before {@code --from} are not read), corrupt and foreign records, a writer appending
 * while replay reads, and {@code --follow}.
 */
class ReplayJournalTest extends CapturedConsole
{
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long SECOND = 1_000_000_000L;
    private static final Instant T0 = Instant.parse("2026-11-23T10:00:00Z");
    private static final long T0_NANOS = T0.getEpochSecond() * SECOND;

    @TempDir
    Path dir;

    private final EventDraft draft = new EventDraft();
    private final UnsafeBuffer buffer = new UnsafeBuffer(ByteBuffer.allocateDirect(1024));

    private Path journalDir()
    {
        return dir.resolve("journal");
    }

    private Journal open()
    {
        try
        {
            return Journal.open(JournalSettings.builder().dir(journalDir()).build(), new EngineCounters());
        }
        catch (final java.io.IOException e)
        {
            throw new AssertionError(e);
        }
    }

    /** Encodes event {@code id} at {@code time} into {@link #buffer}; returns its length. */
    private int event(final long id, final long time)
    {
        draft.reset();
        draft.hasEventId = true;
        draft.eventId = id;
        draft.timestamp = time;
        draft.type = EventType.K8S_POD_RESTARTED;
        draft.text(EventDraft.NODE).set("worker-1");
        draft.text(EventDraft.NAMESPACE).set("shop");
        draft.text(EventDraft.POD).set("web-" + (id % 3));
        draft.text(EventDraft.MESSAGE).set("restart " + id);
        final int n = draft.encode(buffer, 0, buffer.capacity(), time, id, Source.KUBERNETES);
        assertTrue(n > 0);
        return n;
    }

    private long append(final Journal j, final long id, final long time)
    {
        final long index = j.append(buffer, 0, event(id, time));
        assertTrue(index >= 0, "append " + id + ": " + index);
        return index;
    }

    private List<Long> printedIds() throws Exception
    {
        final List<Long> ids = new ArrayList<>();
        for (final String l : out().split("\n"))
        {
            if (!l.isBlank())
            {
                final JsonNode n = JSON.readTree(l);
                ids.add(Long.parseUnsignedLong(n.get("id").asText(), 16));
            }
        }
        return ids;
    }

    private static long scanned(final String summary)
    {
        final Matcher m = Pattern.compile("scanned (\\d+) records").matcher(summary);
        assertTrue(m.find(), summary);
        return Long.parseLong(m.group(1));
    }

    private int replay(final String... args)
    {
        out.reset();
        err.reset();
        final String[] all = new String[args.length + 3];
        all[0] = "replay";
        all[1] = "--journal";
        all[2] = journalDir().toString();
        System.arraycopy(args, 0, all, 3, args.length);
        return TapioCli.execute(all);
    }

    @Test
    void seeksToFromInsteadOfScanningTheRecordsBeforeIt() throws Exception
    {
        // 20 minutes, one event every 100 ms: 12,000 records.
        try (Journal j = open())
        {
            for (int i = 0; i < 12_000; i++)
            {
                append(j, i, T0_NANOS + i * SECOND / 10);
            }
        }
        final String from = T0.plusSeconds(15 * 60).toString();

        assertEquals(0, replay("--from", from, "--slack", "0s"), err());
        assertEquals(3_000, printedIds().size());
        assertEquals(9_000L, printedIds().get(0));
        assertEquals(3_000, scanned(err()), "exactly the records from --from on: " + err());

        // The default slack (5 minutes) reads the 3,000 records before --from too, and no more.
        assertEquals(0, replay("--from", from), err());
        assertEquals(3_000, printedIds().size());
        assertEquals(6_000, scanned(err()), err());
        assertTrue(err().contains("3000 outside the time range"), err());

        // A closed range stops at the first record at or after --to (+ slack): one record past the window.
        assertEquals(0, replay("--from", from, "--to", T0.plusSeconds(16 * 60).toString(), "--slack", "0s"), err());
        assertEquals(600, printedIds().size());
        assertEquals(601, scanned(err()), err());
    }

    @Test
    void countsAndNamesCorruptAndForeignRecordsAndGoesOn() throws Exception
    {
        final long corruptIndex;
        try (Journal j = open())
        {
            for (int i = 0; i < 4; i++)
            {
                append(j, i, T0_NANOS + i * SECOND);
            }
            // An event whose severity byte is out of range: a Tapio record by its header, corrupt inside.
            final int n = event(4, T0_NANOS + 4 * SECOND);
            buffer.putByte(EventFrames.HEADER_LENGTH + EventDecoder.severityEncodingOffset(), (byte)99);
            corruptIndex = j.append(buffer, 0, n);
            assertTrue(corruptIndex >= 0);
        }
        final long foreignIndex;
        try (SingleChronicleQueue q = SingleChronicleQueueBuilder.binary(journalDir()).build();
            ExcerptAppender a = q.createAppender())
        {
            try (DocumentContext dc = a.writingDocument())
            {
                dc.wire().bytes().write("not a tapio record".getBytes(StandardCharsets.US_ASCII));
            }
            foreignIndex = a.lastIndexAppended();
        }
        try (Journal j = open())
        {
            for (int i = 5; i < 8; i++)
            {
                append(j, i, T0_NANOS + i * SECOND);
            }
        }

        assertEquals(0, replay(), err());
        assertEquals(List.of(0L, 1L, 2L, 3L, 5L, 6L, 7L), printedIds());
        assertTrue(err().contains("journal index " + corruptIndex + " (0x" + Long.toHexString(corruptIndex)), err());
        assertTrue(err().contains("a corrupt event (enum value out of range); skipped"), err());
        assertTrue(err().contains("journal index " + foreignIndex + " "), err());
        assertTrue(err().contains("not a Tapio record"), err());
        assertTrue(err().contains("scanned 9 records"), err());
        assertTrue(err().contains("1 corrupt, 1 unknown"), err());
    }

    @Test
    void readsWhatWasAppendedBeforeItStartedWhileAWriterKeepsAppendingAndDoesNotFollow() throws Exception
    {
        final CountDownLatch firstThousand = new CountDownLatch(1);
        final AtomicBoolean stop = new AtomicBoolean();
        final AtomicLong appended = new AtomicLong();
        final Thread writer = new Thread(() ->
        {
            try (Journal j = open())
            {
                for (long i = 0; !stop.get(); i++)
                {
                    append(j, i, T0_NANOS + i * SECOND / 1000);
                    appended.set(i + 1);
                    if (i == 999)
                    {
                        firstThousand.countDown();
                    }
                    if (i >= 1000)
                    {
                        LockSupport.parkNanos(50_000); // pacing, so the journal stays small; not synchronization
                    }
                }
            }
        }, "journal-writer");
        writer.setDaemon(true);
        writer.start();
        try
        {
            assertTrue(firstThousand.await(30, TimeUnit.SECONDS));
            // Replay runs while the writer appends; without --follow it ends at the journal's end as of its start.
            assertTimeoutPreemptively(Duration.ofSeconds(60), () -> assertEquals(0, replay("--quiet"), err()));
            assertTrue(writer.isAlive(), "the writer was still appending when replay returned");
        }
        finally
        {
            stop.set(true);
            writer.join();
        }
        final List<Long> ids = printedIds();
        assertTrue(ids.size() >= 1000, "at least what was appended before the start: " + ids.size());
        assertTrue(ids.size() <= appended.get());
        for (int i = 0; i < ids.size(); i++)
        {
            assertEquals(i, ids.get(i).longValue(), "in order, none missing or doubled");
        }
    }

    @Test
    void followKeepsReadingWhatIsAppendedUntilARecordPastTo() throws Exception
    {
        try (Journal j = open())
        {
            for (int i = 0; i < 10; i++)
            {
                append(j, i, T0_NANOS + i * SECOND);
            }
        }
        // Signals once replay has written (flushed) its first lines: it has caught up and is waiting for more.
        final CountDownLatch caughtUp = new CountDownLatch(1);
        System.setOut(new PrintStream(new OutputStream()
        {
            @Override
            public void write(final int b)
            {
                out.write(b);
            }

            @Override
            public void write(final byte[] b, final int off, final int len)
            {
                out.write(b, off, len);
                caughtUp.countDown();
            }
        }, true, StandardCharsets.UTF_8));
        final AtomicInteger code = new AtomicInteger(-1);
        final Thread replay = new Thread(() -> code.set(TapioCli.execute("replay", "--journal", journalDir().toString(),
            "--follow", "--to", T0.plusSeconds(100).toString(), "--slack", "1s", "--quiet")), "replay");
        replay.setDaemon(true); // if following were broken, a hung replay must not keep the test JVM alive
        replay.start();
        assertTrue(caughtUp.await(30, TimeUnit.SECONDS), "replay printed the first records");
        try (Journal j = open())
        {
            for (int i = 10; i < 20; i++)
            {
                append(j, i, T0_NANOS + i * SECOND);
            }
            append(j, 99, T0_NANOS + 200 * SECOND); // past --to + slack: ends the follow
        }
        replay.join(TimeUnit.SECONDS.toMillis(30));
        assertTrue(!replay.isAlive(), "a record past --to ends --follow");
        assertEquals(0, code.get(), err());
        final List<Long> expected = new ArrayList<>();
        for (long i = 0; i < 20; i++)
        {
            expected.add(i);
        }
        assertEquals(expected, printedIds());
    }
}
