package dev.tapio.tools;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tapio.engine.Engine;
import dev.tapio.engine.ThreadingMode;
import dev.tapio.engine.WaitStrategyKind;
import dev.tapio.engine.metrics.EngineCounters;
import dev.tapio.engine.metrics.LatencyRecorder;
import dev.tapio.engine.ring.BackpressurePolicy;
import dev.tapio.engine.sink.DiscardSink;
import dev.tapio.engine.source.SyntheticSource;
import dev.tapio.tools.bench.BaselinePipeline;
import org.HdrHistogram.Histogram;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.locks.LockSupport;

/**
 * {@code tapio bench}: drives the real engine (synthetic source → four stages → discard sink) and/or
 * the baseline (four threads joined by ArrayBlockingQueues carrying Jackson-bound objects) with the
 * same event mix, and reports throughput, drops and added-latency percentiles. With {@code --rate},
 * latency is measured from each event's intended send time (corrected for coordinated omission).
 * Rounds alternate the pipelines; the summary reports each pipeline's median round.
 */
@Command(name = "bench", mixinStandardHelpOptions = true, versionProvider = TapioCli.Version.class,
    description = "Benchmark the engine against the ArrayBlockingQueue baseline.")
public final class BenchCommand implements Callable<Integer>
{
    @Option(names = "--events", paramLabel = "N",
        description = "events per round (default: 5,000,000; with --rate: rate x duration)")
    Long events;

    @Option(names = "--rate", paramLabel = "R", converter = RateConverter.class,
        description = "events per second, e.g. 165000 or 165k; default: as fast as possible")
    long rate;

    @Option(names = "--duration", paramLabel = "D", converter = DurationConverter.class,
        description = "length of a round at a fixed --rate (default 10s)")
    Duration duration;

    @Option(names = "--pipeline", paramLabel = "engine|baseline|both", defaultValue = "both",
        description = "what to run (default: ${DEFAULT-VALUE})")
    String pipeline;

    @Option(names = "--rounds", paramLabel = "K", defaultValue = "1",
        description = "measured rounds per pipeline, alternating; the summary is the median (default: ${DEFAULT-VALUE})")
    int rounds;

    @Option(names = "--warmup", paramLabel = "N", defaultValue = "1000000",
        description = "events of a warm-up round per pipeline before measuring (default: ${DEFAULT-VALUE}; 0: none)")
    long warmup;

    @Option(names = "--threading", paramLabel = "auto|shared|dedicated", defaultValue = "auto",
        description = "engine threading mode (default: ${DEFAULT-VALUE})")
    String threading;

    @Option(names = "--wait-strategy", paramLabel = "NAME", defaultValue = "blocking",
        description = "engine wait strategy: blocking, sleeping, yielding, busy-spin (default: ${DEFAULT-VALUE})")
    String waitStrategy;

    @Option(names = "--ring-size", paramLabel = "N", defaultValue = "65536",
        description = "engine ring size, a power of two (default: ${DEFAULT-VALUE})")
    int ringSize;

    @Option(names = "--journal", paramLabel = "DIR",
        description = "also append every event to a Chronicle Queue journal under DIR (a fresh directory per " +
            "round, deleted after it); the baseline does not journal")
    java.nio.file.Path journal;

    @Option(names = "--pacing", paramLabel = "precise|parked", defaultValue = "precise",
        description = "with --rate: precise spins to send each event on time (one busy core); parked sleeps " +
            "and sends what is due in small batches, leaving the cores to the engine. Both measure latency from " +
            "each event's intended send time. Default: ${DEFAULT-VALUE}")
    String pacing;

    private SyntheticSource.Pacing pacingMode;

    @Option(names = "--journal-thread", paramLabel = "own|fanout", defaultValue = "own",
        description = "with --journal: append on a thread of its own behind fan-out (own, as tapio run does by " +
            "default) or on the fan-out thread (fanout); default: ${DEFAULT-VALUE}")
    String journalThread;

    @Option(names = "--json", description = "print one JSON object per pipeline (the median round)")
    boolean json;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    private final PrintStream out = System.out;
    private final PrintStream err = System.err;

