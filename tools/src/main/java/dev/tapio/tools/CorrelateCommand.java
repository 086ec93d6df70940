package dev.tapio.tools;

import dev.tapio.engine.Engine;
import dev.tapio.engine.ProducerMode;
import dev.tapio.engine.ThreadingMode;
import dev.tapio.engine.config.ConfigException;
import dev.tapio.engine.correlate.CorrelationSettings;
import dev.tapio.engine.correlate.RuleSet;
import dev.tapio.engine.correlate.RulesLoader;
import dev.tapio.engine.ring.BackpressurePolicy;
import dev.tapio.engine.sink.FileSink;
import dev.tapio.engine.source.FileSource;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code tapio correlate}: runs the engine offline over a JSON Lines file, in event time, and writes
 * one JSON object per group when it closes (and every group still open at the end).
 */
@Command(name = "correlate", mixinStandardHelpOptions = true,
    description = "Correlate a JSON Lines event file offline (event time) and write the groups.")
public final class CorrelateCommand implements Callable<Integer>
{
    @Option(names = "--input", required = true, paramLabel = "FILE|-", description = "events, JSON Lines (- for stdin)")
    String input;

    @Option(names = "--rules", paramLabel = "FILE", description = "rules.yaml (added to the built-in patterns)")
    Path rules;

    @Option(names = "--output", paramLabel = "FILE|-", defaultValue = "-",
        description = "group records, JSON Lines (default: stdout)")
    String output;

    @Option(names = "--events-output", paramLabel = "FILE|-", description = "also write the enriched events here")
    String eventsOutput;

    @Option(names = "--max-groups", paramLabel = "N", defaultValue = "" + CorrelationSettings.DEFAULT_MAX_GROUPS,
        description = "bound on groups in memory (default: ${DEFAULT-VALUE})")
    int maxGroups;

    @Option(names = "--node-name", paramLabel = "NAME", defaultValue = "offline",
        description = "node name for events that carry none (default: ${DEFAULT-VALUE})")
    String nodeName;

    @Option(names = "--quiet", description = "no summary on stderr")
    boolean quiet;

    private final PrintStream err = System.err;

    @Override
    public Integer call() throws Exception
    {
        final RuleSet ruleSet;
        try
        {
            ruleSet = RulesLoader.load(rules);
        }
        catch (final ConfigException e)
        {
            err.println("tapio correlate: " + e.getMessage());
            return TapioCli.EXIT_USAGE;
        }
        if (!FileSource.STDIN.equals(input) && !Files.isReadable(Path.of(input)))
        {
            err.println("tapio correlate: --input: cannot read " + input);
            return TapioCli.EXIT_USAGE;
        }
        if (maxGroups < 1)
        {
            err.println("tapio correlate: --max-groups: must be at least 1");
            return TapioCli.EXIT_USAGE;
        }
        final Engine.Builder b = offlineEngine(ruleSet, maxGroups, nodeName, err)
            .source(new FileSource("input", input, 1 << 20), BackpressurePolicy.BLOCK)
            .sink(new FileSink("groups", output, false).records(false, true));
        if (eventsOutput != null)
        {
            b.sink(new FileSink("events", eventsOutput, false).records(true, false).patternNames(ruleSet.namesById()));
        }
        final Engine engine;
        try
        {
            engine = b.build();
        }
        catch (final IllegalArgumentException e)
        {
            err.println("tapio correlate: " + e.getMessage());
            return TapioCli.EXIT_USAGE;
        }
        engine.start();
        while (!engine.awaitSources(Duration.ofSeconds(1)))
        {
            // keep waiting: a large file takes as long as it takes
        }
        final boolean drained = engine.stop();
        if (!quiet)
        {
            err.println("tapio correlate: " + summary(engine));
        }
        return drained ? 0 : 1;
    }

    /**
     * The offline engine of {@code correlate}, also behind {@code replay --rules}: one source thread (a
     * single-producer ring), stages on one thread, correlation in event time, ids that depend only on
     * arrival order, so the same events give the same groups on every run.
     */
    static Engine.Builder offlineEngine(final RuleSet rules, final int maxGroups, final String nodeName, final PrintStream err)
    {
        return Engine.builder()
            .threading(ThreadingMode.SHARED)
            .producers(ProducerMode.SINGLE)
            .idOrigin(dev.tapio.engine.EngineSettings.FIXED_ID_ORIGIN)
            .nodeName(nodeName)
            .rules(rules)
            .correlation(CorrelationSettings.builder().maxGroups(maxGroups).clock(CorrelationSettings.Clock.EVENT).build())
            .errorStream(err);
    }

    /** What an offline run did: events in, grouped, dropped; groups by how they closed. */
    static String summary(final Engine engine)
    {
        final Map<String, Long> c = engine.counters().snapshot();
        return String.format(java.util.Locale.ROOT, "%d events in, %d grouped (%d late), %d ungrouped, %d dropped; groups: " +
                "%d complete, %d expired, %d open at end, %d discarded (< min-events), %d evicted",
            engine.counters().totalIn(),
            get(c, "tapio_correlation_events_total{result=\"grouped\"}"),
            get(c, "tapio_correlation_events_total{result=\"late\"}"),
            get(c, "tapio_correlation_events_total{result=\"ungrouped\"}"),
            engine.counters().totalDropped(),
            get(c, "tapio_correlation_groups_total{status=\"complete\"}"),
            get(c, "tapio_correlation_groups_total{status=\"expired\"}"),
            get(c, "tapio_correlation_groups_total{status=\"open\"}"),
            get(c, "tapio_correlation_groups_total{status=\"discarded\"}"),
            get(c, "tapio_correlation_groups_total{status=\"evicted\"}"));
    }

    private static long get(final Map<String, Long> c, final String k)
    {
        final Long v = c.get(k);
        return v == null ? 0 : v;
    }
}
