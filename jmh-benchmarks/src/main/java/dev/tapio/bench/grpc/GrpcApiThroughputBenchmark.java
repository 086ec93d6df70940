package dev.tapio.bench.grpc;

import dev.tapio.bench.PodEvent;
import dev.tapio.codecs.EventFrames;
import dev.tapio.codecs.api.Attribute;
import dev.tapio.codecs.api.Event;
import dev.tapio.codecs.api.EventsGrpc;
import dev.tapio.codecs.api.IngestAck;
import dev.tapio.codecs.api.IngestRequest;
import dev.tapio.codecs.api.SubscribeRequest;
import dev.tapio.codecs.api.SubscribeResponse;
import dev.tapio.codecs.sbe.EventDecoder;
import dev.tapio.codecs.sbe.EventEncoder;
import dev.tapio.codecs.sbe.MessageHeaderEncoder;
import dev.tapio.engine.Engine;
import dev.tapio.engine.ProducerMode;
import dev.tapio.engine.ThreadingMode;
import dev.tapio.engine.ring.BackpressurePolicy;
import dev.tapio.engine.spi.Publisher;
import dev.tapio.engine.spi.SlotWriter;
import dev.tapio.exporters.grpc.GrpcSection;
import dev.tapio.exporters.grpc.GrpcServer;
import dev.tapio.exporters.grpc.GrpcSettings;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.StreamObserver;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * The gRPC API (exporters/grpc) on loopback, client and server in one JVM with a real engine (shared
 * threading, multi-producer ring of 65,536 slots of 1 KiB): events per second in over one Ingest stream, and out to
 * one Subscribe stream. Events are the Kubernetes pod event of the codec benchmarks ({@link PodEvent},
 * 566 B as SBE), as protobuf fields for ingest.
 *
 * <pre>
 *  ingestOneStream   client ══ Ingest: requests of `batch` events, ≤ 8 unacked ══► IngestStream ─► ring ─► stages ─► hub (no subscriber)
 *  subscribe         host publisher ─► ring ─► stages ─► hub ─► subscriber buffer ─► drain thread ══ Subscribe ══► client (counts)
 *                    (the producer keeps at most 50,000 events ahead of what the client received, so the
 *                     subscriber is never cut off; `sbe` picks SBE records or protobuf fields)
 * </pre>
 *
 * An operation is one event acked (ingest) or received by the subscribing client. On a 2-core VM client,
 * server and engine share the cores. Targets of issue 7: ≥ 500,000 events/s in over one stream, ≥ 1,000,000
 * events/s to a subscriber.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {
    "--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED",
    "--add-opens", "java.base/java.nio=ALL-UNNAMED",
    "--add-exports", "java.base/sun.nio.ch=ALL-UNNAMED",
    "--add-exports", "java.base/jdk.internal.ref=ALL-UNNAMED",
    "--add-opens", "java.base/java.lang.reflect=ALL-UNNAMED",
    "-Dchronicle.analytics.disable=true",
    "-XX:+UseParallelGC", "-Xms1g", "-Xmx1g" })
@State(Scope.Benchmark)
public class GrpcApiThroughputBenchmark
{
    public static final int INGEST_EVENTS = 200_000;
    public static final int SUBSCRIBE_EVENTS = 500_000;
    static final int IN_FLIGHT = 8;
    static final int AHEAD = 50_000;

    /** Events per Ingest request. */
    @Param({"1000"})
    public int batch;

    /** Subscribe with SBE records (true) or protobuf fields (false). */
    @Param({"true", "false"})
    public boolean sbe;

    private Engine engine;
    private GrpcServer server;
    private ManagedChannel ingestChannel;
    private ManagedChannel subscribeChannel;
    private IngestRequest request;
    private ClientCallStreamObserver<IngestRequest> ingest;
    private final Semaphore inFlight = new Semaphore(IN_FLIGHT);
    private final AtomicLong acked = new AtomicLong();
    private final AtomicLong received = new AtomicLong();
    private volatile Throwable failure;
    private Publisher publisher;
    private UnsafeBuffer template;
    private ClientCallStreamObserver<SubscribeRequest> subscription;

