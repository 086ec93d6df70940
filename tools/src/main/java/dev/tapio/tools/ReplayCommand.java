package dev.tapio.tools;

import dev.tapio.codecs.Hex;
import dev.tapio.engine.Engine;
import dev.tapio.engine.config.ConfigException;
import dev.tapio.engine.config.Units;
import dev.tapio.engine.correlate.CorrelationSettings;
import dev.tapio.engine.correlate.RuleSet;
import dev.tapio.engine.correlate.RulesLoader;
import dev.tapio.engine.ring.BackpressurePolicy;
import dev.tapio.journal.JournalReader;
import dev.tapio.tools.replay.EventFilter;
import dev.tapio.tools.replay.Glob;
import dev.tapio.tools.replay.GroupPrinterSink;
import dev.tapio.tools.replay.JournalEventSource;
import dev.tapio.tools.replay.JsonRecordPrinter;
import dev.tapio.tools.replay.PatternNames;
import dev.tapio.tools.replay.RecordPrinter;
import dev.tapio.tools.replay.ReplayScan;
import dev.tapio.tools.replay.ReplayTime;
import dev.tapio.tools.replay.TableRecordPrinter;
import org.agrona.DirectBuffer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code tapio replay}: reads a journal directory (also while an engine appends to it), seeks to a time
 * range, filters, and prints events and group records; with {@code --rules}, re-runs correlation over
 * the matching events offline (what-if) and prints the groups that would have formed. See docs/REPLAY.md.
 *
 * <p>Threading: the CLI thread scans and prints; in what-if mode the engine's source thread scans and its
 * fan-out thread prints.
 */
@Command(name = "replay", mixinStandardHelpOptions = true, versionProvider = TapioCli.Version.class,
    description = {
        "Replay a journal for forensics: seek to a time range, filter, and print the",
        "events and the groups (incidents) they belong to. With --rules, re-correlate",
        "the matching events offline (what-if) and print the groups that would form." },
    footer = {
        "",
        "TIME  RFC 3339 (2026-11-23T10:00:00Z, any offset); HH:MM[:SS], that time",
        "      today in UTC; or -15m, now minus 15 minutes (units ms, s, m, h).",
        "      Event times; --from is inclusive, --to exclusive.",
        "GLOB  * any characters (dots too), ? one, [abc] [a-z] [!abc] one of;",
        "      without a wildcard, an exact match.",
        "",
        "An event is printed when it is in the range and every filter given matches.",
        "A group record is printed when a printed event belongs to it (the event's",
        "correlation.id is the group's id), also when that event joined the group",
        "late; with no --type/--namespace/--pod/--node, every group overlapping the",
        "range (only the --correlation one, if given). A group is written when it",
        "closes, so replay reads on past --to until the group of every printed event",
        "is found, at most --group-horizon further.",
        "",
        "Without --follow, replay stops at the journal's end as it was at the start.",
        "Progress goes to stderr after the first second; a summary at the end.",
        "Exit codes: 0 done; 1 a read or write error; 2 bad usage (the message names",
        "the option and the value)." })
public final class ReplayCommand implements Callable<Integer>
{
    /** Slot size of the what-if engine: room for any event an engine with a slot of up to 4 KiB journaled. */
    static final int WHAT_IF_SLOT_SIZE = 4096;
    static final int WHAT_IF_RING_SIZE = 8192;
    static final Duration DEFAULT_GROUP_HORIZON = Duration.ofMinutes(15);

    @Option(names = "--journal", required = true, paramLabel = "DIR", description = "the journal directory (journal.dir in tapio.yaml)")
    Path journal;

    @Option(names = "--from", paramLabel = "TIME", description = "first event time to print (inclusive); default: the journal's start")
    String from;

    @Option(names = "--to", paramLabel = "TIME", description = "event time to stop at (exclusive); default: the journal's end")
    String to;

    @Option(names = "--type", paramLabel = "GLOB", description = "event type (exact or glob, e.g. 'k8s.pod.*')")
    String type;

    @Option(names = "--namespace", paramLabel = "NS", description = "Kubernetes namespace (exact or glob)")
    String namespace;

    @Option(names = "--pod", paramLabel = "POD", description = "pod name (exact or glob, e.g. 'web-*')")
    String pod;

