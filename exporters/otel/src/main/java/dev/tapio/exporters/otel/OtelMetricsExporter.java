package dev.tapio.exporters.otel;

import dev.tapio.engine.metrics.EngineCounters;
import dev.tapio.engine.metrics.SeriesName;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.common.AttributesBuilder;
import io.opentelemetry.api.metrics.BatchCallback;
import io.opentelemetry.api.metrics.Meter;
import io.opentelemetry.api.metrics.ObservableLongMeasurement;
import io.opentelemetry.api.metrics.ObservableMeasurement;
import io.opentelemetry.exporter.otlp.http.metrics.OtlpHttpMetricExporter;
import io.opentelemetry.exporter.otlp.http.metrics.OtlpHttpMetricExporterBuilder;
import io.opentelemetry.exporter.otlp.metrics.OtlpGrpcMetricExporter;
import io.opentelemetry.exporter.otlp.metrics.OtlpGrpcMetricExporterBuilder;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.metrics.InstrumentType;
import io.opentelemetry.sdk.metrics.SdkMeterProvider;
import io.opentelemetry.sdk.metrics.data.AggregationTemporality;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.metrics.export.MetricExporter;
import io.opentelemetry.sdk.metrics.export.PeriodicMetricReader;
import io.opentelemetry.sdk.resources.Resource;
import org.agrona.concurrent.status.AtomicCounter;