    @Override
    public Integer call() throws Exception
    {
        final CommandLine cl = spec.commandLine();
        if (!List.of("engine", "baseline", "both").contains(pipeline))
        {
            throw new CommandLine.ParameterException(cl, "--pipeline: expected engine, baseline or both, got " + pipeline);
        }
        final ThreadingMode mode;
        try
        {
            mode = ThreadingMode.valueOf(threading.toUpperCase(Locale.ROOT));
        }
        catch (final IllegalArgumentException e)
        {
            throw new CommandLine.ParameterException(cl, "--threading: expected auto, shared or dedicated, got " + threading);
        }
        final WaitStrategyKind wait = WaitStrategyKind.fromConfig(waitStrategy);
        if (wait == null)
        {
            throw new CommandLine.ParameterException(cl,
                "--wait-strategy: expected blocking, sleeping, yielding or busy-spin, got " + waitStrategy);
        }
        if (Integer.bitCount(ringSize) != 1 || ringSize < 64)
        {
            throw new CommandLine.ParameterException(cl, "--ring-size: must be a power of two >= 64, got " + ringSize);
        }
        if (rounds < 1 || rounds > 100)
        {
            throw new CommandLine.ParameterException(cl, "--rounds: must be 1..100, got " + rounds);
        }
        if (events != null && events < 1)
        {
            throw new CommandLine.ParameterException(cl, "--events: must be positive");
        }
        if (!List.of("precise", "parked").contains(pacing))
        {
            throw new CommandLine.ParameterException(cl, "--pacing: expected precise or parked, got " + pacing);
        }
        pacingMode = SyntheticSource.Pacing.valueOf(pacing.toUpperCase(Locale.ROOT));
        if (!List.of("own", "fanout").contains(journalThread))
        {
            throw new CommandLine.ParameterException(cl, "--journal-thread: expected own or fanout, got " + journalThread);
        }
        if (duration != null && rate == 0)
        {
            throw new CommandLine.ParameterException(cl, "--duration: needs --rate");
        }
        if (duration != null && (duration.isZero() || duration.isNegative()))
        {
            throw new CommandLine.ParameterException(cl, "--duration: must be positive");
        }
        final long n = events != null ? events :
            rate > 0 ? Math.max(1, rate * (duration != null ? duration : Duration.ofSeconds(10)).toMillis() / 1000) :
            5_000_000L;

        final boolean runEngine = !"baseline".equals(pipeline);
        final boolean runBaseline = !"engine".equals(pipeline);
        final BaselinePipeline baseline = runBaseline ? new BaselinePipeline(42, "bench-node") : null;

        if (warmup > 0)
        {
            final long w = rate > 0 ? Math.min(warmup, rate * 2) : warmup;
            if (!json)
            {
                err.printf(Locale.ROOT, "tapio bench: warming up (%,d events per pipeline)%n", w);
            }
            if (runBaseline)
            {
                baseline.run(w, rate);
            }
            if (runEngine)
            {
                runEngine(w, mode, wait);
            }
        }
        final List<Round> engineRounds = new ArrayList<>();
        final List<Round> baselineRounds = new ArrayList<>();
        for (int r = 0; r < rounds; r++)
        {
            if (runBaseline)
            {
                final BaselinePipeline.Result b = baseline.run(n, rate);
                final Round round = new Round("baseline", b.events, b.nanos, 0, b.latency);
                baselineRounds.add(round);
                progress(r, round);
            }
            if (runEngine)
            {
                final Round round = runEngine(n, mode, wait);
                engineRounds.add(round);
                progress(r, round);
            }
        }
        final Round e = median(engineRounds);
        final Round b = median(baselineRounds);
        if (json)
        {
            if (b != null)
            {
                out.println(Reports.JSON.writeValueAsString(b.toJson(rate)));
            }
            if (e != null)
            {
                out.println(Reports.JSON.writeValueAsString(e.toJson(rate)));
            }
        }
        else
        {
            out.printf(Locale.ROOT, "%-9s %12s %10s %9s %9s %9s %9s %9s %9s%n",
                "pipeline", "events/s", "dropped", "p50 us", "p99 us", "p99.9 us", "p99.99", "max us", "rounds");
            for (final Round round : new Round[]{ b, e })
            {
                if (round != null)
                {
                    final ObjectNode l = Reports.latencyMicros(round.latency);
                    out.printf(Locale.ROOT, "%-9s %12.0f %10d %9.1f %9.1f %9.1f %9.1f %9.1f %9d%n",
                        round.pipeline, round.throughput(), round.dropped, l.get("p50").asDouble(), l.get("p99").asDouble(),
                        l.get("p999").asDouble(), l.get("p9999").asDouble(), l.get("max").asDouble(), rounds);
                    if (round.journaled != null)
                    {
                        // The journal's own thread: ingest -> appended, beside fan-out's added latency above.
                        final ObjectNode j = Reports.latencyMicros(round.journaled);
                        out.printf(Locale.ROOT, "%-9s %12s %10s %9.1f %9.1f %9.1f %9.1f %9.1f %9s%n",
                            "  journaled", "", "", j.get("p50").asDouble(), j.get("p99").asDouble(),
                            j.get("p999").asDouble(), j.get("p9999").asDouble(), j.get("max").asDouble(), "");
                    }
                }
            }
            if (e != null && b != null)
            {
                out.printf(Locale.ROOT, "engine / baseline throughput: %.1fx (medians of %d rounds, %,d events each%s)%n",
                    e.throughput() / b.throughput(), rounds, n, rate > 0 ? ", at " + rate + " events/s" : "");
            }
        }
        return 0;
    }

    private void progress(final int round, final Round r)
    {
        if (!json)
        {
            err.printf(Locale.ROOT, "tapio bench: round %d %-8s %s, %d dropped, latency %s%s%n", round + 1, r.pipeline,
                Reports.rate(r.throughput()), r.dropped, Reports.compactLatency(r.latency),
                r.journaled == null ? "" : "; journaled " + Reports.compactLatency(r.journaled));
        }
    }

