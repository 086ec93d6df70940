package dev.tapio.bridge;

import dev.tapio.bridge.server.IngestServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static dev.tapio.bridge.BridgeLoopbackTest.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The bridge over TLS with certificates made for the test by {@code openssl req -x509} (self-signed,
 * for 127.0.0.1 and localhost, so each is its own CA). Skipped, saying why, where openssl is missing.
 */
class BridgeTlsTest
{
    @TempDir
    static Path dir;
    private static String skipReason;

    private final List<AutoCloseable> closeables = new ArrayList<>();
    private final PrintStream log = new PrintStream(new ByteArrayOutputStream(), true);

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

    private static void selfSigned(final String name) throws IOException, InterruptedException
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

    @Test
    void deliversOverTlsVerifyingTheServerAgainstTheCaFile() throws Exception
    {
        assumeTrue(skipReason == null, skipReason);
        final CollectingSink sink = new CollectingSink();
        final IngestServer server = tlsServer(sink, false);
        final GeneratedSource source = new GeneratedSource(0, 2_000);
        final ServerBridge bridge = bridge(source, server.port()).tlsCa(dir.resolve("server.pem")).build().start();
        closeables.add(bridge);

        await(Duration.ofSeconds(30), () -> source.lastAcked() == 1_999, () -> "acked " + source.lastAcked());
        BridgeLoopbackTest.assertInOrderExactlyOnce(sink.ids(), 0, 2_000);
    }

    @Test
    void refusesAServerItsCaFileDoesNotVouchFor() throws Exception
    {
        assumeTrue(skipReason == null, skipReason);
        final CollectingSink sink = new CollectingSink();
        final IngestServer server = tlsServer(sink, false);
        final GeneratedSource source = new GeneratedSource(0, 100);
        final ServerBridge bridge = bridge(source, server.port()).tlsCa(dir.resolve("other.pem")).build().start();
        closeables.add(bridge);

        await(Duration.ofSeconds(30), () -> bridge.counters().streamFailureCount("UNAVAILABLE") >= 2,
            () -> "failures " + bridge.counters().streamFailures());
        assertEquals(0, sink.size());
        assertEquals(0, server.counters().streams());
    }

    @Test
    void mutualTlsAcceptsOnlyAClientWithACertificateFromTheClientCa() throws Exception
    {
        assumeTrue(skipReason == null, skipReason);
        final CollectingSink sink = new CollectingSink();
        final IngestServer server = tlsServer(sink, true);
        final GeneratedSource anonymous = new GeneratedSource(0, 10);
        final ServerBridge withoutCert = bridge(anonymous, server.port()).tlsCa(dir.resolve("server.pem")).build().start();
        closeables.add(withoutCert);
        await(Duration.ofSeconds(30), () -> withoutCert.counters().streamFailures() >= 2,
            () -> "failures " + withoutCert.counters().streamFailures());
        assertEquals(0, sink.size());

        final GeneratedSource source = new GeneratedSource(100, 10);
        final ServerBridge withCert = bridge(source, server.port()).tlsCa(dir.resolve("server.pem"))
            .tlsClientCertificate(dir.resolve("client.pem"), dir.resolve("client.key")).build().start();
        closeables.add(withCert);
        await(Duration.ofSeconds(30), () -> source.lastAcked() == 9, () -> "acked " + source.lastAcked());
        assertTrue(sink.size() >= 10);
    }

    private IngestServer tlsServer(final CollectingSink sink, final boolean requireClientCert) throws IOException
    {
        final IngestServer.Builder b = IngestServer.builder().listen("127.0.0.1:0").sink(sink).bearerToken("t")
            .dedupCapacity(1 << 12).tls(dir.resolve("server.pem"), dir.resolve("server.key")).errorLog(log, 5);
        if (requireClientCert)
        {
            b.tlsClientCa(dir.resolve("client.pem"));
        }
        final IngestServer server = b.build().start();
        closeables.add(server);
        return server;
    }

    private ServerBridge.Builder bridge(final GeneratedSource source, final int port)
    {
        return ServerBridge.builder().target("127.0.0.1:" + port).nodeId("tls-node").source(source)
            .bearerToken("t").batchLinger(Duration.ofMillis(1)).backoff(Duration.ofMillis(5), Duration.ofMillis(20))
            .errorLog(log, 5);
    }
}
