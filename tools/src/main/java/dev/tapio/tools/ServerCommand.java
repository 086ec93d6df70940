package dev.tapio.tools;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tapio.bridge.config.ServerConfig;
import dev.tapio.bridge.config.ServerSection;
import dev.tapio.bridge.journal.JournalDedupSeed;
import dev.tapio.bridge.journal.JournalRecordSink;
import dev.tapio.bridge.server.DedupWindow;
import dev.tapio.bridge.server.IngestServer;
import dev.tapio.bridge.server.NodeIds;
import dev.tapio.bridge.server.ServerCounters;
import dev.tapio.engine.config.ConfigException;
import dev.tapio.engine.config.ConfigNode;
import dev.tapio.engine.config.TapioConfig;
import dev.tapio.engine.metrics.EngineCounters;
import dev.tapio.journal.Journal;
import dev.tapio.journal.JournalCounters;
import dev.tapio.journal.JournalSection;
import dev.tapio.journal.JournalSettings;
import dev.tapio.tools.server.ServerCorrelator;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * {@code tapio server}: the central server. Receives batches from the nodes' bridges
 * ({@link IngestServer}), appends every new record to its own journal ({@link JournalRecordSink}) and acks
 * a batch only once it is journaled; drops records it already journaled by (node, id) in a window rebuilt
 * from the tail of that journal at startup ({@link JournalDedupSeed}), so a restart does not double what
 * nodes resend; and correlates across nodes in event time ({@link ServerCorrelator}), writing group records
 * to a second journal. Stats on stderr every {@code stats.interval}; on SIGTERM, Ctrl-C or the end of
 * {@code --duration} it stops listening, lets the correlator drain, and prints a JSON summary on stderr.
 *
 * <pre>
 *  nodes ══gRPC══► IngestServer ─► dedup ─► server journal ─► ack
 *                  (ingest thread)             ▲ tailer "correlate" ─► engine (event clock) ─► groups journal
 * </pre>
 */
@Command(name = "server", mixinStandardHelpOptions = true, versionProvider = TapioCli.Version.class,
    description = "Run the central server: receive the nodes' journals, journal them once, correlate across nodes.")
public final class ServerCommand implements Callable<Integer>
{
    /** The server journal's directory when neither --journal nor journal.dir says. */
    public static final Path DEFAULT_JOURNAL_DIR = Path.of("tapio-server", "journal");

    @Option(names = "--config", paramLabel = "FILE",
        description = "tapio.yaml (server:, journal:, node:, engine:, correlation:, stats:); default: every default")
    Path config;

    @Option(names = "--listen", paramLabel = "HOST:PORT",
        description = "listen address (default: server.listen, " + ServerConfig.DEFAULT_LISTEN + "; port 0 picks one)")
    String listen;

    @Option(names = "--journal", paramLabel = "DIR",
        description = "the server's journal directory (default: journal.dir, else tapio-server/journal)")
    Path journal;

    @Option(names = "--token-file", paramLabel = "FILE", description = "bearer token nodes must present (overrides server.token)")
    Path tokenFile;

    @Option(names = "--tls-cert", paramLabel = "FILE", description = "PEM certificate chain; with --tls-key turns TLS on")
    Path tlsCert;

    @Option(names = "--tls-key", paramLabel = "FILE", description = "PEM (PKCS#8) private key for --tls-cert")
    Path tlsKey;

    @Option(names = "--duration", paramLabel = "DURATION", converter = DurationConverter.class,
        description = "stop after this long (e.g. 30s, 5m); default: until SIGTERM or Ctrl-C")
    Duration duration;

    private final PrintStream err = System.err;

    @Override
    public Integer call() throws Exception
    {
        final TapioConfig cfg;
        final ServerConfig server;
        final JournalSettings journalSettings;
        final String token;
        try
        {
            cfg = config == null ? TapioConfig.parse(TapioConfig.DEFAULTS_NAME, "") : TapioConfig.load(config);
            server = ServerSection.config(cfg);
            journalSettings = journalSettings(cfg);
            token = tokenFile != null ? readToken(tokenFile) : server.token;
        }
        catch (final ConfigException e)
        {
            err.println("tapio server: " + e.getMessage());
            return TapioCli.EXIT_USAGE;
        }
        final String listenAt = listen != null ? listen : server.listen;
        final String usage = checkOptions(listenAt);
        if (usage != null)
        {
            err.println("tapio server: " + usage);
            return TapioCli.EXIT_USAGE;
        }
        final Path cert = tlsCert != null ? tlsCert : server.tlsCertFile;
        final Path key = tlsKey != null ? tlsKey : server.tlsKeyFile;
        final JournalSettings groupsSettings = journalSettings.toBuilder()
            .dir(server.groupsDirFor(journalSettings.dir())).build();

        final EngineCounters counters = new EngineCounters();
        final Journal journal;
        try
        {
            journal = Journal.open(journalSettings, counters);
        }
        catch (final IOException | RuntimeException e)
        {
            err.println("tapio server: cannot open the journal: " + e.getMessage());
            return 1;
        }
        journal.startHousekeeper();

        final long seedStart = System.nanoTime();
        final DedupWindow window = new DedupWindow(server.dedupCapacity);
        final NodeIds nodeIds = new NodeIds();
        final long seeded;
        try
        {
            seeded = JournalDedupSeed.seed(journalSettings, window, nodeIds);
        }
        catch (final IOException | RuntimeException e)
        {
            err.println("tapio server: cannot read the journal's tail to rebuild the dedup window: " + e.getMessage());
            journal.close();
            return 1;
        }
        final long seedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - seedStart);

