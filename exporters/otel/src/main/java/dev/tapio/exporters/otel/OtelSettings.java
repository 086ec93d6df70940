package dev.tapio.exporters.otel;

import dev.tapio.engine.config.ConfigException;
import dev.tapio.engine.config.ConfigNode;
import dev.tapio.engine.config.Units;

import java.net.URI;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;

/**
 * What the OTLP exporter needs to run: where to send (endpoint and protocol), how much of the
 * uncorrelated traffic to send, and the knobs of its journal tailer, batches and retries. Built once at
 * startup (from the {@code otel:} section or in code) and immutable afterwards, so it may be shared.
 */
public final class OtelSettings
{
    /** The wire protocol of OTLP. */
    public enum Protocol
    {
        /** OTLP/gRPC, by default to port 4317 */
        GRPC,
        /** OTLP/HTTP with protobuf bodies, by default to port 4318 ({@code /v1/traces}) */
        HTTP
    }

    public static final String DEFAULT_TAILER = "otel";
    public static final String DEFAULT_GRPC_ENDPOINT = "http://localhost:4317";
    public static final String DEFAULT_HTTP_ENDPOINT = "http://localhost:4318/v1/traces";
    public static final int DEFAULT_BATCH_SPANS = 512;
    public static final int DEFAULT_EVENT_CACHE = 65_536;
    public static final Duration DEFAULT_EXPORT_TIMEOUT = Duration.ofSeconds(10);
    public static final Duration DEFAULT_MIN_BACKOFF = Duration.ofMillis(100);
    public static final Duration DEFAULT_MAX_BACKOFF = Duration.ofSeconds(10);
    public static final Duration DEFAULT_WARMUP = Duration.ofHours(1);
    public static final Duration DEFAULT_DRAIN_TIMEOUT = Duration.ofSeconds(5);

    private final boolean enabled;
    private final String endpoint;
    private final Protocol protocol;
    private final double sampleUncorrelated;
    private final String tailerName;
    private final int batchSpans;
    private final int eventCache;
    private final Duration exportTimeout;
    private final Duration minBackoff;
    private final Duration maxBackoff;
    private final Duration warmup;
    private final Duration drainTimeout;

    private OtelSettings(final Builder b)
    {
        this.enabled = b.enabled;
        this.protocol = b.protocol;
        this.endpoint = b.endpoint != null ? b.endpoint :
            b.protocol == Protocol.GRPC ? DEFAULT_GRPC_ENDPOINT : DEFAULT_HTTP_ENDPOINT;
        this.sampleUncorrelated = b.sampleUncorrelated;
        this.tailerName = b.tailerName;
        this.batchSpans = b.batchSpans;
        this.eventCache = b.eventCache;
        this.exportTimeout = b.exportTimeout;
        this.minBackoff = b.minBackoff;
        this.maxBackoff = b.maxBackoff;
        this.warmup = b.warmup;
        this.drainTimeout = b.drainTimeout;
    }

    public static Builder builder()
    {
        return new Builder();
    }

