package dev.tapio.tools;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tapio.codecs.api.Event;
import dev.tapio.codecs.api.EventsGrpc;
import dev.tapio.codecs.api.IngestAck;
import dev.tapio.codecs.api.IngestRequest;
import dev.tapio.codecs.api.SubscribeRequest;
import dev.tapio.codecs.api.SubscribeResponse;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code tapio run} with {@code grpc.enabled}: the node takes events from a gRPC client into its ring and
 * streams them to a subscriber while it runs, and counts them in its summary.
 */
class RunGrpcTest extends CapturedConsole
{
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @Test
    void runServesIngestAndSubscribeAndCountsTheEvents() throws Exception
    {
        final int port = freePort();
        final Path cfg = dir.resolve("tapio.yaml");
        Files.writeString(cfg, String.join("\n",
            "grpc:",
            "  enabled: true",
            "  listen: 127.0.0.1:" + port,
            "stats:",
            "  interval: 0s",
            ""));
        final CompletableFuture<Integer> run = CompletableFuture.supplyAsync(() -> TapioCli.execute(
            "run", "--config", cfg.toString(), "--duration", "15s", "--output", dir.resolve("out.jsonl").toString()));
        final ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
        int expectedIn;
        try
        {
            final long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (true)
            {
                try
                {
                    if (HealthGrpc.newBlockingStub(channel).withDeadlineAfter(1, TimeUnit.SECONDS)
                        .check(HealthCheckRequest.getDefaultInstance()).getStatus() == HealthCheckResponse.ServingStatus.SERVING)
                    {
                        break;
                    }
                }
                catch (final StatusRuntimeException notYet)
                {
                    assertTrue(System.nanoTime() - deadline < 0 && !run.isDone(), () -> "no gRPC server: " + err());
                    Thread.sleep(20);
                }
            }
            // Subscribe, then ingest probe events until one arrives: only then is the subscriber registered
            // with fan-out for sure (a Subscribe call reaches the server asynchronously).
            final java.util.concurrent.BlockingQueue<String> pods = new java.util.concurrent.LinkedBlockingQueue<>();
            EventsGrpc.newStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS)
                .subscribe(SubscribeRequest.newBuilder().addTypes("k8s.pod.*").setMaxBatch(1).build(), new StreamObserver<>()
                {
                    @Override
                    public void onNext(final SubscribeResponse value)
                    {
                        value.getRecordsList().forEach(r -> pods.add(r.getEvent().getPod()));
                    }

                    @Override
                    public void onError(final Throwable t)
                    {
                    }

                    @Override
                    public void onCompleted()
                    {
                    }
                });
            int probes = 0;
            final long probeDeadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            String first = null;
            while (first == null)
            {
                assertTrue(System.nanoTime() - probeDeadline < 0, "the subscriber never saw a probe");
                probes++;
                assertEquals(1, ingest(channel, IngestRequest.newBuilder().setSequence(1)
                    .addEvents(Event.newBuilder().setType("k8s.pod.running").setPod("probe"))).getAccepted());
                first = pods.poll(50, TimeUnit.MILLISECONDS);
            }
            assertEquals("probe", first);
            final IngestRequest.Builder req = IngestRequest.newBuilder().setSequence(1);
            for (int i = 0; i < 100; i++)
            {
                req.addEvents(Event.newBuilder().setType(i % 2 == 0 ? "k8s.pod.running" : "custom.other").setPod("web-" + i));
            }
            assertEquals(100, ingest(channel, req).getAccepted());
            String next = pods.poll(20, TimeUnit.SECONDS);
            while ("probe".equals(next))
            {
                next = pods.poll(20, TimeUnit.SECONDS);          // probes sent before the first one came back
            }
            assertEquals("web-0", next);
            assertEquals("web-2", pods.poll(20, TimeUnit.SECONDS));
            expectedIn = 100 + probes;
        }
        finally
        {
            channel.shutdownNow();
        }
        assertEquals(0, run.get(60, TimeUnit.SECONDS), err());
        assertTrue(err().contains("tapio: grpc API (tapio.api.v1.Events: Ingest, Subscribe, health, reflection) on 127.0.0.1:" + port), err());
        final JsonNode summary = JSON.readTree(out().trim());
        assertEquals(expectedIn, summary.at("/events/in").asLong(), out());
        assertEquals(expectedIn, summary.at("/counters/tapio_grpc_ingest_events_total{result=\"accepted\"}").asLong(), out());
    }

    /** One Ingest call with one request; its ack. */
    private static IngestAck ingest(final ManagedChannel channel, final IngestRequest.Builder request) throws Exception
    {
        final CompletableFuture<IngestAck> ack = new CompletableFuture<>();
        final StreamObserver<IngestRequest> in = EventsGrpc.newStub(channel).ingest(new StreamObserver<>()
        {
            @Override
            public void onNext(final IngestAck value)
            {
                ack.complete(value);
            }

            @Override
            public void onError(final Throwable t)
            {
                ack.completeExceptionally(t);
            }

            @Override
            public void onCompleted()
            {
            }
        });
        in.onNext(request.build());
        in.onCompleted();
        return ack.get(20, TimeUnit.SECONDS);
    }

    private static int freePort() throws IOException
    {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress()))
        {
            return s.getLocalPort();
        }
    }
}
