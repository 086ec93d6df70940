package dev.tapio.exporters.otel;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import dev.tapio.engine.config.TapioConfig;
import dev.tapio.engine.metrics.EngineCounters;
import dev.tapio.journal.JournalSection;
import dev.tapio.journal.JournalSettings;
import io.grpc.Metadata;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.GZIPInputStream;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

import static dev.tapio.exporters.otel.Await.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The exporter's connection settings, read from an {@code otel:} section, against a real OTLP/gRPC receiver
 * on 127.0.0.1 serving TLS with certificates made for the test by {@code openssl req -x509} (self-signed for
 * 127.0.0.1 and localhost, so each is its own CA): spans arrive over TLS trusting {@code tls.caFile}, with the
 * configured headers and gzip; a CA that does not vouch for the server fails, counted, and delivers nothing;
 * mutual TLS needs {@code tls.certFile} and {@code tls.keyFile}. Skipped, saying why, where openssl is missing.
 */
class OtelTlsTest
{
    private static final Metadata.Key<String> AUTHORIZATION = Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
    private static final Metadata.Key<String> TENANT = Metadata.Key.of("x-scope-orgid", Metadata.ASCII_STRING_MARSHALLER);
    private static final Metadata.Key<String> ENCODING = Metadata.Key.of("grpc-encoding", Metadata.ASCII_STRING_MARSHALLER);

    @TempDir
    static Path certs;
    private static String skipReason;

    @TempDir
    Path tmp;

    private final List<AutoCloseable> closeables = new ArrayList<>();
    private final ByteArrayOutputStream logBytes = new ByteArrayOutputStream();
    private final PrintStream log = new PrintStream(logBytes, true);

    @BeforeAll
    static void makeCertificates() throws Exception
    {
        try
        {
            selfSigned("server");
            selfSigned("other");
            selfSigned("client");
        }
        catch (final IOException ex)
        {
            skipReason = "openssl could not make test certificates (" + ex.getMessage() + "): TLS tests skipped";
            System.err.println(skipReason);
        }
    }

    static void selfSigned(final String name) throws IOException, InterruptedException
    {
        selfSigned(certs, name);
    }

