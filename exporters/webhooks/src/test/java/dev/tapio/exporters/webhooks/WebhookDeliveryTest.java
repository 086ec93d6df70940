package dev.tapio.exporters.webhooks;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tapio.codecs.sbe.EventType;
import dev.tapio.codecs.sbe.Severity;
import dev.tapio.engine.metrics.EngineCounters;
import dev.tapio.exporters.webhooks.Receiver.Answer;
import dev.tapio.exporters.webhooks.Receiver.Request;
import dev.tapio.journal.JournalTailer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;

import static dev.tapio.exporters.webhooks.WebhookSender.Outcome.CLIENT_ERROR;
import static dev.tapio.exporters.webhooks.WebhookSender.Outcome.RATE_LIMITED;
import static dev.tapio.exporters.webhooks.WebhookSender.Outcome.SERVER_ERROR;
import static dev.tapio.exporters.webhooks.WebhookSender.Outcome.SUCCESS;
import static dev.tapio.exporters.webhooks.WebhookSender.Outcome.TIMEOUT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The exporter against real HTTP receivers on loopback, over a real journal: retries with the same
 * webhook-id, 410, timeouts that do not hold up other endpoints, restarts mid-retry, dead letters, filters,
 * payloads and signatures. Backoff, Retry-After and the breaker run on {@link VirtualTime}.
 */
class WebhookDeliveryTest
{
    private static final Duration DEADLINE = Duration.ofSeconds(60);
    static final WebhookSecret SECRET = WebhookSecret.parse(WebhookSignatureTest.SPEC_SECRET);

    @TempDir
    Path tmp;

    private final ByteArrayOutputStream logBytes = new ByteArrayOutputStream();
    private final PrintStream log = new PrintStream(logBytes, true);
    private final EngineCounters counters = new EngineCounters();
    private final VirtualTime time = new VirtualTime();

    static void await(final String what, final BooleanSupplier condition)
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

    private static EndpointSettings.Builder endpoint(final String name, final Receiver r)
    {
        return EndpointSettings.builder(name, r.url())
            .secret(SECRET)
            .timeout(Duration.ofSeconds(10))
            .backoff(Duration.ofSeconds(1), Duration.ofSeconds(60))
            .breaker(100, Duration.ofSeconds(30), 1)
            .startFrom(JournalTailer.StartFrom.EARLIEST);
    }

    private WebhooksExporter exporter(final TestJournal j, final EndpointSettings... endpoints) throws Exception
    {
        return exporter(j, time.context(), endpoints);
    }

    private WebhooksExporter exporter(final TestJournal j, final WebhooksExporter.Context context,
        final EndpointSettings... endpoints) throws Exception
    {
        return WebhooksExporter.create(j.settings, new WebhooksSettings(true, tmp.resolve("dead"), Duration.ofSeconds(1),
            List.of(endpoints)), counters, log, context);
    }

    private static WebhookVerifier.Result verify(final Request r, final long nowSeconds)
    {
        return WebhookVerifier.builder().secret(SECRET).replayCache(0)
            .clock(java.time.Clock.fixed(java.time.Instant.ofEpochSecond(nowSeconds), java.time.ZoneOffset.UTC)).build()
            .verify(r.headers(), r.body());
    }

    private long counter(final String label)
    {
        return counters.snapshot().getOrDefault(label, -1L);
    }

