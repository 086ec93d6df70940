package dev.tapio.engine.sink;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tapio.engine.Engine;
import dev.tapio.engine.source.FileSource;
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
import java.util.Map;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** JSON Lines out: one parseable object per event, carrying what came in plus the engine's stamps. */
@Timeout(10)
class FileSinkTest
{
    private static final Pattern HEX32 = Pattern.compile("[0-9a-f]{32}");
    private static final Pattern HEX16 = Pattern.compile("[0-9a-f]{16}");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String NODE = "node-1";

    @TempDir
    Path dir;

    private static final String MESSAGE = "quote \" backslash \\ newline \n tab \t cr \r é 😀 </script>";

    private static final List<String> INPUT = List.of(
        "{\"type\":\"k8s.pod.running\",\"source\":\"kubernetes\",\"namespace\":\"shop\",\"pod\":\"web-1\"," +
            "\"attributes\":{\"a\":\"1\",\"b\":\"two\"}}",
        "{\"type\":\"custom.audit\",\"namespace\":\"ops\",\"pod\":\"p2\",\"node\":\"worker-9\"," +
            "\"traceId\":\"0af7651916cd43dd8448eb211c80319c\",\"spanId\":\"b7ad6b7169203331\"," +
            "\"message\":" + quote(MESSAGE) + ",\"attributes\":{\"user\":\"ann\",\"k.e.y\":\"v=1\"}}",
        "{\"type\":\"kernel.process.exec\",\"pid\":42,\"comm\":\"bash\",\"severity\":\"warning\"}");

    private static String quote(final String s)
    {
        try
        {
            return JSON.writeValueAsString(s);
        }
        catch (final Exception e)
        {
            throw new IllegalStateException(e);
        }
    }

    /** Runs input through an engine with a file source and a file sink; returns the output lines. */
    private List<String> pipe(final Path input, final Path output) throws Exception
    {
        final ByteArrayOutputStream errors = new ByteArrayOutputStream();
        final Engine engine = Engine.builder()
            .ringSize(64)
            .nodeName(NODE)
            .errorStream(new PrintStream(errors, true, StandardCharsets.UTF_8))
            .source(new FileSource("file/in", input.toString(), 1 << 20))
            .sink(new FileSink("file/out", output.toString(), false))
            .build()
            .start();
        assertTrue(engine.awaitSources(Duration.ofSeconds(5)));
        assertTrue(engine.stop());
        assertEquals(0, engine.counters().totalDropped(), errors.toString(StandardCharsets.UTF_8));
        assertEquals(0, engine.counters().sinkErrors("file/out").get(), errors.toString(StandardCharsets.UTF_8));
        final String text = Files.readString(output, StandardCharsets.UTF_8);
        assertTrue(text.endsWith("\n"), "every line ends with a newline");
        final List<String> lines = List.of(text.substring(0, text.length() - 1).split("\n", -1));
        assertEquals(engine.counters().totalOut(), lines.size(), "one line per event out");
        return lines;
    }

    private static Map<String, String> attributes(final JsonNode event)
    {
        final Map<String, String> out = new java.util.LinkedHashMap<>();
        event.path("attributes").properties().forEach(e -> out.put(e.getKey(), e.getValue().asText()));
        return out;
    }

