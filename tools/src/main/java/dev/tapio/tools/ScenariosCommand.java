package dev.tapio.tools;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tapio.engine.config.ConfigException;
import dev.tapio.engine.correlate.RulesLoader;
import dev.tapio.tools.scenario.EngineCorrelator;
import dev.tapio.tools.scenario.GroupingEvaluator;
import dev.tapio.tools.scenario.GroupingEvaluator.Score;
import dev.tapio.tools.scenario.NamespaceWindowBaseline;
import dev.tapio.tools.scenario.Scenario;
import dev.tapio.tools.scenario.ScenarioGroup;
import dev.tapio.tools.scenario.ScenarioSuite;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.function.Function;

/**
 * {@code tapio scenarios}: runs the correlator under test and the original namespace+window grouping
 * over every labelled scenario (scenarios/README.md) and prints, per scenario and in total, pairwise and
 * group-level precision and recall against the labels ({@link GroupingEvaluator}). The total row is
 * micro-averaged: counts summed over scenarios, then divided.
 *
 * <p>The correlator is a function from an events file to the groups it writes: by default the engine
 * itself ({@link EngineCorrelator}, built-in patterns plus {@code --rules}); tests pass others in
 * ({@link #ScenariosCommand(Function)} or {@link #correlator(Function)}).
 */
@Command(name = "scenarios", mixinStandardHelpOptions = true, versionProvider = TapioCli.Version.class,
    description = "Score correlation against the labelled scenario suite, beside the namespace+window baseline.")
public final class ScenariosCommand implements Callable<Integer>
{
    @Option(names = "--dir", paramLabel = "DIR", defaultValue = "scenarios",
        description = "directory of <name>.jsonl + <name>.expected.json (default: ${DEFAULT-VALUE})")
    Path dir;

    @Option(names = "--json", description = "print one JSON object per scenario, then one for the total")
    boolean json;

    @Option(names = "--baseline-window", paramLabel = "DURATION", converter = DurationConverter.class, defaultValue = "5m",
        description = "the baseline's window from a group's first event (default: ${DEFAULT-VALUE})")
    Duration baselineWindow;

    @Option(names = "--diff", description = "also list, per scenario, the expected groups the correlator missed and " +
        "the groups it wrote that match none exactly")
    boolean diff;

    @Option(names = "--rules", paramLabel = "FILE",
        description = "rules.yaml for the engine (added to the built-in patterns); default: the built-in patterns only")
    Path rules;

    private final PrintStream out = System.out;
    private final PrintStream err = System.err;
    private Function<Path, List<ScenarioGroup>> correlator;

    /** Scores the engine (built-in patterns plus {@code --rules}) unless {@link #correlator(Function)} sets another. */
    public ScenariosCommand()
    {
    }

    /** Scores {@code correlator} (events file → the groups it writes) beside the baseline. */
    public ScenariosCommand(final Function<Path, List<ScenarioGroup>> correlator)
    {
        this.correlator = Objects.requireNonNull(correlator, "correlator");
    }

    /** Sets the correlator under test; returns this. */
    public ScenariosCommand correlator(final Function<Path, List<ScenarioGroup>> correlator)
    {
        this.correlator = Objects.requireNonNull(correlator, "correlator");
        return this;
    }

