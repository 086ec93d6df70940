package dev.tapio.exporters.grpc;

import dev.tapio.codecs.api.Event;
import dev.tapio.codecs.api.EventsGrpc;
import dev.tapio.codecs.api.IngestAck;
import dev.tapio.codecs.api.IngestRequest;
import dev.tapio.codecs.api.SubscribeRequest;
import dev.tapio.codecs.api.SubscribeResponse;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.reflection.v1.ServerReflectionGrpc;
import io.grpc.reflection.v1.ServerReflectionRequest;
import io.grpc.reflection.v1.ServerReflectionResponse;
import io.grpc.reflection.v1.ServiceResponse;
import io.grpc.stub.StreamObserver;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The gRPC API with real Netty clients on loopback against a real engine. */
class GrpcApiTest
{
    private static final Duration LONG = Duration.ofSeconds(120);

    @Test
    void ingestsAMillionEventsWhileASubscriberSeesEachOnceInOrderPerSource() throws Exception
    {
        // The ring, not the subscriber, paces ingest; on a busy 2-core machine the subscriber may fall behind for
        // a while, so it gets a buffer that holds the whole run (256 MiB) and reads SBE records on its own connection.
        try (Node node = new Node(GrpcSettings.builder().subscriberBuffer(256 << 20), null))
        {
            final ManagedChannel channel = node.channel();
            final ManagedChannel subChannel = node.channel();
            final Collector sub = new Collector(false, Map.of("a", 1L, "b", 1L));
            EventsGrpc.newStub(subChannel).subscribe(SubscribeRequest.newBuilder().setSbe(true).setMaxBatch(1024).build(), sub);
            assertTrue(Node.await(() -> node.hub.size() == 1, Duration.ofSeconds(10)), "subscriber registered");

            final ManagedChannel channel2 = node.channel();
            final CompletableFuture<Long> a = Node.ingest(channel, null, "a", 1, 500_000, 1000, 8);
            final CompletableFuture<Long> b = Node.ingest(channel2, null, "b", 1, 500_000, 1000, 8);
            assertEquals(500_000L, a.get(LONG.toSeconds(), TimeUnit.SECONDS));
            assertEquals(500_000L, b.get(LONG.toSeconds(), TimeUnit.SECONDS));
            assertTrue(Node.await(() -> sub.events.get() >= 1_000_000, LONG),
                "subscriber of 1,000,000: " + sub);
            assertNull(sub.firstViolation, sub.firstViolation);
            assertEquals(0, sub.outOfOrder.get());
            assertEquals(1_000_000L, sub.events.get());
            assertEquals(1_000_000L, node.counter("tapio_grpc_ingest_events_total{result=\"accepted\"}"));
            assertEquals(1_000_000L, node.counter("tapio_events_in_total{source=\"grpc\"}"));
            assertEquals(2L, node.counter("tapio_grpc_ingest_streams_total"));
            assertEquals(0L, node.counter("tapio_grpc_subscribers_ended_total{reason=\"slow\"}"));
            sub.cancel();
            channel.shutdownNow();
            channel2.shutdownNow();
            subChannel.shutdownNow();
        }
    }

