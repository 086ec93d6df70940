package dev.tapio.tools;

import dev.tapio.engine.config.ConfigException;
import dev.tapio.engine.config.Units;
import dev.tapio.engine.correlate.Pattern;
import dev.tapio.engine.correlate.RuleSet;
import dev.tapio.engine.correlate.RulesLoader;
import dev.tapio.engine.correlate.Step;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code tapio rules check FILE}: validates a rules file and prints what each pattern matches. */
@Command(name = "rules", mixinStandardHelpOptions = true, description = "Work with correlation rules.",
    subcommands = { RulesCommand.Check.class, RulesCommand.Alerts.class })
public final class RulesCommand implements Runnable
{
    @Override
    public void run()
    {
        throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this), "missing command: check or alerts");
    }

    /** Validates and describes. */
    @Command(name = "check", mixinStandardHelpOptions = true,
        description = "Validate a rules file (on top of the built-in patterns) and print what each pattern matches.")
    public static final class Check implements Callable<Integer>
    {
        @Parameters(arity = "0..1", paramLabel = "FILE", description = "rules.yaml; none: only the built-in patterns")
        Path file;

        private final PrintStream out = System.out;
        private final PrintStream err = System.err;

        @Override
        public Integer call()
        {
            final RuleSet rules;
            try
            {
                rules = RulesLoader.load(file);
            }
            catch (final ConfigException e)
            {
                err.println("tapio rules check: " + e.getMessage());
                return TapioCli.EXIT_USAGE;
            }
            out.printf("%s: %d patterns in force (tried in this order)%n",
                file == null ? RulesLoader.BUILTIN_NAME : file, rules.patterns().size());
            for (final Pattern p : rules.patterns())
            {
                out.printf("%n%s (id %d, priority %d, from %s) -> outcome %s%n", p.name(), p.id(), p.priority(), p.source(),
                    p.outcome());
                if (!p.description().isEmpty())
                {
                    out.println("  " + p.description());
                }
                out.printf("  key %s, %s, within %s of the first event and %s of the latest%n", p.keyDescription(),
                    p.sequence() ? "steps in sequence" : "steps in any order",
                    Units.formatDuration(Duration.ofNanos(p.maxSpanNanos())),
                    Units.formatDuration(Duration.ofNanos(p.maxGapNanos())));
                int i = 1;
                for (final Step s : p.steps())
                {
                    out.printf("  %d. %s: %s%n", i++, s.name(), s.describe());
                }
                out.printf("  root cause: step %s: \"%s\"%n", p.rootCauseStepName(), p.summaryTemplate());
                for (final String a : p.actionTemplates())
                {
                    out.printf("  action: \"%s\"%n", a);
                }
            }
            for (final Map.Entry<String, String> d : rules.disabled().entrySet())
            {
                out.printf("%ndisabled: %s (in %s)%n", d.getKey(), d.getValue());
            }
            return 0;
        }
    }

    /** Prometheus alerting rules from the patterns in force and the node's health metrics. */
    @Command(name = "alerts", mixinStandardHelpOptions = true,
        description = "Write Prometheus alerting rules for the patterns (built-in and --rules) and Tapio's own health.")
    public static final class Alerts implements Callable<Integer>
    {
        @picocli.CommandLine.Option(names = "--rules", paramLabel = "FILE", description = "rules.yaml on top of the built-in patterns")
        Path rulesFile;

        @picocli.CommandLine.Option(names = "--output", paramLabel = "FILE|-", defaultValue = "-",
            description = "where to write the rule file (default: stdout)")
        String output;

        @picocli.CommandLine.Option(names = "--window", paramLabel = "DURATION", defaultValue = "5m",
            description = "the range of increase() and rate() in the expressions (default: ${DEFAULT-VALUE})")
        String window;

        private final PrintStream out = System.out;
        private final PrintStream err = System.err;

        @Override
        public Integer call() throws Exception
        {
            if (!window.matches("[0-9]+(ms|s|m|h|d)"))
            {
                err.println("tapio rules alerts: --window: expected a Prometheus duration such as 5m, got " + window);
                return TapioCli.EXIT_USAGE;
            }
            final RuleSet rules;
            try
            {
                rules = RulesLoader.load(rulesFile);
            }
            catch (final ConfigException e)
            {
                err.println("tapio rules alerts: " + e.getMessage());
                return TapioCli.EXIT_USAGE;
            }
            final String text = AlertRules.generate(rules, rulesFile == null ? RulesLoader.BUILTIN_NAME : rulesFile.toString(), window);
            if ("-".equals(output))
            {
                out.print(text);
            }
            else
            {
                java.nio.file.Files.writeString(Path.of(output), text);
                err.printf("tapio rules alerts: %d pattern alerts and %d health alerts written to %s%n", rules.patterns().size(),
                    AlertRules.HEALTH_ALERTS, output);
            }
            return 0;
        }
    }
}
