package dev.tapio.exporters.otel;

import dev.tapio.engine.config.TapioConfig;
import dev.tapio.engine.metrics.EngineCounters;
import dev.tapio.journal.JournalSection;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.metrics.v1.AggregationTemporality;
import io.opentelemetry.proto.metrics.v1.Metric;
import io.opentelemetry.proto.metrics.v1.NumberDataPoint;
import io.opentelemetry.proto.metrics.v1.ResourceMetrics;
import io.opentelemetry.proto.metrics.v1.ScopeMetrics;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static dev.tapio.exporters.otel.Await.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The engine's counters as OTLP metrics, against a real OTLP/gRPC receiver on 127.0.0.1 serving the official
 * {@code MetricsService}: names, attributes parsed from the labels, monotonic cumulative sums for {@code _total},
 * gauges otherwise, values that follow the counters, names that appear after the start; and through the trace
 * exporter from an {@code otel:} section, whose last export on stop carries its final span count.
 */
class OtelMetricsTest
{
    @TempDir
    Path tmp;

    private final List<AutoCloseable> closeables = new ArrayList<>();
    private final ByteArrayOutputStream logBytes = new ByteArrayOutputStream();
    private final PrintStream log = new PrintStream(logBytes, true);

    @AfterEach
    void closeAll() throws Exception
    {
        for (int i = closeables.size() - 1; i >= 0; i--)
        {
            closeables.get(i).close();
        }
    }

    /** One data point as received: its metric, whether it is a monotonic cumulative sum, a gauge, its value. */
    record Point(String metric, boolean monotonicCumulativeSum, boolean gauge, Map<String, String> attributes, long value)
    {
    }

    /** The data point of {@code metric} with {@code attributes} in the latest request that has it, or null. */
    private static Point latest(final OtlpReceiver receiver, final String metric, final Map<String, String> attributes)
    {
        final List<ExportMetricsServiceRequest> requests = receiver.metrics();
        for (int i = requests.size() - 1; i >= 0; i--)
        {
            for (final ResourceMetrics rm : requests.get(i).getResourceMetricsList())
            {
                for (final ScopeMetrics sm : rm.getScopeMetricsList())
                {
                    for (final Metric m : sm.getMetricsList())
                    {
                        if (!m.getName().equals(metric))
                        {
                            continue;
                        }
                        final boolean sum = m.hasSum();
                        final List<NumberDataPoint> points = sum ? m.getSum().getDataPointsList() :
                            m.hasGauge() ? m.getGauge().getDataPointsList() : List.of();
                        for (final NumberDataPoint p : points)
                        {
                            final Map<String, String> a = new TreeMap<>();
                            for (final KeyValue kv : p.getAttributesList())
                            {
                                a.put(kv.getKey(), kv.getValue().getStringValue());
                            }
                            if (a.equals(new TreeMap<>(attributes)))
                            {
                                return new Point(metric, sum && m.getSum().getIsMonotonic() &&
                                    m.getSum().getAggregationTemporality() == AggregationTemporality.AGGREGATION_TEMPORALITY_CUMULATIVE,
                                    m.hasGauge(), a, p.getAsInt());
                            }
                        }
                    }
                }
            }
        }
        return null;
    }

    private static boolean has(final OtlpReceiver r, final String metric, final Map<String, String> attributes, final long value)
    {
        final Point p = latest(r, metric, attributes);
        return p != null && p.value() == value;
    }

    private OtlpReceiver receiver() throws Exception
    {
        final OtlpReceiver r = OtlpReceiver.start(0);
        closeables.add(r);
        return r;
    }