    @Test
    void slowSubscriberIsCutOffWithAReasonWhileAFastOneGetsEverything() throws Exception
    {
        // Both have 4 MiB of buffer; the slow one reads a message of 64 records per 20 ms, the fast one as they come.
        try (Node node = new Node(GrpcSettings.builder().subscriberBuffer(4 << 20), null))
        {
            final ManagedChannel channel = node.channel();
            final Collector slow = new Collector(true, null);
            final Collector fast = new Collector(false, Map.of("a", 1L));
            EventsGrpc.newStub(channel).subscribe(SubscribeRequest.newBuilder().setMaxBatch(64).build(), slow);
            EventsGrpc.newStub(node.channel()).subscribe(SubscribeRequest.newBuilder().setSbe(true).setMaxBatch(1024).build(), fast);
            assertTrue(Node.await(() -> node.hub.size() == 2, Duration.ofSeconds(10)));

            // Ingest in chunks the fast subscriber is let to catch up with (on a starved machine its thread may not
            // run for a while); the slow one falls further behind with every chunk.
            final int n = 200_000;
            final int chunk = 10_000;
            final ManagedChannel in = node.channel();
            for (int first = 1; first <= n; first += chunk)
            {
                assertEquals(chunk, Node.ingest(in, null, "a", first, chunk, 500, 4).get(LONG.toSeconds(), TimeUnit.SECONDS));
                final long upTo = first + chunk - 1;
                assertTrue(Node.await(() -> fast.events.get() >= upTo, LONG), "fast: " + fast);
            }
            assertTrue(slow.ended.await(LONG.toSeconds(), TimeUnit.SECONDS), "slow subscriber cut off: " + slow + "; fast: " + fast);
            assertEquals(Status.Code.RESOURCE_EXHAUSTED, slow.status.getCode());
            assertTrue(slow.status.getDescription().contains("subscriber too slow"), slow.status.getDescription());
            assertTrue(Node.await(() -> fast.events.get() >= n, LONG), "fast: " + fast);
            assertEquals(n, fast.events.get());
            assertEquals(0, fast.outOfOrder.get(), fast.firstViolation);
            assertTrue(slow.events.get() < n, "the slow one got " + slow.events.get());
            assertEquals(1L, node.counter("tapio_grpc_subscribers_ended_total{reason=\"slow\"}"));
            assertEquals(0L, node.counter("tapio_events_dropped_total{reason=\"backpressure\"}"));
            assertTrue(Node.await(() -> node.hub.size() == 1, Duration.ofSeconds(10)), "the slow one left the hub");
            fast.cancel();
            channel.shutdownNow();
            in.shutdownNow();
        }
    }

    @Test
    void replayThenLiveHasNoGapAndNoDuplicateAtTheSeam(@TempDir final Path dir) throws Exception
    {
        try (Node node = new Node(GrpcSettings.builder().subscriberBuffer(64 << 20), dir.resolve("journal")))
        {
            final ManagedChannel channel = node.channel();
            final int before = 20_000;
            final int during = 100_000;
            assertEquals(before, Node.ingest(channel, null, "a", 1, before, 500, 4).get(LONG.toSeconds(), TimeUnit.SECONDS));
            // Keep ingesting while the subscription replays and switches to live.
            final CompletableFuture<Long> more = Node.ingest(node.channel(), null, "a", before + 1, during, 200, 2);
            final Collector sub = subscribeFromTheStartOnceIngestPasses(node, channel, before + 2_000);
            assertEquals(during, more.get(LONG.toSeconds(), TimeUnit.SECONDS));
            assertTrue(Node.await(() -> sub.events.get() >= before + during, LONG), "subscriber: " + sub);
            assertNull(sub.firstViolation, sub.firstViolation);
            assertEquals(before + during, sub.events.get());
            final long replayed = node.counter("tapio_grpc_subscriber_records_total{from=\"journal\"}");
            final long live = node.counter("tapio_grpc_subscriber_records_total{from=\"live\"}");
            assertTrue(replayed >= before, "replayed " + replayed);
            assertTrue(live > 0, "some came live");
            assertEquals(before + during, replayed + live);
            sub.cancel();
            channel.shutdownNow();
        }
    }

