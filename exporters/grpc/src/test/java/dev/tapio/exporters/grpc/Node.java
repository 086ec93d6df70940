package dev.tapio.exporters.grpc;

import dev.tapio.codecs.api.Event;
import dev.tapio.codecs.api.EventsGrpc;
import dev.tapio.codecs.api.IngestAck;
import dev.tapio.codecs.api.IngestRequest;
import dev.tapio.engine.Engine;
import dev.tapio.engine.ProducerMode;
import dev.tapio.engine.ThreadingMode;
import dev.tapio.journal.JournalSettings;
import dev.tapio.journal.JournalSink;
import io.grpc.CallCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;

/**
 * A real engine (shared threading, multi-producer ring, optionally journaling) with the gRPC server on a
 * free loopback port, and real Netty clients for it.
 */
final class Node implements AutoCloseable
{
    final Engine engine;
    final SubscriberHub hub;
    final GrpcServer server;
    final ByteArrayOutputStream log = new ByteArrayOutputStream();

    Node(final GrpcSettings.Builder settings, final Path journalDir) throws Exception
    {
        hub = (SubscriberHub)GrpcSection.newHub();
        final Engine.Builder b = Engine.builder()
            .threading(ThreadingMode.SHARED)
            .producers(ProducerMode.MULTI)
            .nodeName("node-g")
            .errorStream(new PrintStream(log, true))
            .sink(hub);
        JournalSettings journal = null;
        if (journalDir != null)
        {
            journal = JournalSettings.builder().dir(journalDir).build();
            b.sink(new JournalSink("journal", journal, new PrintStream(log, true)));
        }
        engine = b.build().start();
        server = GrpcServer.create(settings.listen("127.0.0.1:0").build(), engine, hub, journal).start();
    }

    ManagedChannel channel()
    {
        return NettyChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext()
            .maxInboundMessageSize(64 << 20).flowControlWindow(8 << 20).build();
    }

    static CallCredentials bearer(final String token)
    {
        return new CallCredentials()
        {
            @Override
            public void applyRequestMetadata(final RequestInfo info, final Executor executor, final MetadataApplier applier)
            {
                final Metadata m = new Metadata();
                m.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + token);
                applier.apply(m);
            }
        };
    }

    /** An event of source {@code pod} with id {@code seq} (hex), as a client would send it. */
    static Event event(final String pod, final long seq)
    {
        return Event.newBuilder().setId(Long.toHexString(seq)).setType("k8s.pod.running").setPod(pod)
            .setNamespace("shop").setSeverity("info").setMessage("m").build();
    }

    /**
     * Sends {@code count} events of {@code pod} (ids {@code first}, first+1, …) over one Ingest stream in
     * requests of {@code batch}, at most {@code window} unacked, and completes with the acked count.
     */
    static CompletableFuture<Long> ingest(final ManagedChannel channel, final CallCredentials creds, final String pod,
        final long first, final long count, final int batch, final int window)
    {
        return ingest(channel, creds, seq -> event(pod, seq), "test-ingest-" + pod, first, count, batch, window);
    }

    /** As above, each event made by {@code events} from its sequence number. */
    static CompletableFuture<Long> ingest(final ManagedChannel channel, final CallCredentials creds,
        final java.util.function.LongFunction<Event> events, final String threadName,
        final long first, final long count, final int batch, final int window)
    {
        final CompletableFuture<Long> done = new CompletableFuture<>();
        final Semaphore inFlight = new Semaphore(window);
        final AtomicLong accepted = new AtomicLong();
        final Thread t = new Thread(() ->
        {
            final ClientCallStreamObserver<IngestRequest>[] call = new ClientCallStreamObserver[1];
            final ClientResponseObserver<IngestRequest, IngestAck> acks = new ClientResponseObserver<>()
            {
                @Override
                public void beforeStart(final ClientCallStreamObserver<IngestRequest> requestStream)
                {
                    call[0] = requestStream;
                }

                @Override
                public void onNext(final IngestAck ack)
                {
                    accepted.addAndGet(ack.getAccepted());
                    inFlight.release();
                }

                @Override
                public void onError(final Throwable t)
                {
                    done.completeExceptionally(t);
                    inFlight.release(window);
                }

                @Override
                public void onCompleted()
                {
                    done.complete(accepted.get());
                }
            };
            EventsGrpc.EventsStub stub = EventsGrpc.newStub(channel);
            if (creds != null)
            {
                stub = stub.withCallCredentials(creds);
            }
            stub.ingest(acks);
            try
            {
                long seq = first;
                long sequence = 0;
                final long end = first + count;
                while (seq < end && !done.isDone())
                {
                    if (!inFlight.tryAcquire(30, TimeUnit.SECONDS))
                    {
                        done.completeExceptionally(new AssertionError("no ack within 30 s"));
                        return;
                    }
                    final IngestRequest.Builder r = IngestRequest.newBuilder().setSequence(++sequence);
                    for (int i = 0; i < batch && seq < end; i++)
                    {
                        r.addEvents(events.apply(seq++));
                    }
                    call[0].onNext(r.build());
                }
                call[0].onCompleted();
            }
            catch (final InterruptedException e)
            {
                call[0].cancel("interrupted", e);
            }
        }, threadName);
        t.setDaemon(true);
        t.start();
        return done;
    }

    /** Polls {@code condition} until it holds or {@code timeout} passes. */
    static boolean await(final BooleanSupplier condition, final Duration timeout) throws InterruptedException
    {
        final long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean())
        {
            if (System.nanoTime() > deadline)
            {
                return false;
            }
            Thread.sleep(2);
        }
        return true;
    }

    long counter(final String label)
    {
        final Long v = engine.counters().snapshot().get(label);
        return v == null ? 0 : v;
    }

    @Override
    public void close()
    {
        engine.stop();
        server.close();
    }
}
