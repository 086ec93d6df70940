package dev.tapio.exporters.webhooks;

import dev.tapio.codecs.EventDraft;
import dev.tapio.codecs.sbe.EventType;
import dev.tapio.codecs.sbe.Severity;
import dev.tapio.codecs.sbe.Source;
import dev.tapio.journal.JournalRecords;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.net.ConnectException;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Sends one attempt of one record to one endpoint: formats the body, stamps {@code webhook-timestamp} from
 * the injected wall clock, signs per Standard Webhooks with every secret, POSTs it with the endpoint's
 * headers and timeout, and classifies the answer. The exporter and {@code tapio webhooks test} both send
 * through it, so a test request is formatted exactly as real deliveries are.
 *
 * <p>Owns the endpoint's own {@link HttpClient} (HTTP/1.1, redirects not followed). Used by one thread at
 * a time (the endpoint's); the HTTP client itself is thread-safe.
 */
public final class WebhookSender implements AutoCloseable
{
    /** What one attempt came to; {@link #label} is the metric label value. */
    public enum Outcome
    {
        /** 2xx */
        SUCCESS("success", false),
        /** 410 Gone: the receiver asks never to be called again */
        GONE("gone", false),
        /** 429 */
        RATE_LIMITED("rate_limited", true),
        /** 5xx */
        SERVER_ERROR("server_error", true),
        /** any other status (4xx but 410 and 429; 1xx, 3xx) */
        CLIENT_ERROR("client_error", false),
        /** no complete answer within the timeout */
        TIMEOUT("timeout", true),
        /** could not connect, or the connection broke */
        CONNECTION_ERROR("connection_error", true);

        public final String label;
        /** Whether it says the endpoint is unwell (counted by the circuit breaker), rather than refusing the request. */
        public final boolean transientFailure;

        Outcome(final String label, final boolean transientFailure)
        {
            this.label = label;
            this.transientFailure = transientFailure;
        }
    }

    /**
     * One attempt's result.
     *
     * @param retryAfterNanos the response's Retry-After as a delay from now, or -1 when it had none.
     */
    public record Attempt(Outcome outcome, int status, long retryAfterNanos, String id, long timestamp,
        String signature, byte[] requestBody, String contentType, HttpHeaders responseHeaders, String responseBody,
        String error)
    {
        /** A one-line description for logs and dead letters. */
        public String describe()
        {
            return status > 0 ? "HTTP " + status + (error == null ? "" : " (" + error + ")") :
                outcome.label + (error == null ? "" : ": " + error);
        }
    }

    /** Response body bytes kept for logs, dead letters and {@code tapio webhooks test}, at most. */
    static final int MAX_RESPONSE_CHARS = 4096;

    private final EndpointSettings settings;
    private final HttpClient client;
    private final Clock clock;

    public WebhookSender(final EndpointSettings settings, final Clock clock)
    {
        this.settings = settings;
        this.clock = clock;
        this.client = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .followRedirects(HttpClient.Redirect.NEVER)
            .connectTimeout(settings.timeout())
            .build();
    }

    public EndpointSettings settings()
    {
        return settings;
    }

    /** Sends {@code record} once and waits for the answer (at most the endpoint's timeout). */
    public Attempt send(final WebhookRecord record) throws InterruptedException
    {
        final long timestamp = clock.instant().getEpochSecond();
        final PayloadFormat.Payload payload = settings.format().format(record, settings.name(), timestamp);
        final String id = record.id();
        final String signature = settings.secrets().isEmpty() ? null :
            WebhookSigner.signatures(settings.secrets(), id, timestamp, payload.body());
        final HttpRequest.Builder b = HttpRequest.newBuilder(settings.url())
            .timeout(settings.timeout())
            .header("Content-Type", payload.contentType())
            .header("User-Agent", "tapio-webhooks")
            .header(WebhookSigner.HEADER_ID, id)
            .header(WebhookSigner.HEADER_TIMESTAMP, Long.toString(timestamp))
            .POST(HttpRequest.BodyPublishers.ofByteArray(payload.body()));
        if (signature != null)
        {
            b.header(WebhookSigner.HEADER_SIGNATURE, signature);
        }
        settings.headers().forEach(b::header);
        // sendAsync and a deadline: the request's own timeout stops at the response headers, and a body that
        // never ends must not hold the endpoint's thread either
        final java.util.concurrent.CompletableFuture<HttpResponse<String>> future =
            client.sendAsync(b.build(), info -> new LimitedBody());
        try
        {
            final HttpResponse<String> r = future.get(settings.timeout().toNanos(), java.util.concurrent.TimeUnit.NANOSECONDS);
            final int status = r.statusCode();
            final Outcome outcome = status >= 200 && status < 300 ? Outcome.SUCCESS : status == 410 ? Outcome.GONE :
                status == 429 ? Outcome.RATE_LIMITED : status >= 500 ? Outcome.SERVER_ERROR : Outcome.CLIENT_ERROR;
            final long retryAfter = outcome == Outcome.SUCCESS ? -1 :
                retryAfterNanos(r.headers().firstValue("Retry-After").orElse(null), clock);
            return new Attempt(outcome, status, retryAfter, id, timestamp, signature, payload.body(),
                payload.contentType(), r.headers(), r.body(), null);
        }
        catch (final java.util.concurrent.TimeoutException e)
        {
            future.cancel(true);
            return timeout(id, timestamp, signature, payload);
        }
        catch (final InterruptedException e)
        {
            future.cancel(true);
            throw e;
        }
        catch (final java.util.concurrent.ExecutionException e)
        {
            final Throwable cause = e.getCause();
            if (cause instanceof HttpTimeoutException)
            {
                return timeout(id, timestamp, signature, payload);
            }
            if (cause instanceof ConnectException)
            {
                return new Attempt(Outcome.CONNECTION_ERROR, 0, -1, id, timestamp, signature, payload.body(),
                    payload.contentType(), null, null, "cannot connect to " + settings.url().getHost() + ":" + port());
            }
            return new Attempt(Outcome.CONNECTION_ERROR, 0, -1, id, timestamp, signature, payload.body(),
                payload.contentType(), null, null, String.valueOf(cause != null && cause.getMessage() != null ?
                cause.getMessage() : cause));
        }
    }

    private Attempt timeout(final String id, final long timestamp, final String signature, final PayloadFormat.Payload payload)
    {
        return new Attempt(Outcome.TIMEOUT, 0, -1, id, timestamp, signature, payload.body(), payload.contentType(),
            null, null, "no complete answer within " + dev.tapio.engine.config.Units.formatDuration(settings.timeout()));
    }

    /** Keeps the first {@value #MAX_RESPONSE_CHARS} bytes of a response body and discards the rest. */
    private static final class LimitedBody implements HttpResponse.BodySubscriber<String>
    {
        private final java.util.concurrent.CompletableFuture<String> result = new java.util.concurrent.CompletableFuture<>();
        private final java.io.ByteArrayOutputStream kept = new java.io.ByteArrayOutputStream();
        private boolean truncated;

        @Override
        public java.util.concurrent.CompletionStage<String> getBody()
        {
            return result;
        }

        @Override
        public void onSubscribe(final java.util.concurrent.Flow.Subscription subscription)
        {
            subscription.request(Long.MAX_VALUE);
        }

        @Override
        public void onNext(final java.util.List<java.nio.ByteBuffer> items)
        {
            for (final java.nio.ByteBuffer bb : items)
            {
                final int room = MAX_RESPONSE_CHARS - kept.size();
                final int n = Math.min(room, bb.remaining());
                if (n > 0)
                {
                    final byte[] bytes = new byte[n];
                    bb.get(bytes);
                    kept.write(bytes, 0, n);
                }
                truncated |= bb.hasRemaining();
            }
        }

        @Override
        public void onError(final Throwable throwable)
        {
            result.completeExceptionally(throwable);
        }

        @Override
        public void onComplete()
        {
            result.complete(kept.toString(StandardCharsets.UTF_8) + (truncated ? "…" : ""));
        }
    }

    private int port()
    {
        final int p = settings.url().getPort();
        return p >= 0 ? p : "https".equals(settings.url().getScheme()) ? 443 : 80;
    }

    /**
     * A {@code Retry-After} value as a delay: delta-seconds or an HTTP-date (RFC 9110 §10.2.3) relative to the
     * clock; -1 when absent or unreadable; 0 for a date in the past.
     */
    static long retryAfterNanos(final String value, final Clock clock)
    {
        if (value == null || value.isBlank())
        {
            return -1;
        }
        final String v = value.trim();
        try
        {
            final long seconds = Long.parseLong(v);
            return seconds < 0 ? -1 : Duration.ofSeconds(Math.min(seconds, 366L * 24 * 3600)).toNanos();
        }
        catch (final NumberFormatException ignored)
        {
            // an HTTP-date then
        }
        try
        {
            final ZonedDateTime at = ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME);
            final Duration d = Duration.between(clock.instant(), at.toInstant());
            return d.isNegative() ? 0 : Math.min(d.toNanos(), Duration.ofDays(366).toNanos());
        }
        catch (final DateTimeParseException e)
        {
            return -1;
        }
    }

    /**
     * The record {@code tapio webhooks test} sends: an event of type {@code tapio.webhook.test} from
     * {@code node}, with a random id, through the same JSON and payload code as journal records.
     */
    public static WebhookRecord testRecord(final String node, final Clock clock)
    {
        final EventDraft d = new EventDraft();
        d.reset();
        d.type = EventType.OTHER;
        d.text(EventDraft.TYPE_NAME).set("tapio.webhook.test");
        d.severity = Severity.INFO;
        d.source = Source.SYNTHETIC;
        d.text(EventDraft.NODE).set(node);
        d.text(EventDraft.MESSAGE).set("a test event from tapio webhooks test");
        d.hasEventId = true;
        d.eventId = ThreadLocalRandom.current().nextLong();
        final long now = clock.instant().getEpochSecond() * 1_000_000_000L + clock.instant().getNano();
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[d.encodedLength()]);
        final int length = d.encode(buffer, 0, buffer.capacity(), now, d.eventId, Source.SYNTHETIC);
        try
        {
            return new RecordDecoder(null).decode(JournalRecords.EVENT, buffer, 0, length);
        }
        catch (final IOException e)
        {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Override
    public void close()
    {
        // java.net.http.HttpClient is AutoCloseable only from Java 21; on 17 its threads end once it is unreachable.
        if (client instanceof AutoCloseable)
        {
            try
            {
                ((AutoCloseable)client).close();
            }
            catch (final Exception ignored)
            {
                // closing
            }
        }
    }

    @Override
    public String toString()
    {
        return "webhook " + settings.name() + " -> " + settings.url() + String.format(Locale.ROOT, " (%s)", settings.format());
    }
}