    private Round runEngine(final long n, final ThreadingMode mode, final WaitStrategyKind wait)
        throws InterruptedException
    {
        final SyntheticSource source = new SyntheticSource("synthetic", rate, n, rate > 0 ? 64 : 256,
            rate > 0 ? pacingMode : SyntheticSource.Pacing.COARSE, 42, 50, 5000);
        final Engine.Builder b = Engine.builder()
            .ringSize(ringSize)
            .threading(mode)
            .waitStrategy(wait)
            .nodeName("bench-node")
            .errorStream(err)
            .source(source, BackpressurePolicy.BLOCK)
            .sink(new DiscardSink("discard"));
        java.nio.file.Path roundDir = null;
        if (journal != null)
        {
            try
            {
                java.nio.file.Files.createDirectories(journal);
                roundDir = java.nio.file.Files.createTempDirectory(journal, "bench-");
            }
            catch (final java.io.IOException e)
            {
                throw new java.io.UncheckedIOException("--journal " + journal + ": " + e.getMessage(), e);
            }
            b.sink(new dev.tapio.journal.JournalSink("journal",
                dev.tapio.journal.JournalSettings.builder().dir(roundDir).retention(null).maxDiskBytes(0)
                    .ownThread("own".equals(journalThread)).build(), err));
        }
        final Engine engine = b.build();
        final EngineCounters c = engine.counters();
        final long start = System.nanoTime();
        engine.start();
        // Block until the source is done (no third thread polling on a 2-core machine), then
        // poll briefly for the last events to pass fan-out and every sink thread (the journal's).
        engine.awaitSources(Duration.ofDays(1));
        while (c.totalOut() + c.totalDropped() < n || engine.ringOccupancy() > 0)
        {
            LockSupport.parkNanos(20_000);
            if (engine.sourcesFinished() && engine.sourceStates().values().stream().anyMatch(s -> s.startsWith("failed")))
            {
                break;
            }
        }
        final long nanos = System.nanoTime() - start;
        engine.stop();
        if (roundDir != null)
        {
            deleteTree(roundDir);
        }
        final LatencyRecorder journaled = engine.sinkLatencies().get("journal");
        final String name = journal == null ? "engine" : "own".equals(journalThread) ? "engine+journal" : "engine+journal@fanout";
        return new Round(name, c.totalOut(), nanos, c.totalDropped(), engine.latency().cumulative(),
            journaled == null ? null : journaled.cumulative());
    }

    private void deleteTree(final java.nio.file.Path dir)
    {
        try (java.util.stream.Stream<java.nio.file.Path> paths = java.nio.file.Files.walk(dir))
        {
            for (final java.nio.file.Path p : (Iterable<java.nio.file.Path>)paths.sorted(java.util.Comparator.reverseOrder())::iterator)
            {
                java.nio.file.Files.deleteIfExists(p);
            }
        }
        catch (final java.io.IOException e)
        {
            err.println("tapio bench: could not delete " + dir + ": " + e.getMessage());
        }
    }

    private static Round median(final List<Round> rounds)
    {
        if (rounds.isEmpty())
        {
            return null;
        }
        final List<Round> sorted = new ArrayList<>(rounds);
        Collections.sort(sorted, (a, b) -> Double.compare(a.throughput(), b.throughput()));
        return sorted.get(sorted.size() / 2);
    }

    /** One measured round of one pipeline. */
    private static final class Round
    {
        final String pipeline;
        final long events;
        final long nanos;
        final long dropped;
        final Histogram latency;
        /** Ingest → journaled, when the journal has a thread of its own (else null: it is in {@link #latency}). */
        final Histogram journaled;

        Round(final String pipeline, final long events, final long nanos, final long dropped, final Histogram latency)
        {
            this(pipeline, events, nanos, dropped, latency, null);
        }

        Round(final String pipeline, final long events, final long nanos, final long dropped, final Histogram latency,
            final Histogram journaled)
        {
            this.journaled = journaled;
            this.pipeline = pipeline;
            this.events = events;
            this.nanos = nanos;
            this.dropped = dropped;
            this.latency = latency;
        }

        double throughput()
        {
            return events * 1e9 / Math.max(1, nanos);
        }

        ObjectNode toJson(final long rate)
        {
            final ObjectNode o = Reports.JSON.createObjectNode();
            o.put("pipeline", pipeline);
            o.put("events", events);
            o.put("seconds", Math.round(nanos / 1e6) / 1e3);
            o.put("throughput", Math.round(throughput()));
            o.put("dropped", dropped);
            if (rate > 0)
            {
                o.put("rate", rate);
            }
            o.set("latency_us", Reports.latencyMicros(latency));
            if (journaled != null)
            {
                o.set("journaled_latency_us", Reports.latencyMicros(journaled));
            }
            return o;
        }
    }
}
