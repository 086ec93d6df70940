package dev.tapio.bench.otlp;

import io.grpc.Server;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.collector.trace.v1.TraceServiceGrpc;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The loopback OTLP/gRPC receiver of the OTLP throughput benchmark, meant to run in a JVM of its own: grpc-java
 * (Netty) on 127.0.0.1 serving the official {@code TraceService}; it parses every request (as a collector would)
 * and counts the spans, then answers. It prints {@code listening <port>} once started; each line {@code count} on
 * stdin is answered with {@code <spans> <requests>} on stdout; end of stdin stops it.
 *
 * <pre>
 *   java -cp benchmarks.jar dev.tapio.bench.otlp.OtlpSpanCounter [PORT]      (0 or none: a free port)
 * </pre>
 *
 * Threading: gRPC's executor runs the calls; the counters are atomics read by the main thread.
 */
public final class OtlpSpanCounter
{
    private OtlpSpanCounter()
    {
    }

    public static void main(final String[] args) throws Exception
    {
        final int port = args.length > 0 ? Integer.parseInt(args[0]) : 0;
        final AtomicLong spans = new AtomicLong();
        final AtomicLong requests = new AtomicLong();
        final Server server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", port))
            .maxInboundMessageSize(64 << 20)
            .addService(new TraceServiceGrpc.TraceServiceImplBase()
            {
                @Override
                public void export(final ExportTraceServiceRequest request,
                    final StreamObserver<ExportTraceServiceResponse> response)
                {
                    long n = 0;
                    for (final ResourceSpans rs : request.getResourceSpansList())
                    {
                        for (final ScopeSpans ss : rs.getScopeSpansList())
                        {
                            n += ss.getSpansCount();
                        }
                    }
                    spans.addAndGet(n);
                    requests.incrementAndGet();
                    response.onNext(ExportTraceServiceResponse.getDefaultInstance());
                    response.onCompleted();
                }
            })
            .build()
            .start();
        System.out.println("listening " + server.getPort());
        System.out.flush();
        final BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        String line;
        while ((line = in.readLine()) != null)
        {
            if ("count".equals(line.trim()))
            {
                System.out.println(spans.get() + " " + requests.get());
                System.out.flush();
            }
        }
        server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
}
