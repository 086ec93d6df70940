package dev.tapio.engine.source;

import dev.tapio.engine.Engine;
import dev.tapio.engine.metrics.EngineCounters;
import dev.tapio.engine.testing.Drafts;
import dev.tapio.engine.testing.RecordingSink;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** JSON Lines in: line endings, blank lines, long lines and bad lines, each reported by line number. */
@Timeout(10)
class FileSourceTest
{
    @TempDir
    Path dir;

    private final ByteArrayOutputStream errors = new ByteArrayOutputStream();

    private static String event(final String pod)
    {
        return "{\"type\":\"k8s.pod.running\",\"namespace\":\"shop\",\"pod\":\"" + pod + "\"}";
    }

    /** A valid event line of exactly {@code length} bytes (padded with a field readers skip). */
    private static String eventOfLength(final String pod, final int length)
    {
        final String head = "{\"type\":\"k8s.pod.running\",\"pod\":\"" + pod + "\",\"pad\":\"";
        final String tail = "\"}";
        return head + "p".repeat(length - head.length() - tail.length()) + tail;
    }

    private record Run(Engine engine, RecordingSink sink, FileSource source)
    {
        List<String> pods()
        {
            final List<String> out = new ArrayList<>();
            for (final byte[] e : sink.events())
            {
                out.add((String)Drafts.decode(e).get("pod"));
            }
            return out;
        }
    }

    private Run run(final Path file, final int maxLineLength) throws Exception
    {
        final FileSource source = new FileSource("file/in", file.toString(), maxLineLength);
        final RecordingSink sink = new RecordingSink("sink", true);
        final Engine engine = Engine.builder()
            .ringSize(64)
            .nodeName("node-1")
            .errorStream(new PrintStream(errors, true, StandardCharsets.UTF_8))
            .source(source)
            .sink(sink)
            .build()
            .start();
        assertTrue(engine.awaitSources(Duration.ofSeconds(5)), "the file was not read to its end");
        assertTrue(engine.stop());
        assertEquals("done", engine.sourceStates().get("file/in"));
        return new Run(engine, sink, source);
    }

    private String log()
    {
        return errors.toString(StandardCharsets.UTF_8);
    }

    @Test
    void readsCrlfAndLfLinesSkipsBlankOnesAndReportsBadLinesByNumber() throws Exception
    {
        final Path file = dir.resolve("events.jsonl");
        final String text =
            event("crlf-1") + "\r\n" +                            // 1
            "\r\n" +                                              // 2 blank
            "  \t \n" +                                           // 3 blank
            event("lf-2") + "\n" +                                // 4
            "{\"type\":\"k8s.pod.running\",\"pod\":\n" +          // 5 malformed JSON
            event("x".repeat(1100)) + "\n" +                      // 6 too long
            event("after-long-3") + "\r\n" +                      // 7
            "{\"pod\":\"no-type\"}\n" +                           // 8 no type
            "\n" +                                                // 9 blank
            event("last-4");                                      // 10, no newline
        Files.writeString(file, text, StandardCharsets.UTF_8);

        final Run r = run(file, 1024);

        assertEquals(List.of("crlf-1", "lf-2", "after-long-3", "last-4"), r.pods());
        final EngineCounters c = r.engine.counters();
        assertEquals(7, c.totalIn(), "blank lines are not events: " + c.snapshot());
        assertEquals(4, c.totalOut());
        assertEquals(2, c.droppedCount(EngineCounters.REASON_MALFORMED_JSON));
        assertEquals(1, c.droppedCount(FileSource.REASON_LINE_TOO_LONG));
        assertEquals(c.totalIn(), c.totalOut() + c.totalDropped());
        assertEquals(10, r.source.lines());
        final String log = log();
        assertTrue(log.contains(file + ":5: malformed JSON"), log);
        assertTrue(log.contains(file + ":6: line longer than 1024 bytes, dropped"), log);
        assertTrue(log.contains(file + ":8: missing required field \"type\""), log);
        assertFalse(log.contains(file + ":2:") || log.contains(file + ":3:") || log.contains(file + ":9:"),
            "blank lines are not errors: " + log);
    }

