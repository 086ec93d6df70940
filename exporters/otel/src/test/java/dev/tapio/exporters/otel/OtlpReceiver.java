package dev.tapio.exporters.otel;

import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerCredentials;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.TlsServerCredentials;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceResponse;
import io.opentelemetry.proto.collector.metrics.v1.MetricsServiceGrpc;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.collector.trace.v1.TraceServiceGrpc;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real OTLP/gRPC trace receiver for tests: grpc-java (Netty) on 127.0.0.1 serving the official
 * {@code opentelemetry.proto.collector.trace.v1.TraceService} (and {@code metrics.v1.MetricsService}), in plaintext or over TLS (optionally requiring a
 * client certificate); it keeps every span it is sent and the metadata (headers) of every call. Requests arrive
 * on gRPC's threads; {@link #spans()} and {@link #headers()} may be read from any thread.
 */
final class OtlpReceiver implements AutoCloseable
{
    private final List<Span> spans = new CopyOnWriteArrayList<>();
    private final List<Metadata> headers = new CopyOnWriteArrayList<>();
    private final List<ExportMetricsServiceRequest> metrics = new CopyOnWriteArrayList<>();
    private final AtomicInteger requests = new AtomicInteger();
    private final AtomicInteger calls = new AtomicInteger();
    private final AtomicInteger rejected = new AtomicInteger();
    private volatile int rejectEvery;
    private final Server server;

    private OtlpReceiver(final int port, final ServerCredentials credentials) throws IOException
    {
        final InetSocketAddress address = new InetSocketAddress("127.0.0.1", port);
        final ServerInterceptor keepHeaders = new ServerInterceptor()
        {
            @Override
            public <Q, R> ServerCall.Listener<Q> interceptCall(final ServerCall<Q, R> call, final Metadata metadata,
                final ServerCallHandler<Q, R> next)
            {
                headers.add(metadata);
                return next.startCall(call, metadata);
            }
        };
        server = (credentials == null ? NettyServerBuilder.forAddress(address) : NettyServerBuilder.forAddress(address, credentials))
            .addService(ServerInterceptors.intercept(new TraceServiceGrpc.TraceServiceImplBase()
            {
                @Override
                public void export(final ExportTraceServiceRequest request,
                    final StreamObserver<ExportTraceServiceResponse> response)
                {
                    final int k = rejectEvery;
                    if (k > 0 && calls.incrementAndGet() % k == 0)
                    {
                        rejected.incrementAndGet();
                        response.onError(io.grpc.Status.INVALID_ARGUMENT.withDescription("rejected by the test").asRuntimeException());
                        return;
                    }
                    for (final ResourceSpans rs : request.getResourceSpansList())
                    {
                        for (final ScopeSpans ss : rs.getScopeSpansList())
                        {
                            spans.addAll(ss.getSpansList());
                        }
                    }
                    requests.incrementAndGet();
                    response.onNext(ExportTraceServiceResponse.getDefaultInstance());
                    response.onCompleted();
                }
            }, keepHeaders))
            .addService(ServerInterceptors.intercept(new MetricsServiceGrpc.MetricsServiceImplBase()
            {
                @Override
                public void export(final ExportMetricsServiceRequest request,
                    final StreamObserver<ExportMetricsServiceResponse> response)
                {
                    metrics.add(request);
                    response.onNext(ExportMetricsServiceResponse.getDefaultInstance());
                    response.onCompleted();
                }
            }, keepHeaders))
            .build()
            .start();
    }

    static OtlpReceiver start(final int port) throws IOException
    {
        return new OtlpReceiver(port, null);
    }

    /** Over TLS with this PEM certificate and key; with {@code clientCa}, requiring a client certificate it signed. */
    static OtlpReceiver startTls(final int port, final Path cert, final Path key, final Path clientCa) throws IOException
    {
        final TlsServerCredentials.Builder tls = TlsServerCredentials.newBuilder().keyManager(cert.toFile(), key.toFile());
        if (clientCa != null)
        {
            tls.trustManager(clientCa.toFile()).clientAuth(TlsServerCredentials.ClientAuth.REQUIRE);
        }
        return new OtlpReceiver(port, tls.build());
    }

    int port()
    {
        return server.getPort();
    }

    /** Every metrics export request received (the official MetricsService), in arrival order. */
    List<ExportMetricsServiceRequest> metrics()
    {
        return metrics;
    }

    /** The metadata of every call received, in arrival order. */
    List<Metadata> headers()
    {
        return headers;
    }

    /** A port nothing listens on right now (bound and released). */
    static int freePort() throws IOException
    {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1")))
        {
            return s.getLocalPort();
        }
    }

    List<Span> spans()
    {
        return spans;
    }

    /** From now on, refuse every {@code k}-th trace request (INVALID_ARGUMENT, not retried by the SDK), keeping none of its spans. */
    void rejectEvery(final int k)
    {
        rejectEvery = k;
    }

    int rejected()
    {
        return rejected.get();
    }

    int requests()
    {
        return requests.get();
    }

    @Override
    public void close() throws InterruptedException
    {
        server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
}
