package dev.tapio.exporters.grpc;

import dev.tapio.engine.config.ConfigException;
import dev.tapio.engine.config.ConfigNode;
import dev.tapio.engine.config.HostPort;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Settings of the gRPC API, read from the {@code grpc:} section of tapio.yaml ({@link #fromConfig}, errors
 * naming file, line and key) or built in code ({@link #builder()}). Every option has a default.
 *
 * <pre>
 * grpc:
 *   enabled: true
 *   listen: 127.0.0.1:7302
 *   ingest: true
 *   token: s3cret              # or tokenFile: /etc/tapio/grpc-token
 *   tls: {cert: server.pem, key: server.key, clientCa: ca.pem}
 *   limits: {maxMessageSize: 4MiB, maxConcurrentStreams: 64, maxSubscribers: 16, maxIngestStreams: 16}
 *   subscriber: {buffer: 8MiB, maxBatch: 256, seamTimeout: 10s}
 * </pre>
 *
 * <p>Immutable; thread-safe.
 */
public final class GrpcSettings
{
    public static final String DEFAULT_LISTEN = "127.0.0.1:7302";
    public static final long DEFAULT_MAX_MESSAGE_SIZE = 4L << 20;
    public static final int DEFAULT_MAX_CONCURRENT_STREAMS = 64;
    public static final int DEFAULT_MAX_SUBSCRIBERS = 16;
    public static final int DEFAULT_MAX_INGEST_STREAMS = 16;
    public static final long DEFAULT_SUBSCRIBER_BUFFER = 8L << 20;
    public static final int DEFAULT_MAX_BATCH = 256;
    public static final Duration DEFAULT_SEAM_TIMEOUT = Duration.ofSeconds(10);

    final boolean enabled;
    final InetSocketAddress listen;
    final String listenText;
    final boolean ingest;
    final String token;
    final Path tlsCert;
    final Path tlsKey;
    final Path tlsClientCa;
    final int maxMessageSize;
    final int maxConcurrentStreams;
    final int maxSubscribers;
    final int maxIngestStreams;
    final int subscriberBuffer;
    final int maxBatch;
    final Duration seamTimeout;

    private GrpcSettings(final Builder b)
    {
        enabled = b.enabled;
        listen = b.listen;
        listenText = b.listenText;
        ingest = b.ingest;
        token = b.token;
        tlsCert = b.tlsCert;
        tlsKey = b.tlsKey;
        tlsClientCa = b.tlsClientCa;
        maxMessageSize = b.maxMessageSize;
        maxConcurrentStreams = b.maxConcurrentStreams;
        maxSubscribers = b.maxSubscribers;
        maxIngestStreams = b.maxIngestStreams;
        subscriberBuffer = b.subscriberBuffer;
        maxBatch = b.maxBatch;
        seamTimeout = b.seamTimeout;
    }

    public static Builder builder()
    {
        return new Builder();
    }

    /** Reads and validates a {@code grpc:} section; errors name the file, line and key. */
    public static GrpcSettings fromConfig(final ConfigNode node) throws ConfigException
    {
        final Builder b = builder().enabled(node.bool("enabled", false));
        final String listen = node.string("listen", DEFAULT_LISTEN);
        try
        {
            b.listen(listen);
        }
        catch (final IllegalArgumentException e)
        {
            throw node.error("listen", e.getMessage());
        }
        b.ingest(node.bool("ingest", true));
        final String token = node.string("token", "");
        final String tokenFile = node.string("tokenFile", "");
        if (!token.isEmpty() && !tokenFile.isEmpty())
        {
            throw node.error("tokenFile", "give token or tokenFile, not both");
        }
        if (!tokenFile.isEmpty())
        {
            try
            {
                final String t = Files.readString(Path.of(tokenFile), StandardCharsets.UTF_8).trim();
                if (t.isEmpty())
                {
                    throw node.error("tokenFile", tokenFile + " is empty");
                }
                b.token(t);
            }
            catch (final IOException e)
            {
                throw node.error("tokenFile", "cannot read " + tokenFile + ": " + e.getMessage());
            }
        }
        else
        {
            b.token(token);
        }
        if (node.has("tls"))
        {
            final ConfigNode tls = node.child("tls");
            final String cert = tls.string("cert", "");
            final String key = tls.string("key", "");
            final String ca = tls.string("clientCa", "");
            if (cert.isEmpty() != key.isEmpty())
            {
                throw tls.error(cert.isEmpty() ? "cert" : "key", "tls needs both cert and key (PEM files)");
            }
            if (!ca.isEmpty() && cert.isEmpty())
            {
                throw tls.error("clientCa", "needs tls.cert and tls.key");
            }
            for (final String k : new String[] {"cert", "key", "clientCa"})
            {
                final String f = tls.string(k, "");
                if (!f.isEmpty() && !Files.isReadable(Path.of(f)))
                {
                    throw tls.error(k, "file not readable: " + f);
                }
            }
            if (!cert.isEmpty())
            {
                b.tls(Path.of(cert), Path.of(key), ca.isEmpty() ? null : Path.of(ca));
            }
            tls.checkAllKeysUsed();
        }
        if (node.has("limits"))
        {
            final ConfigNode limits = node.child("limits");
            b.maxMessageSize((int)limits.bytes("maxMessageSize", DEFAULT_MAX_MESSAGE_SIZE, 4096, 1L << 30));
            b.maxConcurrentStreams(limits.intValue("maxConcurrentStreams", DEFAULT_MAX_CONCURRENT_STREAMS, 1, 100_000));
            b.maxSubscribers(limits.intValue("maxSubscribers", DEFAULT_MAX_SUBSCRIBERS, 0, 10_000));
            b.maxIngestStreams(limits.intValue("maxIngestStreams", DEFAULT_MAX_INGEST_STREAMS, 0, 10_000));
            limits.checkAllKeysUsed();
        }
        if (node.has("subscriber"))
        {
            final ConfigNode sub = node.child("subscriber");
            final long buffer = sub.bytes("buffer", DEFAULT_SUBSCRIBER_BUFFER, 64L << 10, 1L << 30);
            if (Long.bitCount(buffer) != 1)
            {
                throw sub.error("buffer", "must be a power of two (64KiB, 1MiB, 8MiB, …)");
            }
            b.subscriberBuffer((int)buffer);
            b.maxBatch(sub.intValue("maxBatch", DEFAULT_MAX_BATCH, 1, 4096));
            final Duration seam = sub.duration("seamTimeout", DEFAULT_SEAM_TIMEOUT);
            if (seam.compareTo(Duration.ofMillis(100)) < 0 || seam.compareTo(Duration.ofHours(1)) > 0)
            {
                throw sub.error("seamTimeout", "must be between 100ms and 1h");
            }
            b.seamTimeout(seam);
            sub.checkAllKeysUsed();
        }
        return b.build();
    }

    public boolean enabled()
    {
        return enabled;
    }

    public String listen()
    {
        return listenText;
    }

    public boolean tls()
    {
        return tlsCert != null;
    }

    public boolean ingest()
    {
        return ingest;
    }

    /** Settings of the gRPC API; see the class comment for the defaults. */
    public static final class Builder
    {
        private boolean enabled = true;
        private InetSocketAddress listen;
        private String listenText;
        private boolean ingest = true;
        private String token;
        private Path tlsCert;
        private Path tlsKey;
        private Path tlsClientCa;
        private int maxMessageSize = (int)DEFAULT_MAX_MESSAGE_SIZE;
        private int maxConcurrentStreams = DEFAULT_MAX_CONCURRENT_STREAMS;
        private int maxSubscribers = DEFAULT_MAX_SUBSCRIBERS;
        private int maxIngestStreams = DEFAULT_MAX_INGEST_STREAMS;
        private int subscriberBuffer = (int)DEFAULT_SUBSCRIBER_BUFFER;
        private int maxBatch = DEFAULT_MAX_BATCH;
        private Duration seamTimeout = DEFAULT_SEAM_TIMEOUT;

        private Builder()
        {
            listen(DEFAULT_LISTEN);
        }

        public Builder enabled(final boolean enabled)
        {
            this.enabled = enabled;
            return this;
        }

        /** {@code host:port}; port 0 picks a free one. */
        public Builder listen(final String hostPort)
        {
            this.listen = HostPort.parse(hostPort);
            this.listenText = hostPort;
            return this;
        }

        public Builder ingest(final boolean ingest)
        {
            this.ingest = ingest;
            return this;
        }

        /** Bearer token every call but health checks must present; null or empty: none. */
        public Builder token(final String token)
        {
            this.token = token == null || token.isEmpty() ? null : token;
            return this;
        }

        /** PEM certificate chain and PKCS#8 key; with a client CA, client certificates are required. */
        public Builder tls(final Path cert, final Path key, final Path clientCa)
        {
            this.tlsCert = cert;
            this.tlsKey = key;
            this.tlsClientCa = clientCa;
            return this;
        }

        public Builder maxMessageSize(final int bytes)
        {
            this.maxMessageSize = bytes;
            return this;
        }

        public Builder maxConcurrentStreams(final int n)
        {
            this.maxConcurrentStreams = n;
            return this;
        }

        public Builder maxSubscribers(final int n)
        {
            this.maxSubscribers = n;
            return this;
        }

        public Builder maxIngestStreams(final int n)
        {
            this.maxIngestStreams = n;
            return this;
        }

        /** Bytes of each subscriber's buffer (a power of two). */
        public Builder subscriberBuffer(final int bytes)
        {
            if (Integer.bitCount(bytes) != 1 || bytes < 4096)
            {
                throw new IllegalArgumentException("subscriber buffer must be a power of two >= 4096, got " + bytes);
            }
            this.subscriberBuffer = bytes;
            return this;
        }

        public Builder maxBatch(final int n)
        {
            this.maxBatch = n;
            return this;
        }

        public Builder seamTimeout(final Duration timeout)
        {
            this.seamTimeout = timeout;
            return this;
        }

        public GrpcSettings build()
        {
            return new GrpcSettings(this);
        }
    }
}
