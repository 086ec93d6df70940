package dev.tapio.exporters.otel;

import dev.tapio.engine.config.ConfigException;
import dev.tapio.engine.config.TapioConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The top-level otel: section through the engine's TapioConfig (found by ServiceLoader): defaults, values, errors. */
class OtelConfigTest
{
    @TempDir
    Path tmp;

    private Path write(final String... lines) throws IOException
    {
        final Path p = tmp.resolve("tapio.yaml");
        Files.writeString(p, String.join("\n", lines) + "\n", StandardCharsets.UTF_8);
        return p;
    }

    private void assertError(final int line, final String key, final String contains, final String... yaml) throws IOException
    {
        final Path p = write(yaml);
        final ConfigException e = assertThrows(ConfigException.class, () -> TapioConfig.load(p), String.join("\n", yaml));
        final String where = p + ":" + line + ": " + key + ": ";
        assertTrue(e.getMessage().startsWith(where) && e.getMessage().contains(contains),
            "expected \"" + where + "…" + contains + "…\", got \"" + e.getMessage() + "\"");
    }

    @Test
    void isOffByDefaultWithTheDocumentedDefaults() throws Exception
    {
        final OtelSettings s = OtelSection.settings(TapioConfig.defaults());
        assertFalse(s.enabled());
        assertEquals(OtelSettings.Protocol.GRPC, s.protocol());
        assertEquals("http://localhost:4317", s.endpoint());
        assertEquals(0.0, s.sampleUncorrelated());
        assertEquals("otel", s.tailerName());
        assertEquals(512, s.batchSpans());
        assertEquals(65_536, s.eventCache());
        assertEquals(4, s.maxInFlight());
        assertEquals(Duration.ofSeconds(10), s.exportTimeout());
        assertEquals(Duration.ofSeconds(5), s.drainTimeout());
    }

    @Test
    void readsEveryKeyAndAddsNoSink() throws Exception
    {
        final TapioConfig c = TapioConfig.load(write(
            "journal:",
            "  enabled: true",
            "  dir: " + tmp.resolve("j"),
            "otel:",
            "  enabled: true",
            "  protocol: http",
            "  endpoint: https://collector.example:4318/v1/traces",
            "  sampleUncorrelated: 0.25",
            "  batchSpans: 100",
            "  eventCache: 1024",
            "  maxInFlight: 8",
            "  timeout: 3s",
            "  maxBackoff: 1s",
            "  drainTimeout: 2s"));
        final OtelSettings s = OtelSection.settings(c);
        assertTrue(s.enabled());
        assertEquals(OtelSettings.Protocol.HTTP, s.protocol());
        assertEquals("https://collector.example:4318/v1/traces", s.endpoint());
        assertEquals(0.25, s.sampleUncorrelated());
        assertEquals(100, s.batchSpans());
        assertEquals(1024, s.eventCache());
        assertEquals(8, s.maxInFlight());
        assertEquals(Duration.ofSeconds(3), s.exportTimeout());
        assertEquals(Duration.ofSeconds(1), s.maxBackoff());
        assertEquals(Duration.ofSeconds(2), s.drainTimeout());
        assertEquals(1, c.sectionSinks().size(), "only the journal's sink: " + c.sectionSinks());
    }

    @Test
    void theHttpProtocolDefaultsToPort4318AndTheTracesPath() throws Exception
    {
        final OtelSettings s = OtelSection.settings(TapioConfig.load(write("otel:", "  protocol: http")));
        assertEquals("http://localhost:4318/v1/traces", s.endpoint());
    }

