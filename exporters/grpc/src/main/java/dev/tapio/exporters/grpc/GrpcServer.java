package dev.tapio.exporters.grpc;

import dev.tapio.codecs.api.EventsGrpc;
import dev.tapio.codecs.api.IngestAck;
import dev.tapio.codecs.api.IngestRequest;
import dev.tapio.codecs.api.SubscribeRequest;
import dev.tapio.codecs.api.SubscribeResponse;
import dev.tapio.engine.Engine;
import dev.tapio.engine.correlate.Pattern;
import dev.tapio.engine.correlate.RuleSet;
import dev.tapio.journal.JournalSettings;
import io.grpc.Grpc;
import io.grpc.InsecureServerCredentials;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerCredentials;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.TlsServerCredentials;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.netty.channel.ChannelOption;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;
import java.util.function.ToIntFunction;

/**
 * Tapio's gRPC API on a Netty server: {@code tapio.api.v1.Events} (Ingest, Subscribe), the standard
 * {@code grpc.health.v1.Health} service and server reflection ({@code grpc.reflection.v1} and
 * {@code v1alpha}), with optional TLS and bearer-token auth (health checks are exempt, so probes need no
 * token), a message-size limit, a per-connection concurrent-stream limit and limits on subscribers and
 * ingest streams.
 *
 * <pre>
 *  client ─► Netty (TLS?) ─► TokenInterceptor ─► Events.Ingest    ─► IngestStream ─► ring (publishBatch)
 *                                            └─► Events.Subscribe ─► Subscription ◄─ SubscriberHub (fan-out sink)
 *                                                                         └◄─ JournalReader (replay)
 * </pre>
 *
 * <p>The {@link SubscriberHub} must be one of the engine's sinks ({@link GrpcSection} adds it); ingest
 * needs the engine's multi-producer ring. Threading: calls run on a cached pool of daemon threads; each
 * subscriber has its own thread; one scheduler thread retries ingest while the ring is full.
 */
public final class GrpcServer implements AutoCloseable
{
    private static final Metadata.Key<String> AUTHORIZATION =
        Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

    private final GrpcSettings settings;
    private final Engine engine;
    private final SubscriberHub hub;
    private final JournalSettings journal;
    private final GrpcCounters counters;
    private final HealthStatusManager health = new HealthStatusManager();
    private final ExecutorService executor;
    private final ScheduledExecutorService retries;
    private final AtomicInteger ingestStreams = new AtomicInteger();
    private final AtomicInteger subscriberCount = new AtomicInteger();
    private final AtomicInteger subscriberSeq = new AtomicInteger();
    private final IntFunction<String> patternNames;
    private final ToIntFunction<String> patternIds;
    private final Server server;

    private GrpcServer(final GrpcSettings settings, final Engine engine, final SubscriberHub hub,
        final JournalSettings journal)
    {
        this.settings = settings;
        this.engine = engine;
        this.hub = hub;
        this.journal = journal;
        this.counters = new GrpcCounters(engine.counters());
        final RuleSet rules = engine.settings().rules();
        this.patternNames = rules == null ? null : rules.namesById();
        this.patternIds = rules == null ? null : name ->
        {
            final Pattern p = rules.byName(name);
            return p == null ? -1 : p.id();
        };
        executor = Executors.newCachedThreadPool(daemon("tapio-grpc-call"));
        retries = Executors.newSingleThreadScheduledExecutor(daemon("tapio-grpc-retry"));
        final NettyServerBuilder b = NettyServerBuilder.forAddress(settings.listen, credentials(settings))
            .withOption(ChannelOption.SO_REUSEADDR, true)
            .executor(executor)
            .maxInboundMessageSize(settings.maxMessageSize)
            .maxConcurrentCallsPerConnection(settings.maxConcurrentStreams)
            .addService(ServerInterceptors.intercept(new EventsService(), new TokenInterceptor(settings.token, counters)))
            .addService(health.getHealthService())
            .addService(ServerInterceptors.intercept(ProtoReflectionServiceV1.newInstance(),
                new TokenInterceptor(settings.token, counters)))
            .addService(ServerInterceptors.intercept(legacyReflection(), new TokenInterceptor(settings.token, counters)));
        server = b.build();
    }

    @SuppressWarnings("deprecation")
    private static io.grpc.BindableService legacyReflection()
    {
        // grpc.reflection.v1alpha, for clients that predate v1.
        return io.grpc.protobuf.services.ProtoReflectionService.newInstance();
    }

