package dev.tapio.tools;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.tapio.codecs.sbe.EventDecoder;
import dev.tapio.codecs.sbe.GroupDecoder;
import dev.tapio.codecs.sbe.MessageHeaderDecoder;
import dev.tapio.journal.JournalReader;
import dev.tapio.journal.JournalRecords;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code tapio run} with {@code otel:} against an OTLP/HTTP endpoint on loopback (a JDK HttpServer that
 * accepts every request): the exporter starts with the engine, exports after it drained, and reports in
 * the summary; with {@code otel.metrics} the engine's counters go to {@code /v1/metrics} once more on stop.
 */
class OtelCliTest extends CapturedConsole
{
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    /** {events, groups, spans the exporter should send with every ungrouped event sampled}. */
    private static long[] expectedSpans(final Path journal) throws Exception
    {
        final long[] c = new long[3];
        final MessageHeaderDecoder header = new MessageHeaderDecoder();
        final EventDecoder e = new EventDecoder();
        final GroupDecoder g = new GroupDecoder();
        try (JournalReader r = JournalReader.open(journal))
        {
            r.seek(Long.MIN_VALUE, Long.MAX_VALUE);
            while (!r.done())
            {
                r.read((i, template, b, o, l) ->
                {
                    header.wrap(b, o);
                    if (template == JournalRecords.EVENT)
                    {
                        c[0]++;
                        e.wrap(b, o + MessageHeaderDecoder.ENCODED_LENGTH, header.blockLength(), header.version());
                        c[2] += e.correlationId() == 0 ? 1 : 0;
                    }
                    else if (template == JournalRecords.GROUP)
                    {
                        c[1]++;
                        g.wrap(b, o + MessageHeaderDecoder.ENCODED_LENGTH, header.blockLength(), header.version());
                        c[2] += g.members().count() + 1;
                    }
                }, 10_000);
            }
        }
        return c;
    }

    @Test
    void runExportsEveryJournaledEventBeforeItExitsWhenSamplingAll() throws Exception
    {
        final AtomicInteger requests = new AtomicInteger();
        final AtomicLong bytes = new AtomicLong();
        final HttpServer http = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        http.createContext("/v1/traces", exchange ->
        {
            bytes.addAndGet(exchange.getRequestBody().readAllBytes().length);
            requests.incrementAndGet();
            exchange.getResponseHeaders().add("Content-Type", "application/x-protobuf");
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
        });
        final AtomicInteger metricRequests = new AtomicInteger();
        final java.util.List<byte[]> metricBodies = new java.util.concurrent.CopyOnWriteArrayList<>();
        http.createContext("/v1/metrics", exchange ->
        {
            metricBodies.add(exchange.getRequestBody().readAllBytes());
            metricRequests.incrementAndGet();
            exchange.getResponseHeaders().add("Content-Type", "application/x-protobuf");
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
        });
        http.start();
        try
        {
            final Path cfg = dir.resolve("node.yaml");
            Files.writeString(cfg, String.join("\n",
                "node:",
                "  name: node-otel",
                "sources:",
                "  synthetic:",
                "    rate: max",
                "    events: 2000",
                "pipeline:",
                "  sources: [synthetic]",
                "journal:",
                "  enabled: true",
                "  dir: " + dir.resolve("journal"),
                "otel:",
                "  enabled: true",
                "  protocol: http",
                "  endpoint: http://127.0.0.1:" + http.getAddress().getPort() + "/v1/traces",
                "  sampleUncorrelated: 1",
                "  drainTimeout: 30s",
                "  metrics:",
                "    enabled: true",
                "    interval: 1h",
                "stats:",
                "  interval: 0s",
                ""));
            final int code = TapioCli.execute("run", "--config", cfg.toString());
            assertEquals(0, code, err());
            assertTrue(err().contains("otel -> http://127.0.0.1:"), err());
            final String[] lines = out().trim().split("\n");
            final JsonNode summary = JSON.readTree(lines[lines.length - 1]);
            final JsonNode otel = summary.get("otel");
            assertTrue(otel.get("caughtUp").asBoolean(), summary.toString());
            final long[] expected = expectedSpans(dir.resolve("journal"));
            assertEquals(2000, expected[0], "events journaled");
            assertEquals(expected[1], otel.get("groups").asLong(), "every group record exported: " + otel);
            assertEquals(expected[2], otel.get("spans").asLong(), "a span per ungrouped event, per listed member and per group: " + otel);
            assertTrue(expected[2] > 0 && requests.get() > 0 && bytes.get() > 0);
            assertEquals(expected[2], summary.get("counters").get("tapio_otel_spans_exported_total").asLong(),
                "the exporter counts into the engine's counters");
            assertEquals(0, summary.get("counters").get("tapio_otel_export_failures_total").asLong());
            assertEquals(1, metricRequests.get(), "an hour's interval: the one metrics export on stop, to /v1/metrics");
            assertEquals(1, otel.get("metricExports").asLong(), otel.toString());
            final String body = new String(metricBodies.get(0), StandardCharsets.ISO_8859_1);
            assertTrue(body.contains("tapio_events_in_total") && body.contains("synthetic") &&
                body.contains("tapio_otel_spans_exported_total"), "the engine's counters, with their labels as attributes");
        }
        finally
        {
            http.stop(0);
        }
    }
}
