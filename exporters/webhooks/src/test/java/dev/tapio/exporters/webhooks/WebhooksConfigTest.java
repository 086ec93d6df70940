package dev.tapio.exporters.webhooks;

import dev.tapio.engine.config.ConfigException;
import dev.tapio.engine.config.TapioConfig;
import dev.tapio.journal.JournalTailer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The top-level webhooks: section through the engine's TapioConfig (found by ServiceLoader): defaults, values, errors. */
class WebhooksConfigTest
{
    private static final String SECRET = WebhookSignatureTest.SPEC_SECRET;
    private static final String JOURNAL = "journal: { enabled: true, dir: j }";

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

    /**
     * {@link #assertError} for a config with the journal and one endpoint {@code a} at {@code http://h/x} (lines 1 to
     * 5), whose further lines are {@code endpointLines} (from line 6).
     */
    private void assertEndpointError(final int line, final String key, final String contains,
        final String... endpointLines) throws IOException
    {
        final List<String> yaml = new ArrayList<>(List.of(JOURNAL, "webhooks:", "  endpoints:", "    - name: a",
            "      url: http://h/x"));
        yaml.addAll(List.of(endpointLines));
        assertError(line, key, contains, yaml.toArray(new String[0]));
    }

    @Test
    void isOffByDefault() throws Exception
    {
        final WebhooksSettings s = WebhooksSection.settings(TapioConfig.defaults());
        assertFalse(s.enabled());
        assertEquals(List.of(), s.endpoints());
        assertEquals(Duration.ofSeconds(5), s.drainTimeout());
        assertEquals(Path.of("/var/lib/tapio/webhooks-dead-letter"), s.deadLetterDir(Path.of("/var/lib/tapio/journal")));
    }

    @Test
    void readsEveryKeyWithItsDefaults() throws Exception
    {
        Files.writeString(tmp.resolve("slack.mustache"), "{\"text\":\"{{pattern}}\"}");
        final TapioConfig c = TapioConfig.load(write(
            "journal: { enabled: true, dir: " + tmp.resolve("journal") + " }",
            "webhooks:",
            "  enabled: true",
            "  deadLetterDir: " + tmp.resolve("dead"),
            "  drainTimeout: 2s",
            "  endpoints:",
            "    - name: pager",
            "      url: https://hooks.example.com/tapio",
            "      secrets: [ " + SECRET + ", whsec_" + java.util.Base64.getEncoder().encodeToString(new byte[32]) + " ]",
            "      records: events",
            "      types: [ 'k8s.pod.*', kernel.container.oom_kill ]",
            "      patterns: crash-loop",
            "      minSeverity: warning",
            "      headers: { Authorization: Bearer abc, X-Team: sre }",
            "      timeout: 3s",
            "      maxAttempts: 4",
            "      minBackoff: 500ms",
            "      maxBackoff: 1m",
            "      maxRetryAfter: 2m",
            "      breaker: { failures: 2, openDuration: 10s, halfOpenTrials: 3 }",
            "      startFrom: earliest",
            "    - name: slack",
            "      url: http://127.0.0.1:9000/x",
            "      format: template",
            "      templateFile: slack.mustache",
            "      contentType: application/json; charset=utf-8"));
        final WebhooksSettings s = WebhooksSection.settings(c);
        assertTrue(s.enabled());
        assertEquals(tmp.resolve("dead"), s.deadLetterDir());
        assertEquals(Duration.ofSeconds(2), s.drainTimeout());
        assertTrue(c.sectionSinks().stream().noneMatch(k -> k.getClass().getPackageName().contains("webhooks")),
            "webhooks read the journal; they add no sink");
        final EndpointSettings p = s.endpoint("pager");
        assertEquals("https://hooks.example.com/tapio", p.url().toString());
        assertEquals("webhook-pager", p.tailerName());
        assertEquals(2, p.secrets().size());
        assertEquals(RecordFilter.Records.EVENTS, p.filter().records());
        assertEquals(List.of("k8s.pod.*", "kernel.container.oom_kill"), p.filter().types());
        assertEquals(List.of("crash-loop"), p.filter().patterns());
        assertEquals("warning", p.filter().minSeverity());
        assertEquals(Map.of("Authorization", "Bearer abc", "X-Team", "sre"), p.headers());
        assertEquals(Duration.ofSeconds(3), p.timeout());
        assertEquals(4, p.maxAttempts());
        assertEquals(Duration.ofMillis(500), p.minBackoff());
        assertEquals(Duration.ofMinutes(1), p.maxBackoff());
        assertEquals(Duration.ofMinutes(2), p.maxRetryAfter());
        assertEquals(2, p.breakerFailures());
        assertEquals(Duration.ofSeconds(10), p.breakerOpen());
        assertEquals(3, p.breakerTrials());
        assertEquals(JournalTailer.StartFrom.EARLIEST, p.startFrom());
        assertEquals("cloudevents", p.format().toString());

        final EndpointSettings slack = s.endpoint("slack");
        assertEquals("template", slack.format().toString());
        assertEquals(List.of(), slack.secrets(), "unsigned");
        assertEquals(RecordFilter.Records.BOTH, slack.filter().records());
        assertEquals("debug", slack.filter().minSeverity());
        assertEquals(Duration.ofSeconds(10), slack.timeout());
        assertEquals(10, slack.maxAttempts());
        assertEquals(Duration.ofSeconds(1), slack.minBackoff());
        assertEquals(Duration.ofMinutes(5), slack.maxBackoff());
        assertEquals(Duration.ofMinutes(10), slack.maxRetryAfter());
        assertEquals(JournalTailer.StartFrom.LATEST, slack.startFrom());
        final WebhookRecord test = WebhookSender.testRecord("n1", java.time.Clock.systemUTC());
        final PayloadFormat.Payload payload = slack.format().format(test, "slack", 1);
        assertEquals("application/json; charset=utf-8", payload.contentType());
        assertEquals("{\"text\":\"\"}", new String(payload.body(), StandardCharsets.UTF_8));
        assertNull(s.endpoint("nope"));
    }