    @Test
    void rejectsBadValuesNamingFileLineAndKey() throws Exception
    {
        assertError(2, "otel.sampleUncorrelated", "between 0 and 1", "otel:", "  sampleUncorrelated: 1.5");
        assertError(2, "otel.sampleUncorrelated", "between 0 and 1", "otel:", "  sampleUncorrelated: half");
        assertError(2, "otel.protocol", "", "otel:", "  protocol: thrift");
        assertError(2, "otel.endpoint", "http://", "otel:", "  endpoint: collector:4317");
        assertError(2, "otel.endpotn", "unknown key", "otel:", "  endpotn: http://x:4317");
        assertError(2, "otel.enabled", "journal.enabled", "otel:", "  enabled: true");
    }

    @Test
    void theConnectionAndMetricsKeysDefaultToNoneAndOff() throws Exception
    {
        final OtelSettings s = OtelSection.settings(TapioConfig.defaults());
        assertEquals(Map.of(), s.headers());
        assertEquals(OtelSettings.Compression.NONE, s.compression());
        assertNull(s.tlsCaFile());
        assertNull(s.tlsCertFile());
        assertNull(s.tlsKeyFile());
        assertFalse(s.metricsEnabled());
        assertEquals(Duration.ofSeconds(60), s.metricsInterval());
        assertEquals("http://localhost:4317", s.metricsEndpoint());
    }

    @Test
    void readsHeadersCompressionTlsAndMetrics() throws Exception
    {
        final Path certs = certificates();
        final OtelSettings s = OtelSection.settings(TapioConfig.load(write(
            "journal: { enabled: true, dir: " + tmp.resolve("j") + " }",
            "otel:",
            "  enabled: true",
            "  endpoint: https://collector.example:4317",
            "  compression: gzip",
            "  headers:",
            "    Authorization: Bearer ${env:TAPIO_TEST_UNSET_TOKEN:-t0ken}",
            "    X-Scope-OrgID: 42",
            "  tls:",
            "    caFile: " + certs.resolve("server.pem"),
            "    certFile: " + certs.resolve("client.pem"),
            "    keyFile: " + certs.resolve("client.key"),
            "  metrics:",
            "    enabled: true",
            "    interval: 15s")));
        assertEquals(List.of("Authorization", "X-Scope-OrgID"), List.copyOf(s.headers().keySet()), "in file order");
        assertEquals("Bearer t0ken", s.headers().get("Authorization"));
        assertEquals("42", s.headers().get("X-Scope-OrgID"));
        assertEquals(OtelSettings.Compression.GZIP, s.compression());
        assertEquals(certs.resolve("server.pem"), s.tlsCaFile());
        assertEquals(certs.resolve("client.pem"), s.tlsCertFile());
        assertEquals(certs.resolve("client.key"), s.tlsKeyFile());
        assertTrue(s.metricsEnabled());
        assertEquals(Duration.ofSeconds(15), s.metricsInterval());
        assertEquals("https://collector.example:4317", s.metricsEndpoint(), "gRPC: one port for every signal");
    }

    @Test
    void overHttpMetricsGoToV1MetricsBesideV1Traces() throws Exception
    {
        assertEquals("http://localhost:4318/v1/metrics",
            OtelSection.settings(TapioConfig.load(write("otel:", "  protocol: http"))).metricsEndpoint());
        assertEquals("https://c.example/otlp/v1/metrics", OtelSection.settings(TapioConfig.load(write(
            "otel:", "  protocol: http", "  endpoint: https://c.example/otlp/v1/traces"))).metricsEndpoint());
        assertEquals("http://m.example:4318/v1/metrics", OtelSection.settings(TapioConfig.load(write(
            "journal: { enabled: true, dir: " + tmp.resolve("j") + " }",
            "otel:", "  enabled: true", "  protocol: http", "  endpoint: http://c.example/ingest",
            "  metrics:", "    enabled: true", "    endpoint: http://m.example:4318/v1/metrics"))).metricsEndpoint());
    }

