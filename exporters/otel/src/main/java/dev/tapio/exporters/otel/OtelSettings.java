package dev.tapio.exporters.otel;

import dev.tapio.engine.config.ConfigException;
import dev.tapio.engine.config.ConfigNode;
import dev.tapio.engine.config.Units;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Duration;
import java.util.Base64;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * What the OTLP exporter needs to run: where to send (endpoint and protocol) and how to connect there
 * (headers, compression, timeout, TLS: the OpenTelemetry SDK exporters' and the Collector's options), how
 * much of the uncorrelated traffic to send, the knobs of its journal tailer, batches and retries, and
 * whether to send the engine's counters as OTLP metrics too. Built once at startup (from the {@code otel:}
 * section or in code) and immutable afterwards, so it may be shared.
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

    /** Compression of OTLP request bodies. */
    public enum Compression
    {
        NONE,
        GZIP;

        /** The SDK exporters' name for it ({@code setCompression}). */
        public String sdkName()
        {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    public static final String DEFAULT_TAILER = "otel";
    public static final String DEFAULT_GRPC_ENDPOINT = "http://localhost:4317";
    public static final String DEFAULT_HTTP_ENDPOINT = "http://localhost:4318/v1/traces";
    public static final int DEFAULT_BATCH_SPANS = 512;
    public static final int DEFAULT_EVENT_CACHE = 65_536;
    public static final int DEFAULT_MAX_IN_FLIGHT = 4;
    public static final Duration DEFAULT_EXPORT_TIMEOUT = Duration.ofSeconds(10);
    public static final Duration DEFAULT_MIN_BACKOFF = Duration.ofMillis(100);
    public static final Duration DEFAULT_MAX_BACKOFF = Duration.ofSeconds(10);
    public static final Duration DEFAULT_WARMUP = Duration.ofHours(1);
    public static final Duration DEFAULT_DRAIN_TIMEOUT = Duration.ofSeconds(5);
    public static final Compression DEFAULT_COMPRESSION = Compression.NONE;
    public static final Duration DEFAULT_METRICS_INTERVAL = Duration.ofSeconds(60);
    public static final Duration MIN_METRICS_INTERVAL = Duration.ofMillis(100);
    private static final String TRACES_PATH = "/v1/traces";
    private static final String METRICS_PATH = "/v1/metrics";

    private final boolean enabled;
    private final String endpoint;
    private final Protocol protocol;
    private final double sampleUncorrelated;
    private final String tailerName;
    private final int batchSpans;
    private final int eventCache;
    private final int maxInFlight;
    private final Duration exportTimeout;
    private final Duration minBackoff;
    private final Duration maxBackoff;
    private final Duration warmup;
    private final Duration drainTimeout;
    private final Map<String, String> headers;
    private final Compression compression;
    private final Path tlsCaFile;
    private final Path tlsCertFile;
    private final Path tlsKeyFile;
    private final boolean metricsEnabled;
    private final Duration metricsInterval;
    private final String metricsEndpoint;

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
        this.maxInFlight = b.maxInFlight;
        this.exportTimeout = b.exportTimeout;
        this.minBackoff = b.minBackoff;
        this.maxBackoff = b.maxBackoff;
        this.warmup = b.warmup;
        this.drainTimeout = b.drainTimeout;
        this.headers = Collections.unmodifiableMap(new LinkedHashMap<>(b.headers));
        this.compression = b.compression;
        this.tlsCaFile = b.tlsCaFile;
        this.tlsCertFile = b.tlsCertFile;
        this.tlsKeyFile = b.tlsKeyFile;
        this.metricsEnabled = b.metricsEnabled;
        this.metricsInterval = b.metricsInterval;
        this.metricsEndpoint = b.metricsEndpoint != null ? b.metricsEndpoint : defaultMetricsEndpoint(protocol, endpoint);
    }

    /**
     * Where metrics go when {@code metrics.endpoint} is not set: for gRPC the traces' endpoint (one service
     * per signal on one port); for HTTP the traces' URL with {@code /v1/traces} replaced by {@code /v1/metrics},
     * or null when it does not end so (then {@code metrics.endpoint} is needed).
     */
    static String defaultMetricsEndpoint(final Protocol protocol, final String endpoint)
    {
        if (protocol == Protocol.GRPC)
        {
            return endpoint;
        }
        return endpoint.endsWith(TRACES_PATH) ?
            endpoint.substring(0, endpoint.length() - TRACES_PATH.length()) + METRICS_PATH : null;
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
            b.endpoint(url(c, "endpoint"));
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
        b.maxInFlight(c.intValue("maxInFlight", DEFAULT_MAX_IN_FLIGHT, 1, 64));
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

        b.compression(Compression.valueOf(c.choice("compression", "none", "none", "gzip").toUpperCase(Locale.ROOT)));
        final ConfigNode headers = c.child("headers");
        for (final String name : headers.keys())
        {
            final String value = headers.string(name, "");
            final String problem = headerProblem(name, value);
            if (problem != null)
            {
                throw headers.error(name, problem);
            }
            b.header(name, value);
        }
        headers.checkAllKeysUsed();

        final ConfigNode tls = c.child("tls");
        final Path ca = readableFile(tls, "caFile");
        final Path cert = readableFile(tls, "certFile");
        final Path key = readableFile(tls, "keyFile");
        tls.checkAllKeysUsed();
        if ((cert == null) != (key == null))
        {
            throw tls.error(cert != null ? "certFile" : "keyFile", "a client certificate needs both certFile and keyFile (" +
                (cert != null ? "keyFile" : "certFile") + " is missing)");
        }
        if (ca != null)
        {
            checkCertificates(tls, "caFile", ca);
        }
        if (cert != null)
        {
            checkCertificates(tls, "certFile", cert);
            checkPrivateKey(tls, "keyFile", key);
        }
        if ((ca != null || cert != null) && !b.resolvedEndpoint().startsWith("https://"))
        {
            throw tls.error(ca != null ? "caFile" : "certFile", "TLS needs an https:// endpoint, but otel.endpoint is " +
                b.resolvedEndpoint());
        }
        b.tlsCaFile(ca);
        b.tlsClientCertificate(cert, key);

        final ConfigNode metrics = c.child("metrics");
        b.metricsEnabled(metrics.bool("enabled", false));
        final Duration interval = metrics.duration("interval", DEFAULT_METRICS_INTERVAL);
        if (interval.compareTo(MIN_METRICS_INTERVAL) < 0)
        {
            throw metrics.error("interval", "must be at least " + Units.formatDuration(MIN_METRICS_INTERVAL) + ", got " +
                Units.formatDuration(interval));
        }
        b.metricsInterval(interval);
        if (metrics.has("endpoint"))
        {
            b.metricsEndpoint(url(metrics, "endpoint"));
        }
        metrics.checkAllKeysUsed();
        if (b.metricsEnabled && b.metricsEndpoint == null &&
            defaultMetricsEndpoint(b.protocol, b.resolvedEndpoint()) == null)
        {
            throw metrics.error("enabled", "with protocol http, otel.endpoint " + b.resolvedEndpoint() +
                " does not end in " + TRACES_PATH + ": set otel.metrics.endpoint to the metrics URL");
        }
        return b.build();
    }

    private static String url(final ConfigNode c, final String key) throws ConfigException
    {
        final String endpoint = c.string(key, null);
        try
        {
            final URI uri = new URI(endpoint);
            if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme()) || uri.getHost() == null)
            {
                throw c.error(key, "expected an http:// or https:// URL with a host, got \"" + endpoint + "\"");
            }
        }
        catch (final java.net.URISyntaxException e)
        {
            throw c.error(key, "not a URL: \"" + endpoint + "\" (" + e.getReason() + ")");
        }
        return endpoint;
    }

    /**
     * Why {@code name: value} cannot be a request header (gRPC metadata or HTTP), or null: the name must be an
     * HTTP token, not a pseudo-header and not one the protocol sets itself; the value printable ASCII.
     */
    static String headerProblem(final String name, final String value)
    {
        if (name.isEmpty())
        {
            return "a header needs a name";
        }
        for (int i = 0; i < name.length(); i++)
        {
            final char ch = name.charAt(i);
            final boolean token = ch >= '0' && ch <= '9' || ch >= 'a' && ch <= 'z' || ch >= 'A' && ch <= 'Z' ||
                "!#$%&'*+-.^_`|~".indexOf(ch) >= 0;
            if (!token)
            {
                return "not a valid header name (letters, digits and !#$%&'*+-.^_`|~ only)";
            }
        }
        final String lower = name.toLowerCase(Locale.ROOT);
        if (lower.startsWith("grpc-") || lower.equals("content-type") || lower.equals("content-length") ||
            lower.equals("content-encoding") || lower.equals("te") || lower.equals("host") || lower.equals("connection") ||
            lower.equals("transfer-encoding") || lower.equals("user-agent"))
        {
            return "set by the OTLP exporter itself; it cannot be configured";
        }
        if (lower.endsWith("-bin"))
        {
            return "binary (-bin) metadata is not supported; use a text header";
        }
        for (int i = 0; i < value.length(); i++)
        {
            final char ch = value.charAt(i);
            if (ch < 0x20 && ch != '\t' || ch >= 0x7f)
            {
                return "the value may hold only printable ASCII (no line breaks or control characters)";
            }
        }
        return null;
    }

    private static Path readableFile(final ConfigNode c, final String key) throws ConfigException
    {
        final String value = c.string(key, null);
        if (value == null || value.isEmpty())
        {
            return null;
        }
        final Path p = Path.of(value);
        if (!Files.isRegularFile(p) || !Files.isReadable(p))
        {
            throw c.error(key, "not a readable file: " + value);
        }
        return p;
    }

    private static void checkCertificates(final ConfigNode c, final String key, final Path file) throws ConfigException
    {
        final String problem = certificatesProblem(file);
        if (problem != null)
        {
            throw c.error(key, problem);
        }
    }

    /** Why {@code file} holds no PEM X.509 certificate the SDK could use, or null. */
    static String certificatesProblem(final Path file)
    {
        try
        {
            final byte[] pem = Files.readAllBytes(file);
            if (!new String(pem, java.nio.charset.StandardCharsets.US_ASCII).contains("-----BEGIN CERTIFICATE-----"))
            {
                return "expected PEM certificates (-----BEGIN CERTIFICATE-----) in " + file;
            }
            final int n = CertificateFactory.getInstance("X.509").generateCertificates(new ByteArrayInputStream(pem)).size();
            return n > 0 ? null : "no certificate in " + file;
        }
        catch (final IOException | CertificateException e)
        {
            return "cannot read the certificates in " + file + ": " + e.getMessage();
        }
    }

    private static void checkPrivateKey(final ConfigNode c, final String key, final Path file) throws ConfigException
    {
        final String problem = privateKeyProblem(file);
        if (problem != null)
        {
            throw c.error(key, problem);
        }
    }

    /**
     * Why {@code file} holds no unencrypted PKCS#8 PEM key (RSA or EC, what the SDK's {@code setClientTls}
     * reads), or null.
     */
    static String privateKeyProblem(final Path file)
    {
        final String text;
        try
        {
            text = Files.readString(file, java.nio.charset.StandardCharsets.US_ASCII);
        }
        catch (final IOException e)
        {
            return "cannot read " + file + ": " + e.getMessage();
        }
        final String begin = "-----BEGIN PRIVATE KEY-----";
        final String end = "-----END PRIVATE KEY-----";
        final int from = text.indexOf(begin);
        final int to = text.indexOf(end);
        if (from < 0 || to < from)
        {
            return "expected an unencrypted PKCS#8 PEM key (-----BEGIN PRIVATE KEY-----) in " + file +
                " (convert with: openssl pkcs8 -topk8 -nocrypt -in KEY -out KEY.pk8)";
        }
        final byte[] der;
        try
        {
            der = Base64.getMimeDecoder().decode(text.substring(from + begin.length(), to));
        }
        catch (final IllegalArgumentException e)
        {
            return "the key in " + file + " is not valid base64";
        }
        for (final String algorithm : new String[] {"RSA", "EC"})
        {
            try
            {
                KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
                return null;
            }
            catch (final java.security.GeneralSecurityException ignored)
            {
                // try the next algorithm
            }
        }
        return "the key in " + file + " is neither an RSA nor an EC key";
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

    /** Export requests (of up to {@link #batchSpans()} each) sent at once before waiting for their answers. */
    public int maxInFlight()
    {
        return maxInFlight;
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

    /** Headers sent with every export request (e.g. {@code Authorization}), in the order configured. */
    public Map<String, String> headers()
    {
        return headers;
    }

    public Compression compression()
    {
        return compression;
    }

    /** PEM CA certificates to trust for an https endpoint instead of the JVM's, or null. */
    public Path tlsCaFile()
    {
        return tlsCaFile;
    }

    /** The PEM client certificate (chain) for mutual TLS, or null. */
    public Path tlsCertFile()
    {
        return tlsCertFile;
    }

    /** The PKCS#8 PEM key of {@link #tlsCertFile()}, or null. */
    public Path tlsKeyFile()
    {
        return tlsKeyFile;
    }

    /** True when the engine's counters are sent as OTLP metrics as well. */
    public boolean metricsEnabled()
    {
        return metricsEnabled;
    }

    /** How often the counters are read and exported. */
    public Duration metricsInterval()
    {
        return metricsInterval;
    }

    /** Where metrics go: {@code metrics.endpoint}, else derived from {@link #endpoint()}; null when none can be. */
    public String metricsEndpoint()
    {
        return metricsEndpoint;
    }

    @Override
    public String toString()
    {
        return "otel{enabled=" + enabled + ", endpoint=" + endpoint + ", protocol=" + protocol.name().toLowerCase(Locale.ROOT) +
            ", sampleUncorrelated=" + sampleUncorrelated + ", tailer=" + tailerName + ", batchSpans=" + batchSpans + ", maxInFlight=" + maxInFlight +
            ", eventCache=" + eventCache + ", compression=" + compression.sdkName() + ", headers=" + headers.keySet() +
            (tlsCaFile != null ? ", tlsCaFile=" + tlsCaFile : "") + (tlsCertFile != null ? ", tlsCertFile=" + tlsCertFile : "") +
            (metricsEnabled ? ", metrics every " + Units.formatDuration(metricsInterval) + " -> " + metricsEndpoint : "") + "}";
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
        private int maxInFlight = DEFAULT_MAX_IN_FLIGHT;
        private Duration exportTimeout = DEFAULT_EXPORT_TIMEOUT;
        private Duration minBackoff = DEFAULT_MIN_BACKOFF;
        private Duration maxBackoff = DEFAULT_MAX_BACKOFF;
        private Duration warmup = DEFAULT_WARMUP;
        private Duration drainTimeout = DEFAULT_DRAIN_TIMEOUT;
        private final Map<String, String> headers = new LinkedHashMap<>();
        private Compression compression = DEFAULT_COMPRESSION;
        private Path tlsCaFile;
        private Path tlsCertFile;
        private Path tlsKeyFile;
        private boolean metricsEnabled;
        private Duration metricsInterval = DEFAULT_METRICS_INTERVAL;
        private String metricsEndpoint;

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

        public Builder maxInFlight(final int requests)
        {
            this.maxInFlight = requests;
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

        /** Adds a header sent with every export request (a later one of the same name replaces it). */
        public Builder header(final String name, final String value)
        {
            headers.put(Objects.requireNonNull(name, "name"), Objects.requireNonNull(value, "value"));
            return this;
        }

        public Builder compression(final Compression compression)
        {
            this.compression = Objects.requireNonNull(compression, "compression");
            return this;
        }

        /** Trust the CA certificates in this PEM file (for an https endpoint); null: the JVM's trust store. */
        public Builder tlsCaFile(final Path caFile)
        {
            this.tlsCaFile = caFile;
            return this;
        }

        /** Present this PEM certificate and PKCS#8 PEM key (mutual TLS); nulls: none. */
        public Builder tlsClientCertificate(final Path certFile, final Path keyFile)
        {
            this.tlsCertFile = certFile;
            this.tlsKeyFile = keyFile;
            return this;
        }

        public Builder metricsEnabled(final boolean enabled)
        {
            this.metricsEnabled = enabled;
            return this;
        }

        public Builder metricsInterval(final Duration interval)
        {
            this.metricsInterval = Objects.requireNonNull(interval, "metricsInterval");
            return this;
        }

        /** Null: derived from the traces' endpoint ({@link #defaultMetricsEndpoint}). */
        public Builder metricsEndpoint(final String endpoint)
        {
            this.metricsEndpoint = endpoint;
            return this;
        }

        String resolvedEndpoint()
        {
            return endpoint != null ? endpoint : protocol == Protocol.GRPC ? DEFAULT_GRPC_ENDPOINT : DEFAULT_HTTP_ENDPOINT;
        }

        public OtelSettings build()
        {
            if ((tlsCertFile == null) != (tlsKeyFile == null))
            {
                throw new IllegalArgumentException("a client certificate needs both a certificate file and a key file");
            }
            for (final Map.Entry<String, String> h : headers.entrySet())
            {
                final String problem = headerProblem(h.getKey(), h.getValue());
                if (problem != null)
                {
                    throw new IllegalArgumentException("header " + h.getKey() + ": " + problem);
                }
            }
            if (metricsInterval.compareTo(MIN_METRICS_INTERVAL) < 0)
            {
                throw new IllegalArgumentException("metricsInterval must be at least " + MIN_METRICS_INTERVAL);
            }
            if (metricsEnabled && metricsEndpoint == null && defaultMetricsEndpoint(protocol, resolvedEndpoint()) == null)
            {
                throw new IllegalArgumentException("metrics over http need a metricsEndpoint when the endpoint does not end in " +
                    TRACES_PATH);
            }
            if (!(sampleUncorrelated >= 0 && sampleUncorrelated <= 1))
            {
                throw new IllegalArgumentException("sampleUncorrelated must be between 0 and 1, got " + sampleUncorrelated);
            }
            if (batchSpans < 1 || eventCache < 1 || maxInFlight < 1)
            {
                throw new IllegalArgumentException("batchSpans, eventCache and maxInFlight must be positive");
            }
            if (minBackoff.isNegative() || minBackoff.isZero() || maxBackoff.compareTo(minBackoff) < 0)
            {
                throw new IllegalArgumentException("need 0 < minBackoff <= maxBackoff");
            }
            return new OtelSettings(this);
        }
    }
}