    @Test
    void anEndpointFailingThreeTimesGetsTheEventOnceMoreWithTheSameIdOnEveryAttemptOnTheStatedSchedule() throws Exception
    {
        try (TestJournal j = new TestJournal(tmp.resolve("journal"));
             Receiver r = Receiver.start(n -> n < 3 ? Answer.status(503) : Answer.status(204)))
        {
            final long index = j.event(1);
            final WebhooksExporter x = exporter(j, endpoint("flaky", r).build()).start();
            await("delivered and acked", () -> x.delivered("flaky") == 1 && x.caughtUp("flaky") && x.ackedIndex("flaky") == index);
            assertTrue(x.stop(Duration.ofSeconds(1)), "stopped caught up");

            final List<Request> requests = r.requests();
            assertEquals(4, requests.size(), "three failures and the one success, nothing after: " + logBytes);
            final Set<String> ids = requests.stream().map(q -> q.header("webhook-id")).collect(Collectors.toSet());
            assertEquals(Set.of("msg_e00000000000000000000000000000001"), ids, "one id, derived from node and event id");
            assertEquals(1, requests.stream().map(Request::bodyText).distinct().count(), "the same body every time");
            // full jitter drawn at its ceiling: 1s, 2s, 4s before attempts 2, 3, 4
            assertEquals(List.of(1_000_000_000L, 2_000_000_000L, 4_000_000_000L), time.pauses);
            final long[] stamps = requests.stream().mapToLong(q -> Long.parseLong(q.header("webhook-timestamp"))).toArray();
            assertEquals(List.of(0L, 1L, 3L, 7L), java.util.Arrays.stream(stamps).map(s -> s - VirtualTime.START_SECONDS).boxed().toList(),
                "each attempt is stamped (and signed) when it is sent");
            for (final Request q : requests)
            {
                assertEquals(WebhookVerifier.Result.VALID, verify(q, Long.parseLong(q.header("webhook-timestamp"))));
                assertEquals(PayloadFormat.CLOUDEVENTS_CONTENT_TYPE, q.header("content-type"));
            }
            assertEquals(3, x.attempts("flaky", SERVER_ERROR));
            assertEquals(1, x.attempts("flaky", SUCCESS));
            assertEquals(1, counter("tapio_webhook_deliveries_total{endpoint=\"flaky\",outcome=\"delivered\"}"));
            assertEquals(3, counter("tapio_webhook_attempts_total{endpoint=\"flaky\",result=\"server_error\"}"));
            assertEquals(0, counter("tapio_webhook_deliveries_total{endpoint=\"flaky\",outcome=\"dead_lettered\"}"));
        }
    }

    @Test
    void honoursRetryAfterInSecondsAndAsADateUpToMaxRetryAfter() throws Exception
    {
        final String date = java.time.format.DateTimeFormatter.RFC_1123_DATE_TIME.format(
            java.time.ZonedDateTime.ofInstant(java.time.Instant.ofEpochSecond(VirtualTime.START_SECONDS + 120 + 30), java.time.ZoneOffset.UTC));
        try (TestJournal j = new TestJournal(tmp.resolve("journal"));
             Receiver r = Receiver.start(n -> n == 0 ? new Answer(429, Map.of("Retry-After", "120"), "", false) :
                 n == 1 ? new Answer(503, Map.of("Retry-After", date), "", false) :
                 n == 2 ? new Answer(503, Map.of("Retry-After", "86400"), "", false) : Answer.status(200)))
        {
            j.event(1);
            final WebhooksExporter x = exporter(j, endpoint("limited", r).maxRetryAfter(Duration.ofMinutes(10)).build()).start();
            await("delivered", () -> x.delivered("limited") == 1);
            x.stop(Duration.ofSeconds(1));
            assertEquals(List.of(120_000_000_000L, 30_000_000_000L, 600_000_000_000L), time.pauses,
                "Retry-After 120 s; a date 30 s after that attempt; a day capped at maxRetryAfter");
            assertEquals(1, x.attempts("limited", RATE_LIMITED));
            assertEquals(2, x.attempts("limited", SERVER_ERROR));
        }
    }

    @Test
    void gone410DisablesTheEndpointForThisAndLaterRuns() throws Exception
    {
        try (TestJournal j = new TestJournal(tmp.resolve("journal"));
             Receiver gone = Receiver.start(n -> Answer.status(410));
             Receiver other = Receiver.start(n -> Answer.status(200)))
        {
            j.event(1);
            j.event(2);
            final WebhooksExporter x = exporter(j, endpoint("gone", gone).build(), endpoint("other", other).build()).start();
            await("disabled", () -> x.disabled("gone"));
            await("the other endpoint carries on", () -> x.delivered("other") == 2);
            assertTrue(x.stop(Duration.ofSeconds(1)), "a disabled endpoint counts as caught up");
            assertEquals(1, gone.requests().size(), "nothing after the 410");
            assertEquals(1, counter("tapio_webhook_deliveries_total{endpoint=\"gone\",outcome=\"gone\"}"));
            assertEquals(1, counter("tapio_webhook_endpoint_disabled{endpoint=\"gone\"}"));
            assertTrue(Files.exists(tmp.resolve("dead/gone.gone")), "the marker that keeps it disabled");

            final WebhooksExporter again = exporter(j, endpoint("gone", gone).build()).start();
            assertTrue(again.disabled("gone"), "still disabled after a restart");
            assertTrue(again.stop(Duration.ofSeconds(1)));
            assertEquals(1, gone.requests().size());
            assertTrue(logBytes.toString().contains("answered 410 Gone"), logBytes.toString());
        }
    }