    @Test
    void rejectsBadConnectionAndMetricsValuesNamingTheKey() throws Exception
    {
        final Path certs = certificates();
        final Path notPem = tmp.resolve("not.pem");
        Files.writeString(notPem, "hello\n");
        final Path rsaTraditional = tmp.resolve("traditional.key");
        Files.writeString(rsaTraditional, "-----BEGIN EC PRIVATE KEY-----\nAAAA\n-----END EC PRIVATE KEY-----\n");
        final String https = "  endpoint: https://127.0.0.1:4317";
        assertError(2, "otel.compression", "gzip", "otel:", "  compression: brotli");
        assertError(2, "otel.maxInFlight", "1..64", "otel:", "  maxInFlight: 0");
        assertError(3, "otel.headers.Bad Header", "header name", "otel:", "  headers:", "    Bad Header: x");
        assertError(3, "otel.headers.grpc-timeout", "set by the OTLP exporter", "otel:", "  headers:", "    grpc-timeout: 1S");
        assertError(3, "otel.headers.Content-Type", "set by the OTLP exporter", "otel:", "  headers:", "    Content-Type: x");
        assertError(2, "otel.headers", "mapping", "otel:", "  headers: Authorization=x");
        assertError(4, "otel.tls.caFile", "not a readable file", "otel:", https, "  tls:", "    caFile: " + tmp.resolve("nope.pem"));
        assertError(4, "otel.tls.caFile", "BEGIN CERTIFICATE", "otel:", https, "  tls:", "    caFile: " + notPem);
        assertError(4, "otel.tls.certFile", "both certFile and keyFile", "otel:", https, "  tls:",
            "    certFile: " + certs.resolve("client.pem"));
        assertError(4, "otel.tls.keyFile", "both certFile and keyFile", "otel:", https, "  tls:",
            "    keyFile: " + certs.resolve("client.key"));
        assertError(5, "otel.tls.keyFile", "PKCS#8", "otel:", https, "  tls:",
            "    certFile: " + certs.resolve("client.pem"), "    keyFile: " + rsaTraditional);
        assertError(5, "otel.tls.keyFile", "PKCS#8", "otel:", https, "  tls:",
            "    certFile: " + certs.resolve("client.pem"), "    keyFile: " + certs.resolve("client.pem"));
        assertError(3, "otel.tls.caFile", "https://", "otel:", "  tls:", "    caFile: " + certs.resolve("server.pem"));
        assertError(3, "otel.tls.ca", "unknown key", "otel:", "  tls:", "    ca: x");
        assertError(3, "otel.metrics.interval", "at least 100ms", "otel:", "  metrics:", "    interval: 10ms");
        assertError(3, "otel.metrics.every", "unknown key", "otel:", "  metrics:", "    every: 10s");
        assertError(5, "otel.metrics.enabled", "otel.metrics.endpoint", "otel:", "  protocol: http",
            "  endpoint: http://c.example/ingest", "  metrics:", "    enabled: true");
        assertError(3, "otel.metrics.endpoint", "http://", "otel:", "  metrics:", "    endpoint: collector:4317");
        assertError(3, "otel.metrics.enabled", "otel.enabled", "otel:", "  metrics:", "    enabled: true");
    }

    /** server.pem, client.pem and client.key made by openssl (the test is skipped, saying why, without it). */
    private Path certificates() throws Exception
    {
        final Path dir = Files.createDirectories(tmp.resolve("certs"));
        try
        {
            OtelTlsTest.selfSigned(dir, "server");
            OtelTlsTest.selfSigned(dir, "client");
        }
        catch (final IOException e)
        {
            assumeTrue(false, "openssl could not make test certificates (" + e.getMessage() + "): skipped");
        }
        return dir;
    }

    @Test
    void theSectionIsFoundThroughServiceLoader()
    {
        final List<String> keys = java.util.ServiceLoader.load(dev.tapio.engine.spi.ConfigSection.class).stream()
            .map(p -> p.get().key()).toList();
        assertTrue(keys.contains("otel") && keys.contains("journal"), keys.toString());
    }
}
