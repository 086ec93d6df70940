package dev.tapio.bench.cep;

import dev.tapio.codecs.sbe.GroupDecoder;
import dev.tapio.codecs.sbe.GroupStatus;
import dev.tapio.codecs.sbe.MessageHeaderDecoder;
import dev.tapio.engine.correlate.CorrelationCounters;
import dev.tapio.engine.correlate.CorrelationSettings;
import dev.tapio.engine.correlate.Correlator;
import dev.tapio.engine.correlate.EventFields;
import dev.tapio.engine.correlate.RulesLoader;
import dev.tapio.engine.metrics.EngineCounters;
import io.siddhi.core.event.Event;
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

import java.nio.ByteOrder;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Pattern matching throughput, events/s: an established CEP engine (Siddhi 5.1) on the two patterns of
 * {@link PatternWorkload} (crash-loop: 3 restarts of a container within 5 min; oom-kill: OOM kill → exit
 * 137 → restart OOMKilled of a container within 5 min), over the workload's stream replayed in a loop.
 * Tapio's correlator runs the same workload ({@link TapioState}).
 *
 * <pre>
 *   siddhi:       row i ──InputHandler.send(time, Object[])──► filter ──► partition by container
 *                                              ├─ every restart -> restart -> restart within 5 min
 *                                              └─ every oom_kill -> exit 137 -> restart OOMKilled within 5 min
 *   siddhiBatch:  rows i .. i+999 as Event[] ──InputHandler.send(Event[])──► (same app)
 *   tapio:        SBE event i (off-heap) ──EventFields.wrap──► Correlator.process ──► group records
 * </pre>
 *
 * One operation is one event; an invocation processes {@link #BATCH} events. Input: Siddhi's documented
 * in-process paths, both synchronous (the calling thread runs the whole app): {@code
 * InputHandler.send(long timestamp, Object[] data)} per event, the plainest, and {@code send(Event[])} per
 * {@link #BATCH}, the fastest here (1.8× on the sparse default workload, 1.1-1.3× on dense ones). The
 * rows ({@code Object[]} of type, container, exit code, reason) are built once before the run and shared
 * across replays (Siddhi copies values into its own events; the batch's {@code Event} wrappers are
 * reused), so no side pays for building its input. Event time is the Siddhi event timestamp
 * ({@code @app:playback}). Siddhi runs without its default per-query latency timers
 * ({@link SiddhiPatterns#SiddhiPatterns(boolean)}; they cost 5-15%), and both engines get the project's
 * collector, ParallelGC (G1 made Siddhi slower here).
 *
 * <p>The default stream is sparse, as an observability stream is: 1,000,000 events, 1,000 scenarios (~0.3%
 * of the events; 24% of the scenarios complete), the rest noise the patterns must reject. Denser streams
 * need more containers (a container's scenarios are kept 5.5 min apart): {@code -p containers=100000 -p
 * scenarios=50000} makes ~16% of the events scenario events.
 *
 * <p>Every complete replay of the stream is checked: Siddhi must report exactly the workload's planted
 * matches ({@link PatternWorkload#plantedCrashLoops()}, {@link PatternWorkload#plantedOomKills()}), or
 * the trial fails at tear-down. The match count is returned, so the work cannot be dropped.
 * {@code CepPatternTest} checks the same counts against a brute-force reference.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 5, time = 3)
@Measurement(iterations = 5, time = 3)
@Fork(value = 1, jvmArgsAppend = {
    "--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED",
    "--add-opens", "java.base/java.nio=ALL-UNNAMED",
    "--add-exports", "java.base/sun.nio.ch=ALL-UNNAMED",
    "-XX:+UseParallelGC", "-Xms2g", "-Xmx2g" })
public class CepPatternBenchmark
{
    /** Events per invocation; the workload's event count must be a multiple of it. */
    public static final int BATCH = 1_000;

    /** The stream, shared by every engine's benchmark. */
    @State(Scope.Benchmark)
    public static class WorkloadState
    {
        /** Distinct containers (the correlation key's cardinality). */
        @Param({ "1000", "100000" })
        public int containers;

        /** Events per replay: 1 ms of event time each. */
        @Param({ "1000000" })
        public int events;

        /**
         * Planted scenarios per replay (about 3.2 events each, 24% of them complete). 1,000 is ~0.3% of a
         * 1,000,000-event replay and fits 1,000 containers; denser streams need more containers (scenarios
         * of a container are kept 5.5 min apart), e.g. {@code -p containers=100000 -p scenarios=50000}
         * makes ~16% of the events pattern events.
         */
        @Param({ "1000" })
        public int scenarios;

        @Param({ "42" })
        public long seed;

        PatternWorkload workload;

        @Setup(Level.Trial)
        public void setUp()
        {
            if (events % BATCH != 0)
            {
                throw new IllegalArgumentException("events must be a multiple of " + BATCH + ": " + events);
            }
            workload = new PatternWorkload(events, containers, scenarios, seed);
        }
    }

    /** Siddhi and where it is in the stream; checks the matches of every complete replay. */
    @State(Scope.Thread)
    public static class SiddhiState
    {
        SiddhiPatterns siddhi;
        PatternWorkload workload;
        Object[][] rows;
        final Event[] batch = new Event[BATCH];
        int next;
        long loop;
        private long matchesAtLoopStart;
        private int completedLoops;
        private long matchesInCompletedLoops;
        private String mismatch;

        @Setup(Level.Trial)
        public void setUp(final WorkloadState state)
        {
            workload = state.workload;
            if (workload.events() % BATCH != 0)
            {
                throw new IllegalArgumentException("events must be a multiple of " + BATCH);
            }
            rows = workload.siddhiRows();
            for (int i = 0; i < BATCH; i++)
            {
                batch[i] = new Event();
            }
            siddhi = new SiddhiPatterns();
        }

        /** After the last event of a replay: the replay's matches must be the planted ones. */
        void endOfLoop()
        {
            final long matches = siddhi.matches() - matchesAtLoopStart;
            final long expected = workload.plantedCrashLoops() + workload.plantedOomKills();
            if (matches != expected && mismatch == null)
            {
                mismatch = "replay " + loop + ": Siddhi found " + matches + " matches, the workload planted " +
                    expected + " (" + siddhi.crashLoops() + " crash-loop, " + siddhi.oomKills() + " oom-kill so far)";
            }
            completedLoops++;
            matchesInCompletedLoops += matches;
            matchesAtLoopStart = siddhi.matches();
            next = 0;
            loop++;
        }

        int completedLoops()
        {
            return completedLoops;
        }

        long matchesInCompletedLoops()
        {
            return matchesInCompletedLoops;
        }

        void verify()
        {
            if (mismatch != null)
            {
                throw new IllegalStateException(mismatch);
            }
        }

        @TearDown(Level.Trial)
        public void tearDown()
        {
            try
            {
                verify();
            }
            finally
            {
                siddhi.close();
            }
        }
    }

    /** Siddhi, one {@code InputHandler.send(timestamp, Object[])} per event. */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public long siddhi(final SiddhiState s)
    {
        final SiddhiPatterns siddhi = s.siddhi;
        final PatternWorkload w = s.workload;
        final Object[][] rows = s.rows;
        final int from = s.next;
        final int to = from + BATCH;
        final long loop = s.loop;
        for (int i = from; i < to; i++)
        {
            siddhi.send(w.timeMillis(loop, i), rows[i]);
        }
        s.next = to;
        if (to == rows.length)
        {
            s.endOfLoop();
        }
        return siddhi.matches();
    }

    /** Siddhi, the same events as one {@code InputHandler.send(Event[])} per {@link #BATCH}. */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public long siddhiBatch(final SiddhiState s)
    {
        final PatternWorkload w = s.workload;
        final Object[][] rows = s.rows;
        final Event[] batch = s.batch;
        final int from = s.next;
        final long loop = s.loop;
        for (int k = 0; k < BATCH; k++)
        {
            final Event e = batch[k];
            e.setTimestamp(w.timeMillis(loop, from + k));
            e.setData(rows[from + k]);
        }
        s.siddhi.send(batch);
        s.next = from + BATCH;
        if (s.next == rows.length)
        {
            s.endOfLoop();
        }
        return s.siddhi.matches();
    }

    /**
     * Tapio's correlator (the correlate stage's engine, {@code dev.tapio.engine.correlate}) on the same
     * stream: each event SBE-encoded off-heap once before the run, wrapped by {@link EventFields} and
     * processed, as the correlate stage does on a ring slot. Rules: {@link PatternWorkload#TAPIO_RULES_YAML}
     * (crash-loop and oom-kill only; crash-loop without its optional exits step, so it completes on the
     * third restart as Siddhi's pattern does), complete groups retained 5 min (shorter than the workload's
     * isolation, so a container's next scenario opens a new group, as in Siddhi). Every replay must complete
     * exactly the planted groups, or the trial fails at tear-down.
     */
    @State(Scope.Thread)
    public static class TapioState
    {
        PatternWorkload workload;
        PatternWorkload.SbeEvents sbe;
        Correlator correlator;
        final EventFields fields = new EventFields();
        final GroupDecoder group = new GroupDecoder();
        final MessageHeaderDecoder header = new MessageHeaderDecoder();
        long complete;
        int next;
        long loop;
        private long completeAtLoopStart;
        private String mismatch;

        @Setup(Level.Trial)
        public void setUp(final WorkloadState state) throws Exception
        {
            workload = state.workload;
            sbe = workload.sbe();
            sbe.moveToLoop(0);
            correlator = new Correlator(RulesLoader.parse("bench", PatternWorkload.TAPIO_RULES_YAML),
                CorrelationSettings.builder().maxGroups(Math.max(2 * workload.containers(), 1024))
                    .retention(Duration.ofMinutes(5))
                    // sized to the cluster, as a deployment would: an entity cache smaller than the
                    // container count churns (and copies names) on every Kubernetes event
                    .entityCacheSize(Math.max(65_536, 2 * workload.containers()))
                    .nodeName("bench").build(),
                new CorrelationCounters(new EngineCounters()), this::onGroup);
        }

        private void onGroup(final DirectBuffer buffer, final int offset, final int length)
        {
            header.wrap(buffer, offset);
            group.wrap(buffer, offset + MessageHeaderDecoder.ENCODED_LENGTH, header.blockLength(), header.version());
            if (group.status() == GroupStatus.COMPLETE)
            {
                complete++;
            }
        }

        void endOfLoop()
        {
            final long found = complete - completeAtLoopStart;
            final long expected = workload.plantedCrashLoops() + workload.plantedOomKills();
            if (found != expected && mismatch == null)
            {
                mismatch = "replay " + loop + ": Tapio completed " + found + " groups, the workload planted " + expected;
            }
            completeAtLoopStart = complete;
            next = 0;
            loop++;
        }

        @TearDown(Level.Trial)
        public void tearDown()
        {
            if (mismatch != null)
            {
                throw new IllegalStateException(mismatch);
            }
        }
    }

    private static final int TIMESTAMP_OFFSET =
        dev.tapio.codecs.EventFrames.HEADER_LENGTH + dev.tapio.codecs.sbe.EventDecoder.timestampEncodingOffset();

    /** Tapio's correlator, one {@code EventFields.wrap} + {@code Correlator.process} per event. */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public long tapio(final TapioState t)
    {
        final PatternWorkload.SbeEvents sbe = t.sbe;
        final EventFields fields = t.fields;
        final Correlator correlator = t.correlator;
        final UnsafeBuffer buffer = sbe.buffer();
        final PatternWorkload w = t.workload;
        final long loop = t.loop;
        final int from = t.next;
        final int to = from + BATCH;
        for (int i = from; i < to; i++)
        {
            // The event's time in this replay, written in place (as Siddhi gets it per event).
            final int offset = sbe.offset(i);
            buffer.putLong(offset + TIMESTAMP_OFFSET, w.timeMillis(loop, i) * 1_000_000L, ByteOrder.LITTLE_ENDIAN);
            fields.wrap(buffer, offset, sbe.length(i));
            correlator.process(fields);
        }
        t.next = to;
        if (to == sbe.count())
        {
            t.endOfLoop();
        }
        return t.complete;
    }
}
