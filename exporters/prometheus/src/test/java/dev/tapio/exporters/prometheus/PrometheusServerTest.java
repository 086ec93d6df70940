package dev.tapio.exporters.prometheus;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tapio.engine.Engine;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The exporter scraped by a real Prometheus server (Debian's {@code /usr/bin/prometheus}) on loopback, every
 * second: the series it stores are the engine's numbers. Skips, saying why, when Prometheus is not installed.
 * The server is always killed at the end.
 */
class PrometheusServerTest
{
    private static final Path PROMETHEUS = Path.of("/usr/bin/prometheus");
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    @Test
    void prometheusStoresTheEngineCountsAndLatencyHistogram() throws Exception
    {
        assumeTrue(Files.isExecutable(PROMETHEUS),
            PROMETHEUS + " is missing: install the Debian package prometheus (apt-get install prometheus) to run this test");
        final EventTypeCounts types = new EventTypeCounts();
        try (Engine engine = PrometheusExporterTest.engine(types);
            PrometheusExporter exporter = PrometheusExporter.start(
                PrometheusSettings.builder().listen("127.0.0.1:0").build(), engine, types))
        {
            final int n = 600;
            PrometheusExporterTest.publish(engine, n);
            Http.await(() -> engine.counters().totalOut() == n, Duration.ofSeconds(10), () -> n + " events out");

            Process prometheus = null;
            try
            {
                // A free port can be taken between the probe and Prometheus's bind: then it exits, and we retry.
                String api = null;
                for (int attempt = 0; attempt < 3 && api == null; attempt++)
                {
                    final int port = freePort();
                    prometheus = startPrometheus(exporter.port(), port);
                    final String candidate = "http://127.0.0.1:" + port;
                    final Process p = prometheus;
                    Http.await(() -> !p.isAlive() || status(candidate + "/-/ready") == 200, Duration.ofSeconds(60),
                        () -> "Prometheus to be ready on " + candidate);
                    if (p.isAlive())
                    {
                        api = candidate;
                    }
                }
                assertTrue(api != null, () -> "Prometheus exited: " + log());

                assertEquals(1.0, awaitValue(api, "up{job=\"tapio\"}", 1.0), "the target is up");
                assertEquals(n, awaitValue(api, "tapio_events_in_total{job=\"tapio\",source=\"host\"}", n));
                assertEquals(n, awaitValue(api, "tapio_events_out_total{job=\"tapio\"}", n));
                assertEquals(n / 3, awaitValue(api,
                    "tapio_events_by_type_total{type=\"k8s.pod.restarted\",severity=\"warning\"}", n / 3));
                assertEquals(n, awaitValue(api, "tapio_event_added_latency_seconds_count", n));
                assertEquals(n, awaitValue(api, "tapio_event_added_latency_seconds_bucket{le=\"+Inf\"}", n));
                final double p99 = query(api, "histogram_quantile(0.99, tapio_event_added_latency_seconds_bucket)");
                assertTrue(p99 > 0 && p99 <= 10, "p99 added latency in seconds from the buckets: " + p99);
                assertEquals(1024, awaitValue(api, "tapio_ring_capacity", 1024));
                assertEquals(1, awaitValue(api, "tapio_ready", 1));
                // Each event is of its own pod. Every third is a restart: it opens a crash-loop group that has matched
                // none of its required steps (the restarts step needs three); the others open pod-startup groups that
                // have matched one. None has ended, so each point has even odds.
                assertEquals(n / 3, awaitValue(api, "sum(tapio_correlation_open_groups{pattern=\"crash-loop\"})", n / 3));
                assertEquals(n / 3, awaitValue(api, "tapio_correlation_open_groups{pattern=\"crash-loop\",matched=\"0\"}", n / 3));
                assertEquals(n - n / 3, awaitValue(api,
                    "tapio_correlation_open_groups{pattern=\"pod-startup\",matched=\"1\"}", n - n / 3));
                assertEquals(0.5, awaitValue(api,
                    "tapio_group_completion_probability{pattern=\"crash-loop\",matched=\"0\"}", 0.5), "no history: even odds");
            }
            finally
            {
                if (prometheus != null)
                {
                    prometheus.destroy();
                    if (!prometheus.waitFor(10, TimeUnit.SECONDS))
                    {
                        prometheus.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                    }
                }
            }
        }
    }

    private Process startPrometheus(final int targetPort, final int port) throws IOException
    {
        final Path config = tmp.resolve("prometheus.yml");
        Files.writeString(config, String.join("\n",
            "global:",
            "  scrape_interval: 1s",
            "  scrape_timeout: 1s",
            "scrape_configs:",
            "  - job_name: tapio",
            "    static_configs:",
            "      - targets: ['127.0.0.1:" + targetPort + "']",
            ""));
        return new ProcessBuilder(PROMETHEUS.toString(),
            "--config.file=" + config,
            "--storage.tsdb.path=" + tmp.resolve("data"),
            "--web.listen-address=127.0.0.1:" + port,
            "--log.level=warn")
            .redirectErrorStream(true)
            .redirectOutput(tmp.resolve("prometheus.log").toFile())
            .start();
    }

    private String log()
    {
        try
        {
            return Files.readString(tmp.resolve("prometheus.log"));
        }
        catch (final IOException e)
        {
            return "(no log: " + e + ")";
        }
    }

    /** Polls an instant query until it has one sample equal to {@code expected}; returns the last value seen. */
    private double awaitValue(final String api, final String promql, final double expected) throws InterruptedException
    {
        final double[] last = { Double.NaN };
        Http.await(() ->
        {
            last[0] = query(api, promql);
            return last[0] == expected;
        }, Duration.ofSeconds(30), () -> promql + " = " + expected + " (last: " + last[0] + ")\n" + log());
        return last[0];
    }

    /** The value of a one-sample instant query, NaN when it has no or several samples (or a query fails). */
    private static double query(final String api, final String promql)
    {
        try
        {
            final HttpResponse<String> r = Http.get(api + "/api/v1/query?query=" +
                URLEncoder.encode(promql, StandardCharsets.UTF_8));
            if (r.statusCode() != 200)
            {
                return Double.NaN;
            }
            final JsonNode result = JSON.readTree(r.body()).path("data").path("result");
            if (result.size() != 1)
            {
                return Double.NaN;
            }
            return Double.parseDouble(result.get(0).path("value").get(1).asText());
        }
        catch (final IOException e)
        {
            return Double.NaN;
        }
        catch (final InterruptedException e)
        {
            Thread.currentThread().interrupt();
            return Double.NaN;
        }
    }

    private static int status(final String url)
    {
        try
        {
            return Http.get(url).statusCode();
        }
        catch (final IOException e)
        {
            return -1;
        }
        catch (final InterruptedException e)
        {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    private static int freePort() throws IOException
    {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress()))
        {
            return s.getLocalPort();
        }
    }
}
