package dev.tapio.bench.bridge;

import com.google.protobuf.ByteString;
import dev.tapio.bench.PodEvent;
import dev.tapio.bridge.RecordBatchBuilder;
import dev.tapio.bridge.RecordSource;
import dev.tapio.bridge.ServerBridge;
import dev.tapio.bridge.server.IngestServer;
import dev.tapio.bridge.server.RecordSink;
import dev.tapio.codecs.EventFrames;
import dev.tapio.codecs.bridge.Ack;
import dev.tapio.codecs.bridge.Batch;
import dev.tapio.codecs.bridge.BridgeGrpc;
import dev.tapio.codecs.sbe.EventDecoder;
import dev.tapio.codecs.sbe.EventEncoder;
import dev.tapio.codecs.sbe.MessageHeaderEncoder;
import com.google.common.util.concurrent.FutureCallback;
import com.google.common.util.concurrent.Futures;
import com.google.common.util.concurrent.MoreExecutors;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import org.agrona.DirectBuffer;
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
import java.nio.ByteOrder;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Node → server records per second over loopback gRPC, the ServerBridge beside two baselines, all
 * against the same IngestServer (token check, validation, dedup window, a sink that counts) in the same
 * JVM. Each record is the enriched Kubernetes pod event of the codec benchmarks ({@link PodEvent},
 * 566 B as SBE), with a fresh event id so the dedup window never short-circuits.
 *
 * <pre>
 *  bridgeStream            RecordSource ─► ServerBridge ══ one bidi stream, ≤ 8 batches in flight ══► IngestServer ─► sink
 *  unaryBatches            caller ─► Send(Batch of the same framed records), 8 calls in flight ──────► IngestServer ─► sink
 *  unaryOneRecordPerCall   caller ─► Send(Batch of 1 record), 64 calls in flight (baseline) ──────────► IngestServer ─► sink
 * </pre>
 *
 * An operation is one record acked by the server. On a 2-core VM client and server share the cores.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {
    "--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED",
    "--add-opens", "java.base/java.nio=ALL-UNNAMED",
    "--add-exports", "java.base/sun.nio.ch=ALL-UNNAMED",
    "-XX:+UseParallelGC", "-Xms1g", "-Xmx1g" })
@State(Scope.Benchmark)
public class BridgeThroughputBenchmark
{
    /** Records per invocation of the batched benchmarks. */
    public static final int RECORDS = 100_000;
    /** Records per invocation of the one-record-per-call baseline. */
    public static final int SINGLE_RECORDS = 10_000;
    static final int UNARY_IN_FLIGHT = 8;
    static final int SINGLE_IN_FLIGHT = 64;
    static final String TOKEN = "bench-token";
    static final int EVENT_ID_OFFSET = EventFrames.HEADER_LENGTH + EventDecoder.eventIdEncodingOffset();

    /** Batch size limit in bytes, for the bridge and the unary batches alike. */
    @Param({"65536", "262144"})
    public int batchBytes;

    private final CountingSink sink = new CountingSink();
    private IngestServer server;
    private PacedSource source;
    private ServerBridge bridge;
    private ManagedChannel channel;
    private BridgeGrpc.BridgeFutureStub futureStub;
    private UnsafeBuffer template;
    private RecordBatchBuilder unaryBatch;
    private long unaryIds = 1L << 50;
    private long unarySequence;
    private long released;

    @Setup(Level.Trial)
    public void setUp() throws Exception
    {
        final PrintStream quiet = new PrintStream(new ByteArrayOutputStream());
        server = IngestServer.builder().listen("127.0.0.1:0").sink(sink).bearerToken(TOKEN).errorLog(quiet, 5)
            .build().start();

        final UnsafeBuffer scratch = new UnsafeBuffer(new byte[4096]);
        final int length = PodEvent.variant(0).encode(scratch, 0, new MessageHeaderEncoder(), new EventEncoder(),
            true, 1, PodEvent.INGEST_TIMESTAMP);
        template = new UnsafeBuffer(new byte[length]);
        template.putBytes(0, scratch, 0, length);

        source = new PacedSource(template);
        bridge = ServerBridge.builder().target("127.0.0.1:" + server.port()).nodeId("bench-node").source(source)
            .bearerToken(TOKEN).maxBatchBytes(batchBytes).errorLog(quiet, 5).build().start();

        channel = NettyChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext().directExecutor()
            .flowControlWindow(4 << 20).build();
        final Metadata headers = new Metadata();
        headers.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + TOKEN);
        futureStub = BridgeGrpc.newFutureStub(channel).withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
        unaryBatch = new RecordBatchBuilder(batchBytes);
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Exception
    {
        bridge.close();
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        server.close();
        if (server.counters().rejected() != 0 || server.counters().duplicates() != 0)
        {
            throw new IllegalStateException("records rejected or duplicate: " + server.counters().registry().snapshot());
        }
    }

