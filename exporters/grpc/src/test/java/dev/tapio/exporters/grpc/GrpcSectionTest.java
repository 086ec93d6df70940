package dev.tapio.exporters.grpc;

import dev.tapio.codecs.api.EventsGrpc;
import dev.tapio.codecs.api.SubscribeRequest;
import dev.tapio.codecs.api.SubscribeResponse;
import dev.tapio.engine.Engine;
import dev.tapio.engine.config.ConfigException;
import dev.tapio.engine.config.TapioConfig;
import io.grpc.ManagedChannel;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.NettyChannelBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Iterator;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The top-level grpc: section through the engine's TapioConfig (the ConfigSection SPI). */
class GrpcSectionTest
{
    @TempDir
    Path tmp;

    private Path write(final String yaml) throws IOException
    {
        final Path p = tmp.resolve("tapio.yaml");
        Files.writeString(p, yaml);
        return p;
    }

    private void assertError(final String yaml, final int line, final String key, final String contains) throws IOException
    {
        final Path p = write(yaml);
        final ConfigException e = assertThrows(ConfigException.class, () -> TapioConfig.load(p), yaml);
        final String where = p + ":" + line + ": " + key + ": ";
        assertTrue(e.getMessage().startsWith(where) && e.getMessage().contains(contains),
            "expected \"" + where + "…" + contains + "…\", got \"" + e.getMessage() + "\"");
    }

    @Test
    void offByDefaultWithTheDocumentedDefaults() throws Exception
    {
        final TapioConfig c = TapioConfig.defaults();
        final GrpcSettings s = GrpcSection.settings(c);
        assertFalse(s.enabled());
        assertEquals(GrpcSettings.DEFAULT_LISTEN, s.listen());
        assertTrue(s.ingest());
        assertNull(s.token);
        assertFalse(s.tls());
        assertEquals(4 << 20, s.maxMessageSize);
        assertEquals(64, s.maxConcurrentStreams);
        assertEquals(16, s.maxSubscribers);
        assertEquals(16, s.maxIngestStreams);
        assertEquals(8 << 20, s.subscriberBuffer);
        assertEquals(256, s.maxBatch);
        assertEquals(Duration.ofSeconds(10), s.seamTimeout);
        assertTrue(c.sectionSinks().stream().noneMatch(x -> x instanceof SubscriberHub));
    }

    @Test
    void anEnabledSectionAddsTheHubAndReadsEveryKey() throws Exception
    {
        final Path tokenFile = tmp.resolve("token");
        Files.writeString(tokenFile, "from-file\n");
        final TapioConfig c = TapioConfig.load(write(String.join("\n",
            "grpc:",
            "  enabled: true",
            "  listen: 0.0.0.0:9000",
            "  ingest: false",
            "  tokenFile: " + tokenFile,
            "  limits: {maxMessageSize: 1MiB, maxConcurrentStreams: 8, maxSubscribers: 2, maxIngestStreams: 3}",
            "  subscriber: {buffer: 1MiB, maxBatch: 100, seamTimeout: 2s}",
            "")));
        final GrpcSettings s = GrpcSection.settings(c);
        assertTrue(s.enabled());
        assertEquals("0.0.0.0:9000", s.listen());
        assertFalse(s.ingest());
        assertEquals("from-file", s.token);
        assertEquals(1 << 20, s.maxMessageSize);
        assertEquals(8, s.maxConcurrentStreams);
        assertEquals(2, s.maxSubscribers);
        assertEquals(3, s.maxIngestStreams);
        assertEquals(1 << 20, s.subscriberBuffer);
        assertEquals(100, s.maxBatch);
        assertEquals(Duration.ofSeconds(2), s.seamTimeout);
        assertEquals(1, c.sectionSinks().stream().filter(x -> x instanceof SubscriberHub).count());
    }

    @Test
    void badValuesAndUnknownKeysNameFileLineAndKey() throws Exception
    {
        assertError("grpc:\n  listen: nowhere\n", 2, "grpc.listen", "expected host:port");
        assertError("grpc:\n  enabled: maybe\n", 2, "grpc.enabled", "expected true or false");
        assertError("grpc:\n  port: 1\n", 2, "grpc.port", "unknown key");
        assertError("grpc:\n  subscriber:\n    buffer: 100KiB\n", 3, "grpc.subscriber.buffer", "power of two");
        assertError("grpc:\n  subscriber:\n    seamTimeout: 1ms\n", 3, "grpc.subscriber.seamTimeout", "between 100ms and 1h");
        assertError("grpc:\n  subscriber:\n    maxBatch: 0\n", 3, "grpc.subscriber.maxBatch", "");
        assertError("grpc:\n  limits:\n    maxSubscribers: -1\n", 3, "grpc.limits.maxSubscribers", "");
        assertError("grpc:\n  limits:\n    streams: 3\n", 3, "grpc.limits.streams", "unknown key");
        assertError("grpc:\n  tls:\n    cert: /nonexistent.pem\n", 2, "grpc.tls.key", "both cert and key");
        assertError("grpc:\n  token: a\n  tokenFile: /x\n", 3, "grpc.tokenFile", "not both");
        assertError("engine:\n  producers: single\ngrpc:\n  enabled: true\n  ingest: true\n", 5, "grpc.ingest",
            "engine.producers is single");
    }

    @Test
    void startServesAnEngineBuiltFromTheConfigAndNothingWhenDisabled() throws Exception
    {
        final TapioConfig off = TapioConfig.load(write("grpc: { enabled: false }\n"));
        try (Engine engine = off.settingsBuilder().build().start())
        {
            assertNull(GrpcSection.start(off, engine));
        }
        final TapioConfig on = TapioConfig.load(write(String.join("\n",
            "grpc: { enabled: true, listen: '127.0.0.1:0' }",
            "sources: { synthetic: { rate: 2000/s } }",
            "sinks: { discard: {} }",
            "pipeline: { sources: [synthetic], sinks: [discard] }",
            "")));
        try (Engine engine = GrpcSection.engineProducers(on, on.engineBuilder()).build().start();
            GrpcServer server = GrpcSection.start(on, engine))
        {
            assertFalse(engine.singleProducer(), "ingest needs the multi-producer ring");
            final ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext().build();
            assertEquals(HealthCheckResponse.ServingStatus.SERVING,
                HealthGrpc.newBlockingStub(channel).check(HealthCheckRequest.getDefaultInstance()).getStatus());
            final Iterator<SubscribeResponse> it = EventsGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS)
                .subscribe(SubscribeRequest.newBuilder().addTypes("k8s.*").build());
            assertTrue(it.next().getRecords(0).getEvent().getType().startsWith("k8s."), "synthetic events arrive");
            channel.shutdownNow();
        }
    }
}