    @Test
    void exportsEachCounterAsASeriesWithItsLabelsAsAttributesAndFollowsTheCounters() throws Exception
    {
        final OtlpReceiver receiver = receiver();
        final EngineCounters counters = new EngineCounters();
        counters.dropped(EngineCounters.REASON_MALFORMED).getAndAddRelease(7);
        counters.dropped(EngineCounters.REASON_BACKPRESSURE).getAndAddRelease(2);
        counters.counter("tapio_ring_occupancy{ring=\"main\",stage=\"decode\"}").setRelease(3);
        counters.counter("tapio-not-a-metric_total").incrementRelease();
        final OtelSettings settings = OtelSettings.builder()
            .endpoint("http://127.0.0.1:" + receiver.port())
            .metricsEnabled(true)
            .metricsInterval(Duration.ofMillis(100))
            .exportTimeout(Duration.ofSeconds(2))
            .build();
        final OtelMetricsExporter metrics = OtelMetricsExporter.create(settings, counters, log).start();
        closeables.add(metrics);

        final Map<String, String> malformed = Map.of("reason", "malformed");
        await("the dropped counter arrives", () -> has(receiver, "tapio_events_dropped_total", malformed, 7));
        final Point dropped = latest(receiver, "tapio_events_dropped_total", malformed);
        assertTrue(dropped.monotonicCumulativeSum(), "a _total name is a monotonic cumulative sum: " + dropped);
        assertEquals(2, latest(receiver, "tapio_events_dropped_total", Map.of("reason", "backpressure")).value(),
            "one data point per label set, in one metric");
        final Point occupancy = latest(receiver, "tapio_ring_occupancy", Map.of("ring", "main", "stage", "decode"));
        assertNotNull(occupancy, "the gauge with both labels as attributes");
        assertTrue(occupancy.gauge() && occupancy.value() == 3, occupancy.toString());
        assertNull(latest(receiver, "tapio-not-a-metric_total", Map.of()), "an invalid series is not exported");
        assertEquals(1, counters.snapshot().get(OtelMetricsExporter.INVALID_SERIES), "but counted");
        final ResourceMetrics rm = receiver.metrics().get(0).getResourceMetrics(0);
        assertTrue(rm.getResource().getAttributesList().stream()
            .anyMatch(kv -> kv.getKey().equals("service.name") && kv.getValue().getStringValue().equals("tapio")), rm.getResource().toString());

        counters.dropped(EngineCounters.REASON_MALFORMED).getAndAddRelease(2);
        counters.counter("tapio_late_total{sink=\"file\"}").getAndAddRelease(5);
        await("the new value and a counter created after the start arrive",
            () -> has(receiver, "tapio_events_dropped_total", malformed, 9) &&
                has(receiver, "tapio_late_total", Map.of("sink", "file"), 5));
        await("accepted exports are counted (as the client sees the answer, after the receiver)",
            () -> counters.snapshot().get(OtelMetricsExporter.METRIC_EXPORTS) >= 2);
        assertEquals(0, metrics.failedExports(), logBytes.toString());
    }

    @Test
    void failedMetricExportsAreCountedAndReported() throws Exception
    {
        final int port = OtlpReceiver.freePort();
        final EngineCounters counters = new EngineCounters();
        final OtelSettings settings = OtelSettings.builder()
            .endpoint("http://127.0.0.1:" + port)
            .metricsEnabled(true)
            .metricsInterval(Duration.ofMillis(100))
            .exportTimeout(Duration.ofSeconds(1))
            .minBackoff(Duration.ofMillis(10))
            .maxBackoff(Duration.ofMillis(20))
            .build();
        final OtelMetricsExporter metrics = OtelMetricsExporter.create(settings, counters, log).start();
        closeables.add(metrics);
        await("exports to a port nobody listens on fail, counted", () -> metrics.failedExports() >= 2);
        assertEquals(0, metrics.exports());
        assertTrue(logBytes.toString().contains("metrics export to http://127.0.0.1:" + port + " failed"), logBytes.toString());
    }

    @Test
    void theTraceExporterSendsItsOwnCountsAsMetricsAndTheLastExportOnStopIsFinal() throws Exception
    {
        final OtlpReceiver receiver = receiver();
        final Path file = tmp.resolve("tapio.yaml");
        Files.writeString(file, String.join("\n",
            "journal:",
            "  enabled: true",
            "  dir: " + tmp.resolve("journal"),
            "otel:",
            "  enabled: true",
            "  endpoint: http://127.0.0.1:" + receiver.port(),
            "  metrics:",
            "    enabled: true",
            "    interval: 1h") + "\n", StandardCharsets.UTF_8);
        final TapioConfig config = TapioConfig.load(file);
        final JournaledScenario s = JournaledScenario.journal("interleaved-incidents", JournalSection.settings(config));
        final EngineCounters counters = new EngineCounters();
        final OtelExporter exporter = OtelExporter.create(JournalSection.settings(config), OtelSection.settings(config),
            counters, log).start();
        closeables.add(exporter);
        await("the spans arrive", () -> receiver.spans().size() >= s.groupSpans() && exporter.caughtUp());
        assertTrue(receiver.metrics().isEmpty(), "an hour's interval: nothing before the stop");

        assertTrue(exporter.stop(Duration.ofSeconds(5)));
        assertEquals(1, receiver.metrics().size(), "one export on stop");
        assertEquals(s.groupSpans(), latest(receiver, OtelExporter.SPANS_EXPORTED, Map.of()).value(),
            "the final span count");
        assertEquals(s.groups.size(), exporter.exportedGroups());
    }
}