    @Option(names = "--node", paramLabel = "NODE", description = "node name (exact or glob)")
    String node;

    @Option(names = "--correlation", paramLabel = "ID",
        description = "correlation (group) id, 16 hex digits as printed in JSON (correlation.id of events, id of groups)")
    String correlation;

    @Option(names = "--format", paramLabel = "json|table", defaultValue = "json",
        description = "json: one object per line, as the file sink writes them (default); table: columns for people")
    String format;

    @Option(names = "--rules", paramLabel = "FILE",
        description = "what-if: re-correlate the matching events with these rules (added to the built-in patterns) " +
            "and print the resulting group records instead of the journal's")
    Path rules;

    @Option(names = "--node-name", paramLabel = "NAME", defaultValue = "offline",
        description = "with --rules: the correlating node's name, as in tapio correlate (default: ${DEFAULT-VALUE})")
    String nodeName;

    @Option(names = "--follow", description = "keep reading what is appended after the start (until --to, or Ctrl-C)")
    boolean follow;

    @Option(names = "--slack", paramLabel = "DURATION", defaultValue = "5m",
        description = "how late (in event time, against journal order) a record may be and still be found " +
            "(default: ${DEFAULT-VALUE})")
    String slack;

    @Option(names = "--group-horizon", paramLabel = "DURATION", defaultValue = "15m",
        description = "how far past --to to look for the group records of printed events (default: ${DEFAULT-VALUE}, " +
            "the longest max-span of the built-in patterns)")
    String groupHorizon;

    @Option(names = "--quiet", description = "no progress line and no summary on stderr")
    boolean quiet;

    private final Clock clock;
    private final PrintStream err = System.err;

    public ReplayCommand()
    {
        this(Clock.systemUTC());
    }

    /** With a clock for HH:MM and relative times (tests). */
    public ReplayCommand(final Clock clock)
    {
        this.clock = clock;
    }

    @Override
    public Integer call() throws Exception
    {
        final Options o;
        try
        {
            o = options();
        }
        catch (final UsageException e)
        {
            err.println("tapio replay: " + e.getMessage());
            return TapioCli.EXIT_USAGE;
        }
        final boolean console = System.console() != null;
        final OutputStream stdout = new BufferedOutputStream(System.out, 64 * 1024);
        final PatternNames names = new PatternNames(RulesLoader.builtin());
        final RecordPrinter printer = "table".equals(format) ?
            new TableRecordPrinter(stdout, names) : new JsonRecordPrinter(stdout, names);
        final long startNanos = System.nanoTime();
        final JournalReader reader = openJournal();
        if (reader == null)
        {
            return TapioCli.EXIT_USAGE;
        }
        if (o.ruleSet != null)
        {
            reader.close(); // the engine's source thread opens its own: Chronicle tailers belong to one thread
            return whatIf(o, printer, names, console, startNanos);
        }
        return print(reader, o, printer, names, console, startNanos);
    }

    /** Opens the journal on this thread, so a directory Chronicle cannot open is a usage error (2); null then. */
    private JournalReader openJournal()
    {
        try
        {
            final JournalReader reader = JournalReader.open(journal);
            try
            {
                reader.lastIndex();
                return reader;
            }
            catch (final RuntimeException e)
            {
                reader.close();
                throw e;
            }
        }
        catch (final IOException | RuntimeException e)
        {
            err.println("tapio replay: --journal: cannot read " + journal + " as a journal: " + e.getMessage());
            return null;
        }
    }

    private int print(final JournalReader journalReader, final Options o, final RecordPrinter printer,
        final PatternNames names, final boolean console, final long startNanos) throws IOException
    {
        final ReplayScan scan;
        int code = 0;
        try (JournalReader reader = journalReader)
        {
            scan = new ReplayScan(reader, o.settings, new StdoutOutput(printer), names, err, !quiet, console);
            try
            {
                scan.run();
                printer.flush();
            }
            catch (final IOException e)
            {
                err.println("tapio replay: writing the output failed: " + e);
                code = 1;
            }
            catch (final RuntimeException e)
            {
                err.println("tapio replay: --journal: reading " + journal + " failed: " + e);
                code = 1;
            }
        }
        if (!quiet)
        {
            err.println("tapio replay: " + scanSummary(scan, startNanos) + "; printed " + count(scan.events(), "event") + " and " +
                count(scan.groups(), "group record") + "; skipped " + skipped(scan) +
                (scan.unresolved() > 0 ? "; no group record found for " + count(scan.unresolved(), "correlation id") +
                    " of printed events (groups discarded below min-events, still open, or past " +
                    (o.settings.hasEnd() ? "--group-horizon)" : "the journal's end)") : "") +
                (scan.outputClosed() ? "; stopped: stdout closed" : ""));
        }
        return scan.outputClosed() ? 1 : code;
    }

