package dev.tapio.bench;

import dev.tapio.bench.baseline.BaselineEvent;
import dev.tapio.bench.baseline.BaselinePipeline;
import dev.tapio.codecs.EventFrames;
import dev.tapio.codecs.sbe.EventEncoder;
import dev.tapio.codecs.sbe.MessageHeaderEncoder;
import dev.tapio.engine.Engine;
import dev.tapio.engine.ProducerMode;
import dev.tapio.engine.ThreadingMode;
import dev.tapio.engine.WaitStrategyKind;
import dev.tapio.engine.metrics.EngineCounters;
import dev.tapio.engine.ring.BackpressurePolicy;
import dev.tapio.engine.sink.DiscardSink;
import dev.tapio.engine.spi.Publisher;
import dev.tapio.engine.spi.SlotWriter;
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

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Events per second through the whole pipeline, in the manner of the Disruptor's
 * OneToThreePipelineSequencedThroughputTest (here one to four): the benchmark thread is the producer, each
 * invocation pushes {@value #EVENTS} events and returns when the last one has left the last stage.
 *
 * <pre>
 *   engine (Tapio; ThreadingMode as @Param; BLOCKING wait strategy, the default):
 *
 *     benchmark thread ─publishBatch(64)─► [ Disruptor ring: 65,536 off-heap slots x 1 KiB, SBE ]
 *     (host Publisher; the SlotWriter          │
 *      copies a pre-encoded event)             ├─ DEDICATED: decode ─► correlate ─► enrich ─► fan-out ─► discard
 *                                              │             (4 threads, each gated on the one before)
 *                                              └─ SHARED:    [decode → correlate → enrich → fan-out] ─► discard
 *                                                            (1 thread)
 *     done when tapio_events_out_total reaches the target.
 *
 *   baselineQueues (BaselinePipeline):
 *
 *     benchmark thread ─put─► ABQ ─► decode ─► ABQ ─► correlate ─► ABQ ─► enrich ─► ABQ ─► fan-out (count)
 *     (a new BaselineEvent    65,536 each; one thread per stage, each doing the work of Tapio's stage
 *      per event)
 *     done when the fan-out count reaches the target.
 * </pre>
 *
 * Both producers cycle through the same {@value #VARIANTS} variants of the Kubernetes pod event
 * ({@link PodEvent}, ingest shape: no node name, no trace context, so enrich and correlate have work to
 * do). Engines and pipelines start in Trial set-up and stop (draining, threads joined) in Trial
 * tear-down.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {
    "--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED",
    "--add-opens", "java.base/java.nio=ALL-UNNAMED",
    "--add-exports", "java.base/sun.nio.ch=ALL-UNNAMED" })
public class PipelineThroughputBenchmark
{
    /** Events per invocation. */
    public static final int EVENTS = 1_000_000;
    /** Events claimed per publishBatch, as SyntheticSource's default batch. */
    static final int BATCH = 64;
    static final int VARIANTS = 256;
    /**
     * The pod event is 526 B as SBE on ingest and 566 B once enrich has inserted the node name: more
     * than the default 512 B slot (where it would be dropped as too_large or overflow enrich).
     */
    static final int SLOT_SIZE = 1024;
    static final Duration INVOCATION_TIMEOUT = Duration.ofSeconds(120);

    @State(Scope.Benchmark)
    public static class EngineState
    {
        @Param({ "SHARED", "DEDICATED" })
        public ThreadingMode threading;

        Engine engine;
        Publisher publisher;
        EngineCounters counters;
        final Producer producer = new Producer();
        long expectedOut;

        @Setup(Level.Trial)
        public void start()
        {
            engine = Engine.builder()
                .threading(threading)
                .producers(ProducerMode.MULTI) // host publishers need the multi-producer ring
                .waitStrategy(WaitStrategyKind.BLOCKING)
                .ringSize(65_536)
                .slotSize(SLOT_SIZE)
                .nodeName(PodEvent.NODE)
                .seed(42)
                .sink(new DiscardSink("discard"))
                .build()
                .start();
            publisher = engine.publisher("bench", BackpressurePolicy.BLOCK);
            counters = engine.counters();
            expectedOut = counters.totalOut();
        }

        @TearDown(Level.Trial)
        public void stop() throws InterruptedException
        {
            final boolean drained = engine.stop();
            Threads.awaitExit("tapio-", Duration.ofSeconds(10));
            final long dropped = counters.totalDropped();
            final long overflow = counters.counter(EngineCounters.ENRICH_OVERFLOW).get();
            if (!drained || dropped != 0 || overflow != 0 || counters.totalIn() != counters.totalOut())
            {
                throw new IllegalStateException("engine lost events: in=" + counters.totalIn() + " out=" +
                    counters.totalOut() + " dropped=" + counters.droppedByReason() + " enrichOverflow=" + overflow +
                    " drained=" + drained);
            }
        }
    }

    @State(Scope.Benchmark)
    public static class QueueState
    {
        BaselinePipeline pipeline;
        final BaselineEvent[] templates = new BaselineEvent[VARIANTS];
        long expectedOut;

        @Setup(Level.Trial)
        public void start()
        {
            for (int i = 0; i < VARIANTS; i++)
            {
                templates[i] = PodEvent.variant(i).toPojo(false);
            }
            pipeline = new BaselinePipeline(PodEvent.NODE, PodEvent.NODE_ID, 42).start();
            expectedOut = 0;
        }

        @TearDown(Level.Trial)
        public void stop() throws InterruptedException
        {
            pipeline.close();
            if (!pipeline.terminated())
            {
                throw new IllegalStateException("baseline stage threads still running");
            }
            Threads.awaitExit("baseline-", Duration.ofSeconds(10));
            if (pipeline.rejected() != 0)
            {
                throw new IllegalStateException("baseline rejected " + pipeline.rejected() + " events");
            }
        }
    }

    /** Tapio: the real engine, fed by a host publisher on this thread. */
    @Benchmark
    @OperationsPerInvocation(EVENTS)
    public long engine(final EngineState s)
    {
        final Publisher publisher = s.publisher;
        final Producer producer = s.producer;
        int sent = 0;
        while (sent < EVENTS)
        {
            final int n = Math.min(BATCH, EVENTS - sent);
            final int accepted = publisher.publishBatch(WRITER, producer, n, 0, 0);
            if (accepted != n)
            {
                throw new IllegalStateException("publishBatch accepted " + accepted + " of " + n);
            }
            sent += n;
        }
        s.expectedOut += EVENTS;
        awaitOut(s.counters, s.expectedOut);
        return s.expectedOut;
    }

    /** Baseline: four threads joined by ArrayBlockingQueues, one new POJO per event. */
    @Benchmark
    @OperationsPerInvocation(EVENTS)
    public long baselineQueues(final QueueState s) throws InterruptedException
    {
        final BaselinePipeline pipeline = s.pipeline;
        final BaselineEvent[] templates = s.templates;
        long now = 0;
        for (int i = 0; i < EVENTS; i++)
        {
            if ((i & (BATCH - 1)) == 0)
            {
                now = System.nanoTime(); // one clock read per 64 events, as the engine's publishBatch
            }
            final BaselineEvent e = new BaselineEvent(templates[i & (VARIANTS - 1)]);
            e.ingestNanos = now;
            pipeline.publish(e);
        }
        s.expectedOut += EVENTS;
        if (!pipeline.awaitDone(s.expectedOut, INVOCATION_TIMEOUT))
        {
            throw new IllegalStateException("baseline: " + pipeline.processed() + " of " + s.expectedOut +
                " events out after " + INVOCATION_TIMEOUT);
        }
        return s.expectedOut;
    }

    private static void awaitOut(final EngineCounters counters, final long target)
    {
        final long deadline = System.nanoTime() + INVOCATION_TIMEOUT.toNanos();
        int spins = 0;
        while (counters.totalOut() < target)
        {
            if (++spins < 100)
            {
                Thread.onSpinWait();
            }
            else
            {
                if (System.nanoTime() - deadline > 0)
                {
                    throw new IllegalStateException("engine: " + counters.totalOut() + " of " + target +
                        " events out after " + INVOCATION_TIMEOUT + "; dropped " + counters.droppedByReason());
                }
                LockSupport.parkNanos(50_000);
            }
        }
    }

    private static final SlotWriter<Producer> WRITER = Producer::write;

    /**
     * Fills claimed slots with the pod event variants in turn, as SyntheticSource does: each variant
     * was SBE-encoded once; per event its bytes are copied into the slot and the id and ingest time
     * stamped (the baseline producer likewise copies a template POJO per event).
     */
    static final class Producer
    {
        private final byte[][] encoded = new byte[VARIANTS][];
        private final EventEncoder encoder = new EventEncoder();
        private int next;

        Producer()
        {
            final MessageHeaderEncoder header = new MessageHeaderEncoder();
            final UnsafeBuffer scratch = new UnsafeBuffer(new byte[SLOT_SIZE]);
            for (int i = 0; i < VARIANTS; i++)
            {
                final int length = PodEvent.variant(i).encode(scratch, 0, header, encoder, false, 0, 0);
                encoded[i] = new byte[length];
                scratch.getBytes(0, encoded[i]);
            }
        }

        static int write(
            final MutableDirectBuffer buffer, final int capacity, final long ingestTimestamp, final long eventId,
            final int index, final Producer self)
        {
            final byte[] event = self.encoded[self.next++ & (VARIANTS - 1)];
            if (event.length > capacity)
            {
                return -1;
            }
            buffer.putBytes(0, event);
            self.encoder.wrap(buffer, EventFrames.HEADER_LENGTH).eventId(eventId).ingestTimestamp(ingestTimestamp);
            return event.length;
        }
    }
}
