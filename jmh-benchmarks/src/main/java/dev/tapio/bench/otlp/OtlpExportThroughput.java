package dev.tapio.bench.otlp;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tapio.codecs.sbe.EventDecoder;
import dev.tapio.codecs.sbe.GroupDecoder;
import dev.tapio.codecs.sbe.MessageHeaderDecoder;
import dev.tapio.engine.Engine;
import dev.tapio.engine.EngineSettings;
import dev.tapio.engine.ProducerMode;
import dev.tapio.engine.ThreadingMode;
import dev.tapio.engine.correlate.CorrelationSettings;
import dev.tapio.engine.correlate.RulesLoader;
import dev.tapio.engine.metrics.EngineCounters;
import dev.tapio.engine.ring.BackpressurePolicy;
import dev.tapio.engine.source.FileSource;
import dev.tapio.exporters.otel.OtelExporter;
import dev.tapio.exporters.otel.OtelSettings;
import dev.tapio.journal.JournalReader;
import dev.tapio.journal.JournalRecords;
import dev.tapio.journal.JournalSettings;
import dev.tapio.journal.JournalSink;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;

/**
 * OTLP export throughput: how many spans per second {@link OtelExporter} sends from a journal to a loopback
 * OTLP/gRPC receiver (the issue's target: at least 50,000 spans/s).
 *
 * <pre>
 *  1. scenarios/*.jsonl ×N copies (ids dropped, times moved apart) ─► Engine (event-time correlation) ─► journal
 *                                                 events + group records, counted by reading the journal back
 *  2. per round:  journal ── new tailer "bench-r" from the start ──► OtelExporter ══ OTLP/gRPC ══► OtlpSpanCounter
 *                 (this JVM: read, map, batch, export, ack)                          (its own JVM: parse, count)
 *     timed from start() until the exporter has acked the journal's last record
 * </pre>
 *
 * The journal holds the labelled scenarios' incidents (crash loops, cascades, OOM kills, …) many times over,
 * with their uncorrelated noise around them; with {@code --sample 1} (default) every uncorrelated event goes out
 * as a single-span trace too, so every journaled event is a span, plus one root span per group. A round counts
 * as valid only when the receiver counted exactly the spans the journal implies (with {@code --sample 1}) and the
 * exporter's own count. Prints each round, then the medians; {@code --warmup} rounds first, not counted.
 *
 * <pre>
 *   java -cp jmh-benchmarks/target/benchmarks.jar [jvm flags] dev.tapio.bench.otlp.OtlpExportThroughput
 *        [--copies 200] [--rounds 5] [--warmup 1] [--sample 1] [--batch 512] [--in-flight 4] [--scenarios scenarios]
 *        [--work DIR]
 * </pre>
 * (scripts/bench-otlp.sh builds the jar and passes the JVM flags.)
 */
public final class OtlpExportThroughput
{
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Instant ORIGIN = Instant.parse("2026-01-01T00:00:00Z");

    private int copies = 200;
    private int rounds = 5;
    private int warmup = 1;
    private double sample = 1.0;
    private int batch = OtelSettings.DEFAULT_BATCH_SPANS;
    private int inFlight = OtelSettings.DEFAULT_MAX_IN_FLIGHT;
    private Path scenarios = Path.of("scenarios");
    private Path work;

    private OtlpExportThroughput()
    {
    }

    public static void main(final String[] args) throws Exception
    {
        final OtlpExportThroughput b;
        try
        {
            b = parse(args);
        }
        catch (final IllegalArgumentException e)
        {
            System.err.println(e.getMessage());
            System.exit(2);
            return;
        }
        b.run(System.out);
    }

