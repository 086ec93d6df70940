package dev.tapio.tools;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The CLI as a user meets it: exit codes, messages that name what is wrong, and real runs. */
class TapioCliTest extends CapturedConsole
{
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;


    @Test
    void printsVersionAndHelpForEveryCommand()
    {
        assertEquals(0, TapioCli.execute("--version"));
        assertTrue(out().startsWith("tapio "), out());
        for (final String cmd : new String[]{ "run", "bench" })
        {
            assertEquals(0, TapioCli.execute(cmd, "--help"));
        }
        assertTrue(out().contains("--duration") && out().contains("--pipeline"), out());
    }

    @Test
    void unknownOptionExitsWithTwoNamingIt()
    {
        assertEquals(2, TapioCli.execute("run", "--frobnicate"));
        assertTrue(err().contains("--frobnicate"), err());
    }

    @Test
    void badDurationExitsWithTwoNamingTheOption()
    {
        assertEquals(2, TapioCli.execute("run", "--duration", "3 fortnights"));
        assertTrue(err().contains("--duration"), err());
    }

    @Test
    void badConfigExitsWithTwoNamingFileLineAndKey() throws Exception
    {
        final Path cfg = dir.resolve("tapio.yaml");
        Files.writeString(cfg, "engine:\n  ringSize: 1000\n");
        assertEquals(2, TapioCli.execute("run", "--config", cfg.toString()));
        assertTrue(err().contains(cfg + ":2: engine.ringSize: must be a power of two"), err());
        Files.writeString(cfg, "engine:\n  ringSize: 1024\n");
        assertEquals(2, TapioCli.execute("run", "--config", cfg.toString(), "--journal", dir.resolve("j").toString()));
        assertTrue(err().contains("--journal: only with the embedded defaults"), err());
    }

    @Test
    void unreadableInputExitsWithTwo()
    {
        assertEquals(2, TapioCli.execute("run", "--input", dir.resolve("missing.jsonl").toString()));
        assertTrue(err().contains("--input"), err());
    }

    @Test
    void runsAFileThroughTheEngineAndSummarisesEveryLine() throws Exception
    {
        final Path input = dir.resolve("in.jsonl");
        Files.write(input, List.of(
            "{\"type\":\"k8s.pod.running\",\"namespace\":\"shop\",\"pod\":\"web-1\"}",
            "{\"type\":\"systemd.unit.failed\",\"unit\":\"nginx.service\",\"exitCode\":1,\"severity\":\"error\"}",
            "not json at all",
            "",
            "{\"type\":\"custom.audit\",\"message\":\"hello\"}"));
        final Path output = dir.resolve("out.jsonl");
        final Path journal = dir.resolve("journal");
        assertEquals(0, TapioCli.execute("run", "--input", input.toString(), "--output", output.toString(),
            "--journal", journal.toString()), err());
        // The node's defaults journal every record, beside the output that replaced their sinks.
        assertEquals(3, BridgeCliTest.count(journal)[0], "events in the journal");

        final JsonNode summary = JSON.readTree(out().trim());
        assertEquals(4, summary.at("/events/in").asLong());
        assertEquals(3, summary.at("/events/out").asLong());
        assertEquals(1, summary.at("/events/droppedByReason/malformed_json").asLong());
        assertTrue(err().contains("in.jsonl:3: malformed JSON"), err());

        final List<JsonNode> events = Files.readAllLines(output).stream().map(l ->
        {
            try
            {
                return JSON.readTree(l);
            }
            catch (final Exception e)
            {
                throw new AssertionError(l, e);
            }
        }).collect(Collectors.toList());
        assertEquals(3, events.size());
        assertEquals("k8s.pod.running", events.get(0).get("type").asText());
        assertEquals("nginx.service", events.get(1).get("unit").asText());
        assertEquals(1, events.get(1).get("exitCode").asInt());
        assertEquals("custom.audit", events.get(2).get("type").asText());
        for (final JsonNode e : events)
        {
            assertTrue(e.get("traceId").asText().matches("[0-9a-f]{32}"), e.toString());
            assertTrue(e.get("spanId").asText().matches("[0-9a-f]{16}"), e.toString());
            assertTrue(e.hasNonNull("node"), e.toString());
        }
    }