    @Test
    void namesTheFileLineAndKeyOfEveryMistake() throws IOException
    {
        assertError(2, "webhooks.enabled", "set journal.enabled: true",
            "journal: { enabled: false }", "webhooks: { enabled: true, endpoints: [ { name: a, url: 'http://h/x' } ] }");
        assertError(2, "webhooks.endpoints", "at least one endpoint", JOURNAL, "webhooks: { enabled: true }");
        assertError(5, "webhooks.endpoints[0].url", "http:// or https://",
            JOURNAL, "webhooks:", "  endpoints:", "    - name: a", "      url: ftp://h/x");
        assertError(4, "webhooks.endpoints[0].url", "every endpoint needs a url",
            JOURNAL, "webhooks:", "  endpoints:", "    - name: a", "      timeout: 1s");
        assertError(4, "webhooks.endpoints[0].name", "lower-case letters",
            JOURNAL, "webhooks:", "  endpoints:", "    - name: Bad Name", "      url: http://h/x");
        assertError(5, "webhooks.endpoints[1].name", "already named",
            JOURNAL, "webhooks:", "  endpoints:", "    - { name: a, url: 'http://h/x' }", "    - name: a", "      url: http://h/y");
        assertEndpointError(7, "webhooks.endpoints[0].secrets", "whsec_",
            "      secrets:", "        - whsec_short");
        assertEndpointError(6, "webhooks.endpoints[0].minSeverity", "unknown value \"loud\"",
            "      minSeverity: loud");
        assertEndpointError(7, "webhooks.endpoints[0].headers.webhook-id", "set by Tapio",
            "      headers:", "        webhook-id: x");
        assertEndpointError(6, "webhooks.endpoints[0].format", "exactly one of template",
            "      format: template");
        assertEndpointError(7, "webhooks.endpoints[0].template", "does not compile",
            "      format: template", "      template: '{{#open}}'");
        assertEndpointError(6, "webhooks.endpoints[0].contentType", "only with format: template",
            "      contentType: text/plain");
        assertEndpointError(6, "webhooks.endpoints[0].timeout", "between 10ms and 5m",
            "      timeout: 1h");
        assertEndpointError(7, "webhooks.endpoints[0].maxBackoff", "between minBackoff",
            "      minBackoff: 2s", "      maxBackoff: 1s");
        assertEndpointError(6, "webhooks.endpoints[0].retries", "unknown key",
            "      retries: 3");
        assertEndpointError(6, "webhooks.endpoints[0].breaker.open", "unknown key",
            "      breaker: { open: 1s }");
        assertError(2, "webhooks.endpoint", "unknown key", JOURNAL, "webhooks: { endpoint: [] }");
    }
}