    static OtlpExportThroughput parse(final String... args)
    {
        final OtlpExportThroughput b = new OtlpExportThroughput();
        for (int i = 0; i < args.length; i += 2)
        {
            if (i + 1 >= args.length)
            {
                throw new IllegalArgumentException(args[i] + " needs a value");
            }
            final String v = args[i + 1];
            switch (args[i])
            {
                case "--copies" -> b.copies = Integer.parseInt(v);
                case "--rounds" -> b.rounds = Integer.parseInt(v);
                case "--warmup" -> b.warmup = Integer.parseInt(v);
                case "--sample" -> b.sample = Double.parseDouble(v);
                case "--batch" -> b.batch = Integer.parseInt(v);
                case "--in-flight" -> b.inFlight = Integer.parseInt(v);
                case "--scenarios" -> b.scenarios = Path.of(v);
                case "--work" -> b.work = Path.of(v);
                default -> throw new IllegalArgumentException("unknown option " + args[i] + " (--copies N --rounds K " +
                    "--warmup W --sample R --batch SPANS --in-flight REQUESTS --scenarios DIR --work DIR)");
            }
        }
        return b;
    }

    /** The journal's counts, the spans of a round and the medians over the counted rounds. */
    record Summary(JournalCounts journal, long spansPerRound, double spansPerSecond, double groupsPerSecond)
    {
    }

    /** What the journal holds, read back independently of the exporter. */
    record JournalCounts(long events, long uncorrelated, long groups, long groupSpans, long lastIndex, long bytes)
    {
    }

    Summary run(final PrintStream out) throws Exception
    {
        final Path dir = work != null ? Files.createDirectories(work) : Files.createTempDirectory("tapio-bench-otlp");
        final Path input = dir.resolve("input.jsonl");
        final long lines = writeInput(input);
        final JournalSettings journal = JournalSettings.builder().dir(dir.resolve("journal")).build();
        final long t0 = System.nanoTime();
        journal(input, journal);
        final JournalCounts c = count(journal);
        out.printf(Locale.ROOT, "journal: %d events (%d input lines, %d copies of %s), %d groups, %d uncorrelated, " +
                "%.1f MiB, written in %.1f s%n", c.events(), lines, copies, scenarios, c.groups(), c.uncorrelated(),
            c.bytes() / 1048576.0, (System.nanoTime() - t0) / 1e9);
        final long expected = c.groupSpans() + (sample >= 1.0 ? c.uncorrelated() : 0);
        out.printf(Locale.ROOT, "spans per round: %s (%d group spans%s); sample %s, batch %d spans, %d in flight, receiver in its own JVM%n",
            sample >= 1.0 ? String.valueOf(expected) : "≥ " + expected, c.groupSpans(),
            sample >= 1.0 ? " + " + c.uncorrelated() + " single-span traces" : "", sample, batch, inFlight);

        final Receiver receiver = Receiver.start();
        try
        {
            final List<double[]> results = new ArrayList<>();
            long spansPerRound = 0;
            for (int r = 1 - warmup; r <= rounds; r++)
            {
                final long before = receiver.count();
                final EngineCounters counters = new EngineCounters();
                final OtelSettings settings = OtelSettings.builder()
                    .enabled(true)
                    .endpoint("http://127.0.0.1:" + receiver.port)
                    .sampleUncorrelated(sample)
                    .batchSpans(batch)
                    .maxInFlight(inFlight)
                    .tailerName("bench-" + (r + warmup))
                    .exportTimeout(Duration.ofSeconds(30))
                    .build();
                final ByteArrayOutputStream log = new ByteArrayOutputStream();
                final OtelExporter exporter = OtelExporter.create(journal, settings, counters, new PrintStream(log, true));
                final long start = System.nanoTime();
                exporter.start();
                while (exporter.ackedIndex() != c.lastIndex())
                {
                    if (exporter.failure() != null)
                    {
                        throw new IllegalStateException("exporter failed: " + exporter.failure() + " " + log);
                    }
                    LockSupport.parkNanos(200_000);
                }
                final double seconds = (System.nanoTime() - start) / 1e9;
                exporter.stop(Duration.ofSeconds(5));
                final long spans = exporter.exportedSpans();
                spansPerRound = spans;
                final long received = receiver.count() - before;
                final String check = received != spans ? "INVALID: receiver counted " + received :
                    sample >= 1.0 && spans != expected ? "INVALID: expected " + expected :
                    exporter.failedExports() > 0 ? "(" + exporter.failedExports() + " failed exports retried)" : "ok";
                out.printf(Locale.ROOT, "%s %d: %d spans, %d groups in %.2f s: %,.0f spans/s, %,.0f groups/s, receiver %s%n",
                    r <= 0 ? "warm-up" : "round", r <= 0 ? r + warmup : r, spans, exporter.exportedGroups(), seconds,
                    spans / seconds, exporter.exportedGroups() / seconds, check);
                if (r > 0 && check.startsWith("INVALID"))
                {
                    throw new IllegalStateException("round " + r + " " + check);
                }
                if (r > 0)
                {
                    results.add(new double[] {spans / seconds, exporter.exportedGroups() / seconds, seconds});
                }
            }
            out.printf(Locale.ROOT, "median of %d rounds: %,.0f spans/s, %,.0f groups/s (%.2f s per round)%n",
                results.size(), median(results, 0), median(results, 1), median(results, 2));
            return new Summary(c, spansPerRound, median(results, 0), median(results, 1));
        }
        finally
        {
            receiver.close();
        }
    }

