package dev.tapio.tools;

import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.InputStream;
import java.util.Properties;

/**
 * The {@code tapio} command line: one host of the engine among others. Bad usage exits with 2 and a
 * message naming the option or config key.
 */
@Command(
    name = "tapio",
    mixinStandardHelpOptions = true,
    versionProvider = TapioCli.Version.class,
    description = "Low-latency observability event engine: collect, correlate, enrich and fan out events.",
    subcommands = { RunCommand.class, ServerCommand.class, CorrelateCommand.class, ReplayCommand.class, RulesCommand.class, ScenariosCommand.class, BenchCommand.class, WebhooksCommand.class, CommandLine.HelpCommand.class })
public final class TapioCli implements Runnable
{
    /** Exit code for bad usage or configuration. */
    public static final int EXIT_USAGE = 2;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(final String[] args)
    {
        // Chronicle Queue (the journal) reads this once, when its first class loads: never send usage analytics,
        // even when started as `java -jar tapio.jar` without ./tapio's flag.
        if (System.getProperty("chronicle.analytics.disable") == null)
        {
            System.setProperty("chronicle.analytics.disable", "true");
        }
        System.exit(execute(args));
    }

    /** Runs the CLI and returns its exit code (for tests and embedding). */
    public static int execute(final String... args)
    {
        return new CommandLine(new TapioCli()).execute(args);
    }

    @Override
    public void run()
    {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing command: run, server, correlate, replay, rules, scenarios or bench (see tapio --help)");
    }

    /** The build's version, from a filtered resource. */
    public static final class Version implements CommandLine.IVersionProvider
    {
        @Override
        public String[] getVersion() throws Exception
        {
            final Properties p = new Properties();
            try (InputStream in = TapioCli.class.getResourceAsStream("/dev/tapio/tools/version.properties"))
            {
                if (in != null)
                {
                    p.load(in);
                }
            }
            return new String[]{
                "tapio " + p.getProperty("version", "unknown"),
                "Java " + System.getProperty("java.version") + " (" + System.getProperty("java.vm.name") + ")"
            };
        }
    }
}