    @Test
    void aHangingEndpointTimesOutWithoutDelayingAHealthyOne() throws Exception
    {
        try (TestJournal j = new TestJournal(tmp.resolve("journal"));
             Receiver hanging = Receiver.start(n -> Answer.hanging());
             Receiver healthy = Receiver.start(n -> Answer.status(200)))
        {
            for (int i = 1; i <= 5; i++)
            {
                j.event(i);
            }
            final WebhooksExporter x = exporter(j,
                endpoint("hanging", hanging).timeout(Duration.ofSeconds(3)).build(),
                endpoint("healthy", healthy).build()).start();
            await("the healthy endpoint got everything", () -> x.delivered("healthy") == 5 && x.caughtUp("healthy"));
            assertEquals(0, x.attempts("hanging", TIMEOUT), "all of it while the hanging endpoint's first attempt was still waiting");
            assertEquals(1, hanging.requests().size());
            await("the hanging endpoint's attempt times out", () -> x.attempts("hanging", TIMEOUT) >= 1);
            assertEquals(0, x.delivered("hanging"));
            hanging.release();
            await("and delivers once the endpoint answers", () -> x.delivered("hanging") == 5);
            assertTrue(x.stop(Duration.ofSeconds(5)));
            assertEquals("msg_e00000000000000000000000000000001", hanging.requests().get(0).header("webhook-id"));
            assertEquals(hanging.requests().get(0).header("webhook-id"), hanging.requests().get(1).header("webhook-id"),
                "the timed-out record is the one sent again");
        }
    }

    @Test
    void aResponseBodyThatNeverEndsTimesOutTooAndTheRecordIsSentAgain() throws Exception
    {
        try (TestJournal j = new TestJournal(tmp.resolve("journal"));
             Receiver r = Receiver.start(n -> n == 0 ? Answer.hangingBody() : Answer.status(200)))
        {
            j.event(1);
            final WebhooksExporter x = exporter(j, endpoint("dribble", r).timeout(Duration.ofMillis(500)).build()).start();
            await("the attempt times out although the headers came", () -> x.attempts("dribble", TIMEOUT) == 1);
            await("and the retry is delivered", () -> x.delivered("dribble") == 1);
            r.release();
            assertTrue(x.stop(Duration.ofSeconds(1)));
            assertEquals(2, r.requests().size());
            assertEquals(r.requests().get(0).header("webhook-id"), r.requests().get(1).header("webhook-id"));
        }
    }

    @Test
    void aRestartMidRetryResumesWithTheSameRecordAndId() throws Exception
    {
        final AtomicBoolean up = new AtomicBoolean();
        try (TestJournal j = new TestJournal(tmp.resolve("journal"));
             Receiver r = Receiver.start(n -> up.get() ? Answer.status(200) : Answer.status(500)))
        {
            // the endpoint's default start (the end of the journal) on an empty journal: the event comes after it
            final EndpointSettings settings = endpoint("resume", r).startFrom(JournalTailer.StartFrom.LATEST)
                .maxAttempts(1000).backoff(Duration.ofMillis(2), Duration.ofMillis(10)).build();
            final WebhooksExporter first = exporter(j, new WebhooksExporter.Context(), settings).start();
            final long index = j.event(42);
            await("a few failed attempts", () -> first.attempts("resume", SERVER_ERROR) >= 3);
            assertFalse(first.stop(Duration.ZERO), "stopped mid-retry, not caught up");
            assertEquals(-1, first.ackedIndex("resume"), "nothing acked");
            final int failed = r.requests().size();

            up.set(true);
            final WebhooksExporter second = exporter(j, new WebhooksExporter.Context(), settings).start();
            await("delivered by the new instance", () -> second.delivered("resume") == 1 && second.ackedIndex("resume") == index);
            assertTrue(second.stop(Duration.ofSeconds(1)));
            final List<Request> requests = r.requests();
            assertEquals(failed + 1, requests.size(), "exactly once more after the restart");
            assertEquals(Set.of("msg_e0000000000000000000000000000002a"),
                requests.stream().map(q -> q.header("webhook-id")).collect(Collectors.toSet()));

            final WebhooksExporter third = exporter(j, new WebhooksExporter.Context(), settings).start();
            final long next = j.event(43);
            // the counters are the same EngineCounters' (as in one process): cumulative
            await("the next record only", () -> third.delivered("resume") == 2 && third.ackedIndex("resume") == next);
            assertTrue(third.stop(Duration.ofSeconds(1)));
            assertEquals(failed + 2, r.requests().size());
        }
    }