    @Test
    void aLineOfExactlyTheLimitIsReadAndOneByteMoreIsDropped() throws Exception
    {
        final Path file = dir.resolve("limit.jsonl");
        Files.writeString(file,
            eventOfLength("exact", 1024) + "\n" + eventOfLength("over", 1025) + "\n" + event("next"),
            StandardCharsets.UTF_8);
        final Run r = run(file, 1024);
        assertEquals(List.of("exact", "next"), r.pods());
        assertEquals(1, r.engine.counters().droppedCount(FileSource.REASON_LINE_TOO_LONG));
        assertTrue(log().contains(file + ":2: line longer than 1024 bytes"), log());
    }

    @Test
    void linesLongerThanTheReadBufferAreJoinedAndOverLongOnesSkippedWhole() throws Exception
    {
        final Path file = dir.resolve("big.jsonl");
        // Line 2 is a blank CRLF line whose \r is the 65,536th byte: its \n comes with the second read.
        final String text =
            eventOfLength("first", 65_534) + "\n" +               // 1
            "\r\n" +                                              // 2: blank, CR and LF in different reads
            eventOfLength("long-ok", 150_000) + "\n" +            // 3: spans three reads
            eventOfLength("too-long", 300_000) + "\n" +           // 4: over the limit, spans reads
            event("after") + "\n" +                               // 5
            eventOfLength("too-long-last", 250_000);              // 6: over the limit, no newline
        assertEquals('\r', text.charAt(65_535));
        Files.writeString(file, text, StandardCharsets.UTF_8);

        final Run r = run(file, 200_000);

        assertEquals(List.of("first", "long-ok", "after"), r.pods());
        final EngineCounters c = r.engine.counters();
        assertEquals(2, c.droppedCount(FileSource.REASON_LINE_TOO_LONG));
        assertEquals(0, c.droppedCount(EngineCounters.REASON_MALFORMED_JSON), log());
        assertEquals(5, c.totalIn(), "the blank line is not an event");
        assertEquals(6, r.source.lines());
        assertTrue(log().contains(file + ":4: line longer than 200000 bytes"), log());
        assertTrue(log().contains(file + ":6: line longer than 200000 bytes"), log());
    }

    @Test
    void anEventTooLargeForASlotIsReportedWithItsLine() throws Exception
    {
        final Path file = dir.resolve("large.jsonl");
        Files.writeString(file, event("small") + "\n" +
            "{\"type\":\"k8s.pod.running\",\"message\":\"" + "m".repeat(2000) + "\"}\n", StandardCharsets.UTF_8);
        final Run r = run(file, 1 << 20);
        assertEquals(List.of("small"), r.pods());
        assertEquals(1, r.engine.counters().droppedCount(EngineCounters.REASON_TOO_LARGE));
        assertTrue(log().contains(file + ":2: event of "), log());
    }

    @Test
    void anEmptyFileIsDoneWithNothingCounted() throws Exception
    {
        final Path file = dir.resolve("empty.jsonl");
        Files.writeString(file, "", StandardCharsets.UTF_8);
        final Run r = run(file, 1024);
        assertEquals(0, r.engine.counters().totalIn());
        assertEquals(0, r.source.lines());
    }

    @Test
    void aMissingFileFailsTheSourceWithTheReason() throws Exception
    {
        final Path file = dir.resolve("missing.jsonl");
        final Engine engine = Engine.builder()
            .ringSize(8)
            .nodeName("node-1")
            .errorStream(new PrintStream(errors, true, StandardCharsets.UTF_8))
            .source(new FileSource("file/in", file.toString(), 1024))
            .sink(new RecordingSink("sink"))
            .build()
            .start();
        assertTrue(engine.awaitSources(Duration.ofSeconds(5)));
        assertTrue(engine.stop());
        final String state = engine.sourceStates().get("file/in");
        assertTrue(state.startsWith("failed: java.nio.file.NoSuchFileException: " + file), state);
        assertEquals(1, engine.counters().sourceErrors("file/in").get());
    }
}
