package dev.tapio.bridge.server;

import dev.tapio.engine.config.HostPort;
import dev.tapio.engine.metrics.EngineCounters;
import dev.tapio.engine.metrics.ErrorLog;
import io.grpc.InsecureServerCredentials;
import io.grpc.Server;
import io.grpc.ServerCredentials;
import io.grpc.ServerInterceptors;
import io.grpc.TlsServerCredentials;
import io.grpc.netty.NettyServerBuilder;
import io.netty.channel.ChannelOption;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * The central server's end of the bridge: a grpc-java Netty server on a listen address serving
 * {@code tapio.bridge.v1.Bridge}. Each call's bearer token is checked once, each record is validated
 * and deduplicated by (node, event id) — the node being the record's own {@code nodeId} ({@link RecordKeys}), accepted records go to the {@link RecordSink}, and a batch is
 * acked only after the sink returned for all of it.
 *
 * <p>Threading: by default every call's callbacks run on one ingest thread owned by the server, so the
 * sink is called from a single thread; an executor given to the builder replaces it (calls into the
 * sink stay serialised by a lock).
 *
 * <pre>
 * IngestServer server = IngestServer.builder()
 *     .listen("0.0.0.0:7301").sink(journalSink).bearerToken(token)
 *     .tls(Path.of("server.pem"), Path.of("server.key"))
 *     .build().start();
 * </pre>
 */
public final class IngestServer implements AutoCloseable
{
    public static final String DEFAULT_LISTEN = "0.0.0.0:7301";
    public static final int DEFAULT_MAX_MESSAGE_BYTES = 16 << 20;
    public static final int DEFAULT_FLOW_CONTROL_WINDOW_BYTES = 4 << 20;
    public static final Duration DEFAULT_PERMIT_KEEPALIVE = Duration.ofSeconds(10);

    private final Builder settings;
    private final ServerCounters counters;
    private final ExecutorService ownedExecutor;
    private final Server server;

    private IngestServer(final Builder b)
    {
        settings = b;
        counters = new ServerCounters(b.counters);
        final ErrorLog errors = new ErrorLog(b.errorOut, b.errorsPerKind);
        final BatchIngestor ingestor = new BatchIngestor(b.sink, b.dedupWindow, b.nodeIds, counters, errors);
        final IngestService service = new IngestService(ingestor, counters);
        ownedExecutor = b.executor == null ? Executors.newSingleThreadExecutor(r ->
        {
            final Thread t = new Thread(r, "tapio-bridge-ingest");
            t.setDaemon(true);
            return t;
        }) : null;
        server = NettyServerBuilder.forAddress(b.listen, credentials(b))
            .withOption(ChannelOption.SO_REUSEADDR, true)
            .executor(b.executor == null ? ownedExecutor : b.executor)
            .maxInboundMessageSize(b.maxMessageBytes)
            .flowControlWindow(b.flowControlWindowBytes)
            .permitKeepAliveTime(b.permitKeepAlive.toNanos(), TimeUnit.NANOSECONDS)
            .addService(ServerInterceptors.intercept(service, new IngestInterceptor(b.bearerToken, counters)))
            .build();
    }

    private static ServerCredentials credentials(final Builder b)
    {
        if (b.tlsCertFile == null)
        {
            return InsecureServerCredentials.create();
        }
        try
        {
            final TlsServerCredentials.Builder tls = TlsServerCredentials.newBuilder()
                .keyManager(b.tlsCertFile.toFile(), b.tlsKeyFile.toFile());
            if (b.tlsClientCaFile != null)
            {
                tls.trustManager(b.tlsClientCaFile.toFile()).clientAuth(TlsServerCredentials.ClientAuth.REQUIRE);
            }
            return tls.build();
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("bridge server: cannot read TLS files " + b.tlsCertFile + ", " +
                b.tlsKeyFile + (b.tlsClientCaFile == null ? "" : ", " + b.tlsClientCaFile), ex);
        }
    }

    public static Builder builder()
    {
        return new Builder();
    }

    /** Binds the listen address and starts serving. */
    public IngestServer start() throws IOException
    {
        server.start();
        return this;
    }

    /** The bound port (the real one when the listen port was 0). */
    public int port()
    {
        return server.getPort();
    }

    public ServerCounters counters()
    {
        return counters;
    }

    public DedupWindow dedupWindow()
    {
        return settings.dedupWindow;
    }

    public NodeIds nodeIds()
    {
        return settings.nodeIds;
    }

    /**
     * Stops at once: the listener closes and every open stream is cancelled (batches being ingested
     * finish, but their acks are not delivered, so nodes resend them).
     */
    public void shutdownNow()
    {
        server.shutdownNow();
    }

    /** Waits until every call has ended and the listener is closed. */
    public boolean awaitTermination(final Duration timeout) throws InterruptedException
    {
        final boolean done = server.awaitTermination(timeout.toNanos(), TimeUnit.NANOSECONDS);
        if (done && ownedExecutor != null)
        {
            ownedExecutor.shutdown();
            return ownedExecutor.awaitTermination(timeout.toNanos(), TimeUnit.NANOSECONDS);
        }
        return done;
    }

    /** Stops accepting, lets streams end for up to 5 s, then cancels what is left. */
    @Override
    public void close()
    {
        server.shutdown();
        try
        {
            if (!server.awaitTermination(5, TimeUnit.SECONDS))
            {
                server.shutdownNow();
            }
            awaitTermination(Duration.ofSeconds(5));
        }
        catch (final InterruptedException ex)
        {
            server.shutdownNow();
            Thread.currentThread().interrupt();
        }
        if (ownedExecutor != null)
        {
            ownedExecutor.shutdownNow();
        }
    }

