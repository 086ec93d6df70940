package dev.tapio.bridge.config;

import dev.tapio.journal.delivery.Backoff;
import dev.tapio.bridge.ServerBridge;
import dev.tapio.bridge.server.DedupWindow;
import dev.tapio.engine.config.ConfigException;
import dev.tapio.engine.config.TapioConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The bridge: and server: sections of tapio.yaml: defaults, units, and errors that name file, line and key. */
class BridgeConfigTest
{
    @TempDir
    Path dir;

    private TapioConfig parse(final String yaml) throws ConfigException
    {
        return TapioConfig.parse("tapio.yaml", yaml);
    }

    private String error(final String yaml)
    {
        return assertThrows(ConfigException.class, () -> parse(yaml)).getMessage();
    }

    private String journal()
    {
        return "journal:\n  enabled: true\n  dir: " + dir.resolve("journal") + "\n";
    }

    @Test
    void everyOptionHasADefault() throws Exception
    {
        final BridgeConfig b = BridgeSection.config(parse(""));
        assertFalse(b.enabled);
        assertEquals(ServerBridge.DEFAULT_TARGET, b.target);
        assertNull(b.nodeId);
        assertEquals("node-7", b.nodeIdOr("node-7"));
        assertNull(b.token);
        assertFalse(b.tls());
        assertEquals(2_000, b.batchMaxRecords);
        assertEquals(256 * 1024, b.batchMaxBytes);
        assertEquals(Duration.ofMillis(5), b.batchLinger);
        assertEquals(8, b.maxInFlight);
        assertEquals(Duration.ofMillis(Backoff.DEFAULT_BASE_MS), b.backoffBase);
        assertEquals(Duration.ofSeconds(30), b.backoffCap);
        assertEquals(5, b.breakerThreshold);
        assertEquals(Duration.ofSeconds(5), b.breakerOpen);
        assertEquals(2, b.breakerHalfOpenTrials);
        assertEquals(Duration.ofSeconds(30), b.ackTimeout);
        assertEquals(Duration.ofSeconds(5), b.drainTimeout);

        final ServerConfig s = ServerSection.config(parse(""));
        assertEquals("127.0.0.1:7301", s.listen);
        assertNull(s.token);
        assertEquals(DedupWindow.DEFAULT_CAPACITY, s.dedupCapacity);
        assertTrue(s.correlate);
        assertEquals(Path.of("/data/groups"), s.groupsDirFor(Path.of("/data/journal")));
    }

    @Test
    void readsEveryOptionWithItsUnit() throws Exception
    {
        final Path token = Files.writeString(dir.resolve("token"), "  s3cret\n");
        final BridgeConfig b = BridgeSection.config(parse(journal() +
            "bridge:\n" +
            "  enabled: true\n" +
            "  target: tapio-server.example:7400\n" +
            "  nodeId: edge-1\n" +
            "  tokenFile: " + token + "\n" +
            "  batch: { maxRecords: 500, maxBytes: 64KiB, linger: 2ms }\n" +
            "  maxInFlight: 4\n" +
            "  backoff: { base: 50ms, cap: 10s }\n" +
            "  breaker: { threshold: 3, open: 1s, halfOpenTrials: 1 }\n" +
            "  ackTimeout: 10s\n" +
            "  keepAlive: 1m\n" +
            "  drainTimeout: 0s\n"));
        assertTrue(b.enabled);
        assertEquals("tapio-server.example:7400", b.target);
        assertEquals("edge-1", b.nodeIdOr("host"));
        assertEquals("s3cret", b.token);
        assertEquals(500, b.batchMaxRecords);
        assertEquals(64 * 1024, b.batchMaxBytes);
        assertEquals(Duration.ofMillis(2), b.batchLinger);
        assertEquals(4, b.maxInFlight);
        assertEquals(Duration.ofMillis(50), b.backoffBase);
        assertEquals(Duration.ofSeconds(10), b.backoffCap);
        assertEquals(3, b.breakerThreshold);
        assertEquals(Duration.ofSeconds(1), b.breakerOpen);
        assertEquals(1, b.breakerHalfOpenTrials);
        assertEquals(Duration.ofSeconds(10), b.ackTimeout);
        assertEquals(Duration.ofMinutes(1), b.keepAlive);
        assertEquals(Duration.ZERO, b.drainTimeout);
        try (ServerBridge built = b.applyTo(ServerBridge.builder(), "host").source(new NoSource()).build())
        {
            assertEquals(0, built.counters().recordsSent(), "every option is accepted by the builder");
        }

        final ServerConfig s = ServerSection.config(parse(
            "server:\n  listen: 0.0.0.0:0\n  token: abc\n  dedupCapacity: 1000\n  maxMessageSize: 4MiB\n" +
            "  correlate: false\n  groupsDir: /srv/groups\n"));
        assertEquals("0.0.0.0:0", s.listen);
        assertEquals("abc", s.token);
        assertEquals(1000, s.dedupCapacity);
        assertEquals(4 << 20, s.maxMessageBytes);
        assertFalse(s.correlate);
        assertEquals(Path.of("/srv/groups"), s.groupsDirFor(Path.of("/data/journal")));
    }

