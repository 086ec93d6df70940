package dev.tapio.engine;

import dev.tapio.engine.metrics.EngineCounters;
import dev.tapio.engine.ring.BackpressurePolicy;
import dev.tapio.engine.sink.DiscardSink;
import dev.tapio.engine.sink.FileSink;
import dev.tapio.engine.source.FileSource;
import dev.tapio.engine.source.SyntheticSource;
import org.junit.jupiter.api.Test;
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
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The foundation's promise: every event offered is either out or counted as dropped. */
class EndToEndAccountingTest
{
    @TempDir
    Path dir;

    @Test
    void accountsForEveryOneOfAMillionSyntheticEventsAndTenThousandJsonLines() throws Exception
    {
        final Path input = dir.resolve("events.jsonl");
        final List<String> lines = new ArrayList<>();
        int malformed = 0;
        for (int i = 0; i < 10_000; i++)
        {
            if (i % 97 == 13)
            {
                lines.add("{\"type\":\"k8s.pod.running\",\"pod\":\"web-" + i + "\""); // truncated JSON
                malformed++;
            }
            else if (i % 101 == 7)
            {
                lines.add("{\"pod\":\"no-type-" + i + "\"}"); // missing type
                malformed++;
            }
            else
            {
                lines.add("{\"type\":\"k8s.pod.running\",\"source\":\"kubernetes\",\"namespace\":\"shop\",\"pod\":\"web-" +
                    i + "\",\"pid\":" + i + ",\"attributes\":{\"n\":\"" + i + "\"}}");
            }
        }
        Files.write(input, lines, StandardCharsets.UTF_8);
        final Path output = dir.resolve("out.jsonl");
        final ByteArrayOutputStream errors = new ByteArrayOutputStream();

        final SyntheticSource synthetic = new SyntheticSource("synthetic", 0, 1_000_000, 64,
            SyntheticSource.Pacing.COARSE, 7, 50, 5000);
        final FileSource file = new FileSource("file/in", input.toString(), 1 << 20);
        final Engine engine = Engine.builder()
            .ringSize(8192)
            .nodeName("node-1")
            .errorStream(new PrintStream(errors, true, StandardCharsets.UTF_8))
            .source(synthetic, BackpressurePolicy.BLOCK)
            .source(file, BackpressurePolicy.BLOCK)
            .sink(new DiscardSink("discard"))
            .sink(new FileSink("file/out", output.toString(), false))
            .build()
            .start();
        assertTrue(engine.awaitSources(Duration.ofSeconds(120)), "sources did not finish");
        assertTrue(engine.stop(), "ring did not drain");

        final EngineCounters c = engine.counters();
        assertEquals(1_010_000, c.totalIn());
        assertEquals(malformed, c.droppedCount(EngineCounters.REASON_MALFORMED_JSON));
        assertEquals(c.totalIn(), c.totalOut() + c.totalDropped(), c.snapshot().toString());
        assertEquals(1_010_000 - malformed, c.totalOut());
        final long written = Files.lines(output).filter(l -> !l.startsWith("{\"kind\":\"group\"")).count();
        assertEquals(c.totalOut(), written);
        assertTrue(errors.toString(StandardCharsets.UTF_8).contains("events.jsonl:14: "), errors.toString());
    }
}