import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Sends the engine's counters ({@link EngineCounters#snapshot()}) as OTLP metrics through the OpenTelemetry
 * metrics SDK: one observable instrument per metric name (a monotonic counter for names ending in
 * {@code _total}, else a gauge), one data point per label set, its labels as attributes; a
 * {@link PeriodicMetricReader} collects and exports every {@link OtelSettings#metricsInterval()} with
 * {@code OtlpGrpcMetricExporter} or {@code OtlpHttpMetricExporter}, connected like the traces (endpoint,
 * headers, compression, timeout, TLS). Cumulative temporality, as the SDK's default.
 *
 * <pre>
 *   EngineCounters ──snapshot──► batch callback ──► SdkMeterProvider ──PeriodicMetricReader──► OTLP metrics
 *          └──── every interval/4: new names become instruments (same thread) ────┘
 * </pre>
 *
 * <p>Threading: one scheduler thread of its own ({@code tapio-otel-metrics}) runs the reader's collections and
 * the discovery of new counter names; {@link #close()}'s last collection runs on the host's thread, so the two are
 * synchronized. {@link #start()} and {@link #close()} from the host's thread.
 */
public final class OtelMetricsExporter implements AutoCloseable
{
    /** Metric exports the collector accepted. */
    public static final String METRIC_EXPORTS = "tapio_otel_metric_exports_total";
    /** Metric exports that failed (the next interval exports the cumulative values again). */
    public static final String METRIC_EXPORT_FAILURES = "tapio_otel_metric_export_failures_total";
    /** Counter labels that are no valid metric series (not exported). */
    public static final String INVALID_SERIES = "tapio_otel_metric_invalid_series_total";

    private static final String SCOPE = "dev.tapio.engine";

    private final EngineCounters counters;
    private final OtelSettings settings;
    private final PrintStream log;
    private final ScheduledExecutorService scheduler;
    private final SdkMeterProvider provider;
    private final Meter meter;
    private final AtomicCounter exports;
    private final AtomicCounter failures;
    private final AtomicCounter invalid;
    private final Map<String, Series> parsed = new HashMap<>();
    private final Map<String, ObservableLongMeasurement> instruments = new LinkedHashMap<>();
    private BatchCallback callback;
    private final java.util.concurrent.atomic.AtomicBoolean closed = new java.util.concurrent.atomic.AtomicBoolean();

    private OtelMetricsExporter(final OtelSettings settings, final MetricExporter exporter, final EngineCounters counters,
        final Resource resource, final PrintStream log)
    {
        this.counters = counters;
        this.settings = settings;
        this.log = log;
        this.exports = counters.counter(METRIC_EXPORTS);
        this.failures = counters.counter(METRIC_EXPORT_FAILURES);
        this.invalid = counters.counter(INVALID_SERIES);
        this.scheduler = Executors.newSingleThreadScheduledExecutor(r ->
        {
            final Thread t = new Thread(r, "tapio-otel-metrics");
            t.setDaemon(true);
            return t;
        });
        this.provider = SdkMeterProvider.builder()
            .setResource(resource)
            .registerMetricReader(PeriodicMetricReader.builder(new Counting(exporter))
                .setInterval(settings.metricsInterval())
                .setExecutor(scheduler)
                .build())
            .build();
        this.meter = provider.get(SCOPE);
    }

    /** The engine's counters over OTLP as {@code settings} say, not started; counts into {@code counters} too. */
    public static OtelMetricsExporter create(final OtelSettings settings, final EngineCounters counters, final PrintStream log)
    {
        return new OtelMetricsExporter(settings, metricExporter(settings), counters, OtelExporter.resource(), log);
    }

    /** The SDK's OTLP metric exporter for the settings, connected as the span exporter is. */
    static MetricExporter metricExporter(final OtelSettings settings)
    {
        final OtlpConnection c = OtlpConnection.of(settings);
        if (settings.protocol() == OtelSettings.Protocol.HTTP)
        {
            final OtlpHttpMetricExporterBuilder b = OtlpHttpMetricExporter.builder();
            c.configure(settings.metricsEndpoint(), b::setEndpoint, b::setTimeout, b::setCompression, b::setHeaders,
                b::setRetryPolicy, b::setTrustedCertificates, b::setClientTls);
            return b.build();
        }
        final OtlpGrpcMetricExporterBuilder b = OtlpGrpcMetricExporter.builder();
        c.configure(settings.metricsEndpoint(), b::setEndpoint, b::setTimeout, b::setCompression, b::setHeaders,
            b::setRetryPolicy, b::setTrustedCertificates, b::setClientTls);
        return b.build();
    }

    /** Registers the instruments of the counters there are now and starts watching for new ones. */
    public OtelMetricsExporter start()
    {
        scheduler.execute(this::discover);
        final long every = Math.max(100, Math.min(5_000, settings.metricsInterval().toMillis() / 4));
        scheduler.scheduleWithFixedDelay(this::discover, every, every, TimeUnit.MILLISECONDS);
        return this;
    }

    /**
     * Turns counter names not seen before into instruments and re-registers the batch callback over all of
     * them. Runs on the scheduler thread only.
     */
    private synchronized void discover()
    {
        try
        {
            boolean added = false;
            for (final String label : counters.snapshot().keySet())
            {
                if (parsed.containsKey(label))
                {
                    continue;
                }
                final Series n = Series.parse(label);
                parsed.put(label, n);
                if (n == null)
                {
                    if (invalid.incrementRelease() == 0)
                    {
                        log.println("tapio otel: counter " + label + " is no valid metric series; not exported (counted in " +
                            INVALID_SERIES + ")");
                    }
                    continue;
                }
                if (!instruments.containsKey(n.name()))
                {
                    instruments.put(n.name(), n.monotonic() ?
                        meter.counterBuilder(n.name()).buildObserver() :
                        meter.gaugeBuilder(n.name()).ofLongs().buildObserver());
                    added = true;
                }
            }
            if (added)
            {
                if (callback != null)
                {
                    callback.close();
                }
                final List<ObservableMeasurement> all = new ArrayList<>(instruments.values());
                callback = meter.batchCallback(this::observe, all.get(0),
                    all.subList(1, all.size()).toArray(new ObservableMeasurement[0]));
            }
        }
        catch (final RuntimeException e)
        {
            log.println("tapio otel: metrics: " + e);
        }
    }

    /** The batch callback: one data point per series, series spelled twice (labels in another order) summed. */
    private synchronized void observe()
    {
        final Map<String, Map<Attributes, Long>> byName = new HashMap<>();
        for (final Map.Entry<String, Long> e : counters.snapshot().entrySet())
        {
            final Series n = parsed.get(e.getKey());
            if (n != null && instruments.containsKey(n.name()))
            {
                byName.computeIfAbsent(n.name(), k -> new HashMap<>()).merge(n.attributes(), e.getValue(), Long::sum);
            }
        }
        byName.forEach((name, series) ->
        {
            final ObservableLongMeasurement m = instruments.get(name);
            series.forEach((attributes, value) -> m.record(value, attributes));
        });
    }

    /** Metric exports the collector accepted since start. */
    public long exports()
    {
        return exports.get();
    }

    /** Metric exports that failed since start. */
    public long failedExports()
    {
        return failures.get();
    }

    /** Exports the current values once more (waiting up to the export timeout), then stops. */
    @Override
    public void close()
    {
        if (closed.getAndSet(true))
        {
            return;
        }
        final long timeout = 2 * settings.exportTimeout().toMillis();
        discover(); // counters created since the last look are in the final export too
        // The reader's shutdown collects and exports once more, then shuts the scheduler down.
        provider.shutdown().join(timeout, TimeUnit.MILLISECONDS);
        scheduler.shutdownNow();
    }

    /** Counts the exporter's results into the engine's counters; reports failures at the 1st, 2nd, 4th … */
    private final class Counting implements MetricExporter
    {
        private final MetricExporter delegate;

        Counting(final MetricExporter delegate)
        {
            this.delegate = delegate;
        }

        @Override
        public CompletableResultCode export(final Collection<MetricData> metrics)
        {
            final CompletableResultCode result = delegate.export(metrics);
            result.whenComplete(() ->
            {
                if (result.isSuccess())
                {
                    exports.incrementRelease();
                    return;
                }
                final long n = failures.incrementRelease() + 1;
                if (Long.bitCount(n) == 1)
                {
                    final Throwable why = result.getFailureThrowable();
                    log.println("tapio otel: metrics export to " + settings.metricsEndpoint() + " failed (" + n +
                        " times so far): " + (why != null ? why : "the collector refused the request") +
                        "; the next interval sends the cumulative values again");
                }
            });
            return result;
        }

        @Override
        public CompletableResultCode flush()
        {
            return delegate.flush();
        }

        @Override
        public CompletableResultCode shutdown()
        {
            return delegate.shutdown();
        }

        @Override
        public AggregationTemporality getAggregationTemporality(final InstrumentType instrumentType)
        {
            return delegate.getAggregationTemporality(instrumentType);
        }

        @Override
        public io.opentelemetry.sdk.metrics.Aggregation getDefaultAggregation(final InstrumentType instrumentType)
        {
            return delegate.getDefaultAggregation(instrumentType);
        }

        @Override
        public io.opentelemetry.sdk.common.export.MemoryMode getMemoryMode()
        {
            return delegate.getMemoryMode();
        }
    }

    /**
     * One engine counter label as an OTLP series: the metric name and its labels as OpenTelemetry attributes.
     * Parsed once per counter label (the exporter caches it), never per event.
     *
     * @param name       the metric name, e.g. {@code tapio_events_dropped_total}
     * @param monotonic  true for monotonic counters ({@link SeriesName#isCounter()}), else a gauge
     * @param attributes the labels, e.g. {@code reason=malformed}
     */
    record Series(String name, boolean monotonic, Attributes attributes)
    {
        /**
         * {@link SeriesName#parse}, or null when that refuses the label or its name is no valid OpenTelemetry
         * instrument name (a letter first, no {@code :}, at most 255 characters; the SDK would drop others).
         */
        static Series parse(final String label)
        {
            final SeriesName n = SeriesName.parse(label);
            if (n == null || n.name().length() > 255 || n.name().charAt(0) == '_' || n.name().indexOf(':') >= 0)
            {
                return null;
            }
            final AttributesBuilder attributes = Attributes.builder();
            for (int i = 0; i < n.labelNames().size(); i++)
            {
                attributes.put(n.labelNames().get(i), n.labelValues().get(i));
            }
            return new Series(n.name(), n.isCounter(), attributes.build());
        }
    }
}