    private int whatIf(final Options o, final RecordPrinter printer, final PatternNames names, final boolean console,
        final long startNanos) throws Exception
    {
        final JournalEventSource source = new JournalEventSource(journal, o.settings, names, err, !quiet, console);
        final GroupPrinterSink sink = new GroupPrinterSink(printer);
        final Engine engine;
        try
        {
            engine = CorrelateCommand.offlineEngine(o.ruleSet, CorrelationSettings.DEFAULT_MAX_GROUPS, nodeName, err)
                .slotSize(WHAT_IF_SLOT_SIZE)
                .ringSize(WHAT_IF_RING_SIZE)
                .source(source, BackpressurePolicy.BLOCK)
                .sink(sink)
                .build();
        }
        catch (final IllegalArgumentException e)
        {
            err.println("tapio replay: " + e.getMessage());
            return TapioCli.EXIT_USAGE;
        }
        engine.start();
        while (!engine.awaitSources(Duration.ofSeconds(1)))
        {
            // a large journal takes as long as it takes
        }
        final boolean drained = engine.stop();
        final ReplayScan scan = source.scan();
        if (source.failure() != null)
        {
            err.println("tapio replay: --journal: reading " + journal + " failed: " + source.failure());
        }
        if (!quiet && scan != null)
        {
            err.println("tapio replay: " + scanSummary(scan, startNanos) + "; what-if with " + rules + ": " +
                count(scan.events(), "event") + " re-correlated, " + count(sink.groups(), "group record") +
                " printed; passed over " + count(scan.groupsSkipped(), "group record") + " of the journal, " +
                scan.outsideRange() + " records outside the time range, " + scan.filtered() + " events filtered out, " +
                scan.corrupt() + " corrupt, " + scan.unknown() + " unknown");
            err.println("tapio replay: correlation: " + CorrelateCommand.summary(engine));
        }
        return drained && source.failure() == null ? 0 : 1;
    }

    private String scanSummary(final ReplayScan scan, final long startNanos)
    {
        final double seconds = (System.nanoTime() - startNanos) / 1e9;
        return String.format(Locale.ROOT, "scanned %d records%s in %.2f s (%.0f records/s)", scan.scanned(),
            scan.startIndex() >= 0 ? " from journal index " + scan.startIndex() : "", seconds,
            scan.scanned() / Math.max(seconds, 1e-9));
    }

    private static String count(final long n, final String what)
    {
        return n + " " + what + (n == 1 ? "" : "s");
    }

    private static String skipped(final ReplayScan scan)
    {
        return scan.outsideRange() + " outside the time range, " + scan.filtered() + " events filtered out, " +
            count(scan.groupsSkipped(), "group record") + " not matching, " + scan.corrupt() + " corrupt, " +
            scan.unknown() + " unknown";
    }

    // ---------------------------------------------------------------------------------------------

    /** Prints to stdout; stops the scan when stdout is gone (a closed pipe). */
    private static final class StdoutOutput implements ReplayScan.Output
    {
        private final RecordPrinter printer;
        private int sinceCheck;

        StdoutOutput(final RecordPrinter printer)
        {
            this.printer = printer;
        }

        @Override
        public boolean event(final DirectBuffer buffer, final int offset, final int length) throws IOException
        {
            printer.event(buffer, offset, length);
            return open();
        }

        @Override
        public boolean group(final DirectBuffer buffer, final int offset, final int length) throws IOException
        {
            printer.group(buffer, offset, length);
            return open();
        }

        @Override
        public void caughtUp() throws IOException
        {
            printer.flush();
        }

        private boolean open()
        {
            // System.out swallows write errors; look every few thousand records (checkError flushes it).
            if (++sinceCheck < 4096)
            {
                return true;
            }
            sinceCheck = 0;
            return !System.out.checkError();
        }
    }