        ServerCorrelator correlator = null;
        if (server.correlate)
        {
            try
            {
                correlator = ServerCorrelator.start(cfg, journalSettings, groupsSettings, err);
            }
            catch (final IOException | RuntimeException e)
            {
                err.println("tapio server: cannot start the correlator: " + e.getMessage());
                journal.close();
                return 1;
            }
        }

        final IngestServer ingest;
        try
        {
            final IngestServer.Builder b = IngestServer.builder()
                .listen(listenAt)
                .sink(new JournalRecordSink(journal))
                .bearerToken(token)
                .dedupWindow(window)
                .nodeIds(nodeIds)
                .maxMessageBytes(server.maxMessageBytes)
                .counters(counters)
                .errorLog(err, 5);
            if (cert != null)
            {
                b.tls(cert, key);
                if (server.tlsClientCaFile != null)
                {
                    b.tlsClientCa(server.tlsClientCaFile);
                }
            }
            ingest = b.build().start();
        }
        catch (final IOException | RuntimeException e)
        {
            err.println("tapio server: cannot listen on " + listenAt + ": " + e.getMessage());
            if (correlator != null)
            {
                correlator.close();
            }
            journal.close();
            return 1;
        }

        final String host = listenAt.substring(0, listenAt.lastIndexOf(':'));
        err.printf(Locale.ROOT, "tapio server: listening on %s:%d (%s%s), journal %s, dedup window %d keys seeded from %d " +
                "records of %d nodes in %d ms, %s%n",
            host, ingest.port(), cert != null ? "tls" : "plaintext", token != null ? ", token" : ", no token",
            journalSettings.dir().toAbsolutePath(), window.size(), seeded, nodeIds.size(), seedMillis,
            correlator != null ? "correlating into " + groupsSettings.dir().toAbsolutePath() : "correlation off");

        final CountDownLatch stopRequested = new CountDownLatch(1);
        final CountDownLatch stopped = new CountDownLatch(1);
        // the listener's stop (≤ 10 s), the correlator's drain, then the summary
        final long hookWaitMillis = 15_000 +
            (correlator != null ? correlator.engine().settings().shutdownTimeout().toMillis() : 0);
        final Thread hook = new Thread(() ->
        {
            stopRequested.countDown();
            try
            {
                stopped.await(hookWaitMillis, TimeUnit.MILLISECONDS);
            }
            catch (final InterruptedException ignored)
            {
                Thread.currentThread().interrupt();
            }
        }, "tapio-server-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);

        final long start = System.nanoTime();
        final long interval = cfg.statsInterval().toNanos();
        final long end = duration == null ? Long.MAX_VALUE : start + duration.toNanos();
        long nextStats = start + (interval > 0 ? interval : Long.MAX_VALUE / 2);
        long lastAccepted = 0;
        long lastAt = start;
        while (true)
        {
            final long now = System.nanoTime();
            if (now >= end)
            {
                break;
            }
            final long wake = Math.min(end, nextStats);
            if (stopRequested.await(Math.max(1, Math.min(wake - now, 100_000_000L)), TimeUnit.NANOSECONDS))
            {
                break;
            }
            if (interval > 0 && System.nanoTime() >= nextStats)
            {
                final long t = System.nanoTime();
                final long accepted = ingest.counters().accepted();
                printStats(ingest, nodeIds, counters, correlator, t - start,
                    (accepted - lastAccepted) * 1e9 / Math.max(1, t - lastAt));
                lastAccepted = accepted;
                lastAt = t;
                nextStats += interval;
            }
        }

        // Stop taking batches first: the listener closes and open streams are cancelled at once (a node's stream
        // never ends by itself); a batch being ingested is journaled but its ack not delivered, so the node
        // resends it to the next server, which drops it as a duplicate (its window is rebuilt from the journal).
        // Then let the correlator drain and write its open groups, then close the journal.
        ingest.shutdownNow();
        if (!ingest.awaitTermination(Duration.ofSeconds(10)))
        {
            err.println("tapio server: the ingest thread did not stop within 10s");
        }
        if (correlator != null)
        {
            correlator.close();
        }
        journal.close();
        final ObjectNode summary = summary(ingest, nodeIds, window, seeded, counters, correlator, System.nanoTime() - start);
        err.println(Reports.JSON.writeValueAsString(summary));
        err.flush();
        stopped.countDown();
        try
        {
            Runtime.getRuntime().removeShutdownHook(hook);
        }
        catch (final IllegalStateException ignored)
        {
            // already shutting down: the hook is running and waits for 'stopped'
        }
        return 0;
    }