    @Test
    void groupRecordsCrossTheSeamOnceEach(@TempDir final Path dir) throws Exception
    {
        // Every three events restart one container three times: a crash-loop group completes on each third
        // event, so group records keep closing in the ring while the subscriber replays and switches to live.
        final java.util.function.LongFunction<dev.tapio.codecs.api.Event> restarts = seq ->
            dev.tapio.codecs.api.Event.newBuilder().setId(Long.toHexString(seq)).setType("k8s.pod.restarted")
                .setPod("a").setNamespace("shop").setContainer("c" + (seq - 1) / 3).setSeverity("warning").build();
        final Path journalDir = dir.resolve("journal");
        try (Node node = new Node(GrpcSettings.builder().subscriberBuffer(64 << 20), journalDir))
        {
            final ManagedChannel channel = node.channel();
            final int before = 15_000;
            final int during = 60_000;
            assertEquals(before, Node.ingest(channel, null, restarts, "test-ingest-restarts", 1, before, 300, 4)
                .get(LONG.toSeconds(), TimeUnit.SECONDS));
            final CompletableFuture<Long> more = Node.ingest(node.channel(), null, restarts, "test-ingest-restarts-2",
                before + 1, during, 150, 2);
            final Collector sub = subscribeFromTheStartOnceIngestPasses(node, channel, before + 2_000);
            assertEquals(during, more.get(LONG.toSeconds(), TimeUnit.SECONDS));
            final int groups = (before + during) / 3;
            assertTrue(Node.await(() -> sub.events.get() >= before + during && sub.groups.get() >= groups, LONG),
                "subscriber: " + sub);
            assertNull(sub.firstViolation, sub.firstViolation);
            assertEquals(before + during, sub.events.get());
            assertEquals(0, sub.duplicateGroups.get(), "no group record twice");

            // Exactly the group records the journal holds, none missed at the seam.
            final java.util.Set<Long> journaled = new java.util.HashSet<>();
            assertTrue(Node.await(() ->
            {
                try (dev.tapio.journal.JournalTailer t = dev.tapio.journal.JournalTailer.open(journalDir, "check-" + System.nanoTime()))
                {
                    final dev.tapio.codecs.sbe.MessageHeaderDecoder h = new dev.tapio.codecs.sbe.MessageHeaderDecoder();
                    final dev.tapio.codecs.sbe.GroupDecoder g = new dev.tapio.codecs.sbe.GroupDecoder();
                    journaled.clear();
                    while (t.poll((index, template, buffer, offset, length) ->
                    {
                        if (template != dev.tapio.codecs.EventFrames.TEMPLATE_ID)
                        {
                            h.wrap(buffer, offset);
                            journaled.add(g.wrap(buffer, offset + h.encodedLength(), h.blockLength(), h.version()).groupId());
                        }
                    }, 10_000) > 0)
                    {
                        // read to the end
                    }
                }
                catch (final java.io.IOException e)
                {
                    throw new java.io.UncheckedIOException(e);
                }
                return journaled.size() >= groups;
            }, LONG), "journal groups: " + journaled.size());
            assertEquals(groups, journaled.size(), "one crash-loop group per three restarts");
            assertEquals(journaled, sub.groupIds, "the subscriber got exactly the journal's group records");
            assertTrue(node.counter("tapio_grpc_subscriber_records_total{from=\"live\"}") > 0, "some came live");
            sub.cancel();
            channel.shutdownNow();
        }
    }

    @Test
    void replayFromAJournalIndexStartsAtThatRecord(@TempDir final Path dir) throws Exception
    {
        try (Node node = new Node(GrpcSettings.builder(), dir.resolve("journal")))
        {
            final ManagedChannel channel = node.channel();
            assertEquals(100L, Node.ingest(channel, null, "a", 1, 100, 100, 1).get(30, TimeUnit.SECONDS));
            final List<Long> positions = new ArrayList<>();
            final List<String> ids = new ArrayList<>();
            final Iterator<SubscribeResponse> it = subscribeBlocking(channel,
                SubscribeRequest.newBuilder().setFromTimeUnixNano(0).setMaxBatch(10).build());
            while (ids.size() < 100)
            {
                it.next().getRecordsList().forEach(r ->
                {
                    positions.add(r.getPosition());
                    ids.add(r.getEvent().getId());
                });
            }
            final Iterator<SubscribeResponse> from = subscribeBlocking(channel,
                SubscribeRequest.newBuilder().setFromIndex(positions.get(40)).build());
            final SubscribeResponse first = from.next();
            assertEquals(ids.get(40), first.getRecords(0).getEvent().getId());
            assertEquals(positions.get(40), first.getRecords(0).getPosition());
            channel.shutdownNow();
        }
    }