    private static final class UsageException extends Exception
    {
        UsageException(final String message)
        {
            super(message);
        }
    }

    private static final class Options
    {
        ReplayScan.Settings settings;
        RuleSet ruleSet;
    }

    private Options options() throws UsageException
    {
        checkJournalDirectory();
        final long fromNanos = from == null ? Long.MIN_VALUE : time("--from", from);
        final long toNanos = to == null ? Long.MAX_VALUE : time("--to", to);
        if (fromNanos >= toNanos)
        {
            throw new UsageException("--to: " + to + " is not after --from " + from);
        }
        if (!"json".equals(format) && !"table".equals(format))
        {
            throw new UsageException("--format: expected json or table, got \"" + format + "\"");
        }
        final long correlationId = correlation == null ? 0 : correlationId(correlation);
        final EventFilter filter = new EventFilter(glob("--type", type), glob("--namespace", namespace),
            glob("--pod", pod), glob("--node", node), correlationId);
        final Duration slackDuration = duration("--slack", slack);
        final Duration horizon = duration("--group-horizon", groupHorizon);
        final Options o = new Options();
        o.settings = new ReplayScan.Settings()
            .range(fromNanos, toNanos)
            .slack(slackDuration.toNanos())
            .horizon(horizon.toNanos())
            .filter(filter)
            .follow(follow);
        if (rules != null)
        {
            try
            {
                o.ruleSet = RulesLoader.load(rules);
            }
            catch (final ConfigException e)
            {
                throw new UsageException("--rules: " + e.getMessage());
            }
        }
        return o;
    }

    private void checkJournalDirectory() throws UsageException
    {
        if (!Files.exists(journal))
        {
            throw new UsageException("--journal: " + journal + ": no such directory");
        }
        if (!Files.isDirectory(journal))
        {
            throw new UsageException("--journal: " + journal + ": not a directory");
        }
        if (!Files.isReadable(journal) || !Files.isExecutable(journal))
        {
            throw new UsageException("--journal: " + journal + ": cannot read the directory");
        }
        boolean cycles = false;
        try (DirectoryStream<Path> files = Files.newDirectoryStream(journal, "*.cq4"))
        {
            cycles = files.iterator().hasNext();
        }
        catch (final IOException e)
        {
            throw new UsageException("--journal: " + journal + ": cannot list the directory: " + e.getMessage());
        }
        if (!cycles && !Files.exists(journal.resolve("metadata.cq4t")))
        {
            throw new UsageException("--journal: " + journal + ": not a journal (no metadata.cq4t and no .cq4 cycle files)");
        }
    }

    private long time(final String option, final String value) throws UsageException
    {
        try
        {
            return ReplayTime.parse(value, clock);
        }
        catch (final IllegalArgumentException | ArithmeticException e)
        {
            throw new UsageException(option + ": bad time \"" + value + "\": " + e.getMessage());
        }
    }

    private static Glob glob(final String option, final String value) throws UsageException
    {
        if (value == null)
        {
            return null;
        }
        try
        {
            return Glob.compile(value);
        }
        catch (final IllegalArgumentException e)
        {
            throw new UsageException(option + ": bad glob \"" + value + "\": " + e.getMessage());
        }
    }

    private static long correlationId(final String value) throws UsageException
    {
        final String s = value.trim();
        if (s.isEmpty() || s.length() > 16 || !s.chars().allMatch(c -> Character.digit(c, 16) >= 0))
        {
            throw new UsageException("--correlation: bad id \"" + value + "\": expected 1 to 16 hex digits " +
                "(as printed in JSON, e.g. 5d1c0e7a2b9f4410)");
        }
        final long id = Hex.parse(s.toCharArray(), 0, s.length());
        if (id == 0)
        {
            throw new UsageException("--correlation: bad id \"" + value + "\": 0 means no correlation");
        }
        return id;
    }

    private static Duration duration(final String option, final String value) throws UsageException
    {
        try
        {
            return Units.parseDuration(value);
        }
        catch (final IllegalArgumentException e)
        {
            throw new UsageException(option + ": bad duration \"" + value + "\": " + e.getMessage());
        }
    }
}
