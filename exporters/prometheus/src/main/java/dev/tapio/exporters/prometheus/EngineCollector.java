package dev.tapio.exporters.prometheus;

import dev.tapio.engine.Engine;
import dev.tapio.engine.collect.CollectorState;
import dev.tapio.engine.collect.CollectorStatus;
import dev.tapio.engine.metrics.LatencyRecorder;
import dev.tapio.engine.metrics.SeriesName;
import io.prometheus.client.Collector;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.HistogramIterationValue;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A simpleclient {@link Collector} that reads a running {@link Engine} at scrape time: every engine counter
 * as a Prometheus metric family (the counter label parsed into name and labels; {@code _total} names are
 * counters, others gauges), the ring occupancy, source states, readiness, and the added latency of fan-out
 * (and of each sink on a thread of its own) as histograms in seconds. Nothing here runs per event: the
 * engine keeps its counters and HdrHistograms anyway; a scrape reads them.
 *
 * <p>The latency histograms come from {@link LatencyRecorder#cumulative()}, which folds the recorder's
 * interval snapshots into its running total; reading the total (not {@code interval()}) leaves the
 * intervals to the CLI's stats line and keeps the buckets monotonic across scrapes. A recorder that is
 * {@code reset()} (benchmark warm-up) looks like a counter reset to Prometheus.
 *
 * <p>Threading: called on the HTTP server's threads, possibly concurrently; it keeps only a cache of parsed
 * counter labels.
 */
final class EngineCollector extends Collector
{
    /** Bucket upper bounds in seconds: 1 µs … 10 s, 1-2.5-5 steps. */
    static final double[] LATENCY_BOUNDS_SECONDS = {
        0.000_001, 0.000_002_5, 0.000_005, 0.000_01, 0.000_025, 0.000_05, 0.000_1, 0.000_25, 0.000_5,
        0.001, 0.002_5, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10 };

    /** Bucket upper bounds in seconds for stage durations: 100 ns … 1 s, 1-2.5-5 steps. */
    static final double[] STAGE_BOUNDS_SECONDS = {
        0.000_000_1, 0.000_000_25, 0.000_000_5, 0.000_001, 0.000_002_5, 0.000_005, 0.000_01, 0.000_025, 0.000_05,
        0.000_1, 0.000_25, 0.000_5, 0.001, 0.002_5, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1 };

    static final String LATENCY = "tapio_event_added_latency_seconds";
    static final String STAGE_DURATION = "tapio_stage_duration_seconds";
    static final String SINK_LATENCY = "tapio_sink_added_latency_seconds";
    static final String RING_OCCUPANCY = "tapio_ring_occupancy";
    static final String RING_CAPACITY = "tapio_ring_capacity";
    static final String SOURCE_STATE = "tapio_source_state";
    static final String COLLECTOR_HEALTH = "tapio_collector_health";
    static final String READY = "tapio_ready";
    static final String RING_STALLED = "tapio_ring_stalled";
    static final String EVENTS_BY_TYPE = "tapio_events_by_type_total";
    static final String EVENTS_BY_NAMESPACE = "tapio_events_by_namespace_total";
    static final String NAMESPACE_OVERFLOW = "tapio_events_namespace_overflow_total";
    static final String LATENCY_CLAMPED = "tapio_latency_clamped_total";
    static final String UNEXPOSED = "tapio_exporter_unexposed_counters";

    private static final String[] STATES = { "new", "running", "done", "failed" };

    private static final Map<String, String> HELP = Map.ofEntries(
        Map.entry("tapio_events_in_total", "Events offered by each source, including ones it could not parse."),
        Map.entry("tapio_events_out_total", "Events handed to the sinks by fan-out."),
        Map.entry("tapio_events_dropped_total", "Events not delivered, by reason; out + dropped = in at rest."),
        Map.entry("tapio_sink_errors_total", "Exceptions thrown by each sink (the event still counts as out)."),
        Map.entry("tapio_source_errors_total", "Errors reported by each source: crashes, hangs, unavailable attempts."),
        Map.entry("tapio_collector_restarts_total", "Times the collector manager started a collector again after a crash or a hang."),
        Map.entry("tapio_enrich_overflow_total", "Events that had no room in their slot for the node name."),
        Map.entry("tapio_stage_errors_total", "Exceptions thrown by each stage; the event passes on."),
        Map.entry("tapio_correlation_events_total", "Events seen by the correlator, by result."),
        Map.entry("tapio_correlation_groups_total", "Correlation groups, by status."),
        Map.entry("tapio_groups_dropped_total", "Group records not delivered, by reason."),
        Map.entry("tapio_journal_appended_total", "Records written to the journal."),
        Map.entry("tapio_journal_append_failures_total", "Records the journal did not write, by reason."),
        Map.entry("tapio_journal_dropped_total", "Journal records deleted before a tailer acked them."),
        Map.entry("tapio_journal_cycles_deleted_total", "Journal cycle files deleted, by reason."),
        Map.entry("tapio_journal_bytes_deleted_total", "Bytes of journal cycle files deleted."),
        Map.entry("tapio_journal_syncs_total", "Journal fsyncs."),
        Map.entry("tapio_journal_tailer_lag_records", "Records appended after each tailer's acked one (read every journal.checkInterval)."),
        Map.entry("tapio_journal_tailer_acked_timestamp_seconds", "When each tailer last acked, in Unix seconds (0: never)."),
        Map.entry("tapio_correlation_open_groups", "Open correlation groups, by pattern and required steps matched so far."),
        Map.entry("tapio_correlation_progress_total", "Groups that were open with that many required steps matched, by how they ended."),
        Map.entry("tapio_correlation_pattern_groups_total", "Correlation groups per pattern, by status."),
        Map.entry("tapio_otel_export_failing", "1 while the OTLP exporter's last export attempt failed, 0 once one succeeds."),
        Map.entry("tapio_webhook_deliveries_total", "Webhook records by final outcome per endpoint (delivered, dead_lettered, gone)."),
        Map.entry("tapio_webhook_attempts_total", "Webhook HTTP attempts per endpoint, by result."),
        Map.entry("tapio_webhook_records_skipped_total", "Journal records an endpoint's filters passed over, by reason."),
        Map.entry("tapio_webhook_breaker_transitions_total", "Circuit breaker transitions per webhook endpoint, by new state."),
        Map.entry("tapio_webhook_breaker_state", "Circuit breaker state per webhook endpoint (0 closed, 1 open, 2 half-open)."),
        Map.entry("tapio_webhook_endpoint_disabled", "1 when the endpoint answered 410 Gone and is disabled."),
        Map.entry("tapio_counters_unregistered_total", "Engine series that did not fit in the counters buffer (not exposed)."),
        Map.entry("tapio_kernel_records_total", "Kernel collector records, by source and result."),
        Map.entry("tapio_kernel_emitted_total", "Kernel records emitted, by source and kind."));

    private final Engine engine;
    private final EventTypeCounts types;
    private final Readiness readiness;
    private final Map<String, SeriesName> parsed = new ConcurrentHashMap<>();
    private final Map<String, Boolean> invalid = new ConcurrentHashMap<>();

    EngineCollector(final Engine engine, final EventTypeCounts types, final Readiness readiness)
    {
        this.engine = engine;
        this.types = types;
        this.readiness = readiness;
    }

    @Override
    public List<MetricFamilySamples> collect()
    {
        final List<MetricFamilySamples> out = new ArrayList<>();
        engineCounters(out);
        if (types != null)
        {
            eventsByType(out);
        }
        out.add(gauge(RING_OCCUPANCY, "Events published into the ring and not yet through fan-out and every " +
            "sink on a thread of its own.", engine.ringOccupancy()));
        out.add(gauge(RING_CAPACITY, "Slots in the ring.", engine.ringSize()));
        sourceStates(out);
        collectorHealth(out);
        final Readiness.Result r = readiness.check();
        out.add(gauge(READY, "1 when /readyz answers 200: no source failed and the ring is not stalled.",
            r.ready ? 1 : 0));
        out.add(gauge(RING_STALLED, "1 when events have waited in the ring with none delivered for the stall " +
            "timeout.", r.stalled ? 1 : 0));
        out.add(histogram(LATENCY, "Added latency of each event from ingest (or its intended send time) to " +
            "the end of its fan-out batch.", List.of(), List.of(), engine.latency().cumulative(), null));
        final Map<String, LatencyRecorder> sinks = engine.sinkLatencies();
        if (!sinks.isEmpty())
        {
            MetricFamilySamples family = null;
            for (final Map.Entry<String, LatencyRecorder> e : sinks.entrySet())
            {
                family = histogram(SINK_LATENCY, "Added latency of each event from ingest to the end of its " +
                    "handling by a sink on a thread of its own.", List.of("sink"), List.of(e.getKey()),
                    e.getValue().cumulative(), family);
            }
            out.add(family);
        }
        MetricFamilySamples stages = null;
        for (final Map.Entry<String, LatencyRecorder> e : engine.stageDurations().entrySet())
        {
            stages = histogram(STAGE_DURATION, "Time each pipeline stage spent on one event, sampled on one event in " +
                dev.tapio.engine.stage.StageHandler.SAMPLE_EVERY + ".", List.of("stage"), List.of(e.getKey()),
                e.getValue().cumulative(), stages, STAGE_BOUNDS_SECONDS);
        }
        if (stages != null)
        {
            out.add(stages);
        }
        out.add(new MetricFamilySamples("tapio_latency_clamped", Type.COUNTER,
            "Added-latency values above one hour, recorded as one hour.",
            List.of(new MetricFamilySamples.Sample(LATENCY_CLAMPED, List.of(), List.of(), engine.latency().clamped()))));
        out.add(gauge(UNEXPOSED, "Engine counters whose label is no valid Prometheus series (not exposed).",
            invalid.size()));
        return out;
    }

    private void engineCounters(final List<MetricFamilySamples> out)
    {
        final Map<String, Map<String, Object[]>> byName = new LinkedHashMap<>();
        for (final Map.Entry<String, Long> e : engine.counters().snapshot().entrySet())
        {
            final SeriesName n = name(e.getKey());
            if (n == null)
            {
                continue;
            }
            final Map<String, Object[]> series = byName.computeIfAbsent(n.name(), k -> new LinkedHashMap<>());
            final Object[] existing = series.get(n.seriesKey());
            if (existing == null)
            {
                series.put(n.seriesKey(), new Object[]{ n, e.getValue() });
            }
            else
            {
                existing[1] = (Long)existing[1] + e.getValue();
            }
        }
        for (final Map.Entry<String, Map<String, Object[]>> e : byName.entrySet())
        {
            final String name = e.getKey();
            final boolean counter = name.endsWith("_total") && name.length() > "_total".length();
            final List<MetricFamilySamples.Sample> samples = new ArrayList<>(e.getValue().size());
            for (final Object[] s : e.getValue().values())
            {
                final SeriesName n = (SeriesName)s[0];
                samples.add(new MetricFamilySamples.Sample(name, n.labelNames(), n.labelValues(), (Long)s[1]));
            }
            final String help = HELP.getOrDefault(name, "Tapio engine " + (counter ? "counter " : "gauge ") + name +
                " (docs/CONFIG.md).");
            out.add(new MetricFamilySamples(counter ? name.substring(0, name.length() - "_total".length()) : name,
                counter ? Type.COUNTER : Type.GAUGE, help, samples));
        }
    }

    private SeriesName name(final String label)
    {
        final SeriesName cached = parsed.get(label);
        if (cached != null || invalid.containsKey(label))
        {
            return cached;
        }
        final SeriesName n = series(label);
        if (n == null || isOwnFamily(n.name()))
        {
            invalid.put(label, Boolean.TRUE);
            return null;
        }
        parsed.put(label, n);
        return n;
    }

    /**
     * An engine counter label as a Prometheus series: {@link SeriesName#parse}, or null when that refuses it or it
     * has a label Prometheus reserves ({@code __…}) or the client library does ({@code le}, {@code quantile}).
     */
    static SeriesName series(final String label)
    {
        final SeriesName n = SeriesName.parse(label);
        if (n == null)
        {
            return null;
        }
        for (final String labelName : n.labelNames())
        {
            if (labelName.startsWith("__") || "le".equals(labelName) || "quantile".equals(labelName))
            {
                return null;
            }
        }
        return n;
    }

    private static boolean isOwnFamily(final String name)
    {
        return name.startsWith(LATENCY) || name.startsWith(SINK_LATENCY) || name.startsWith(STAGE_DURATION) ||
            name.equals(RING_OCCUPANCY) ||
            name.equals(RING_CAPACITY) || name.equals(SOURCE_STATE) || name.equals(READY) ||
            name.equals(RING_STALLED) || name.equals(EVENTS_BY_TYPE) || name.equals(LATENCY_CLAMPED) ||
            name.equals(EVENTS_BY_NAMESPACE) || name.equals(NAMESPACE_OVERFLOW) ||
            name.equals(UNEXPOSED);
    }

    private void eventsByType(final List<MetricFamilySamples> out)
    {
        final Map<String, Long> sums = new LinkedHashMap<>();
        for (int t = 0; t < EventTypeCounts.types(); t++)
        {
            for (int s = 0; s < EventTypeCounts.severities(); s++)
            {
                final long v = types.count(t, s);
                if (v > 0)
                {
                    sums.merge(EventTypeCounts.typeLabel(t) + '\n' + EventTypeCounts.severityLabel(s), v, Long::sum);
                }
            }
        }
        final List<MetricFamilySamples.Sample> samples = new ArrayList<>(sums.size());
        final List<String> labelNames = List.of("severity", "type");
        for (final Map.Entry<String, Long> e : sums.entrySet())
        {
            final int nl = e.getKey().indexOf('\n');
            samples.add(new MetricFamilySamples.Sample(EVENTS_BY_TYPE, labelNames,
                List.of(e.getKey().substring(nl + 1), e.getKey().substring(0, nl)), e.getValue()));
        }
        out.add(new MetricFamilySamples("tapio_events_by_type", Type.COUNTER,
            "Events handed to the sinks, by event type (other: a type the schema does not know) and severity.",
            samples));
        if (types.maxNamespaces() > 0)
        {
            final List<MetricFamilySamples.Sample> ns = new ArrayList<>();
            final List<String> nsLabels = List.of("namespace", "severity");
            for (int n = 0; n < types.maxNamespaces(); n++)
            {
                final String namespace = types.namespace(n);
                if (namespace == null)
                {
                    break;
                }
                final Map<String, Long> bySeverity = new LinkedHashMap<>();
                for (int s = 0; s < EventTypeCounts.severities(); s++)
                {
                    final long v = types.namespaceCount(n, s);
                    if (v > 0)
                    {
                        bySeverity.merge(EventTypeCounts.severityLabel(s), v, Long::sum);
                    }
                }
                bySeverity.forEach((severity, v) ->
                    ns.add(new MetricFamilySamples.Sample(EVENTS_BY_NAMESPACE, nsLabels, List.of(namespace, severity), v)));
            }
            out.add(new MetricFamilySamples("tapio_events_by_namespace", Type.COUNTER, "Events handed to the sinks, by " +
                "Kubernetes namespace (the first prometheus.maxNamespaces seen) and severity.", ns));
            out.add(new MetricFamilySamples("tapio_events_namespace_overflow", Type.COUNTER, "Events whose namespace " +
                "has no series of its own because prometheus.maxNamespaces namespaces already had one.",
                List.of(new MetricFamilySamples.Sample(NAMESPACE_OVERFLOW, List.of(), List.of(), types.namespaceOverflow()))));
        }
    }

    private void sourceStates(final List<MetricFamilySamples> out)
    {
        final List<MetricFamilySamples.Sample> samples = new ArrayList<>();
        final List<String> labelNames = List.of("source", "state");
        for (final Map.Entry<String, String> e : engine.sourceStates().entrySet())
        {
            final String state = e.getValue().startsWith("failed") ? "failed" : e.getValue();
            for (final String s : STATES)
            {
                samples.add(new MetricFamilySamples.Sample(SOURCE_STATE, labelNames, List.of(e.getKey(), s),
                    s.equals(state) ? 1 : 0));
            }
        }
        out.add(new MetricFamilySamples(SOURCE_STATE, Type.GAUGE,
            "State of each source's thread: 1 for its current state (new, running, done, failed), else 0.", samples));
    }

    private void collectorHealth(final List<MetricFamilySamples> out)
    {
        final List<MetricFamilySamples.Sample> samples = new ArrayList<>();
        final List<String> labelNames = List.of("collector", "state");
        final CollectorState[] states = CollectorState.values();
        for (final CollectorStatus c : engine.collectors())
        {
            for (final CollectorState s : states)
            {
                samples.add(new MetricFamilySamples.Sample(COLLECTOR_HEALTH, labelNames, List.of(c.name(), s.label()),
                    s == c.state() ? 1 : 0));
            }
        }
        out.add(new MetricFamilySamples(COLLECTOR_HEALTH, Type.GAUGE, "Health of each collector as its manager " +
            "sees it: 1 for its current state (new, healthy, degraded, unavailable, failed, done), else 0; the reason " +
            "is on /readyz and in the log.", samples));
    }

    private static MetricFamilySamples gauge(final String name, final String help, final double value)
    {
        return new MetricFamilySamples(name, Type.GAUGE, help,
            List.of(new MetricFamilySamples.Sample(name, List.of(), List.of(), value)));
    }

    /** A bucket bound as plain decimal text ({@code 0.0000025}, {@code 1}), as Go clients write {@code le}. */
    static String le(final double bound)
    {
        return java.math.BigDecimal.valueOf(bound).stripTrailingZeros().toPlainString();
    }

    /**
     * Cumulative buckets of an HdrHistogram in nanoseconds as a Prometheus histogram in seconds, appended to
     * {@code into} when given (one family, several label sets). Each recorded value counts in the first bucket
     * whose bound is at least its median-equivalent value (HdrHistogram's 3 significant digits).
     */
    static MetricFamilySamples histogram(final String name, final String help, final List<String> labelNames,
        final List<String> labelValues, final Histogram h, final MetricFamilySamples into)
    {
        return histogram(name, help, labelNames, labelValues, h, into, LATENCY_BOUNDS_SECONDS);
    }

    static MetricFamilySamples histogram(final String name, final String help, final List<String> labelNames,
        final List<String> labelValues, final Histogram h, final MetricFamilySamples into, final double[] boundsSeconds)
    {
        final long[] bounds = new long[boundsSeconds.length];
        for (int i = 0; i < bounds.length; i++)
        {
            bounds[i] = Math.round(boundsSeconds[i] * 1e9);
        }
        final long[] counts = new long[bounds.length];
        long total = 0;
        double sumNanos = 0;
        for (final HistogramIterationValue v : h.recordedValues())
        {
            final long value = h.medianEquivalentValue(v.getValueIteratedTo());
            final long count = v.getCountAtValueIteratedTo();
            total += count;
            sumNanos += (double)value * count;
            for (int i = 0; i < bounds.length; i++)
            {
                if (value <= bounds[i])
                {
                    counts[i] += count;
                    break;
                }
            }
        }
        final List<MetricFamilySamples.Sample> samples = into == null ? new ArrayList<>() : into.samples;
        final List<String> bucketLabels = new ArrayList<>(labelNames);
        bucketLabels.add("le");
        long cumulative = 0;
        for (int i = 0; i < bounds.length; i++)
        {
            cumulative += counts[i];
            final List<String> values = new ArrayList<>(labelValues);
            values.add(le(boundsSeconds[i]));
            samples.add(new MetricFamilySamples.Sample(name + "_bucket", bucketLabels, values, cumulative));
        }
        final List<String> inf = new ArrayList<>(labelValues);
        inf.add("+Inf");
        samples.add(new MetricFamilySamples.Sample(name + "_bucket", bucketLabels, inf, total));
        samples.add(new MetricFamilySamples.Sample(name + "_count", labelNames, labelValues, total));
        samples.add(new MetricFamilySamples.Sample(name + "_sum", labelNames, labelValues, sumNanos / 1e9));
        return into != null ? into : new MetricFamilySamples(name, "seconds", Type.HISTOGRAM, help, samples);
    }
}