    /** A self-signed EC certificate {@code name.pem} and its PKCS#8 key {@code name.key} in {@code dir}. */
    static void selfSigned(final Path dir, final String name) throws IOException, InterruptedException
    {
        final Process p = new ProcessBuilder("openssl", "req", "-x509", "-newkey", "ec",
            "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2",
            "-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
            "-keyout", dir.resolve(name + ".key").toString(), "-out", dir.resolve(name + ".pem").toString())
            .redirectErrorStream(true).start();
        final String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0)
        {
            throw new IOException("openssl req failed: " + output.trim());
        }
    }

    @AfterEach
    void closeAll() throws Exception
    {
        for (int i = closeables.size() - 1; i >= 0; i--)
        {
            closeables.get(i).close();
        }
    }

    /**
     * A tapio.yaml with the journal and this otel section (indented lines under {@code otel:}; the endpoint
     * {@code https://127.0.0.1:<port>} unless they name one), loaded.
     */
    private TapioConfig config(final int port, final String... otel) throws Exception
    {
        final List<String> lines = new ArrayList<>(List.of(
            "journal:",
            "  enabled: true",
            "  dir: " + tmp.resolve("journal"),
            "otel:",
            "  enabled: true",
            "  timeout: 2s",
            "  maxBackoff: 200ms"));
        if (java.util.Arrays.stream(otel).noneMatch(l -> l.startsWith("  endpoint:")))
        {
            lines.add("  endpoint: https://127.0.0.1:" + port);
        }
        lines.addAll(List.of(otel));
        final Path file = tmp.resolve("tapio.yaml");
        Files.writeString(file, String.join("\n", lines) + "\n", StandardCharsets.UTF_8);
        return TapioConfig.load(file);
    }

    private OtelExporter start(final TapioConfig config, final EngineCounters counters) throws Exception
    {
        final OtelExporter exporter = OtelExporter.create(JournalSection.settings(config), OtelSection.settings(config),
            counters, log).start();
        closeables.add(exporter);
        return exporter;
    }

    private OtlpReceiver receiver(final boolean requireClientCert) throws IOException
    {
        final OtlpReceiver r = OtlpReceiver.startTls(0, certs.resolve("server.pem"), certs.resolve("server.key"),
            requireClientCert ? certs.resolve("client.pem") : null);
        closeables.add(r);
        return r;
    }

    @Test
    void deliversOverTlsTrustingTheCaFileWithTheConfiguredHeadersGzipped() throws Exception
    {
        assumeTrue(skipReason == null, skipReason);
        final OtlpReceiver receiver = receiver(false);
        final TapioConfig config = config(receiver.port(),
            "  compression: gzip",
            "  headers:",
            "    Authorization: Bearer s3cret",
            "    X-Scope-OrgID: tenant-1",
            "  tls:",
            "    caFile: " + certs.resolve("server.pem"));
        final JournaledScenario s = JournaledScenario.journal("interleaved-incidents", JournalSection.settings(config));
        final EngineCounters counters = new EngineCounters();
        final OtelExporter exporter = start(config, counters);

        await("every group's spans arrive over TLS", () -> receiver.spans().size() >= s.groupSpans() &&
            exporter.ackedIndex() == s.lastIndex);
        assertEquals(s.groupSpans(), receiver.spans().size(), exporter.stats());
        assertEquals(0, exporter.failedExports(), logBytes.toString());
        assertTrue(receiver.headers().size() >= 1);
        for (final Metadata m : receiver.headers())
        {
            assertEquals("Bearer s3cret", m.get(AUTHORIZATION), "authorization on every call: " + m);
            assertEquals("tenant-1", m.get(TENANT), "x-scope-orgid on every call: " + m);
            assertEquals("gzip", m.get(ENCODING), "gzip request bodies: " + m);
        }
        assertEquals(s.groupSpans(), counters.snapshot().get(OtelExporter.SPANS_EXPORTED));
    }

    @Test
    void failsCountedAndDeliversNothingWhenTheCaFileDoesNotVouchForTheServer() throws Exception
    {
        assumeTrue(skipReason == null, skipReason);
        final OtlpReceiver receiver = receiver(false);
        final TapioConfig config = config(receiver.port(),
            "  tls:",
            "    caFile: " + certs.resolve("other.pem"));
        final JournaledScenario s = JournaledScenario.journal("interleaved-incidents", JournalSection.settings(config));
        final EngineCounters counters = new EngineCounters();
        final OtelExporter exporter = start(config, counters);

        await("export attempts fail the handshake, counted",
            () -> counters.snapshot().getOrDefault(OtelExporter.EXPORT_FAILURES, 0L) >= 2);
        assertEquals(0, receiver.spans().size());
        assertEquals(0, receiver.headers().size(), "no call got past the handshake");
        assertEquals(-1, exporter.ackedIndex(), "nothing acked");
        assertEquals(0, exporter.exportedSpans());
        assertTrue(s.groupSpans() > 0);
        assertTrue(logBytes.toString().contains("export to https://127.0.0.1:" + receiver.port() + " failed"),
            logBytes.toString());
    }

    @Test
    void mutualTlsDeliversOnlyWithTheClientCertificate() throws Exception
    {
        assumeTrue(skipReason == null, skipReason);
        final OtlpReceiver receiver = receiver(true);
        final TapioConfig anonymous = config(receiver.port(),
            "  tls:",
            "    caFile: " + certs.resolve("server.pem"));
        final JournaledScenario s = JournaledScenario.journal("interleaved-incidents", JournalSection.settings(anonymous));
        final OtelExporter withoutCert = start(anonymous, new EngineCounters());
        await("without a client certificate, exports fail", () -> withoutCert.failedExports() >= 2);
        assertEquals(0, receiver.spans().size());
        assertTrue(withoutCert.stop(Duration.ZERO) == false && withoutCert.ackedIndex() == -1, "nothing acked");

        final TapioConfig mutual = config(receiver.port(),
            "  tls:",
            "    caFile: " + certs.resolve("server.pem"),
            "    certFile: " + certs.resolve("client.pem"),
            "    keyFile: " + certs.resolve("client.key"));
        final OtelExporter withCert = start(mutual, new EngineCounters());
        await("with the client certificate, every span arrives",
            () -> receiver.spans().size() >= s.groupSpans() && withCert.ackedIndex() == s.lastIndex);
        assertEquals(s.groupSpans(), receiver.spans().size());
    }

    @Test
    void overHttpProtobufTracesAndMetricsUseTheSameTlsHeadersAndGzip() throws Exception
    {
        assumeTrue(skipReason == null, skipReason);
        final List<String> traceHeaders = new CopyOnWriteArrayList<>();
        final List<String> metricHeaders = new CopyOnWriteArrayList<>();
        final AtomicLong spans = new AtomicLong();
        final HttpsServer https = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        https.setHttpsConfigurator(new HttpsConfigurator(serverContext(certs.resolve("server.pem"), certs.resolve("server.key"))));
        https.createContext("/v1/traces", exchange ->
        {
            final String encoding = exchange.getRequestHeaders().getFirst("Content-Encoding");
            traceHeaders.add(exchange.getRequestHeaders().getFirst("Authorization") + " " + encoding);
            final byte[] body = exchange.getRequestBody().readAllBytes();
            final ExportTraceServiceRequest request = ExportTraceServiceRequest.parseFrom(
                "gzip".equals(encoding) ? new GZIPInputStream(new ByteArrayInputStream(body)).readAllBytes() : body);
            request.getResourceSpansList().forEach(rs -> rs.getScopeSpansList().forEach(ss -> spans.addAndGet(ss.getSpansCount())));
            exchange.getResponseHeaders().add("Content-Type", "application/x-protobuf");
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
        });
        https.createContext("/v1/metrics", exchange ->
        {
            metricHeaders.add(exchange.getRequestHeaders().getFirst("Authorization") + " " +
                exchange.getRequestHeaders().getFirst("Content-Encoding"));
            exchange.getRequestBody().readAllBytes();
            exchange.getResponseHeaders().add("Content-Type", "application/x-protobuf");
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
        });
        https.start();
        closeables.add(() -> https.stop(0));
        final int port = https.getAddress().getPort();
        final TapioConfig config = config(port,
            "  protocol: http",
            "  endpoint: https://127.0.0.1:" + port + "/v1/traces",
            "  compression: gzip",
            "  headers:",
            "    Authorization: Bearer s3cret",
            "  tls:",
            "    caFile: " + certs.resolve("server.pem"),
            "  metrics:",
            "    enabled: true",
            "    interval: 1h");
        final JournaledScenario s = JournaledScenario.journal("interleaved-incidents", JournalSection.settings(config));
        final OtelExporter exporter = start(config, new EngineCounters());

        await("every group's spans arrive over HTTPS", () -> spans.get() >= s.groupSpans() && exporter.ackedIndex() == s.lastIndex);
        assertTrue(exporter.stop(Duration.ofSeconds(5)));
        assertEquals(s.groupSpans(), spans.get());
        assertTrue(!traceHeaders.isEmpty() && traceHeaders.stream().allMatch("Bearer s3cret gzip"::equals), traceHeaders.toString());
        assertEquals(List.of("Bearer s3cret gzip"), metricHeaders, "one metrics export on stop, to /v1/metrics, same settings");
    }

    /** A server SSLContext from the PEM certificate and PKCS#8 EC key openssl made. */
    private static SSLContext serverContext(final Path cert, final Path key) throws Exception
    {
        final Certificate[] chain;
        try (InputStream in = Files.newInputStream(cert))
        {
            chain = CertificateFactory.getInstance("X.509").generateCertificates(in).toArray(new Certificate[0]);
        }
        final byte[] der = Base64.getMimeDecoder().decode(Files.readString(key).replaceAll("-----[A-Z ]+-----", ""));
        final PrivateKey privateKey = KeyFactory.getInstance("EC").generatePrivate(new PKCS8EncodedKeySpec(der));
        final KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        store.setKeyEntry("server", privateKey, "test".toCharArray(), chain);
        final KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        keys.init(store, "test".toCharArray());
        final SSLContext context = SSLContext.getInstance("TLS");
        context.init(keys.getKeyManagers(), null, null);
        return context;
    }
}
