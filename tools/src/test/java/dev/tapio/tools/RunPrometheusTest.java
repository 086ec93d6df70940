package dev.tapio.tools;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@code tapio run} with {@code prometheus.enabled}: the node serves its metrics while it runs and stops
 * serving when it ends. The input is a FIFO the test writes, so the run lasts exactly as long as the test
 * needs (no timing guesses).
 */
class RunPrometheusTest extends CapturedConsole
{
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @TempDir
    Path dir;

    @Test
    void runServesMetricsAndHealthWhileItRunsAndStopsAfter() throws Exception
    {
        final Path fifo = dir.resolve("events.fifo");
        final Process mkfifo = new ProcessBuilder("mkfifo", fifo.toString()).inheritIO().start();
        assumeTrue(mkfifo.waitFor(10, TimeUnit.SECONDS) && mkfifo.exitValue() == 0, "mkfifo (coreutils) is needed");
        final int port = freePort();
        final Path cfg = dir.resolve("tapio.yaml");
        Files.writeString(cfg, String.join("\n",
            "prometheus:",
            "  enabled: true",
            "  listen: 127.0.0.1:" + port,
            "stats:",
            "  interval: 0s",
            ""));
        final CompletableFuture<Integer> run = CompletableFuture.supplyAsync(() -> TapioCli.execute(
            "run", "--config", cfg.toString(), "--input", fifo.toString(), "--output", dir.resolve("out.jsonl").toString()));
        final String base = "http://127.0.0.1:" + port;
        try (OutputStream events = openWriter(fifo, run))
        {
            for (int i = 0; i < 5; i++)
            {
                events.write(("{\"type\":\"k8s.pod.restarted\",\"severity\":\"warning\",\"namespace\":\"shop\"," +
                    "\"pod\":\"web-" + i + "\"}\n").getBytes(StandardCharsets.UTF_8));
            }
            events.write("not json\n".getBytes(StandardCharsets.UTF_8));
            events.flush();
            final String[] scrape = { "" };
            final long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (!scrape[0].contains("tapio_events_by_type_total{severity=\"warning\",type=\"k8s.pod.restarted\",} 5.0") ||
                !scrape[0].contains("tapio_events_dropped_total{reason=\"malformed_json\",} 1.0"))
            {
                assertTrue(System.nanoTime() - deadline < 0, () -> "timed out waiting for the counts in:\n" + scrape[0] +
                    "\nstderr:\n" + err());
                scrape[0] = get(base + "/metrics").body();
                Thread.sleep(20);
            }
            assertTrue(scrape[0].contains("# TYPE tapio_events_in_total counter"), scrape[0]);
            assertEquals(200, get(base + "/healthz").statusCode());
            assertEquals(200, get(base + "/readyz").statusCode());
        }
        assertEquals(0, run.get(30, TimeUnit.SECONDS), err());
        assertTrue(err().contains("tapio: prometheus metrics on http://127.0.0.1:" + port + "/metrics"), err());
        final JsonNode summary = JSON.readTree(out().trim());
        assertEquals(6, summary.at("/events/in").asLong());
        assertThrows(ConnectException.class, () -> get(base + "/healthz"), "the port is closed after the run");
    }

    @Test
    void aTakenPortFailsTheRunNamingTheAddress() throws Exception
    {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress()))
        {
            final Path cfg = dir.resolve("tapio.yaml");
            Files.writeString(cfg, "prometheus: { enabled: true, listen: '127.0.0.1:" + taken.getLocalPort() + "' }\n");
            assertEquals(1, TapioCli.execute("run", "--config", cfg.toString(), "--duration", "1s"));
            assertTrue(err().contains("tapio run: prometheus: cannot listen on 127.0.0.1:" + taken.getLocalPort()), err());
        }
    }

    /**
     * Opens the FIFO for writing, which blocks until the run opens it for reading; if the run ends first (a
     * failed start), opens the reading end itself to unblock, and fails with what the run printed.
     */
    private OutputStream openWriter(final Path fifo, final CompletableFuture<Integer> run) throws Exception
    {
        final CompletableFuture<OutputStream> opened = CompletableFuture.supplyAsync(() ->
        {
            try
            {
                return Files.newOutputStream(fifo);
            }
            catch (final IOException e)
            {
                throw new java.io.UncheckedIOException(e);
            }
        });
        final long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!opened.isDone())
        {
            if (run.isDone() || System.nanoTime() - deadline > 0)
            {
                Files.newInputStream(fifo).close();
                throw new AssertionError("the run did not open its input: exit " + run.getNow(null) + "\n" + err());
            }
            Thread.sleep(5);
        }
        return opened.get();
    }

    private static HttpResponse<String> get(final String url) throws IOException, InterruptedException
    {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(),
            HttpResponse.BodyHandlers.ofString());
    }

    private static int freePort() throws IOException
    {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress()))
        {
            return s.getLocalPort();
        }
    }
}