    @Setup(Level.Trial)
    public void setUp(final org.openjdk.jmh.infra.BenchmarkParams params) throws Exception
    {
        final boolean subscribing = params.getBenchmark().endsWith(".subscribe");
        final Object hub = GrpcSection.newHub();
        engine = Engine.builder().threading(ThreadingMode.SHARED).producers(ProducerMode.MULTI).ringSize(65_536).slotSize(1024)
            .nodeName("bench").errorStream(new PrintStream(new ByteArrayOutputStream()))
            .sink((dev.tapio.engine.spi.Sink)hub).build().start();
        server = GrpcServer.create(GrpcSettings.builder().listen("127.0.0.1:0").subscriberBuffer(64 << 20)
            .maxMessageSize(16 << 20).build(), engine, (dev.tapio.engine.spi.Sink)hub, null).start();
        ingestChannel = NettyChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext().directExecutor()
            .flowControlWindow(4 << 20).build();
        subscribeChannel = NettyChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext().directExecutor()
            .flowControlWindow(8 << 20).maxInboundMessageSize(64 << 20).build();

        final IngestRequest.Builder r = IngestRequest.newBuilder();
        for (int i = 0; i < batch; i++)
        {
            final PodEvent p = PodEvent.variant(i % 16);
            r.addEvents(Event.newBuilder().setType("k8s.pod.restarted").setSource("kubernetes").setSeverity("warning")
                .setTimeUnixNano(PodEvent.TIMESTAMP).setNode(PodEvent.NODE).setNamespace(p.namespace).setPod(p.pod)
                .setPodUid(p.podUid).setContainer(p.container).setContainerId(p.containerId).setMessage(p.message)
                .setExitCode(PodEvent.EXIT_CODE)
                .addAttributes(Attribute.newBuilder().setKey("k8s.container.restart_count").setValue("4"))
                .addAttributes(Attribute.newBuilder().setKey("k8s.container.last_terminated_reason").setValue("OOMKilled"))
                .setTraceId("4bf92f3577b34da6a3ce929d0e0e4736").setSpanId("00f067aa0ba902b7"));
        }
        request = r.build();
        EventsGrpc.newStub(ingestChannel).ingest(new ClientResponseObserver<IngestRequest, IngestAck>()
        {
            @Override
            public void beforeStart(final ClientCallStreamObserver<IngestRequest> requestStream)
            {
                ingest = requestStream;
            }

            @Override
            public void onNext(final IngestAck ack)
            {
                if (ack.getRejected() > 0)
                {
                    failure = new IllegalStateException("events rejected: " + ack.getFirstError());
                }
                acked.addAndGet(ack.getAccepted());
                inFlight.release();
            }

            @Override
            public void onError(final Throwable t)
            {
                failure = t;
                inFlight.release(IN_FLIGHT);
            }

            @Override
            public void onCompleted()
            {
            }
        });

        final UnsafeBuffer scratch = new UnsafeBuffer(new byte[4096]);
        final int length = PodEvent.variant(0).encode(scratch, 0, new MessageHeaderEncoder(), new EventEncoder(),
            false, 1, PodEvent.INGEST_TIMESTAMP);
        template = new UnsafeBuffer(new byte[length]);
        template.putBytes(0, scratch, 0, length);
        publisher = engine.publisher("bench", BackpressurePolicy.BLOCK);
        if (!subscribing)
        {
            return;
        }
        EventsGrpc.newStub(subscribeChannel).subscribe(SubscribeRequest.newBuilder().setSbe(sbe).setMaxBatch(1024).build(),
            new ClientResponseObserver<SubscribeRequest, SubscribeResponse>()
            {
                @Override
                public void beforeStart(final ClientCallStreamObserver<SubscribeRequest> requestStream)
                {
                    subscription = requestStream;
                }

                @Override
                public void onNext(final SubscribeResponse value)
                {
                    received.addAndGet(value.getRecordCount() + value.getRecordsCount());
                }

                @Override
                public void onError(final Throwable t)
                {
                    failure = t;
                }

                @Override
                public void onCompleted()
                {
                }
            });
        // The subscription is live once an event published now reaches the client; those published before it
        // registered with fan-out never will. One at a time, so none is in flight when the measurement starts.
        while (received.get() == 0)
        {
            check();
            publisher.publishBatch(COPY, this, 1, 0, 0);
            final long until = System.nanoTime() + 50_000_000L;
            while (received.get() == 0 && System.nanoTime() < until)
            {
                LockSupport.parkNanos(100_000);
            }
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Exception
    {
        ingest.onCompleted();
        if (subscription != null)
        {
            subscription.cancel("done", null);
        }
        ingestChannel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        subscribeChannel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        engine.stop();
        server.close();
    }

    /** INGEST_EVENTS events in over one stream (and through the engine); returns when the last is acked. */
    @Benchmark
    @OperationsPerInvocation(INGEST_EVENTS)
    public long ingestOneStream() throws InterruptedException
    {
        final long target = acked.get() + INGEST_EVENTS;
        for (int sent = 0; sent < INGEST_EVENTS; sent += batch)
        {
            inFlight.acquire();
            check();
            ingest.onNext(request);
        }
        while (acked.get() < target)
        {
            check();
            LockSupport.parkNanos(20_000);
        }
        return acked.get();
    }

    /** SUBSCRIBE_EVENTS events published into the ring; returns when the subscribing client received them all. */
    @Benchmark
    @OperationsPerInvocation(SUBSCRIBE_EVENTS)
    public long subscribe()
    {
        final long start = received.get();
        final long target = start + SUBSCRIBE_EVENTS;
        long published = start;
        while (published < target)
        {
            check();
            if (published - received.get() >= AHEAD)
            {
                LockSupport.parkNanos(20_000);
                continue;
            }
            final int n = (int)Math.min(4096, target - published);
            final int r = publisher.publishBatch(COPY, this, n, 0, 0);
            if (r < 0)
            {
                throw new IllegalStateException("publish refused: " + r);
            }
            published += n;
        }
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (received.get() < target)
        {
            check();
            if (System.nanoTime() > deadline)
            {
                throw new IllegalStateException("received " + received.get() + " of " + target + "; engine " +
                    engine.counters().snapshot());
            }
            LockSupport.parkNanos(20_000);
        }
        return received.get();
    }

    private static final SlotWriter<GrpcApiThroughputBenchmark> COPY = (buffer, capacity, ingestTimestamp, eventId, index, b) ->
        b.write(buffer, eventId, ingestTimestamp);

    private int write(final MutableDirectBuffer buffer, final long eventId, final long ingestTimestamp)
    {
        buffer.putBytes(0, template, 0, template.capacity());
        buffer.putLong(EventFrames.HEADER_LENGTH + EventDecoder.eventIdEncodingOffset(), eventId);
        buffer.putLong(EventFrames.HEADER_LENGTH + EventDecoder.ingestTimestampEncodingOffset(), ingestTimestamp);
        return template.capacity();
    }

    private void check()
    {
        if (failure != null)
        {
            throw new IllegalStateException("stream failed", failure);
        }
    }
}