    @Override
    public Integer call()
    {
        if (baselineWindow.isNegative() || baselineWindow.isZero())
        {
            err.println("tapio scenarios: --baseline-window: must be positive");
            return TapioCli.EXIT_USAGE;
        }
        final ScenarioSuite suite;
        try
        {
            suite = ScenarioSuite.load(dir);
        }
        catch (final IOException e)
        {
            err.println("tapio scenarios: " + e.getMessage());
            return TapioCli.EXIT_USAGE;
        }
        if (correlator == null)
        {
            try
            {
                correlator = new EngineCorrelator(RulesLoader.load(rules), err);
            }
            catch (final ConfigException e)
            {
                err.println("tapio scenarios: " + e.getMessage());
                return TapioCli.EXIT_USAGE;
            }
        }
        final NamespaceWindowBaseline baseline = new NamespaceWindowBaseline(baselineWindow);
        final List<Row> rows = new ArrayList<>();
        for (final Scenario s : suite.scenarios())
        {
            try
            {
                final List<ScenarioGroup> predicted = correlator == null ? null :
                    Objects.requireNonNull(correlator.apply(s.eventsFile()), "the correlator returned null");
                final Score tapio = predicted == null ? null : GroupingEvaluator.score(s.expected(), predicted);
                final Score base = GroupingEvaluator.score(s.expected(), baseline.apply(s.eventsFile()));
                rows.add(new Row(s, tapio, base, predicted));
            }
            catch (final RuntimeException e)
            {
                // The correlator under test may fail in any way; name the scenario rather than dump a trace.
                err.println("tapio scenarios: " + s.name() + ": " + e);
                return 1;
            }
        }
        if (json)
        {
            printJson(rows);
        }
        else
        {
            printTable(rows);
        }
        return 0;
    }

    private void printTable(final List<Row> rows)
    {
        final String metrics = "%7s %7s %7s %7s";
        final StringBuilder head1 = new StringBuilder(String.format(Locale.ROOT, "%-24s %6s %8s", "", "", ""));
        final StringBuilder head2 = new StringBuilder(String.format(Locale.ROOT, "%-24s %6s %8s", "scenario", "events", "expected"));
        if (correlator != null)
        {
            head1.append(String.format(Locale.ROOT, " | %-31s", "tapio"));
            head2.append(" | ").append(String.format(Locale.ROOT, metrics, "pair P", "pair R", "group P", "group R"));
        }
        head1.append(String.format(Locale.ROOT, " | %-31s", "baseline (namespace+" + window() + ")"));
        head2.append(" | ").append(String.format(Locale.ROOT, metrics, "pair P", "pair R", "group P", "group R"));
        out.println(head1.toString().stripTrailing());
        out.println(head2);
        int events = 0;
        int expected = 0;
        final List<Score> tapio = new ArrayList<>();
        final List<Score> base = new ArrayList<>();
        for (final Row r : rows)
        {
            out.println(line(r.scenario.name(), r.scenario.events().size(), r.scenario.expected().size(), r.tapio, r.baseline));
            events += r.scenario.events().size();
            expected += r.scenario.expected().size();
            if (r.tapio != null)
            {
                tapio.add(r.tapio);
            }
            base.add(r.baseline);
        }
        out.println(line("total (micro)", events, expected,
            correlator == null ? null : GroupingEvaluator.total(tapio), GroupingEvaluator.total(base)));
        out.println("pair P/R: share of same-group event pairs that are right / that are found; group P/R: groups " +
            "whose member set is exactly right; -: nothing predicted / nothing expected");
        if (diff && correlator != null)
        {
            for (final Row r : rows)
            {
                printDiff(r);
            }
        }
    }

    /** The baseline window as 5m, 90s or 1500ms. */
    private String window()
    {
        final long ms = baselineWindow.toMillis();
        return ms % 60_000 == 0 ? ms / 60_000 + "m" : ms % 1000 == 0 ? ms / 1000 + "s" : ms + "ms";
    }

    private String line(final String name, final int events, final int expected, final Score tapio, final Score base)
    {
        final StringBuilder b = new StringBuilder(String.format(Locale.ROOT, "%-24s %6d %8d", name, events, expected));
        if (correlator != null)
        {
            b.append(" | ").append(metrics(tapio));
        }
        return b.append(" | ").append(metrics(base)).toString();
    }

    private static String metrics(final Score s)
    {
        return String.format(Locale.ROOT, "%7s %7s %7s %7s", fmt(s.pairPrecision()), fmt(s.pairRecall()),
            fmt(s.groupPrecision()), fmt(s.groupRecall()));
    }