    @Test
    void filtersByTypeGlobNamespaceAndSeverity() throws Exception
    {
        try (Node node = new Node(GrpcSettings.builder(), null))
        {
            final ManagedChannel channel = node.channel();
            final Iterator<SubscribeResponse> it = subscribeBlocking(channel, SubscribeRequest.newBuilder()
                .addTypes("k8s.pod.*").addTypes("custom.*").addNamespaces("shop").setMinSeverity("warning").setMaxBatch(1)
                .build());
            assertTrue(Node.await(() -> node.hub.size() == 1, Duration.ofSeconds(10)));
            final List<Event> events = List.of(
                Event.newBuilder().setId("1").setType("k8s.pod.running").setNamespace("shop").setSeverity("error").build(),
                Event.newBuilder().setId("2").setType("k8s.pod.running").setNamespace("shop").setSeverity("info").build(),
                Event.newBuilder().setId("3").setType("k8s.pod.running").setNamespace("dev").setSeverity("error").build(),
                Event.newBuilder().setId("4").setType("kernel.process.exit").setNamespace("shop").setSeverity("error").build(),
                Event.newBuilder().setId("5").setType("custom.thing").setNamespace("shop").setSeverity("critical").build(),
                Event.newBuilder().setId("6").setType("other.thing").setNamespace("shop").setSeverity("critical").build());
            final IngestAck ack = ingestOnce(channel, IngestRequest.newBuilder().setSequence(7).addAllEvents(events).build());
            assertEquals(7, ack.getSequence());
            assertEquals(6, ack.getAccepted());
            assertEquals("0000000000000001", it.next().getRecords(0).getEvent().getId());
            final Event fifth = it.next().getRecords(0).getEvent();
            assertEquals("0000000000000005", fifth.getId());
            assertEquals("custom.thing", fifth.getType());
            assertEquals("node-g", fifth.getNode());
            channel.shutdownNow();
        }
    }

    @Test
    void invalidEventsAreRejectedCountedAndNamedInTheAck() throws Exception
    {
        try (Node node = new Node(GrpcSettings.builder(), null))
        {
            final ManagedChannel channel = node.channel();
            final IngestAck ack = ingestOnce(channel, IngestRequest.newBuilder().setSequence(1)
                .addEvents(Event.newBuilder().setType("k8s.pod.running"))
                .addEvents(Event.newBuilder().setPod("no-type"))
                .addEvents(Event.newBuilder().setType("x").setTraceId("abc"))
                .build());
            assertEquals(1, ack.getAccepted());
            assertEquals(2, ack.getRejected());
            assertEquals("event 1: missing required field \"type\"", ack.getFirstError());
            assertEquals(2L, node.counter("tapio_events_dropped_total{reason=\"malformed_grpc\"}"));
            assertEquals(2L, node.counter("tapio_grpc_ingest_events_total{result=\"rejected\"}"));
            channel.shutdownNow();
        }
    }

