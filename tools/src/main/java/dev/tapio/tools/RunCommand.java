package dev.tapio.tools;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tapio.journal.delivery.CircuitBreaker;
import dev.tapio.bridge.ClientCounters;
import dev.tapio.bridge.config.BridgeConfig;
import dev.tapio.bridge.config.BridgeSection;
import dev.tapio.bridge.journal.JournalBridge;
import dev.tapio.exporters.otel.OtelExporter;
import dev.tapio.exporters.otel.OtelSection;
import dev.tapio.exporters.otel.OtelSettings;
import dev.tapio.engine.Engine;
import dev.tapio.engine.config.ConfigException;
import dev.tapio.engine.config.TapioConfig;
import dev.tapio.engine.metrics.EngineCounters;
import dev.tapio.engine.sink.FileSink;
import dev.tapio.exporters.grpc.GrpcSection;
import dev.tapio.exporters.grpc.GrpcServer;
import dev.tapio.exporters.prometheus.PrometheusExporter;
import dev.tapio.exporters.prometheus.PrometheusSection;
import dev.tapio.exporters.webhooks.WebhooksExporter;
import dev.tapio.exporters.webhooks.WebhooksSection;
import dev.tapio.exporters.webhooks.WebhooksSettings;
import dev.tapio.journal.JournalSection;
import org.HdrHistogram.Histogram;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * {@code tapio run}: the node process. Loads the config (or the embedded defaults, which also journal
 * every record under {@code tapio-data/journal}: {@code --journal}), runs the engine
 * until the duration ends, every source has finished, or a signal arrives; prints a one-line stats
 * report on stderr every stats interval and a JSON summary on exit (stdout, or stderr when events go
 * to stdout). With {@code bridge.enabled} it also forwards the journal to a {@code tapio server}: the
 * bridge starts after the engine and, on stop, keeps sending for up to {@code bridge.drainTimeout} after
 * the ring drained, so what was journaled reaches the server (what does not stays in the journal for the
 * next run). With {@code prometheus.enabled} it serves {@code /metrics}, {@code /healthz} and {@code /readyz}
 * from before the engine starts (a taken port fails the start) until after the summary. With
 * {@code otel.enabled} the OTLP exporter likewise reads the journal through its tailer {@code otel}, starts
 * after the engine and stops after it (and the bridge) drained, exporting for up to {@code otel.drainTimeout}.
 * With {@code grpc.enabled} it serves the gRPC API (Ingest, Subscribe, health, reflection) from before the
 * engine starts until after the summary; with its ingest on, the ring is multi-producer and the run does not
 * end when the configured sources finish (clients are a source too).
 */
@Command(name = "run", mixinStandardHelpOptions = true, versionProvider = TapioCli.Version.class,
    description = "Run the node process: sources → decode → correlate → enrich → fan-out → sinks.")
public final class RunCommand implements Callable<Integer>
{
    /** Held so that its level stays set (java.util.logging keeps loggers weakly). */
    private static final java.util.logging.Logger OTEL_SDK_EXPORTER_LOG = java.util.logging.Logger.getLogger("io.opentelemetry.exporter");

    @Option(names = "--config", paramLabel = "FILE", description = "tapio.yaml; default: the embedded defaults")
    Path config;

    @Option(names = "--input", paramLabel = "FILE|-", description = "read JSON Lines from FILE (or - for stdin) " +
        "instead of the configured sources")
    String input;

    @Option(names = "--output", paramLabel = "FILE|-", description = "write enriched JSON Lines to FILE (or - for " +
        "stdout) instead of the configured sinks")
    String output;

    @Option(names = "--journal", paramLabel = "DIR|off",
        description = "with the embedded defaults: where the journal goes (default: " + DEFAULT_JOURNAL + "), or off; " +
            "a config file says it with journal.dir / journal.enabled")
    String journal;