    /**
     * Reads the {@code otel:} section (keys in docs/CONFIG.md); errors name file, line and key. Leaves the
     * check for unknown keys to the caller.
     */
    public static OtelSettings fromConfig(final ConfigNode c) throws ConfigException
    {
        final Builder b = builder();
        b.enabled(c.bool("enabled", false));
        b.protocol(Protocol.valueOf(c.choice("protocol", "grpc", "grpc", "http").toUpperCase(Locale.ROOT)));
        if (c.has("endpoint"))
        {
            final String endpoint = c.string("endpoint", null);
            try
            {
                final URI uri = new URI(endpoint);
                if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme()) || uri.getHost() == null)
                {
                    throw c.error("endpoint", "expected an http:// or https:// URL with a host, got \"" + endpoint + "\"");
                }
            }
            catch (final java.net.URISyntaxException e)
            {
                throw c.error("endpoint", "not a URL: \"" + endpoint + "\" (" + e.getReason() + ")");
            }
            b.endpoint(endpoint);
        }
        final String ratio = c.string("sampleUncorrelated", "0");
        final double r;
        try
        {
            r = Double.parseDouble(ratio);
        }
        catch (final NumberFormatException e)
        {
            throw c.error("sampleUncorrelated", "expected a ratio between 0 and 1, got \"" + ratio + "\"");
        }
        if (!(r >= 0 && r <= 1))
        {
            throw c.error("sampleUncorrelated", "expected a ratio between 0 and 1, got " + ratio);
        }
        b.sampleUncorrelated(r);
        b.batchSpans(c.intValue("batchSpans", DEFAULT_BATCH_SPANS, 1, 65_536));
        b.eventCache(c.intValue("eventCache", DEFAULT_EVENT_CACHE, 16, 16 << 20));
        final Duration timeout = c.duration("timeout", DEFAULT_EXPORT_TIMEOUT);
        if (timeout.compareTo(Duration.ofMillis(10)) < 0)
        {
            throw c.error("timeout", "must be at least 10ms, got " + Units.formatDuration(timeout));
        }
        b.exportTimeout(timeout);
        final Duration maxBackoff = c.duration("maxBackoff", DEFAULT_MAX_BACKOFF);
        if (maxBackoff.compareTo(DEFAULT_MIN_BACKOFF) < 0)
        {
            throw c.error("maxBackoff", "must be at least " + Units.formatDuration(DEFAULT_MIN_BACKOFF) +
                ", got " + Units.formatDuration(maxBackoff));
        }
        b.maxBackoff(maxBackoff);
        final Duration drain = c.duration("drainTimeout", DEFAULT_DRAIN_TIMEOUT);
        if (drain.isNegative() || drain.compareTo(Duration.ofHours(1)) > 0)
        {
            throw c.error("drainTimeout", "must be between 0s and 1h, got " + Units.formatDuration(drain));
        }
        b.drainTimeout(drain);
        return b.build();
    }

    public boolean enabled()
    {
        return enabled;
    }

    /** The OTLP endpoint URL (for HTTP the full URL, path included). */
    public String endpoint()
    {
        return endpoint;
    }

    public Protocol protocol()
    {
        return protocol;
    }

    /** The share, 0..1, of uncorrelated events sent as single-span traces (decided by trace id, so stable). */
    public double sampleUncorrelated()
    {
        return sampleUncorrelated;
    }

    /** The name of the journal tailer whose durable position is the last exported record. */
    public String tailerName()
    {
        return tailerName;
    }

    /** Spans per OTLP request, at most. */
    public int batchSpans()
    {
        return batchSpans;
    }

    /** Recent events kept by id to resolve group members. */
    public int eventCache()
    {
        return eventCache;
    }

    public Duration exportTimeout()
    {
        return exportTimeout;
    }

    public Duration minBackoff()
    {
        return minBackoff;
    }

    public Duration maxBackoff()
    {
        return maxBackoff;
    }

    /** After a restart, how far back in event time before the resumed record events are re-read into the cache. */
    public Duration warmup()
    {
        return warmup;
    }

    /** On stop, how long to keep exporting what the journal holds before leaving the rest for the next run. */
    public Duration drainTimeout()
    {
        return drainTimeout;
    }

    @Override
    public String toString()
    {
        return "otel{enabled=" + enabled + ", endpoint=" + endpoint + ", protocol=" + protocol.name().toLowerCase(Locale.ROOT) +
            ", sampleUncorrelated=" + sampleUncorrelated + ", tailer=" + tailerName + ", batchSpans=" + batchSpans +
            ", eventCache=" + eventCache + "}";
    }

    /** Fluent settings with named defaults; {@link #build()} validates. */
    public static final class Builder
    {
        private boolean enabled;
        private String endpoint;
        private Protocol protocol = Protocol.GRPC;
        private double sampleUncorrelated;
        private String tailerName = DEFAULT_TAILER;
        private int batchSpans = DEFAULT_BATCH_SPANS;
        private int eventCache = DEFAULT_EVENT_CACHE;
        private Duration exportTimeout = DEFAULT_EXPORT_TIMEOUT;
        private Duration minBackoff = DEFAULT_MIN_BACKOFF;
        private Duration maxBackoff = DEFAULT_MAX_BACKOFF;
        private Duration warmup = DEFAULT_WARMUP;
        private Duration drainTimeout = DEFAULT_DRAIN_TIMEOUT;

        public Builder enabled(final boolean enabled)
        {
            this.enabled = enabled;
            return this;
        }

        /** Null: the protocol's default ({@value #DEFAULT_GRPC_ENDPOINT} or {@value #DEFAULT_HTTP_ENDPOINT}). */
        public Builder endpoint(final String endpoint)
        {
            this.endpoint = endpoint;
            return this;
        }

        public Builder protocol(final Protocol protocol)
        {
            this.protocol = Objects.requireNonNull(protocol, "protocol");
            return this;
        }

        public Builder sampleUncorrelated(final double ratio)
        {
            this.sampleUncorrelated = ratio;
            return this;
        }

        public Builder tailerName(final String name)
        {
            this.tailerName = Objects.requireNonNull(name, "tailerName");
            return this;
        }

        public Builder batchSpans(final int spans)
        {
            this.batchSpans = spans;
            return this;
        }

        public Builder eventCache(final int events)
        {
            this.eventCache = events;
            return this;
        }

        public Builder exportTimeout(final Duration timeout)
        {
            this.exportTimeout = Objects.requireNonNull(timeout, "exportTimeout");
            return this;
        }

        public Builder minBackoff(final Duration backoff)
        {
            this.minBackoff = Objects.requireNonNull(backoff, "minBackoff");
            return this;
        }

        public Builder maxBackoff(final Duration backoff)
        {
            this.maxBackoff = Objects.requireNonNull(backoff, "maxBackoff");
            return this;
        }

        public Builder warmup(final Duration warmup)
        {
            this.warmup = Objects.requireNonNull(warmup, "warmup");
            return this;
        }

        public Builder drainTimeout(final Duration drain)
        {
            this.drainTimeout = Objects.requireNonNull(drain, "drainTimeout");
            return this;
        }

        public OtelSettings build()
        {
            if (!(sampleUncorrelated >= 0 && sampleUncorrelated <= 1))
            {
                throw new IllegalArgumentException("sampleUncorrelated must be between 0 and 1, got " + sampleUncorrelated);
            }
            if (batchSpans < 1 || eventCache < 1)
            {
                throw new IllegalArgumentException("batchSpans and eventCache must be positive");
            }
            if (minBackoff.isNegative() || minBackoff.isZero() || maxBackoff.compareTo(minBackoff) < 0)
            {
                throw new IllegalArgumentException("need 0 < minBackoff <= maxBackoff");
            }
            return new OtelSettings(this);
        }
    }
}
