package dev.tapio.exporters.otel;

import dev.tapio.engine.config.TapioConfig;
import dev.tapio.engine.metrics.EngineCounters;
import dev.tapio.journal.JournalSection;
import dev.tapio.journal.JournalSettings;
import io.grpc.Metadata;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

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
    private static final Duration DEADLINE = Duration.ofSeconds(60);
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

    private static void await(final String what, final BooleanSupplier condition)
    {
        final long deadline = System.nanoTime() + DEADLINE.toNanos();
        while (!condition.getAsBoolean())
        {
            if (System.nanoTime() > deadline)
            {
                throw new AssertionError("not within " + DEADLINE + ": " + what);
            }
            Thread.onSpinWait();
            Thread.yield();
        }
    }

    /** A tapio.yaml with the journal and this otel section (indented lines under {@code otel:}), loaded. */
    private TapioConfig config(final int port, final String... otel) throws Exception
    {
        final List<String> lines = new ArrayList<>(List.of(
            "journal:",
            "  enabled: true",
            "  dir: " + tmp.resolve("journal"),
            "otel:",
            "  enabled: true",
            "  endpoint: https://127.0.0.1:" + port,
            "  timeout: 2s",
            "  maxBackoff: 200ms"));
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
}