    @Option(names = "--duration", paramLabel = "DURATION", converter = DurationConverter.class,
        description = "stop after this long (e.g. 30s, 5m); default: until the sources finish or Ctrl-C")
    Duration duration;

    static final String NODE_DEFAULTS = "/dev/tapio/tools/node-defaults.yaml";
    static final String NODE_DEFAULTS_NAME = "<embedded node defaults>";

    /** Where the embedded defaults journal, relative to the working directory like their events file. */
    static final String DEFAULT_JOURNAL = "tapio-data/journal";

    private final PrintStream err = System.err;

    /** The node's embedded defaults (tools' node-defaults.yaml: the engine's defaults plus the kernel collector). */
    static String nodeDefaultsText() throws ConfigException
    {
        try (java.io.InputStream in = RunCommand.class.getResourceAsStream(NODE_DEFAULTS))
        {
            if (in == null)
            {
                throw new ConfigException(NODE_DEFAULTS_NAME + ": missing from the jar");
            }
            return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        }
        catch (final java.io.IOException e)
        {
            throw new ConfigException(NODE_DEFAULTS_NAME + ": " + e.getMessage(), e);
        }
    }

    /**
     * The node's defaults journal every record (the engine's own embedded defaults cannot name the
     * journal module's section): {@code DIR}, or nothing for {@code off}.
     */
    static String journalSection(final String dir)
    {
        if ("off".equals(dir))
        {
            return "";
        }
        final String d = dir == null ? DEFAULT_JOURNAL : dir;
        return "\njournal:\n  enabled: true\n  dir: '" + d.replace("'", "''") + "'\n";
    }

