package dev.tapio.tools;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.tapio.exporters.webhooks.WebhookSecret;
import dev.tapio.exporters.webhooks.WebhookVerifier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code tapio webhooks verify} and {@code tapio webhooks test} against a receiver on loopback, and
 * {@code tapio run} with {@code webhooks:} delivering what it journals before it exits.
 */
class WebhooksCliTest extends CapturedConsole
{
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

    @TempDir
    Path dir;

    /** One request as received: headers (lower-case names) and body. */
    record Captured(Map<String, String> headers, byte[] body)
    {
    }

    private final List<Captured> received = new CopyOnWriteArrayList<>();

    private HttpServer receiver(final int status, final AtomicInteger count) throws IOException
    {
        final HttpServer http = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        http.createContext("/", exchange ->
        {
            final Map<String, String> h = new TreeMap<>();
            exchange.getRequestHeaders().forEach((k, v) -> h.put(k.toLowerCase(Locale.ROOT), v.get(0)));
            received.add(new Captured(h, exchange.getRequestBody().readAllBytes()));
            count.incrementAndGet();
            final byte[] body = "{\"ok\":true}".getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("X-Receiver", "test");
            exchange.sendResponseHeaders(status, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        http.start();
        return http;
    }

    private static String url(final HttpServer http)
    {
        return "http://127.0.0.1:" + http.getAddress().getPort() + "/hook";
    }

    @Test
    void verifyAcceptsTheSpecExampleAsOfItsTimeAndRejectsATamperedBody() throws Exception
    {
        final Path body = dir.resolve("body.json");
        Files.writeString(body, "{\"test\": 2432232314}");
        final String[] args = {"webhooks", "verify", "--secret", SECRET, "--id", "msg_p5jXN8AQM9LWM0D4loKWxJek",
            "--timestamp", "1614265330", "--signature", "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=", "--body", body.toString()};
        assertEquals(1, TapioCli.execute(args), "too old as of now");
        assertTrue(out().contains("invalid: webhook-timestamp is older than the tolerance"), out());
        clearConsole();
        final String[] at = java.util.Arrays.copyOf(args, args.length + 2);
        at[args.length] = "--at";
        at[args.length + 1] = "2021-02-25T15:05:00Z";
        assertEquals(0, TapioCli.execute(at), out() + err());
        assertTrue(out().startsWith("valid: msg_p5jXN8AQM9LWM0D4loKWxJek signed at 2021-02-25T15:02:10Z"), out());
        clearConsole();
        final Path headers = dir.resolve("headers.txt");
        Files.writeString(headers, "HTTP/1.1 POST /hook\nWebhook-Id: msg_p5jXN8AQM9LWM0D4loKWxJek\nWebhook-Timestamp: 1614265330\n" +
            "Webhook-Signature: v1,AAAA v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=\nContent-Type: application/json\n");
        assertEquals(0, TapioCli.execute("webhooks", "verify", "--secret", "whsec_" + java.util.Base64.getEncoder().encodeToString(new byte[24]),
            "--secret", SECRET, "--headers", headers.toString(), "--body", body.toString(), "--no-timestamp-check"), out() + err());
        assertTrue(out().startsWith("valid: msg_p5jXN8AQM9LWM0D4loKWxJek"), out());
        clearConsole();
        Files.writeString(body, "{\"test\": 2432232315}");
        assertEquals(1, TapioCli.execute(at));
        assertTrue(out().contains("invalid: no signature matches"), out());
        clearConsole();
        assertEquals(TapioCli.EXIT_USAGE, TapioCli.execute("webhooks", "verify", "--secret", "whsec_x", "--body", body.toString()));
        assertTrue(err().contains("tapio webhooks verify: secret"), err());
    }

    @Test
    void testSendsOneSignedEventAsDeliveriesAreAndTheCapturedRequestVerifies() throws Exception
    {
        final AtomicInteger count = new AtomicInteger();
        final HttpServer http = receiver(200, count);
        try
        {
            final WebhookSecret second = WebhookSecret.random();
            assertEquals(0, TapioCli.execute("webhooks", "test", "--url", url(http), "--secret", SECRET,
                "--secret", second.encoded(), "--header", "Authorization: Bearer abc"), out() + err());
            assertEquals(1, count.get());
            final Captured c = received.get(0);
            assertEquals("Bearer abc", c.headers().get("authorization"));
            assertEquals(2, c.headers().get("webhook-signature").split(" ").length, "signed with both secrets");
            assertEquals(WebhookVerifier.Result.VALID, WebhookVerifier.builder().secret(second).build().verify(c.headers(), c.body()));
            final JsonNode ce = JSON.readTree(c.body());
            assertEquals("1.0", ce.get("specversion").asText());
            assertEquals("dev.tapio.event.tapio.webhook.test", ce.get("type").asText());
            assertEquals(c.headers().get("webhook-id"), ce.get("id").asText());
            assertEquals("tapio.webhook.test", ce.get("data").get("type").asText());
            assertTrue(out().contains("-> HTTP 200 (success)"), out());
            assertTrue(out().contains("{\"ok\":true}"), out());
            assertTrue(out().contains("webhook-id: " + c.headers().get("webhook-id")), out());
            assertTrue(out().contains("Authorization: (hidden, 10 characters)") && !out().contains("Bearer abc"), "credentials not printed: " + out());

            // the request as a receiver would have captured it, verified by the other command
            final StringBuilder raw = new StringBuilder("POST /hook HTTP/1.1\r\n");
            c.headers().forEach((k, v) -> raw.append(k).append(": ").append(v).append("\r\n"));
            final Path request = dir.resolve("request.http");
            final byte[] head = raw.append("\r\n").toString().getBytes(StandardCharsets.UTF_8);
            final byte[] all = java.util.Arrays.copyOf(head, head.length + c.body().length);
            System.arraycopy(c.body(), 0, all, head.length, c.body().length);
            Files.write(request, all);
            clearConsole();
            assertEquals(0, TapioCli.execute("webhooks", "verify", "--secret", SECRET, "--request", request.toString()), out() + err());
            assertTrue(out().startsWith("valid: " + c.headers().get("webhook-id")), out());
        }
        finally
        {
            http.stop(0);
        }
    }

    @Test
    void testUsesAConfiguredEndpointWithItsTemplateAndFailsOnANon2xxAnswer() throws Exception
    {
        final AtomicInteger count = new AtomicInteger();
        final HttpServer http = receiver(410, count);
        try
        {
            final Path cfg = dir.resolve("tapio.yaml");
            Files.writeString(cfg, String.join("\n",
                "journal: { enabled: true, dir: " + dir.resolve("journal") + " }",
                "webhooks:",
                "  enabled: true",
                "  endpoints:",
                "    - name: chat",
                "      url: " + url(http),
                "      secrets: [ " + SECRET + " ]",
                "      format: template",
                "      template: '{\"text\":\"{{type}} from {{event.node}}: {{event.message}}\"}'",
                ""));
            assertEquals(1, TapioCli.execute("webhooks", "test", "--config", cfg.toString(), "--endpoint", "chat"), out() + err());
            assertTrue(out().contains("-> HTTP 410 (gone)"), out());
            final JsonNode body = JSON.readTree(received.get(0).body());
            assertTrue(body.get("text").asText().startsWith("tapio.webhook.test from "), body.toString());
            clearConsole();
            assertEquals(TapioCli.EXIT_USAGE, TapioCli.execute("webhooks", "test", "--config", cfg.toString(), "--endpoint", "nope"));
            assertTrue(err().contains("has no endpoint named \"nope\" (it has chat)"), err());
        }
        finally
        {
            http.stop(0);
        }
    }

    @Test
    void runDeliversWhatItJournalsToEveryEndpointBeforeItExits() throws Exception
    {
        final AtomicInteger count = new AtomicInteger();
        final HttpServer http = receiver(204, count);
        try
        {
            final Path input = dir.resolve("events.jsonl");
            final StringBuilder lines = new StringBuilder();
            for (int i = 0; i < 20; i++)
            {
                lines.append("{\"type\":\"k8s.pod.").append(i % 2 == 0 ? "restarted" : "running").append("\",\"severity\":\"")
                    .append(i % 2 == 0 ? "warning" : "info").append("\",\"namespace\":\"shop\",\"pod\":\"web-").append(i).append("\"}\n");
            }
            Files.writeString(input, lines);
            final Path cfg = dir.resolve("node.yaml");
            Files.writeString(cfg, String.join("\n",
                "node: { name: node-wh }",
                "sources: { file: { path: " + input + " } }",
                "pipeline: { sources: [file] }",
                "journal: { enabled: true, dir: " + dir.resolve("journal") + " }",
                "webhooks:",
                "  enabled: true",
                "  drainTimeout: 30s",
                "  endpoints:",
                "    - name: warnings",
                "      url: " + url(http),
                "      secrets: [ " + SECRET + " ]",
                "      types: [ 'k8s.pod.*' ]",
                "      minSeverity: warning",
                "stats: { interval: 0s }",
                ""));
            final int code = TapioCli.execute("run", "--config", cfg.toString());
            assertEquals(0, code, err());
            assertTrue(err().contains("tapio: webhooks -> warnings " + url(http)), err());
            final String[] outLines = out().trim().split("\n");
            final JsonNode summary = JSON.readTree(outLines[outLines.length - 1]);
            final JsonNode webhooks = summary.get("webhooks");
            assertTrue(webhooks.get("caughtUp").asBoolean(), summary.toString());
            assertEquals(10, webhooks.get("endpoints").get("warnings").get("delivered").asLong(), webhooks.toString());
            assertEquals(10, count.get(), "the warnings only, each once");
            assertEquals(10, summary.get("counters").get("tapio_webhook_deliveries_total{endpoint=\"warnings\",outcome=\"delivered\"}").asLong());
            assertEquals(10, summary.get("counters").get("tapio_webhook_records_skipped_total{endpoint=\"warnings\",reason=\"filtered\"}").asLong());
            final WebhookVerifier v = WebhookVerifier.builder().secret(SECRET).build();
            for (final Captured c : received)
            {
                assertEquals(WebhookVerifier.Result.VALID, v.verify(c.headers(), c.body()));
                assertEquals("warning", JSON.readTree(c.body()).get("data").get("severity").asText());
            }
        }
        finally
        {
            http.stop(0);
        }
    }
}
