package dev.tapio.exporters.otel;

import io.grpc.Server;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.collector.trace.v1.TraceServiceGrpc;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real OTLP/gRPC trace receiver for tests: grpc-java (Netty) on 127.0.0.1 serving the official
 * {@code opentelemetry.proto.collector.trace.v1.TraceService}; it keeps every span it is sent. Requests arrive
 * on gRPC's threads; {@link #spans()} may be read from any thread.
 */
final class OtlpReceiver implements AutoCloseable
{
    private final List<Span> spans = new CopyOnWriteArrayList<>();
    private final AtomicInteger requests = new AtomicInteger();
    private final Server server;

    private OtlpReceiver(final int port) throws IOException
    {
        server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", port))
            .addService(new TraceServiceGrpc.TraceServiceImplBase()
            {
                @Override
                public void export(final ExportTraceServiceRequest request,
                    final StreamObserver<ExportTraceServiceResponse> response)
                {
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
            })
            .build()
            .start();
    }

    static OtlpReceiver start(final int port) throws IOException
    {
        return new OtlpReceiver(port);
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