    private static String fmt(final double v)
    {
        return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%.2f", v);
    }

    private void printDiff(final Row r)
    {
        final Set<Set<Long>> predictedSets = new HashSet<>();
        for (final ScenarioGroup g : r.predicted)
        {
            predictedSets.add(g.memberSet());
        }
        final Set<Set<Long>> expectedSets = new HashSet<>();
        for (final ScenarioGroup g : r.scenario.expected())
        {
            expectedSets.add(g.memberSet());
        }
        final List<String> lines = new ArrayList<>();
        for (final ScenarioGroup g : r.scenario.expected())
        {
            if (!predictedSets.contains(g.memberSet()))
            {
                lines.add("  missed  " + g);
            }
        }
        for (final ScenarioGroup g : r.predicted)
        {
            if (!expectedSets.contains(g.memberSet()))
            {
                lines.add("  wrong   " + g);
            }
        }
        if (!lines.isEmpty())
        {
            out.println(r.scenario.name() + ":");
            lines.forEach(out::println);
        }
    }

    private void printJson(final List<Row> rows)
    {
        int events = 0;
        int expected = 0;
        final List<Score> tapio = new ArrayList<>();
        final List<Score> base = new ArrayList<>();
        for (final Row r : rows)
        {
            out.println(jsonLine(r.scenario.name(), r.scenario.events().size(), r.scenario.expected().size(), r.tapio,
                r.baseline));
            events += r.scenario.events().size();
            expected += r.scenario.expected().size();
            if (r.tapio != null)
            {
                tapio.add(r.tapio);
            }
            base.add(r.baseline);
        }
        out.println(jsonLine("total", events, expected, correlator == null ? null : GroupingEvaluator.total(tapio),
            GroupingEvaluator.total(base)));
    }

    private String jsonLine(final String name, final int events, final int expected, final Score tapio, final Score base)
    {
        final ObjectNode o = Reports.JSON.createObjectNode();
        o.put("scenario", name);
        o.put("events", events);
        o.put("expectedGroups", expected);
        if (tapio != null)
        {
            o.set("tapio", toJson(tapio));
        }
        o.set("baseline", toJson(base));
        try
        {
            return Reports.JSON.writeValueAsString(o);
        }
        catch (final IOException e)
        {
            throw new UncheckedIOException(e);
        }
    }

    private static ObjectNode toJson(final Score s)
    {
        final ObjectNode o = Reports.JSON.createObjectNode();
        putRatio(o, "pairPrecision", s.pairPrecision());
        putRatio(o, "pairRecall", s.pairRecall());
        putRatio(o, "groupPrecision", s.groupPrecision());
        putRatio(o, "groupRecall", s.groupRecall());
        o.put("predictedGroups", s.predictedGroups());
        o.put("correctGroups", s.correctPredictedGroups());
        o.put("matchedExpectedGroups", s.matchedExpectedGroups());
        o.put("predictedPairs", s.predictedPairs());
        o.put("expectedPairs", s.expectedPairs());
        o.put("truePairs", s.truePairs());
        return o;
    }

    private static void putRatio(final ObjectNode o, final String name, final double v)
    {
        if (Double.isNaN(v))
        {
            o.putNull(name);
        }
        else
        {
            o.put(name, Math.round(v * 10_000) / 10_000.0);
        }
    }

    /** One scenario's scores: the correlator's (null without one) and the baseline's. */
    private static final class Row
    {
        final Scenario scenario;
        final Score tapio;
        final Score baseline;
        final List<ScenarioGroup> predicted;

        Row(final Scenario scenario, final Score tapio, final Score baseline, final List<ScenarioGroup> predicted)
        {
            this.scenario = scenario;
            this.tapio = tapio;
            this.baseline = baseline;
            this.predicted = predicted;
        }
    }
}
