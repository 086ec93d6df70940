package dev.tapio.exporters.grpc;

import dev.tapio.codecs.api.Event;
import dev.tapio.codecs.api.EventsGrpc;
import dev.tapio.codecs.api.IngestRequest;
import dev.tapio.codecs.api.SubscribeRequest;
import io.grpc.Grpc;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.TlsChannelCredentials;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.NettyChannelBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** TLS with certificates made for the test by {@code openssl req -x509}, and the call and message limits. */
class GrpcTlsAndLimitsTest
{
    @TempDir
    Path dir;

    private boolean selfSigned(final String name) throws Exception
    {
        try
        {
            final Process p = new ProcessBuilder("openssl", "req", "-x509", "-newkey", "ec",
                "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2",
                "-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
                "-keyout", dir.resolve(name + ".key").toString(), "-out", dir.resolve(name + ".pem").toString())
                .redirectErrorStream(true).start();
            final String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            return p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0 && !output.contains("error");
        }
        catch (final IOException e)
        {
            return false;
        }
    }

    @Test
    void servesTlsToClientsThatTrustItsCertificateOnly() throws Exception
    {
        assumeTrue(selfSigned("server") && selfSigned("other"), "openssl could not make test certificates: TLS test skipped");
        try (Node node = new Node(GrpcSettings.builder().tls(dir.resolve("server.pem"), dir.resolve("server.key"), null), null))
        {
            final ManagedChannel trusting = Grpc.newChannelBuilderForAddress("127.0.0.1", node.server.port(),
                TlsChannelCredentials.newBuilder().trustManager(dir.resolve("server.pem").toFile()).build()).build();
            assertEquals(HealthCheckResponse.ServingStatus.SERVING,
                HealthGrpc.newBlockingStub(trusting).check(HealthCheckRequest.getDefaultInstance()).getStatus());
            assertEquals(5L, Node.ingest(trusting, null, "a", 1, 5, 5, 1).get(30, TimeUnit.SECONDS));

            final ManagedChannel other = Grpc.newChannelBuilderForAddress("127.0.0.1", node.server.port(),
                TlsChannelCredentials.newBuilder().trustManager(dir.resolve("other.pem").toFile()).build()).build();
            assertEquals(Status.Code.UNAVAILABLE, assertThrows(StatusRuntimeException.class, () ->
                HealthGrpc.newBlockingStub(other).check(HealthCheckRequest.getDefaultInstance())).getStatus().getCode());
            final ManagedChannel plain = node.channel();
            assertEquals(Status.Code.UNAVAILABLE, assertThrows(StatusRuntimeException.class, () ->
                HealthGrpc.newBlockingStub(plain).withDeadlineAfter(10, TimeUnit.SECONDS)
                    .check(HealthCheckRequest.getDefaultInstance())).getStatus().getCode());
            trusting.shutdownNow();
            other.shutdownNow();
            plain.shutdownNow();
        }
    }

    @Test
    void subscribersAndIngestStreamsBeyondTheLimitsAreRefusedAndCounted() throws Exception
    {
        try (Node node = new Node(GrpcSettings.builder().maxSubscribers(1).maxIngestStreams(0), null))
        {
            final ManagedChannel channel = node.channel();
            final Collector first = new Collector(false, null);
            EventsGrpc.newStub(channel).subscribe(SubscribeRequest.getDefaultInstance(), first);
            assertTrue(Node.await(() -> node.hub.size() == 1, Duration.ofSeconds(10)));
            final StatusRuntimeException second = assertThrows(StatusRuntimeException.class, () ->
                EventsGrpc.newBlockingStub(channel).subscribe(SubscribeRequest.getDefaultInstance()).next());
            assertEquals(Status.Code.RESOURCE_EXHAUSTED, second.getStatus().getCode());
            assertTrue(second.getStatus().getDescription().contains("grpc.limits.maxSubscribers"));
            final CompletableFuture<Long> ingest = Node.ingest(channel, null, "a", 1, 10, 10, 1);
            final Exception refused = assertThrows(Exception.class, () -> ingest.get(30, TimeUnit.SECONDS));
            assertEquals(Status.Code.RESOURCE_EXHAUSTED, Status.fromThrowable(refused.getCause()).getCode());
            assertEquals(2L, node.counter("tapio_grpc_calls_refused_total{reason=\"limit\"}"));
            // A cancelled subscriber frees its place.
            first.cancel();
            assertTrue(Node.await(() -> node.server.subscribers() == 0, Duration.ofSeconds(10)), "the place is freed");
            final Collector third = new Collector(false, null);
            EventsGrpc.newStub(channel).subscribe(SubscribeRequest.getDefaultInstance(), third);
            assertTrue(Node.await(() -> node.hub.size() == 1, Duration.ofSeconds(10)), "a new subscriber is accepted");
            assertEquals(1L, node.counter("tapio_grpc_subscribers_ended_total{reason=\"cancelled\"}"));
            third.cancel();
            channel.shutdownNow();
        }
    }

    @Test
    void aRequestLargerThanTheMessageLimitIsRefused() throws Exception
    {
        try (Node node = new Node(GrpcSettings.builder().maxMessageSize(64 << 10), null))
        {
            final ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", node.server.port()).usePlaintext().build();
            final IngestRequest.Builder big = IngestRequest.newBuilder().setSequence(1);
            for (int i = 0; i < 200; i++)
            {
                big.addEvents(Event.newBuilder().setType("k8s.pod.running").setMessage("x".repeat(1000)));
            }
            final CompletableFuture<Object> failed = new CompletableFuture<>();
            final io.grpc.stub.StreamObserver<IngestRequest> out = EventsGrpc.newStub(channel).ingest(
                new io.grpc.stub.StreamObserver<>()
                {
                    @Override
                    public void onNext(final dev.tapio.codecs.api.IngestAck value)
                    {
                        failed.complete(value);
                    }

                    @Override
                    public void onError(final Throwable t)
                    {
                        failed.complete(Status.fromThrowable(t));
                    }

                    @Override
                    public void onCompleted()
                    {
                    }
                });
            out.onNext(big.build());
            final Object result = failed.get(30, TimeUnit.SECONDS);
            assertTrue(result instanceof Status, "refused, not acked: " + result);
            assertEquals(Status.Code.RESOURCE_EXHAUSTED, ((Status)result).getCode());
            assertEquals(0L, node.counter("tapio_events_in_total{source=\"grpc\"}"));
            channel.shutdownNow();
        }
    }
}