    @Test
    void clientErrorsAreRetriedThenDeadLetteredAndDeliveryMovesOn() throws Exception
    {
        try (TestJournal j = new TestJournal(tmp.resolve("journal"));
             Receiver r = Receiver.start(n -> new Answer(400, Map.of(), "{\"error\":\"bad schema\"}", false)))
        {
            j.event(1);
            final long last = j.event(2);
            final WebhooksExporter x = exporter(j, endpoint("strict", r).maxAttempts(3).breaker(2, Duration.ofSeconds(30), 1).build()).start();
            await("both dead-lettered", () -> x.deadLettered("strict") == 2 && x.ackedIndex("strict") == last);
            assertTrue(x.stop(Duration.ofSeconds(1)));
            assertEquals(6, r.requests().size(), "three attempts each");
            assertEquals(6, x.attempts("strict", CLIENT_ERROR));
            assertEquals("closed", x.breakerState("strict"), "a 4xx is an answer: the breaker stays closed");
            final List<String> lines = Files.readAllLines(x.deadLetterFile("strict"));
            assertEquals(2, lines.size());
            final JsonNode first = RecordDecoder.JSON.readTree(lines.get(0));
            assertEquals("msg_e00000000000000000000000000000001", first.get("id").asText());
            assertEquals(3, first.get("attempts").asInt());
            assertEquals(400, first.get("status").asInt());
            assertEquals("client_error", first.get("outcome").asText());
            assertEquals("{\"error\":\"bad schema\"}", first.get("response").asText());
            assertEquals("k8s.pod.restarted", first.get("record").get("type").asText());
            assertEquals(2, counter("tapio_webhook_deliveries_total{endpoint=\"strict\",outcome=\"dead_lettered\"}"));
        }
    }

    @Test
    void anEndpointThatCannotWriteItsDeadLetterRecoversOnceItCanWithoutLosingTheRecord() throws Exception
    {
        try (TestJournal j = new TestJournal(tmp.resolve("journal"));
             Receiver r = Receiver.start(n -> Answer.status(422)))
        {
            Files.writeString(tmp.resolve("dead"), "a file where the dead-letter directory should be");
            final long index = j.event(1);
            final WebhooksExporter x = exporter(j, endpoint("blocked", r).maxAttempts(1).build()).start();
            await("the dead letter fails", () -> x.failure("blocked") != null);
            assertEquals(-1, x.ackedIndex("blocked"), "not acked without its dead letter");
            Files.delete(tmp.resolve("dead"));
            await("resumed after the position and dead-lettered", () -> x.deadLettered("blocked") == 1 && x.ackedIndex("blocked") == index);
            assertTrue(x.stop(Duration.ofSeconds(1)));
            assertTrue(r.requests().size() >= 2, "sent again after the recovery");
            assertEquals(1, Files.readAllLines(tmp.resolve("dead/blocked.jsonl")).size());
            assertTrue(logBytes.toString().contains("delivery failed (1 times so far)"), logBytes.toString());
        }
    }

    @Test
    void theBreakerOpensAfterConsecutiveFailuresAndHoldsAttemptsBackForItsOpenDuration() throws Exception
    {
        try (TestJournal j = new TestJournal(tmp.resolve("journal"));
             Receiver r = Receiver.start(n -> n < 3 ? Answer.status(502) : Answer.status(200)))
        {
            j.event(1);
            final WebhooksExporter x = exporter(j, endpoint("fragile", r).breaker(3, Duration.ofSeconds(30), 1).build()).start();
            await("delivered", () -> x.delivered("fragile") == 1);
            x.stop(Duration.ofSeconds(1));
            // backoff 1s, 2s; after the third failure the breaker opens: the 4s backoff, then the rest of its 30s
            assertEquals(List.of(1_000_000_000L, 2_000_000_000L, 4_000_000_000L, 26_000_000_000L), time.pauses);
            assertEquals(1, counter("tapio_webhook_breaker_transitions_total{endpoint=\"fragile\",state=\"open\"}"));
            assertEquals(1, counter("tapio_webhook_breaker_transitions_total{endpoint=\"fragile\",state=\"half_open\"}"));
            assertEquals(1, counter("tapio_webhook_breaker_transitions_total{endpoint=\"fragile\",state=\"closed\"}"));
            assertEquals(0, counter("tapio_webhook_breaker_state{endpoint=\"fragile\"}"));
        }
    }