    @Test
    void badOrMissingTokensAreRejectedAndCountedWhileHealthNeedsNone() throws Exception
    {
        try (Node node = new Node(GrpcSettings.builder().token("s3cret"), null))
        {
            final ManagedChannel channel = node.channel();
            final StatusRuntimeException none = assertThrows(StatusRuntimeException.class, () ->
                EventsGrpc.newBlockingStub(channel).subscribe(SubscribeRequest.getDefaultInstance()).next());
            assertEquals(Status.Code.UNAUTHENTICATED, none.getStatus().getCode());
            final StatusRuntimeException wrong = assertThrows(StatusRuntimeException.class, () ->
                EventsGrpc.newBlockingStub(channel).withCallCredentials(Node.bearer("guess"))
                    .subscribe(SubscribeRequest.getDefaultInstance()).next());
            assertEquals(Status.Code.UNAUTHENTICATED, wrong.getStatus().getCode());
            final CompletableFuture<Long> badIngest = Node.ingest(channel, Node.bearer("guess"), "a", 1, 10, 10, 1);
            final Exception failed = assertThrows(Exception.class, () -> badIngest.get(30, TimeUnit.SECONDS));
            assertEquals(Status.Code.UNAUTHENTICATED, Status.fromThrowable(failed.getCause()).getCode());
            assertEquals(3L, node.counter("tapio_grpc_auth_failures_total"));
            assertEquals(0L, node.counter("tapio_events_in_total{source=\"grpc\"}"));

            assertEquals(10L, Node.ingest(channel, Node.bearer("s3cret"), "a", 1, 10, 10, 1).get(30, TimeUnit.SECONDS));
            assertEquals(HealthCheckResponse.ServingStatus.SERVING, HealthGrpc.newBlockingStub(channel)
                .check(HealthCheckRequest.newBuilder().setService("tapio.api.v1.Events").build()).getStatus());
            channel.shutdownNow();
        }
    }

    @Test
    void healthAndReflectionAnswer() throws Exception
    {
        try (Node node = new Node(GrpcSettings.builder(), null))
        {
            final ManagedChannel channel = node.channel();
            assertEquals(HealthCheckResponse.ServingStatus.SERVING, HealthGrpc.newBlockingStub(channel)
                .check(HealthCheckRequest.getDefaultInstance()).getStatus());
            final CountDownLatch done = new CountDownLatch(1);
            final AtomicReference<ServerReflectionResponse> answer = new AtomicReference<>();
            final StreamObserver<ServerReflectionRequest> req = ServerReflectionGrpc.newStub(channel)
                .serverReflectionInfo(new StreamObserver<>()
                {
                    @Override
                    public void onNext(final ServerReflectionResponse value)
                    {
                        answer.set(value);
                    }

                    @Override
                    public void onError(final Throwable t)
                    {
                        done.countDown();
                    }

                    @Override
                    public void onCompleted()
                    {
                        done.countDown();
                    }
                });
            req.onNext(ServerReflectionRequest.newBuilder().setListServices("").build());
            req.onCompleted();
            assertTrue(done.await(30, TimeUnit.SECONDS));
            final List<String> services = answer.get().getListServicesResponse().getServiceList().stream()
                .map(ServiceResponse::getName).toList();
            assertTrue(services.contains("tapio.api.v1.Events"), services.toString());
            assertTrue(services.contains("grpc.health.v1.Health"), services.toString());
            channel.shutdownNow();
        }
    }

    /**
     * Once more than {@code accepted} events have been ingested, a subscriber (SBE, source {@code a}) that replays
     * the journal from its start and then switches to live.
     */
    private static Collector subscribeFromTheStartOnceIngestPasses(final Node node, final ManagedChannel channel,
        final long accepted) throws InterruptedException
    {
        assertTrue(Node.await(() -> node.counter("tapio_grpc_ingest_events_total{result=\"accepted\"}") > accepted, LONG));
        final Collector sub = new Collector(false, Map.of("a", 1L));
        EventsGrpc.newStub(channel).subscribe(SubscribeRequest.newBuilder().setFromTimeUnixNano(0).setSbe(true)
            .setMaxBatch(1024).build(), sub);
        return sub;
    }

    /** A blocking subscription that gives up after 30 s. */
    private static Iterator<SubscribeResponse> subscribeBlocking(final ManagedChannel channel, final SubscribeRequest request)
    {
        return EventsGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS).subscribe(request);
    }

    private static IngestAck ingestOnce(final ManagedChannel channel, final IngestRequest request) throws Exception
    {
        final CompletableFuture<IngestAck> ack = new CompletableFuture<>();
        final StreamObserver<IngestRequest> out = EventsGrpc.newStub(channel).ingest(new StreamObserver<>()
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
        out.onNext(request);
        out.onCompleted();
        return ack.get(30, TimeUnit.SECONDS);
    }
}