    private static double median(final List<double[]> rows, final int column)
    {
        final double[] v = rows.stream().mapToDouble(r -> r[column]).sorted().toArray();
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }

    /**
     * Writes {@code copies} copies of every scenario's events, ids dropped (the engine assigns fresh ones) and times
     * moved so that every scenario of every copy has a time slot of its own, wider than any scenario plus an hour
     * (no correlation window spans two slots); arrival order within a scenario is kept.
     */
    private long writeInput(final Path input) throws IOException
    {
        final List<List<ObjectNode>> all = new ArrayList<>();
        final List<Instant> starts = new ArrayList<>();
        Duration longest = Duration.ZERO;
        try (Stream<Path> files = Files.list(scenarios))
        {
            for (final Path f : files.filter(p -> p.toString().endsWith(".jsonl")).sorted(Comparator.naturalOrder()).toList())
            {
                final List<ObjectNode> events = new ArrayList<>();
                Instant min = Instant.MAX;
                Instant max = Instant.MIN;
                for (final String line : Files.readAllLines(f, StandardCharsets.UTF_8))
                {
                    if (line.isBlank())
                    {
                        continue;
                    }
                    final ObjectNode e = (ObjectNode)JSON.readTree(line);
                    e.remove("id");
                    final Instant t = Instant.parse(e.get("time").asText());
                    min = t.isBefore(min) ? t : min;
                    max = t.isAfter(max) ? t : max;
                    events.add(e);
                }
                if (!events.isEmpty())
                {
                    all.add(events);
                    starts.add(min);
                    longest = Duration.between(min, max).compareTo(longest) > 0 ? Duration.between(min, max) : longest;
                }
            }
        }
        if (all.isEmpty())
        {
            throw new IOException("no scenario files (*.jsonl) in " + scenarios.toAbsolutePath());
        }
        final Duration slot = longest.plusHours(1);
        long lines = 0;
        try (Writer w = new BufferedWriter(new OutputStreamWriter(Files.newOutputStream(input), StandardCharsets.UTF_8), 1 << 20))
        {
            long n = 0;
            for (int k = 0; k < copies; k++)
            {
                for (int s = 0; s < all.size(); s++)
                {
                    final Instant base = ORIGIN.plus(slot.multipliedBy(n++));
                    for (final ObjectNode e : all.get(s))
                    {
                        final ObjectNode copy = e.deepCopy();
                        final Instant t = Instant.parse(e.get("time").asText());
                        copy.put("time", base.plus(Duration.between(starts.get(s), t)).toString());
                        w.write(JSON.writeValueAsString(copy));
                        w.write('\n');
                        lines++;
                    }
                }
            }
        }
        return lines;
    }