    @Test
    void filtersByTypeGlobSeverityAndPatternAndFormatsCloudEventsOrATemplate() throws Exception
    {
        try (TestJournal j = new TestJournal(tmp.resolve("journal"));
             Receiver pods = Receiver.start(n -> Answer.status(200));
             Receiver incidents = Receiver.start(n -> Answer.status(200)))
        {
            j.event(1, EventType.K8S_POD_RESTARTED, Severity.WARNING, "web-1");   // pods: yes
            j.event(2, EventType.K8S_POD_RUNNING, Severity.INFO, "web-2");        // below warning
            j.event(3, EventType.KERNEL_PROCESS_EXIT, Severity.ERROR, "web-3");   // not k8s.pod.*
            final long last = j.group(9, "crash-loop");                          // pods: records events only; incidents: yes
            final WebhooksExporter x = exporter(j,
                endpoint("pods", pods).filter(new RecordFilter(RecordFilter.Records.EVENTS, List.of("k8s.pod.*"), List.of(), "warning")).build(),
                endpoint("incidents", incidents).filter(new RecordFilter(RecordFilter.Records.BOTH, List.of(), List.of("crash-*"), "debug"))
                    .format(PayloadFormat.template("incidents", "{\"text\":\"{{pattern}} on {{group.key}}: {{group.rootCause.summary}}\"," +
                        "\"id\":\"{{webhook.id}}\",\"note\":\"{{group.actions}}\",\"raw\":{{{json}}}}", "application/json", "json"))
                    .header("Authorization", "Bearer t0ken").build()).start();
            await("both caught up", () -> x.ackedIndex("pods") == last && x.ackedIndex("incidents") == last);
            x.stop(Duration.ofSeconds(1));

            assertEquals(1, pods.requests().size());
            assertEquals(3, x.filtered("pods"));
            final JsonNode ce = RecordDecoder.JSON.readTree(pods.requests().get(0).body());
            assertEquals("1.0", ce.get("specversion").asText());
            assertEquals("msg_e00000000000000000000000000000001", ce.get("id").asText());
            assertEquals(pods.requests().get(0).header("webhook-id"), ce.get("id").asText(), "CloudEvents id = webhook-id");
            assertEquals("/tapio/node/0000000000000000", ce.get("source").asText());
            assertEquals("dev.tapio.event.k8s.pod.restarted", ce.get("type").asText());
            assertEquals("shop/web-1", ce.get("subject").asText());
            assertEquals("application/json", ce.get("datacontenttype").asText());
            assertEquals("2026-11-23T10:00:00.001000000Z", ce.get("time").asText());
            assertEquals("0000000000000001", ce.get("data").get("id").asText());
            assertEquals("warning", ce.get("data").get("severity").asText());

            assertEquals(1, incidents.requests().size(), "uncorrelated events do not match a pattern filter");
            final Request q = incidents.requests().get(0);
            assertEquals("Bearer t0ken", q.header("authorization"));
            assertEquals("application/json", q.header("content-type"));
            final JsonNode body = RecordDecoder.JSON.readTree(q.body());
            assertEquals("crash-loop on pod=shop/web-1: it crashed", body.get("text").asText());
            assertEquals("msg_g0000000000000007" + "0000000000000009c", body.get("id").asText());
            assertEquals(q.header("webhook-id"), body.get("id").asText());
            assertEquals("group", body.get("raw").get("kind").asText());
            assertEquals(WebhookVerifier.Result.VALID, verify(q, Long.parseLong(q.header("webhook-timestamp"))));
        }
    }

    @Test
    void aNewEndpointStartsAtTheEndOfTheJournalByDefault() throws Exception
    {
        try (TestJournal j = new TestJournal(tmp.resolve("journal"));
             Receiver r = Receiver.start(n -> Answer.status(200)))
        {
            j.event(1);
            final WebhooksExporter x = exporter(j, endpoint("late", r).startFrom(JournalTailer.StartFrom.LATEST).build()).start();
            final long index = j.event(2);
            await("the new record", () -> x.delivered("late") == 1 && x.ackedIndex("late") == index);
            x.stop(Duration.ofSeconds(1));
            assertEquals(List.of("msg_e00000000000000000000000000000002"),
                r.requests().stream().map(q -> q.header("webhook-id")).toList());
        }
    }
}
