package dev.tapio.exporters.webhooks;

import dev.tapio.journal.JournalTailer;
import dev.tapio.journal.delivery.CircuitBreaker;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One webhook endpoint: where to send, what, in which form, signed with which secrets, and how to retry.
 * Built once at startup (from an item of {@code webhooks.endpoints} or in code) and immutable afterwards.
 *
 * <p>Retry schedule: attempt 1 is immediate; before attempt n+1 the endpoint waits a delay drawn uniformly
 * from {@code [0, min(maxBackoff, minBackoff × 2^(n-1))]} (exponential backoff with full jitter), or the
 * response's {@code Retry-After} when that is longer (at most {@code maxRetryAfter}), and while its circuit
 * breaker is open. After {@code maxAttempts} failed attempts the record goes to the dead-letter file and
 * delivery moves on. With the defaults (1s, 5m, 10 attempts) the ceilings are 1, 2, 4 … 256 s: at most
 * about 8.5 minutes of waiting per record before it is dead-lettered.
 */
public final class EndpointSettings
{
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);
    public static final int DEFAULT_MAX_ATTEMPTS = 10;
    public static final Duration DEFAULT_MIN_BACKOFF = Duration.ofSeconds(1);
    public static final Duration DEFAULT_MAX_BACKOFF = Duration.ofMinutes(5);
    public static final Duration DEFAULT_MAX_RETRY_AFTER = Duration.ofMinutes(10);
    public static final int DEFAULT_BREAKER_FAILURES = 5;
    public static final Duration DEFAULT_BREAKER_OPEN = Duration.ofSeconds(30);
    public static final int DEFAULT_BREAKER_TRIALS = 1;
    public static final String TAILER_PREFIX = "webhook-";
    /** Endpoint names: they name a journal tailer, a dead-letter file and a metric label. */
    static final java.util.regex.Pattern NAME = java.util.regex.Pattern.compile("[a-z0-9][a-z0-9_-]{0,47}");
    /** Headers Tapio sets itself; a custom header may not replace them. */
    static final List<String> RESERVED_HEADERS = List.of("webhook-id", "webhook-timestamp", "webhook-signature",
        "content-type", "content-length", "host", "connection", "expect", "upgrade");

    private final String name;
    private final URI url;
    private final RecordFilter filter;
    private final PayloadFormat format;
    private final Map<String, String> headers;
    private final List<WebhookSecret> secrets;
    private final Duration timeout;
    private final int maxAttempts;
    private final Duration minBackoff;
    private final Duration maxBackoff;
    private final Duration maxRetryAfter;
    private final int breakerFailures;
    private final Duration breakerOpen;
    private final int breakerTrials;
    private final JournalTailer.StartFrom startFrom;

    private EndpointSettings(final Builder b)
    {
        name = b.name;
        url = b.url;
        filter = b.filter;
        format = b.format;
        headers = Map.copyOf(b.headers);
        secrets = List.copyOf(b.secrets);
        timeout = b.timeout;
        maxAttempts = b.maxAttempts;
        minBackoff = b.minBackoff;
        maxBackoff = b.maxBackoff;
        maxRetryAfter = b.maxRetryAfter;
        breakerFailures = b.breakerFailures;
        breakerOpen = b.breakerOpen;
        breakerTrials = b.breakerTrials;
        startFrom = b.startFrom;
    }

    public static Builder builder(final String name, final String url)
    {
        return new Builder(name, url);
    }

    public String name()
    {
        return name;
    }

    public URI url()
    {
        return url;
    }

    public RecordFilter filter()
    {
        return filter;
    }

    public PayloadFormat format()
    {
        return format;
    }

    /** Custom request headers, e.g. an Authorization the receiver also wants. */
    public Map<String, String> headers()
    {
        return headers;
    }

    /** Signing secrets, the newest first; empty: requests are not signed (no webhook-signature header). */
    public List<WebhookSecret> secrets()
    {
        return secrets;
    }

    /** Per attempt: connecting and the whole response must take at most this long. */
    public Duration timeout()
    {
        return timeout;
    }

    public int maxAttempts()
    {
        return maxAttempts;
    }

    public Duration minBackoff()
    {
        return minBackoff;
    }

    public Duration maxBackoff()
    {
        return maxBackoff;
    }

    public Duration maxRetryAfter()
    {
        return maxRetryAfter;
    }

    public int breakerFailures()
    {
        return breakerFailures;
    }

    public Duration breakerOpen()
    {
        return breakerOpen;
    }

    public int breakerTrials()
    {
        return breakerTrials;
    }

    /** Where a new endpoint's tailer starts: the records journaled after it first opens (default) or the oldest. */
    public JournalTailer.StartFrom startFrom()
    {
        return startFrom;
    }

    /** The journal tailer whose durable position is the endpoint's last delivered (or dead-lettered) record. */
    public String tailerName()
    {
        return TAILER_PREFIX + name;
    }

    @Override
    public String toString()
    {
        return name + " -> " + url;
    }

    /** Fluent settings with named defaults; {@link #build()} validates. */
    public static final class Builder
    {
        private final String name;
        private final URI url;
        private RecordFilter filter = RecordFilter.ALL;
        private PayloadFormat format = PayloadFormat.cloudEvents();
        private final Map<String, String> headers = new LinkedHashMap<>();
        private final List<WebhookSecret> secrets = new ArrayList<>();
        private Duration timeout = DEFAULT_TIMEOUT;
        private int maxAttempts = DEFAULT_MAX_ATTEMPTS;
        private Duration minBackoff = DEFAULT_MIN_BACKOFF;
        private Duration maxBackoff = DEFAULT_MAX_BACKOFF;
        private Duration maxRetryAfter = DEFAULT_MAX_RETRY_AFTER;
        private int breakerFailures = DEFAULT_BREAKER_FAILURES;
        private Duration breakerOpen = DEFAULT_BREAKER_OPEN;
        private int breakerTrials = DEFAULT_BREAKER_TRIALS;
        private JournalTailer.StartFrom startFrom = JournalTailer.StartFrom.LATEST;

        private Builder(final String name, final String url)
        {
            if (name == null || !NAME.matcher(name).matches())
            {
                throw new IllegalArgumentException("endpoint name \"" + name + "\": use 1 to 48 lower-case letters, " +
                    "digits, '_' or '-', starting with a letter or digit");
            }
            this.name = name;
            this.url = checkUrl(url);
        }

        static URI checkUrl(final String url)
        {
            final URI uri;
            try
            {
                uri = new URI(url);
            }
            catch (final java.net.URISyntaxException | NullPointerException e)
            {
                throw new IllegalArgumentException("not a URL: \"" + url + "\"");
            }
            if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme()) || uri.getHost() == null)
            {
                throw new IllegalArgumentException("expected an http:// or https:// URL with a host, got \"" + url + "\"");
            }
            return uri;
        }

        public Builder filter(final RecordFilter filter)
        {
            this.filter = Objects.requireNonNull(filter, "filter");
            return this;
        }

        public Builder format(final PayloadFormat format)
        {
            this.format = Objects.requireNonNull(format, "format");
            return this;
        }

        public Builder header(final String name, final String value)
        {
            if (RESERVED_HEADERS.contains(name.toLowerCase(java.util.Locale.ROOT)))
            {
                throw new IllegalArgumentException("header " + name + " is set by Tapio and cannot be replaced");
            }
            headers.put(name, Objects.requireNonNull(value, "value"));
            return this;
        }

        public Builder secret(final WebhookSecret secret)
        {
            secrets.add(Objects.requireNonNull(secret, "secret"));
            return this;
        }

        public Builder timeout(final Duration timeout)
        {
            this.timeout = Objects.requireNonNull(timeout, "timeout");
            return this;
        }

        public Builder maxAttempts(final int attempts)
        {
            this.maxAttempts = attempts;
            return this;
        }

        public Builder backoff(final Duration min, final Duration max)
        {
            this.minBackoff = Objects.requireNonNull(min, "minBackoff");
            this.maxBackoff = Objects.requireNonNull(max, "maxBackoff");
            return this;
        }

        public Builder maxRetryAfter(final Duration max)
        {
            this.maxRetryAfter = Objects.requireNonNull(max, "maxRetryAfter");
            return this;
        }

        public Builder breaker(final int failures, final Duration open, final int trials)
        {
            this.breakerFailures = failures;
            this.breakerOpen = Objects.requireNonNull(open, "open");
            this.breakerTrials = trials;
            return this;
        }

        public Builder startFrom(final JournalTailer.StartFrom from)
        {
            this.startFrom = Objects.requireNonNull(from, "startFrom");
            return this;
        }

        public EndpointSettings build()
        {
            if (timeout.compareTo(Duration.ofMillis(1)) < 0)
            {
                throw new IllegalArgumentException("timeout must be at least 1ms");
            }
            if (maxAttempts < 1)
            {
                throw new IllegalArgumentException("maxAttempts must be at least 1");
            }
            if (minBackoff.isNegative() || minBackoff.isZero() || maxBackoff.compareTo(minBackoff) < 0)
            {
                throw new IllegalArgumentException("need 0 < minBackoff <= maxBackoff");
            }
            if (maxRetryAfter.isNegative())
            {
                throw new IllegalArgumentException("maxRetryAfter must not be negative");
            }
            new CircuitBreaker(breakerFailures, breakerOpen, breakerTrials, System::nanoTime); // validates
            return new EndpointSettings(this);
        }
    }
}