    /** Settings of an {@link IngestServer}; each has a default except the sink. */
    public static final class Builder
    {
        private InetSocketAddress listen = HostPort.parse(DEFAULT_LISTEN);
        private RecordSink sink;
        private String bearerToken;
        private Path tlsCertFile;
        private Path tlsKeyFile;
        private Path tlsClientCaFile;
        private DedupWindow dedupWindow;
        private int dedupCapacity = DedupWindow.DEFAULT_CAPACITY;
        private NodeIds nodeIds;
        private EngineCounters counters;
        private Executor executor;
        private int maxMessageBytes = DEFAULT_MAX_MESSAGE_BYTES;
        private int flowControlWindowBytes = DEFAULT_FLOW_CONTROL_WINDOW_BYTES;
        private Duration permitKeepAlive = DEFAULT_PERMIT_KEEPALIVE;
        private PrintStream errorOut = System.err;
        private int errorsPerKind = 5;

        private Builder()
        {
        }

        /** Listen address as {@code host:port} (default {@value #DEFAULT_LISTEN}; port 0 picks a free one). */
        public Builder listen(final String hostPort)
        {
            listen = HostPort.parse(hostPort);
            return this;
        }

        public Builder listen(final InetSocketAddress address)
        {
            listen = Objects.requireNonNull(address, "listen");
            return this;
        }

        /** Where accepted records go (required). */
        public Builder sink(final RecordSink sink)
        {
            this.sink = sink;
            return this;
        }

        /** The token nodes must present as {@code authorization: Bearer <token>}; none: no check. */
        public Builder bearerToken(final String token)
        {
            this.bearerToken = token == null || token.isEmpty() ? null : token;
            return this;
        }

        /** Serve TLS with this PEM certificate chain and PEM (PKCS#8) private key; default plaintext. */
        public Builder tls(final Path certFile, final Path keyFile)
        {
            this.tlsCertFile = certFile;
            this.tlsKeyFile = keyFile;
            return this;
        }

        /** With {@link #tls}: require client certificates signed by a CA in this PEM file (mutual TLS). */
        public Builder tlsClientCa(final Path caFile)
        {
            this.tlsClientCaFile = caFile;
            return this;
        }

        /**
         * The dedup window to use, e.g. one kept across a restart of the listener or rebuilt from the
         * tail of the journal; default a new one of {@link #dedupCapacity} keys.
         */
        public Builder dedupWindow(final DedupWindow window)
        {
            this.dedupWindow = window;
            return this;
        }

        /** Keys the default dedup window holds (default {@value DedupWindow#DEFAULT_CAPACITY}). */
        public Builder dedupCapacity(final int capacity)
        {
            this.dedupCapacity = capacity;
            return this;
        }

        /**
         * Node numbering to use with a given {@link #dedupWindow} (the two go together: the window's keys hold
         * these numbers); default a new one.
         */
        public Builder nodeIds(final NodeIds nodeIds)
        {
            this.nodeIds = nodeIds;
            return this;
        }

        /** Registry for the server's counters; default a new one. */
        public Builder counters(final EngineCounters counters)
        {
            this.counters = counters;
            return this;
        }

        /** Executor for call callbacks (and so the sink); default one ingest thread owned by the server. */
        public Builder executor(final Executor executor)
        {
            this.executor = executor;
            return this;
        }

        /** Largest batch message accepted (default 16 MiB). */
        public Builder maxMessageBytes(final int bytes)
        {
            this.maxMessageBytes = bytes;
            return this;
        }

        /** HTTP/2 flow-control window per stream (default 4 MiB). */
        public Builder flowControlWindowBytes(final int bytes)
        {
            this.flowControlWindowBytes = bytes;
            return this;
        }

        /** Most frequent client keepalive ping allowed (default 10 s; the bridge pings every 30 s). */
        public Builder permitKeepAlive(final Duration interval)
        {
            this.permitKeepAlive = interval;
            return this;
        }

        /** Where repeated errors are logged once with a count (default stderr, 5 per kind in full). */
        public Builder errorLog(final PrintStream out, final int perKind)
        {
            this.errorOut = out;
            this.errorsPerKind = perKind;
            return this;
        }

        /** Validates the settings (failing with a message naming the option) and builds the server. */
        public IngestServer build()
        {
            if (sink == null)
            {
                throw new IllegalStateException("bridge server: sink is required");
            }
            if ((tlsCertFile == null) != (tlsKeyFile == null))
            {
                throw new IllegalStateException("bridge server: tls needs both a certificate file and a key file");
            }
            if (tlsClientCaFile != null && tlsCertFile == null)
            {
                throw new IllegalStateException("bridge server: tls-client-ca needs tls certificate and key");
            }
            for (final Path p : new Path[] {tlsCertFile, tlsKeyFile, tlsClientCaFile})
            {
                if (p != null && !Files.isReadable(p))
                {
                    throw new IllegalStateException("bridge server: TLS file not readable: " + p);
                }
            }
            if (maxMessageBytes < 1024 || flowControlWindowBytes < 65_535)
            {
                throw new IllegalStateException("bridge server: max-message-bytes must be >= 1024 and " +
                    "flow-control-window-bytes >= 65535");
            }
            if (dedupWindow == null)
            {
                dedupWindow = new DedupWindow(dedupCapacity);
            }
            if (nodeIds == null)
            {
                nodeIds = new NodeIds();
            }
            if (counters == null)
            {
                counters = new EngineCounters();
            }
            return new IngestServer(this);
        }
    }
}