    @Test
    void theBridgeNeedsTheJournal()
    {
        assertEquals("tapio.yaml:2: bridge.enabled: the bridge forwards the journal: set journal.enabled: true as well",
            error("bridge:\n  enabled: true\n"));
    }

    @Test
    void errorsNameFileLineAndKey() throws Exception
    {
        assertTrue(error(journal() + "bridge:\n  target: nohost\n")
            .startsWith("tapio.yaml:5: bridge.target: expected host:port"), error(journal() + "bridge:\n  target: nohost\n"));
        assertTrue(error("bridge:\n  target: h:70000\n").startsWith("tapio.yaml:2: bridge.target: port 70000 is out of range"));
        assertTrue(error("bridge:\n  batch:\n    linger: 5\n").startsWith("tapio.yaml:3: bridge.batch.linger:"));
        assertTrue(error("bridge:\n  batch:\n    maxRecordz: 5\n").startsWith("tapio.yaml:3: bridge.batch.maxRecordz: unknown key"));
        assertTrue(error("bridge:\n  backoff: { base: 1s, cap: 10ms }\n")
            .startsWith("tapio.yaml:2: bridge.backoff.cap: must be at least base"));
        assertTrue(error("bridge:\n  maxInFlight: 0\n").startsWith("tapio.yaml:2: bridge.maxInFlight: 0 is out of range"));
        assertTrue(error("bridge:\n  keepAlive: 1s\n").startsWith("tapio.yaml:2: bridge.keepAlive: 1s is out of range"));
        final Path token = Files.writeString(dir.resolve("t"), "x");
        assertTrue(error("bridge:\n  token: a\n  tokenFile: " + token + "\n")
            .startsWith("tapio.yaml:3: bridge.tokenFile: set token or tokenFile, not both"));
        assertTrue(error("bridge:\n  tokenFile: " + dir.resolve("missing") + "\n")
            .startsWith("tapio.yaml:2: bridge.tokenFile: cannot read"));
        assertTrue(error("bridge:\n  token: has space\n").contains("bridge.token: the token must be printable ASCII"));
        assertTrue(error("bridge:\n  tls:\n    certFile: " + token + "\n")
            .startsWith("tapio.yaml:2: bridge.tls.keyFile: a client certificate needs both"),
            error("bridge:\n  tls:\n    certFile: " + token + "\n"));
        assertTrue(error("server:\n  listen: localhost\n").startsWith("tapio.yaml:2: server.listen: expected host:port"));
        assertTrue(error("server:\n  tls:\n    clientCaFile: " + token + "\n")
            .startsWith("tapio.yaml:3: server.tls.clientCaFile: client certificates need"));
        assertTrue(error("server:\n  dedupCapacity: 0\n").startsWith("tapio.yaml:2: server.dedupCapacity: 0 is out of range"));
    }

    private static final class NoSource implements dev.tapio.bridge.RecordSource
    {
        @Override
        public int poll(final dev.tapio.bridge.RecordBatchBuilder batch, final int maxRecords, final int maxBytes)
        {
            return 0;
        }

        @Override
        public void ack(final long lastIndex)
        {
        }
    }
}