    private JournalSettings journalSettings(final TapioConfig cfg) throws ConfigException
    {
        final JournalSettings s = JournalSection.settings(cfg);
        if (journal != null)
        {
            return s.toBuilder().dir(journal).build();
        }
        final ConfigNode node = cfg.section(JournalSection.KEY);
        if (node == null || !node.has("dir"))
        {
            return s.toBuilder().dir(DEFAULT_JOURNAL_DIR).build();
        }
        return s;
    }

    private static String readToken(final Path file) throws ConfigException
    {
        try
        {
            final String t = Files.readString(file, StandardCharsets.UTF_8).trim();
            if (t.isEmpty())
            {
                throw new ConfigException("--token-file: " + file + " is empty");
            }
            return t;
        }
        catch (final IOException e)
        {
            throw new ConfigException("--token-file: cannot read " + file + ": " + e.getMessage());
        }
    }

    /** Problems with the command-line options, or null. */
    private String checkOptions(final String listenAt)
    {
        final int colon = listenAt.lastIndexOf(':');
        if (colon <= 0 || colon == listenAt.length() - 1 || !listenAt.substring(colon + 1).chars().allMatch(Character::isDigit) ||
            Integer.parseInt(listenAt.substring(colon + 1)) > 65_535)
        {
            return (listen != null ? "--listen" : "server.listen") + ": expected host:port, got \"" + listenAt + "\"";
        }
        if ((tlsCert == null) != (tlsKey == null))
        {
            return tlsCert == null ? "--tls-key needs --tls-cert" : "--tls-cert needs --tls-key";
        }
        for (final Path p : new Path[] {tlsCert, tlsKey})
        {
            if (p != null && !Files.isReadable(p))
            {
                return (p == tlsCert ? "--tls-cert" : "--tls-key") + ": cannot read " + p;
            }
        }
        if (duration != null && (duration.isNegative() || duration.isZero()))
        {
            return "--duration: must be positive";
        }
        return null;
    }

    private void printStats(final IngestServer ingest, final NodeIds nodeIds, final EngineCounters counters,
        final ServerCorrelator correlator, final long elapsedNanos, final double rate)
    {
        final ServerCounters c = ingest.counters();
        final Map<String, Long> snapshot = counters.snapshot();
        err.printf(Locale.ROOT, "tapio server: %6.1fs batches=%d accepted=%d duplicates=%d rejected=%d nodes=%d rate=%s " +
                "journal=%d failures=%d%s%n",
            elapsedNanos / 1e9, c.batchesAcked(), c.accepted(), c.duplicates(), c.rejected(), nodeIds.size(),
            Reports.rate(rate), get(snapshot, JournalCounters.APPENDED), journalFailures(snapshot),
            correlator == null ? "" : String.format(Locale.ROOT, " correlated=%d groups=%d", correlator.eventsIn(),
                get(correlator.engine().counters().snapshot(), JournalCounters.APPENDED)));
    }

    private static ObjectNode summary(final IngestServer ingest, final NodeIds nodeIds, final DedupWindow window,
        final long seeded, final EngineCounters counters, final ServerCorrelator correlator, final long elapsedNanos)
    {
        final ServerCounters c = ingest.counters();
        final ObjectNode o = Reports.JSON.createObjectNode();
        o.put("seconds", Math.round(elapsedNanos / 1e6) / 1e3);
        final ObjectNode records = o.putObject("records");
        records.put("received", c.records());
        records.put("accepted", c.accepted());
        records.put("duplicates", c.duplicates());
        records.put("rejected", c.rejected());
        o.put("batchesAcked", c.batchesAcked());
        o.put("nodes", nodeIds.size());
        final ObjectNode dedup = o.putObject("dedup");
        dedup.put("capacity", window.capacity());
        dedup.put("seededFromRecords", seeded);
        dedup.put("evictions", window.evictions());
        final ObjectNode ingestCounters = o.putObject("counters");
        counters.snapshot().forEach((k, v) ->
        {
            if (!k.equals(EngineCounters.EVENTS_OUT))
            {
                ingestCounters.put(k, v);       // the registry's own, unused by ingest
            }
        });
        if (correlator != null)
        {
            final ObjectNode corr = o.putObject("correlation");
            corr.put("events", correlator.eventsIn());
            corr.put("groupsDir", correlator.groups().dir().toAbsolutePath().toString());
            final ObjectNode cc = corr.putObject("counters");
            correlator.engine().counters().snapshot().forEach(cc::put);
        }
        return o;
    }

    private static long journalFailures(final Map<String, Long> snapshot)
    {
        long total = 0;
        for (final Map.Entry<String, Long> e : snapshot.entrySet())
        {
            if (e.getKey().startsWith(JournalCounters.APPEND_FAILURES + "{"))
            {
                total += e.getValue();
            }
        }
        return total;
    }

    private static long get(final Map<String, Long> snapshot, final String key)
    {
        final Long v = snapshot.get(key);
        return v == null ? 0 : v;
    }
}