    @Override
    public Integer call() throws Exception
    {
        final TapioConfig cfg;
        final BridgeConfig bridgeConfig;
        final OtelSettings otelSettings;
        final WebhooksSettings webhooksSettings;
        try
        {
            if (config == null)
            {
                cfg = TapioConfig.parse(NODE_DEFAULTS_NAME, nodeDefaultsText() + journalSection(journal));
            }
            else if (journal != null)
            {
                err.println("tapio run: --journal: only with the embedded defaults; in " + config +
                    " set journal.enabled and journal.dir");
                return TapioCli.EXIT_USAGE;
            }
            else
            {
                cfg = TapioConfig.load(config);
            }
            if (input != null)
            {
                cfg.withInput(input);
            }
            if (output != null)
            {
                cfg.withOutput(output);
            }
            bridgeConfig = BridgeSection.config(cfg);
            otelSettings = OtelSection.settings(cfg);
            webhooksSettings = WebhooksSection.settings(cfg);
        }
        catch (final ConfigException e)
        {
            err.println("tapio run: " + e.getMessage());
            return TapioCli.EXIT_USAGE;
        }
        if (duration != null && (duration.isNegative() || duration.isZero()))
        {
            err.println("tapio run: --duration: must be positive");
            return TapioCli.EXIT_USAGE;
        }
        final Engine engine;
        try
        {
            // gRPC ingest publishes from its streams' threads: a multi-producer ring when it is on.
            engine = GrpcSection.engineProducers(cfg, cfg.engineBuilder()).errorStream(err).build();
        }
        catch (final IllegalArgumentException | ConfigException e)
        {
            err.println("tapio run: " + cfg.file() + ": " + e.getMessage());
            return TapioCli.EXIT_USAGE;
        }
        final PrometheusExporter prometheus;
        try
        {
            prometheus = PrometheusSection.start(cfg, engine);
        }
        catch (final ConfigException | java.io.IOException e)
        {
            err.println("tapio run: " + e.getMessage());
            return 1;
        }
        final GrpcServer grpc;
        try
        {
            grpc = GrpcSection.start(cfg, engine);
        }
        catch (final ConfigException | java.io.IOException | RuntimeException e)
        {
            err.println("tapio run: " + e.getMessage());
            stop(prometheus);
            return 1;
        }
        final boolean grpcIngest = grpc != null && GrpcSection.settings(cfg).ingest();
        final boolean eventsOnStdout = cfg.sinks().stream()
            .anyMatch(s -> s instanceof FileSink && s.name().equals("file/output") && FileSink.STDOUT.equals(output));
        final PrintStream summaryOut = eventsOnStdout ? err : System.out;

        err.printf(Locale.ROOT, "tapio: node %s, %s threading, %s wait, ring %d x %dB, sources %s, sinks %s%s%s%n",
            engine.settings().nodeName(), engine.threadingMode().name().toLowerCase(Locale.ROOT),
            engine.settings().waitStrategy().configName(), engine.ringSize(), engine.settings().slotSize(),
            names(cfg.sources().stream().map(s -> s.source.name()).toArray(String[]::new)),
            names(java.util.stream.Stream.concat(cfg.sinks().stream(), cfg.sectionSinks().stream())
                .map(s -> s.name()).toArray(String[]::new)),
            bridgeConfig.enabled ? ", bridge -> " + bridgeConfig.target + " as " +
                bridgeConfig.nodeIdOr(engine.settings().nodeName()) + (bridgeConfig.tls() ? " (tls)" : "") : "",
            otelSettings.enabled() ? ", otel -> " + otelSettings.endpoint() + " (" +
                otelSettings.protocol().name().toLowerCase(Locale.ROOT) +
                (otelSettings.metricsEnabled() ? ", metrics every " +
                    dev.tapio.engine.config.Units.formatDuration(otelSettings.metricsInterval()) : "") + ")" : "");
        if (prometheus != null)
        {
            err.println("tapio: prometheus metrics on http://" + prometheus.listen() + "/metrics (/healthz, /readyz)");
        }
        if (grpc != null)
        {
            err.println("tapio: grpc API (tapio.api.v1.Events" + (grpcIngest ? ": Ingest, Subscribe" : ": Subscribe") +
                ", health, reflection) on " + grpc.listen() + (GrpcSection.settings(cfg).tls() ? " (tls)" : ""));
        }

        final CountDownLatch stopRequested = new CountDownLatch(1);
        final CountDownLatch stopped = new CountDownLatch(1);
        final Thread hook = new Thread(() ->
        {
            stopRequested.countDown();
            try
            {
                stopped.await(engine.settings().shutdownTimeout().toMillis() +
                    (bridgeConfig.enabled ? bridgeConfig.drainTimeout.toMillis() : 0) +
                    (otelSettings.enabled() ? otelSettings.drainTimeout().toMillis() + 2 * otelSettings.exportTimeout().toMillis() : 0) +
                    (webhooksSettings.enabled() ? webhooksSettings.drainTimeout().toMillis() + webhooksSettings.endpoints().stream()
                        .mapToLong(e -> e.timeout().toMillis()).max().orElse(0) + 1000 : 0) +
                    5_000, TimeUnit.MILLISECONDS);
            }
            catch (final InterruptedException ignored)
            {
                Thread.currentThread().interrupt();
            }
        }, "tapio-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);

        // With webhooks.enabled, the webhooks exporter reads the journal like otel, through a tailer per endpoint
        // (webhook-<name>), and delivers for up to webhooks.drainTimeout on stop. Its tailers are opened before
        // the engine starts, so an endpoint new to this journal starts at what this run journals.
        WebhooksExporter webhooks = null;
        if (webhooksSettings.enabled())
        {
            try
            {
                webhooks = WebhooksExporter.create(JournalSection.settings(cfg), webhooksSettings, engine.counters(), err);
                err.println("tapio: webhooks -> " + String.join(", ", webhooksSettings.endpoints().stream()
                    .map(e -> e.name() + " " + e.url()).toList()));
            }
            catch (final java.io.IOException | RuntimeException e)
            {
                err.println("tapio run: webhooks: " + e.getMessage());
                stop(prometheus);
                stopped.countDown();
                Runtime.getRuntime().removeShutdownHook(hook);
                return 1;
            }
        }
        final long start = System.nanoTime();
        engine.start();
        JournalBridge bridge = null;
        if (bridgeConfig.enabled)
        {
            try
            {
                bridge = JournalBridge.start(JournalSection.settings(cfg), bridgeConfig, engine.settings().nodeName(),
                    engine.counters(), err);
            }
            catch (final java.io.IOException | RuntimeException e)
            {
                err.println("tapio run: bridge: " + e.getMessage());
                if (webhooks != null)
                {
                    webhooks.stop(Duration.ZERO);
                }
                engine.stop();
                stop(grpc);
                stop(prometheus);
                stopped.countDown();
                Runtime.getRuntime().removeShutdownHook(hook);
                return 1;
            }
        }
        OtelExporter otel = null;
        if (otelSettings.enabled())
        {
            // The exporter reports failed exports itself, once per doubling count; the SDK's would add a stack trace per retry.
            OTEL_SDK_EXPORTER_LOG.setLevel(java.util.logging.Level.OFF);
            try
            {
                otel = OtelExporter.create(JournalSection.settings(cfg), otelSettings, engine.counters(), err).start();
            }
            catch (final java.io.IOException | RuntimeException e)
            {
                err.println("tapio run: otel: " + e.getMessage());
                if (webhooks != null)
                {
                    webhooks.stop(Duration.ZERO);
                }
                if (bridge != null)
                {
                    bridge.close();
                }
                engine.stop();
                stop(grpc);
                stopped.countDown();
                Runtime.getRuntime().removeShutdownHook(hook);
                return 1;
            }
        }
        if (webhooks != null)
        {
            webhooks.start();
        }
        final long interval = cfg.statsInterval().toNanos();
        final long end = duration == null ? Long.MAX_VALUE : start + duration.toNanos();
        long nextStats = start + (interval > 0 ? interval : Long.MAX_VALUE / 2);
        long lastIn = 0;
        long lastAt = start;
        while (true)
        {
            final long now = System.nanoTime();
            // With gRPC ingest on, clients are a source that never finishes on its own.
            if (now >= end || (engine.sourcesFinished() && !grpcIngest))
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
                final long in = engine.counters().totalIn();
                printStats(engine, bridge, t - start, (in - lastIn) * 1e9 / Math.max(1, t - lastAt));
                lastIn = in;
                lastAt = t;
                nextStats += interval;
            }
        }
        final boolean drained = engine.stop();
        final ObjectNode summary;
        if (bridge != null)
        {
            // Keep delivering what the ring drained into the journal; the stats line goes on meanwhile.
            final long drainEnd = System.nanoTime() + bridgeConfig.drainTimeout.toNanos();
            while (!bridge.caughtUp() && System.nanoTime() - drainEnd < 0)
            {
                bridge.drain(Duration.ofMillis(interval > 0 ? Math.min(100, Math.max(1, interval / 1_000_000)) : 100));
                if (interval > 0 && System.nanoTime() >= nextStats)
                {
                    final long t = System.nanoTime();
                    printStats(engine, bridge, t - start, 0);
                    nextStats += interval;
                }
            }
            final boolean caughtUp = bridge.caughtUp();
            if (!caughtUp)
            {
                err.println("tapio run: bridge: not caught up after drainTimeout " +
                    dev.tapio.engine.config.Units.formatDuration(bridgeConfig.drainTimeout) +
                    "; the records the server has not acked stay in the journal and go with the next run");
            }
            bridge.close();
            summary = summary(engine, System.nanoTime() - start, drained);
            summary.set("bridge", bridgeSummary(bridge, caughtUp));
        }
        else
        {
            summary = summary(engine, System.nanoTime() - start, drained);
        }
        if (otel != null)
        {
            // After the engine drained into the journal (and the bridge, which has its own drain): export the rest.
            final boolean caughtUp = otel.stop(otelSettings.drainTimeout());
            if (!caughtUp)
            {
                err.println("tapio run: otel: not caught up after drainTimeout " +
                    dev.tapio.engine.config.Units.formatDuration(otelSettings.drainTimeout()) +
                    "; the records not exported stay in the journal and go with the next run");
            }
            summary.set("otel", otelSummary(otel, otelSettings, caughtUp));
            // The summary's counters were read before the exporter's drain: refresh its own.
            final ObjectNode counters = (ObjectNode)summary.get("counters");
            engine.counters().snapshot().forEach((k, v) ->
            {
                if (k.startsWith("tapio_otel_"))
                {
                    counters.put(k, v);
                }
            });
        }
        if (webhooks != null)
        {
            // Like otel: after the engine drained into the journal, deliver the rest for up to drainTimeout.
            final boolean caughtUp = webhooks.stop(webhooksSettings.drainTimeout());
            if (!caughtUp)
            {
                err.println("tapio run: webhooks: not caught up after drainTimeout " +
                    dev.tapio.engine.config.Units.formatDuration(webhooksSettings.drainTimeout()) +
                    "; the records not delivered stay in the journal and go with the next run");
            }
            summary.set("webhooks", webhooksSummary(webhooks, caughtUp));
            final ObjectNode counters = (ObjectNode)summary.get("counters");
            engine.counters().snapshot().forEach((k, v) ->
            {
                if (k.startsWith("tapio_webhook_"))
                {
                    counters.put(k, v);
                }
            });
        }
        summaryOut.println(Reports.JSON.writeValueAsString(summary));
        summaryOut.flush();
        // After the engine stopped: subscribers have been handed every record and complete once they drained.
        stop(grpc);
        stop(prometheus);
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

    private static void stop(final GrpcServer grpc)
    {
        if (grpc != null)
        {
            grpc.close();
        }
    }

    private static void stop(final PrometheusExporter prometheus)
    {
        if (prometheus != null)
        {
            prometheus.close();
        }
    }

    private static String names(final String[] names)
    {
        return names.length == 0 ? "(none)" : String.join(",", names);
    }

    private void printStats(final Engine engine, final JournalBridge bridge, final long elapsedNanos, final double rate)
    {
        final EngineCounters c = engine.counters();
        final Histogram h = engine.latency().interval();
        final Long journaled = c.snapshot().get(dev.tapio.journal.JournalCounters.APPENDED);
        err.printf(Locale.ROOT, "tapio: %6.1fs in=%d out=%d dropped=%d rate=%s ring=%d/%d latency %s%s%s%n",
            elapsedNanos / 1e9, c.totalIn(), c.totalOut(), c.totalDropped(), Reports.rate(rate),
            engine.ringOccupancy(), engine.ringSize(), Reports.compactLatency(h),
            journaled == null ? "" : " journaled=" + journaled, bridgeStats(bridge));
    }

    /** " bridge=closed sent=… acked=… resent=… failures=…", or nothing without a bridge. */
    static String bridgeStats(final JournalBridge bridge)
    {
        if (bridge == null)
        {
            return "";
        }
        final ClientCounters b = bridge.counters();
        return String.format(Locale.ROOT, " bridge=%s sent=%d acked=%d resent=%d failures=%d",
            bridge.breakerState().label(), b.recordsSent(), b.recordsAcked(), b.batchesResent(), b.streamFailures());
    }

    /** The exporter's part of the summary: where it sent, whether it caught up, its counters. */
    static ObjectNode otelSummary(final OtelExporter otel, final OtelSettings settings, final boolean caughtUp)
    {
        final ObjectNode o = Reports.JSON.createObjectNode();
        o.put("endpoint", settings.endpoint());
        o.put("caughtUp", caughtUp);
        o.put("groups", otel.exportedGroups());
        o.put("spans", otel.exportedSpans());
        o.put("failedExports", otel.failedExports());
        o.put("missingMembers", otel.missingMembers());
        o.put("ackedIndex", otel.ackedIndex());
        if (otel.metrics() != null)
        {
            o.put("metricsEndpoint", settings.metricsEndpoint());
            o.put("metricExports", otel.metrics().exports());
            o.put("metricExportFailures", otel.metrics().failedExports());
        }
        return o;
    }

    /** The webhooks' part of the summary: per endpoint where it sent and what came of it. */
    static ObjectNode webhooksSummary(final WebhooksExporter webhooks, final boolean caughtUp)
    {
        final ObjectNode o = Reports.JSON.createObjectNode();
        o.put("caughtUp", caughtUp);
        final ObjectNode endpoints = o.putObject("endpoints");
        for (final String name : webhooks.endpointNames())
        {
            final ObjectNode e = endpoints.putObject(name);
            e.put("url", webhooks.settings().endpoint(name).url().toString());
            e.put("delivered", webhooks.delivered(name));
            e.put("deadLettered", webhooks.deadLettered(name));
            e.put("disabled", webhooks.disabled(name));
            e.put("breaker", webhooks.breakerState(name));
            e.put("ackedIndex", webhooks.ackedIndex(name));
        }
        return o;
    }

    static ObjectNode bridgeSummary(final JournalBridge bridge, final boolean caughtUp)
    {
        final ClientCounters b = bridge.counters();
        final ObjectNode o = Reports.JSON.createObjectNode();
        o.put("target", bridge.config().target);
        o.put("nodeId", bridge.nodeId());
        o.put("state", bridge.breakerState().label());
        o.put("caughtUp", caughtUp);
        o.put("recordsSent", b.recordsSent());
        o.put("recordsAcked", b.recordsAcked());
        o.put("batchesResent", b.batchesResent());
        o.put("serverDuplicates", b.serverDuplicates());
        o.put("streamFailures", b.streamFailures());
        final ObjectNode transitions = o.putObject("transitions");
        for (final CircuitBreaker.State s : CircuitBreaker.State.values())
        {
            transitions.put(s.label(), b.transitionsTo(s));
        }
        return o;
    }

    static ObjectNode summary(final Engine engine, final long elapsedNanos, final boolean drained)
    {
        final EngineCounters c = engine.counters();
        final ObjectNode o = Reports.JSON.createObjectNode();
        o.put("node", engine.settings().nodeName());
        o.put("seconds", Math.round(elapsedNanos / 1e6) / 1e3);
        final ObjectNode events = o.putObject("events");
        events.put("in", c.totalIn());
        events.put("out", c.totalOut());
        events.put("dropped", c.totalDropped());
        final ObjectNode reasons = events.putObject("droppedByReason");
        c.droppedByReason().forEach((k, v) ->
        {
            if (v > 0)
            {
                reasons.put(k, v);
            }
        });
        o.put("throughput", Math.round(c.totalOut() * 1e9 / Math.max(1, elapsedNanos)));
        o.set("latency_us", Reports.latencyMicros(engine.latency().cumulative()));
        o.put("drained", drained);
        final ObjectNode sources = o.putObject("sources");
        engine.sourceStates().forEach(sources::put);
        final ObjectNode collectors = o.putObject("collectors");
        for (final dev.tapio.engine.collect.CollectorStatus st : engine.collectors())
        {
            final ObjectNode one = collectors.putObject(st.name());
            one.put("state", st.state().label());
            if (st.reason() != null)
            {
                one.put("reason", st.reason());
            }
            one.put("events", st.events());
            one.put("errors", st.errors());
            one.put("restarts", st.restarts());
        }
        final ObjectNode counters = o.putObject("counters");
        c.snapshot().forEach(counters::put);
        return o;
    }
}