    /**
     * Builds the server for an engine whose sinks include {@code hub}.
     *
     * @param journal the journal to replay from, or null when the node has none (replay requests then fail
     *                with FAILED_PRECONDITION).
     */
    public static GrpcServer create(final GrpcSettings settings, final Engine engine, final dev.tapio.engine.spi.Sink hub,
        final JournalSettings journal)
    {
        if (!(hub instanceof SubscriberHub))
        {
            throw new IllegalArgumentException("grpc: hub must come from GrpcSection.newHub()");
        }
        return new GrpcServer(settings, engine, (SubscriberHub)hub, journal);
    }

    private static java.util.concurrent.ThreadFactory daemon(final String prefix)
    {
        final AtomicInteger n = new AtomicInteger();
        return r ->
        {
            final Thread t = new Thread(r, prefix + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    private static ServerCredentials credentials(final GrpcSettings s)
    {
        if (s.tlsCert == null)
        {
            return InsecureServerCredentials.create();
        }
        try
        {
            final TlsServerCredentials.Builder tls = TlsServerCredentials.newBuilder()
                .keyManager(s.tlsCert.toFile(), s.tlsKey.toFile());
            if (s.tlsClientCa != null)
            {
                tls.trustManager(s.tlsClientCa.toFile()).clientAuth(TlsServerCredentials.ClientAuth.REQUIRE);
            }
            return tls.build();
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("grpc: cannot read TLS files " + s.tlsCert + ", " + s.tlsKey, ex);
        }
    }

    /** Binds the listen address and starts serving; health turns SERVING. */
    public GrpcServer start() throws IOException
    {
        try
        {
            server.start();
        }
        catch (final IOException e)
        {
            executor.shutdownNow();
            retries.shutdownNow();
            throw new IOException("grpc: cannot listen on " + settings.listenText + ": " + e.getMessage(), e);
        }
        health.setStatus("", HealthCheckResponse.ServingStatus.SERVING);
        health.setStatus(EventsGrpc.SERVICE_NAME, HealthCheckResponse.ServingStatus.SERVING);
        return this;
    }

    /** The bound port (the real one when the listen port was 0). */
    public int port()
    {
        return server.getPort();
    }

    public String listen()
    {
        return settings.listen.getHostString() + ":" + port();
    }

    public int subscribers()
    {
        return subscriberCount.get();
    }

    /**
     * Stops: health turns NOT_SERVING, subscribers end with UNAVAILABLE (or complete, when the engine
     * already stopped and they drained), open calls are given up to 2 s, then cancelled.
     */
    @Override
    public void close()
    {
        health.enterTerminalState();
        server.shutdown();
        for (final Subscription s : hub.snapshot())
        {
            if (!hub.closed())
            {
                s.shutdown();
            }
        }
        try
        {
            if (!server.awaitTermination(2, TimeUnit.SECONDS))
            {
                server.shutdownNow();
                server.awaitTermination(2, TimeUnit.SECONDS);
            }
        }
        catch (final InterruptedException e)
        {
            server.shutdownNow();
            Thread.currentThread().interrupt();
        }
        retries.shutdownNow();
        executor.shutdownNow();
    }

    /** Waits for the server to terminate (after {@link #close()}). */
    public boolean awaitTermination(final Duration timeout) throws InterruptedException
    {
        return server.awaitTermination(timeout.toNanos(), TimeUnit.NANOSECONDS);
    }

    private final class EventsService extends EventsGrpc.EventsImplBase
    {
        @Override
        public StreamObserver<IngestRequest> ingest(final StreamObserver<IngestAck> responseObserver)
        {
            final ServerCallStreamObserver<IngestAck> out = (ServerCallStreamObserver<IngestAck>)responseObserver;
            if (!settings.ingest)
            {
                out.onError(Status.UNIMPLEMENTED.withDescription("ingest is off on this node (grpc.ingest: false)")
                    .asRuntimeException());
                return noop();
            }
            if (engine.singleProducer())
            {
                out.onError(Status.FAILED_PRECONDITION.withDescription(
                    "this engine has a single-producer ring (engine.producers: single); ingest needs multi")
                    .asRuntimeException());
                return noop();
            }
            if (ingestStreams.incrementAndGet() > settings.maxIngestStreams)
            {
                ingestStreams.decrementAndGet();
                counters.refusedLimit.increment();
                out.onError(IngestStream.tooMany(settings.maxIngestStreams).asRuntimeException());
                return noop();
            }
            final IngestStream stream = new IngestStream(engine, out, counters, retries, ingestStreams,
                new ProtoEvents(patternNames));
            stream.start();
            return stream;
        }

        @Override
        public void subscribe(final SubscribeRequest request, final StreamObserver<SubscribeResponse> responseObserver)
        {
            final ServerCallStreamObserver<SubscribeResponse> out = (ServerCallStreamObserver<SubscribeResponse>)responseObserver;
            final RecordFilter filter;
            try
            {
                filter = RecordFilter.compile(request, patternIds);
            }
            catch (final IllegalArgumentException e)
            {
                out.onError(Status.INVALID_ARGUMENT.withDescription(e.getMessage()).asRuntimeException());
                return;
            }
            if (request.hasFromIndex() && request.hasFromTimeUnixNano())
            {
                out.onError(Status.INVALID_ARGUMENT.withDescription("give from_index or from_time_unix_nano, not both")
                    .asRuntimeException());
                return;
            }
            if (request.getMaxBatch() > 4096)
            {
                out.onError(Status.INVALID_ARGUMENT.withDescription("max_batch: at most 4096").asRuntimeException());
                return;
            }
            if (subscriberCount.incrementAndGet() > settings.maxSubscribers)
            {
                subscriberCount.decrementAndGet();
                counters.refusedLimit.increment();
                out.onError(Status.RESOURCE_EXHAUSTED.withDescription("at most " + settings.maxSubscribers +
                    " subscribers at once (grpc.limits.maxSubscribers)").asRuntimeException());
                return;
            }
            counters.subscribers.increment();
            final long fromIndex = request.hasFromIndex() ? Math.max(0, request.getFromIndex()) : -1;
            final long fromTime = request.hasFromTimeUnixNano() ? request.getFromTimeUnixNano() : Long.MIN_VALUE;
            final boolean replay = request.hasFromIndex() || request.hasFromTimeUnixNano();
            final int maxBatch = request.getMaxBatch() == 0 ? settings.maxBatch : request.getMaxBatch();
            final Subscription s = new Subscription(hub, out, counters, filter, settings.subscriberBuffer, maxBatch,
                request.getSbe(), new ProtoEvents(patternNames), journal, replay, fromIndex, fromTime,
                settings.seamTimeout.toNanos());
            // Not the call's close handler: gRPC runs that only after a successful close, never on cancellation.
            s.start("tapio-grpc-subscriber-" + subscriberSeq.incrementAndGet(), subscriberCount::decrementAndGet);
        }
    }

    private static <T> StreamObserver<T> noop()
    {
        return new StreamObserver<>()
        {
            @Override
            public void onNext(final T value)
            {
            }

            @Override
            public void onError(final Throwable t)
            {
            }

            @Override
            public void onCompleted()
            {
            }
        };
    }

    /**
     * Checks {@code authorization: Bearer <token>} once per call, in constant time; a call without a valid
     * one is closed with UNAUTHENTICATED and counted. No token configured: every call passes.
     */
    static final class TokenInterceptor implements ServerInterceptor
    {
        private static final String SCHEME = "Bearer ";
        private final byte[] token;
        private final GrpcCounters counters;

        TokenInterceptor(final String token, final GrpcCounters counters)
        {
            this.token = token == null ? null : token.getBytes(StandardCharsets.UTF_8);
            this.counters = counters;
        }

        @Override
        public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(
            final ServerCall<ReqT, RespT> call, final Metadata headers, final ServerCallHandler<ReqT, RespT> next)
        {
            if (token != null && !authorized(headers.get(AUTHORIZATION)))
            {
                counters.authFailures.increment();
                call.close(Status.UNAUTHENTICATED.withDescription("missing or wrong bearer token"), new Metadata());
                return new ServerCall.Listener<>()
                {
                };
            }
            return next.startCall(call, headers);
        }

        private boolean authorized(final String header)
        {
            if (header == null || header.length() <= SCHEME.length() ||
                !header.regionMatches(true, 0, SCHEME, 0, SCHEME.length()))
            {
                return false;
            }
            final byte[] presented = header.substring(SCHEME.length()).trim().getBytes(StandardCharsets.UTF_8);
            return MessageDigest.isEqual(presented, token);
        }
    }

    static String peer(final ServerCall<?, ?> call)
    {
        return String.valueOf(call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR));
    }
}