    /** The bridge: RECORDS more records made available to its source, returns when the last is acked. */
    @Benchmark
    @OperationsPerInvocation(RECORDS)
    public long bridgeStream()
    {
        released += RECORDS;
        source.release(released);
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (source.lastAcked() < released - 1)
        {
            LockSupport.parkNanos(20_000);
            if (System.nanoTime() > deadline)
            {
                throw new IllegalStateException("bridge stalled at " + source.lastAcked() + " of " + released);
            }
        }
        return source.lastAcked();
    }

    /** Unary Send with the same batches, UNARY_IN_FLIGHT calls outstanding. */
    @Benchmark
    @OperationsPerInvocation(RECORDS)
    public long unaryBatches() throws InterruptedException
    {
        final Semaphore window = new Semaphore(UNARY_IN_FLIGHT);
        int left = RECORDS;
        while (left > 0)
        {
            unaryBatch.reset();
            while (left > 0)
            {
                final int at = unaryBatch.claim(template.capacity(), 0);
                if (at < 0)
                {
                    break;
                }
                unaryBatch.buffer().putBytes(at, template, 0, template.capacity());
                unaryBatch.buffer().putLong(at + EVENT_ID_OFFSET, unaryIds++, ByteOrder.LITTLE_ENDIAN);
                left--;
            }
            final Batch b = Batch.newBuilder().setNodeId("bench-unary").setSequence(++unarySequence)
                .setRecordCount(unaryBatch.recordCount())
                .setRecords(ByteString.copyFrom(unaryBatch.buffer().byteArray(), 0, unaryBatch.byteCount())).build();
            window.acquire();
            Futures.addCallback(futureStub.send(b), release(window), MoreExecutors.directExecutor());
        }
        window.acquire(UNARY_IN_FLIGHT);
        return unarySequence;
    }

    /** Baseline: one record per unary call, SINGLE_IN_FLIGHT calls outstanding. */
    @Benchmark
    @OperationsPerInvocation(SINGLE_RECORDS)
    public long unaryOneRecordPerCall() throws InterruptedException
    {
        final Semaphore window = new Semaphore(SINGLE_IN_FLIGHT);
        final byte[] record = new byte[4 + template.capacity()];
        final UnsafeBuffer view = new UnsafeBuffer(record);
        view.putInt(0, template.capacity(), ByteOrder.LITTLE_ENDIAN);
        view.putBytes(4, template, 0, template.capacity());
        for (int i = 0; i < SINGLE_RECORDS; i++)
        {
            view.putLong(4 + EVENT_ID_OFFSET, unaryIds++, ByteOrder.LITTLE_ENDIAN);
            final Batch b = Batch.newBuilder().setNodeId("bench-single").setSequence(++unarySequence)
                .setRecordCount(1).setRecords(ByteString.copyFrom(record)).build();
            window.acquire();
            Futures.addCallback(futureStub.send(b), release(window), MoreExecutors.directExecutor());
        }
        window.acquire(SINGLE_IN_FLIGHT);
        return unarySequence;
    }

    private static FutureCallback<Ack> release(final Semaphore window)
    {
        return new FutureCallback<>()
        {
            @Override
            public void onSuccess(final Ack ack)
            {
                window.release();
            }

            @Override
            public void onFailure(final Throwable t)
            {
                window.release();
                throw new IllegalStateException("send failed", t);
            }
        };
    }

    /** Counts appended records (a journal's copy is not part of this measurement). */
    static final class CountingSink implements RecordSink
    {
        volatile long records;
        long bytes;

        @Override
        public void append(final DirectBuffer buffer, final int offset, final int length)
        {
            bytes += length;
            records++;
        }

        @Override
        public void flush()
        {
        }
    }

    /** A journal stand-in: record i is the template with event id i + 1; records below release() exist. */
    static final class PacedSource implements RecordSource
    {
        private final UnsafeBuffer template;
        private volatile long available;
        private volatile long lastAcked = -1;
        private long next;

        PacedSource(final UnsafeBuffer template)
        {
            this.template = template;
        }

        void release(final long count)
        {
            available = count;
        }

        long lastAcked()
        {
            return lastAcked;
        }

        @Override
        public int poll(final RecordBatchBuilder batch, final int maxRecords, final int maxBytes)
        {
            final long limit = available;
            final int length = template.capacity();
            int n = 0;
            while (n < maxRecords && next < limit)
            {
                final int at = batch.claim(length, next);
                if (at < 0)
                {
                    break;
                }
                batch.buffer().putBytes(at, template, 0, length);
                batch.buffer().putLong(at + EVENT_ID_OFFSET, next + 1, ByteOrder.LITTLE_ENDIAN);
                next++;
                n++;
            }
            return n;
        }

        @Override
        public void ack(final long lastIndex)
        {
            lastAcked = lastIndex;
        }
    }
}