    @Test
    void runWithEmbeddedDefaultsPrintsStatsAndASummary() throws Exception
    {
        final Path cfg = dir.resolve("tapio.yaml");
        Files.writeString(cfg, String.join("\n",
            "sources:",
            "  synthetic:",
            "    rate: 20000/s",
            "    events: 30000",
            "sinks:",
            "  discard: {}",
            "pipeline:",
            "  sources: [synthetic]",
            "  sinks: [discard]",
            "stats:",
            "  interval: 100ms",
            ""));
        assertEquals(0, TapioCli.execute("run", "--config", cfg.toString(), "--duration", "60s"), err());
        final JsonNode summary = JSON.readTree(out().trim());
        assertEquals(30_000, summary.at("/events/in").asLong());
        assertEquals(30_000, summary.at("/events/out").asLong());
        assertTrue(summary.at("/latency_us/p99").asDouble() > 0, summary.toString());
        assertTrue(err().contains("tapio: node "), err());
        assertTrue(err().lines().anyMatch(l -> l.matches("tapio: +[0-9.]+s in=\\d+ out=\\d+ dropped=0 .*")), err());
    }

    @Test
    void runSupervisesTheSystemdCollectorAndReportsWhyItIsUnavailable() throws Exception
    {
        final Path bus = dir.resolve("no-bus");
        final Path cfg = dir.resolve("tapio.yaml");
        Files.writeString(cfg, String.join("\n",
            "sources:",
            "  synthetic:",
            "    rate: max",
            "    events: 500",
            "  systemd:",
            "    address: unix:path=" + bus,
            "    units: ['*.service', 'docker.socket']",
            "    restart:",
            "      unavailableRetry: 10m",
            "sinks:",
            "  discard: {}",
            "pipeline:",
            "  sources: [synthetic, systemd]",
            "  sinks: [discard]",
            ""));
        assertEquals(0, TapioCli.execute("run", "--config", cfg.toString(), "--duration", "60s"), err());
        final JsonNode summary = JSON.readTree(out().trim());
        assertEquals(500, summary.at("/events/out").asLong(), "the other source ran to its end");
        assertEquals("unavailable", summary.at("/collectors/systemd/state").asText(), summary.toString());
        assertEquals("no D-Bus socket at " + bus + " (no D-Bus daemon on this machine, or sources.systemd.address " +
            "names another bus)", summary.at("/collectors/systemd/reason").asText());
        assertEquals(0, summary.at("/collectors/systemd/restarts").asLong());
        assertEquals("done", summary.at("/collectors/synthetic/state").asText());
        assertEquals(500, summary.at("/collectors/synthetic/events").asLong());
        assertTrue(err().contains("tapio: source systemd unavailable: no D-Bus socket at " + bus), err());
    }

    @Test
    void benchPrintsOneJsonObjectPerPipeline() throws Exception
    {
        assertEquals(0, TapioCli.execute("bench", "--events", "20000", "--warmup", "0", "--json"), err());
        final List<String> lines = out().lines().collect(Collectors.toList());
        assertEquals(2, lines.size(), out());
        for (int i = 0; i < 2; i++)
        {
            final JsonNode o = JSON.readTree(lines.get(i));
            assertEquals(i == 0 ? "baseline" : "engine", o.get("pipeline").asText());
            assertEquals(20_000, o.get("events").asLong());
            assertEquals(0, o.get("dropped").asLong());
            assertTrue(o.get("throughput").asLong() > 0);
            for (final String p : new String[]{ "p50", "p99", "p999", "p9999", "max" })
            {
                assertTrue(o.at("/latency_us/" + p).isNumber(), o.toString());
            }
        }
    }

    @Test
    void benchWithAJournalAppendsInFanOutAndLeavesNoFilesBehind() throws Exception
    {
        final Path journal = dir.resolve("journal");
        assertEquals(0, TapioCli.execute("bench", "--pipeline", "engine", "--events", "20000", "--warmup", "0",
            "--journal", journal.toString(), "--json"), err());
        final JsonNode o = JSON.readTree(out().trim());
        assertEquals("engine+journal", o.get("pipeline").asText());
        assertEquals(20_000, o.get("events").asLong());
        assertEquals(0, o.get("dropped").asLong());
        try (java.util.stream.Stream<Path> left = Files.list(journal))
        {
            assertEquals(0, left.count(), "each round's journal is deleted after it");
        }
    }

    @Test
    void benchAtARateReportsLatencyAndRejectsBadPipeline() throws Exception
    {
        assertEquals(0, TapioCli.execute("bench", "--pipeline", "engine", "--rate", "50k", "--duration", "200ms",
            "--warmup", "0", "--json"), err());
        final JsonNode o = JSON.readTree(out().trim());
        assertEquals(10_000, o.get("events").asLong());
        assertEquals(50_000, o.get("rate").asLong());
        assertEquals(2, TapioCli.execute("bench", "--pipeline", "kafka"));
        assertTrue(err().contains("--pipeline"), err());
    }
}
