package dev.tapio.tools;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tapio.bridge.journal.JournalRecordSink;
import dev.tapio.bridge.server.IngestServer;
import dev.tapio.engine.metrics.EngineCounters;
import dev.tapio.journal.Journal;
import dev.tapio.journal.JournalReader;
import dev.tapio.journal.JournalRecords;
import dev.tapio.journal.JournalSettings;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code tapio run} with {@code bridge:} against a real IngestServer on loopback, and {@code tapio server}'s usage errors. */
class BridgeCliTest extends CapturedConsole
{
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private JsonNode lastSummary() throws Exception
    {
        final String[] lines = out().trim().split("\n");
        return JSON.readTree(lines[lines.length - 1]);
    }

    private Path nodeConfig(final int port, final long events, final String drainTimeout) throws Exception
    {
        final Path cfg = dir.resolve("node-" + events + ".yaml");
        Files.writeString(cfg, String.join("\n",
            "node:",
            "  name: node-cli",
            "sources:",
            "  synthetic:",
            "    rate: max",
            "    events: " + events,
            "pipeline:",
            "  sources: [" + (events > 0 ? "synthetic" : "") + "]",
            "journal:",
            "  enabled: true",
            "  dir: " + dir.resolve("node-journal"),
            "bridge:",
            "  enabled: true",
            "  target: 127.0.0.1:" + port,
            "  backoff: { base: 5ms, cap: 50ms }",
            "  breaker: { threshold: 2, open: 50ms }",
            "  drainTimeout: " + drainTimeout,
            "stats:",
            "  interval: 0s",
            ""));
        return cfg;
    }

    /** Events and group records in a journal: {events, groups}. */
    static long[] count(final Path journalDir) throws Exception
    {
        final long[] c = new long[2];
        try (JournalReader r = JournalReader.open(journalDir))
        {
            r.seek(Long.MIN_VALUE, Long.MAX_VALUE);
            while (!r.done())
            {
                r.read((i, template, b, o, l) -> c[template == JournalRecords.EVENT ? 0 : 1]++, 10_000);
            }
        }
        return c;
    }

    private static int freePort() throws Exception
    {
        try (java.net.ServerSocket s = new java.net.ServerSocket(0))
        {
            return s.getLocalPort();
        }
    }

    @Test
    void runForwardsItsJournalAndDrainsBeforeItExits() throws Exception
    {
        final Path serverDir = dir.resolve("server-journal");
        try (Journal journal = Journal.open(JournalSettings.builder().dir(serverDir).build(), new EngineCounters());
            IngestServer server = IngestServer.builder().listen("127.0.0.1:0").sink(new JournalRecordSink(journal))
                .build().start())
        {
            assertEquals(0, TapioCli.execute("run", "--config", nodeConfig(server.port(), 20_000, "30s").toString()), err());
            final JsonNode s = lastSummary();
            assertTrue(s.at("/bridge/caughtUp").asBoolean(), s.toString());
            assertEquals("node-cli", s.at("/bridge/nodeId").asText());
            assertEquals("closed", s.at("/bridge/state").asText());
            assertEquals(0, s.at("/counters/tapio_bridge_circuit_state").asLong(), "the gauge is in the run's counters");
            final long[] node = count(dir.resolve("node-journal"));
            assertEquals(20_000, node[0]);
            assertEquals(node[0] + node[1], s.at("/bridge/recordsAcked").asLong(), "every journaled record, groups too");
            assertEquals(node[0] + node[1], server.counters().accepted());
        }
        final long[] server = count(serverDir);
        assertEquals(20_000, server[0]);
        assertTrue(err().contains("bridge -> 127.0.0.1:"), err());
    }

    @Test
    void whatTheServerDidNotAckGoesWithTheNextRunFromTheAckedPosition() throws Exception
    {
        final int port = freePort();
        // no server: the run journals its events, the bridge fails, the breaker opens, nothing is acked
        assertEquals(0, TapioCli.execute("run", "--config", nodeConfig(port, 5_000, "2s").toString()), err());
        final JsonNode first = lastSummary();
        assertFalse(first.at("/bridge/caughtUp").asBoolean(), first.toString());
        assertEquals(0, first.at("/bridge/recordsAcked").asLong());
        assertTrue(first.at("/bridge/streamFailures").asLong() >= 1, first.toString());
        assertTrue(first.at("/bridge/transitions/open").asLong() >= 1, first.toString());
        assertTrue(err().contains("not caught up after drainTimeout"), err());

        final Path serverDir = dir.resolve("server-journal");
        try (Journal journal = Journal.open(JournalSettings.builder().dir(serverDir).build(), new EngineCounters());
            IngestServer server = IngestServer.builder().listen("127.0.0.1:" + port).sink(new JournalRecordSink(journal))
                .build().start())
        {
            // a run without sources only drains the journal
            assertEquals(0, TapioCli.execute("run", "--config", nodeConfig(port, 0, "30s").toString()), err());
            final JsonNode second = lastSummary();
            assertTrue(second.at("/bridge/caughtUp").asBoolean(), second.toString());
            assertEquals(0, second.at("/events/in").asLong());
            assertEquals(0, server.counters().duplicates());
        }
        assertEquals(count(dir.resolve("node-journal"))[0], count(serverDir)[0]);
        assertEquals(5_000, count(serverDir)[0]);
    }

    @Test
    void aBridgeWithoutTheJournalIsAConfigErrorNamingTheKey() throws Exception
    {
        final Path cfg = dir.resolve("tapio.yaml");
        Files.writeString(cfg, "bridge:\n  enabled: true\n");
        assertEquals(2, TapioCli.execute("run", "--config", cfg.toString()));
        assertTrue(err().contains(cfg + ":2: bridge.enabled: the bridge forwards the journal"), err());
    }

    @Test
    void serverUsageErrorsExitWithTwoNamingTheOption() throws Exception
    {
        assertEquals(2, TapioCli.execute("server", "--listen", "nohost"));
        assertTrue(err().contains("--listen: expected host:port"), err());
        final Path cert = Files.writeString(dir.resolve("cert.pem"), "x");
        assertEquals(2, TapioCli.execute("server", "--tls-cert", cert.toString()));
        assertTrue(err().contains("--tls-cert needs --tls-key"), err());
        assertEquals(2, TapioCli.execute("server", "--token-file", dir.resolve("missing").toString()));
        assertTrue(err().contains("--token-file: cannot read"), err());
        final Path cfg = dir.resolve("server.yaml");
        Files.writeString(cfg, "server:\n  dedupCapacity: -1\n");
        assertEquals(2, TapioCli.execute("server", "--config", cfg.toString()));
        assertTrue(err().contains(cfg + ":2: server.dedupCapacity"), err());
        assertEquals(0, TapioCli.execute("server", "--help"));
    }
}