    @Test
    void everyLineIsAJsonObjectCarryingTheInputFieldsAndTheEngineStamps() throws Exception
    {
        final Path input = dir.resolve("in.jsonl");
        Files.write(input, INPUT, StandardCharsets.UTF_8);
        final List<String> lines = pipe(input, dir.resolve("out/events.jsonl"));
        assertEquals(3, lines.size());

        final List<JsonNode> events = new ArrayList<>();
        for (final String line : lines)
        {
            final JsonNode n = JSON.readTree(line);
            assertTrue(n.isObject(), line);
            assertTrue(HEX32.matcher(n.path("traceId").asText()).matches(), "traceId: " + line);
            assertTrue(HEX16.matcher(n.path("spanId").asText()).matches(), "spanId: " + line);
            assertTrue(HEX16.matcher(n.path("id").asText()).matches(), "id: " + line);
            assertTrue(n.hasNonNull("time") && n.hasNonNull("ingestTime"), line);
            events.add(n);
        }

        final JsonNode pod = events.get(0);
        assertEquals("k8s.pod.running", pod.path("type").asText());
        assertEquals("kubernetes", pod.path("source").asText());
        assertEquals("shop", pod.path("namespace").asText());
        assertEquals("web-1", pod.path("pod").asText());
        assertEquals(Map.of("a", "1", "b", "two"), attributes(pod));
        assertEquals(NODE, pod.path("node").asText(), "the engine's node name where the event had none");

        final JsonNode audit = events.get(1);
        assertEquals("custom.audit", audit.path("type").asText(), "an unknown type keeps its name");
        assertEquals("ops", audit.path("namespace").asText());
        assertEquals("p2", audit.path("pod").asText());
        assertEquals("worker-9", audit.path("node").asText(), "the event's own node name is kept");
        assertEquals("0af7651916cd43dd8448eb211c80319c", audit.path("traceId").asText());
        assertEquals("b7ad6b7169203331", audit.path("spanId").asText());
        assertEquals(MESSAGE, audit.path("message").asText(), "special characters survive escaping");
        assertEquals(Map.of("user", "ann", "k.e.y", "v=1"), attributes(audit));
        assertEquals("file", audit.path("source").asText(), "the file source's own origin");

        final JsonNode exec = events.get(2);
        assertEquals("kernel.process.exec", exec.path("type").asText());
        assertEquals(42, exec.path("pid").asInt());
        assertEquals("bash", exec.path("comm").asText());
        assertEquals("warning", exec.path("severity").asText());
        assertEquals(NODE, exec.path("node").asText());
        assertFalse(exec.has("pod") || exec.has("namespace") || exec.has("attributes"), "empty fields are left out");
        assertFalse(events.get(0).path("traceId").asText().equals(events.get(2).path("traceId").asText()));
    }

    @Test
    void itsOutputReadBackInComesOutTheSame() throws Exception
    {
        final Path input = dir.resolve("in.jsonl");
        Files.write(input, INPUT, StandardCharsets.UTF_8);
        final List<String> first = pipe(input, dir.resolve("first.jsonl"));
        final List<String> second = pipe(dir.resolve("first.jsonl"), dir.resolve("second.jsonl"));
        assertEquals(first.size(), second.size());
        for (int i = 0; i < first.size(); i++)
        {
            final ObjectNode a = (ObjectNode)JSON.readTree(first.get(i));
            final ObjectNode b = (ObjectNode)JSON.readTree(second.get(i));
            a.remove("ingestTime");
            b.remove("ingestTime");
            assertEquals(a, b, "line " + (i + 1) + ": ids, times, trace context and node all round-trip");
        }
    }

    @Test
    void appendModeKeepsWhatTheFileHeld() throws Exception
    {
        final Path input = dir.resolve("in.jsonl");
        Files.write(input, INPUT.subList(0, 1), StandardCharsets.UTF_8);
        final Path output = dir.resolve("append.jsonl");
        Files.writeString(output, "{\"earlier\":true}\n", StandardCharsets.UTF_8);
        final Engine engine = Engine.builder()
            .ringSize(8)
            .nodeName(NODE)
            .source(new FileSource("file/in", input.toString(), 1 << 20))
            .sink(new FileSink("file/out", output.toString(), true))
            .build()
            .start();
        assertTrue(engine.awaitSources(Duration.ofSeconds(5)));
        assertTrue(engine.stop());
        final List<String> lines = Files.readAllLines(output, StandardCharsets.UTF_8);
        assertEquals(2, lines.size());
        assertEquals("{\"earlier\":true}", lines.get(0));
        assertEquals("web-1", JSON.readTree(lines.get(1)).path("pod").asText());
    }
}