    /** The engine offline, as {@code tapio correlate}: event time, built-in rules, one file source, into the journal. */
    private static void journal(final Path input, final JournalSettings journal) throws Exception
    {
        final ByteArrayOutputStream log = new ByteArrayOutputStream();
        final Engine engine = Engine.builder()
            .threading(ThreadingMode.SHARED)
            .producers(ProducerMode.SINGLE)
            .idOrigin(EngineSettings.FIXED_ID_ORIGIN)
            .nodeName("bench-node")
            .rules(RulesLoader.builtin())
            .correlation(CorrelationSettings.builder().clock(CorrelationSettings.Clock.EVENT).build())
            .errorStream(new PrintStream(log, true))
            .source(new FileSource("input", input.toString(), 1 << 20), BackpressurePolicy.BLOCK)
            .sink(new JournalSink("journal", journal, new PrintStream(log, true)))
            .build()
            .start();
        while (!engine.awaitSources(Duration.ofSeconds(1)))
        {
            // a file of some hundred thousand lines: seconds
        }
        if (!engine.stop() || engine.counters().totalDropped() != 0)
        {
            throw new IllegalStateException("journaling engine: " + engine.counters().snapshot() + " " + log);
        }
    }

    private static JournalCounts count(final JournalSettings journal) throws IOException
    {
        final long[] c = new long[6];
        final MessageHeaderDecoder header = new MessageHeaderDecoder();
        final EventDecoder e = new EventDecoder();
        final GroupDecoder g = new GroupDecoder();
        try (JournalReader reader = JournalReader.open(journal))
        {
            reader.seek(Long.MIN_VALUE, Long.MAX_VALUE);
            while (reader.read((index, template, buffer, offset, length) ->
            {
                c[4] = index;
                c[5] += length;
                header.wrap(buffer, offset);
                if (template == JournalRecords.EVENT)
                {
                    c[0]++;
                    e.wrap(buffer, offset + MessageHeaderDecoder.ENCODED_LENGTH, header.blockLength(), header.version());
                    c[1] += e.correlationId() == 0 ? 1 : 0;
                }
                else if (template == JournalRecords.GROUP)
                {
                    c[2]++;
                    g.wrap(buffer, offset + MessageHeaderDecoder.ENCODED_LENGTH, header.blockLength(), header.version());
                    c[3] += g.members().count() + 1;
                }
            }, 10_000) > 0 || !reader.done())
            {
                // read everything
            }
        }
        return new JournalCounts(c[0], c[1], c[2], c[3], c[4], c[5]);
    }

    /** {@link OtlpSpanCounter} in a JVM of its own, on this JVM's class path. */
    private static final class Receiver implements AutoCloseable
    {
        private final Process process;
        private final BufferedReader out;
        private final Writer in;
        private final int port;

        private Receiver(final Process process) throws IOException
        {
            this.process = process;
            this.out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
            this.in = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
            final String first = out.readLine();
            if (first == null || !first.startsWith("listening "))
            {
                throw new IOException("the receiver did not start: " + first);
            }
            this.port = Integer.parseInt(first.substring("listening ".length()).trim());
        }

        static Receiver start() throws IOException
        {
            final String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            final List<String> command = new ArrayList<>(Arrays.asList(java, "-XX:+UseParallelGC", "-Xms512m", "-Xmx512m",
                "-cp", System.getProperty("java.class.path"), OtlpSpanCounter.class.getName(), "0"));
            return new Receiver(new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start());
        }

        /** Spans the receiver has counted so far. */
        long count() throws IOException
        {
            in.write("count\n");
            in.flush();
            final String line = out.readLine();
            if (line == null)
            {
                throw new IOException("the receiver exited");
            }
            return Long.parseLong(line.split(" ")[0]);
        }

        @Override
        public void close() throws Exception
        {
            in.close();
            if (!process.waitFor(10, TimeUnit.SECONDS))
            {
                process.destroy();
            }
        }
    }
}
