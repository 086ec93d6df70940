package dev.tapio.exporters.prometheus;

import dev.tapio.codecs.EventDraft;
import dev.tapio.codecs.sbe.EventType;
import dev.tapio.codecs.sbe.Severity;
import dev.tapio.engine.Engine;
import dev.tapio.engine.ProducerMode;
import dev.tapio.engine.ring.BackpressurePolicy;
import dev.tapio.engine.sink.DiscardSink;
import dev.tapio.engine.spi.Publisher;
import dev.tapio.engine.spi.Source;
import dev.tapio.engine.spi.SourceContext;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A real engine, the exporter on loopback, scraped over HTTP: the counters, gauges and histogram it serves,
 * what promtool says about them, and the health endpoints.
 */
class PrometheusExporterTest
{
    private static final PrometheusSettings LOOPBACK = PrometheusSettings.builder().listen("127.0.0.1:0").build();

    static Engine engine(final EventTypeCounts types, final Source... sources)
    {
        final Engine.Builder b = Engine.builder().ringSize(1024).producers(ProducerMode.MULTI).nodeName("node-1")
            .sink(types).sink(new DiscardSink("discard")).sink(new LaneSink());
        for (final Source s : sources)
        {
            b.source(s);
        }
        return b.build().start();
    }

    /** Publishes n events, each of its own pod (container web): every third a warning pod restart, the others info pod-running events. */
    static void publish(final Engine engine, final int n)
    {
        final Publisher p = engine.publisher("host", BackpressurePolicy.BLOCK);
        final EventDraft d = new EventDraft();
        for (int i = 0; i < n; i++)
        {
            d.reset();
            d.timestamp = 1_700_000_000_000_000_000L + i;
            d.source = dev.tapio.codecs.sbe.Source.KUBERNETES;
            d.type = i % 3 == 0 ? EventType.K8S_POD_RESTARTED : EventType.K8S_POD_RUNNING;
            d.severity = i % 3 == 0 ? Severity.WARNING : Severity.INFO;
            d.text(EventDraft.NAMESPACE).set("shop");
            d.text(EventDraft.POD).set("web-" + i);
            d.text(EventDraft.CONTAINER).set("web");
            assertEquals(Publisher.ACCEPTED, p.publish(d));
        }
    }

    @Test
    void servesEveryEngineCounterAsAFamilyWithTheEventsByTypeAndTheLatencyHistogram() throws Exception
    {
        final EventTypeCounts types = new EventTypeCounts();
        try (Engine engine = engine(types); PrometheusExporter exporter = PrometheusExporter.start(LOOPBACK, engine, types))
        {
            final int n = 300;
            publish(engine, n);
            final String url = "http://127.0.0.1:" + exporter.port() + "/metrics";
            final String[] scrape = { "" };
            Http.await(() ->
            {
                scrape[0] = scrape(url);
                final Double count = Http.sample(scrape[0], "tapio_event_added_latency_seconds_count");
                final Double out = Http.sample(scrape[0], "tapio_events_out_total");
                return count != null && count == n && out != null && out == n;
            }, Duration.ofSeconds(10), () -> "the latency count and events out to reach " + n + " in\n" + scrape[0]);
            final String s = scrape[0];

            assertTrue(s.contains("# TYPE tapio_events_in_total counter\n"), s);
            assertTrue(s.contains("# HELP tapio_events_in_total Events offered by each source"), s);
            assertEquals(n, Http.sample(s, "tapio_events_in_total{source=\"host\",}"));
            assertEquals(n, Http.sample(s, "tapio_events_out_total"));
            assertTrue(s.contains("# TYPE tapio_events_dropped_total counter\n") ||
                !s.contains("tapio_events_dropped_total"), s);
            assertEquals(100, Http.sample(s, "tapio_events_by_type_total{severity=\"warning\",type=\"k8s.pod.restarted\",}"));
            assertEquals(200, Http.sample(s, "tapio_events_by_type_total{severity=\"info\",type=\"k8s.pod.running\",}"));
            assertEquals(100, Http.sample(s, "tapio_events_by_namespace_total{namespace=\"shop\",severity=\"warning\",}"));
            assertEquals(200, Http.sample(s, "tapio_events_by_namespace_total{namespace=\"shop\",severity=\"info\",}"));
            assertEquals(0, Http.sample(s, "tapio_events_namespace_overflow_total"));
            assertEquals(1024, Http.sample(s, "tapio_ring_capacity"));
            assertEquals(1, Http.sample(s, "tapio_ready"));

            assertTrue(s.contains("# TYPE tapio_event_added_latency_seconds histogram\n"), s);
            assertEquals(n, Http.sample(s, "tapio_event_added_latency_seconds_bucket{le=\"+Inf\",}"));
            double previous = 0;
            for (final double bound : EngineCollector.LATENCY_BOUNDS_SECONDS)
            {
                final Double v = Http.sample(s, "tapio_event_added_latency_seconds_bucket{le=\"" +
                    EngineCollector.le(bound) + "\",}");
                assertNotNull(v, "bucket " + bound);
                assertTrue(v >= previous, "buckets are cumulative");
                previous = v;
            }
            assertNotNull(Http.sample(s, "tapio_event_added_latency_seconds_bucket{le=\"0.0000025\",}"));
            assertNotNull(Http.sample(s, "tapio_event_added_latency_seconds_bucket{le=\"1\",}"));
            assertTrue(s.contains("# TYPE tapio_sink_added_latency_seconds histogram\n"), s);
            Http.await(() -> Double.valueOf(n).equals(Http.sample(scrape(url),
                "tapio_sink_added_latency_seconds_count{sink=\"lane\",}")), Duration.ofSeconds(10),
                () -> "the lane's latency count to reach " + n);
            // Stage durations: sequences 0, 64, 128, 192 and 256 of the 300 are sampled, in every stage.
            assertTrue(s.contains("# TYPE tapio_stage_duration_seconds histogram\n"), s);
            for (final String stage : new String[]{ "decode", "correlate", "enrich", "fanout" })
            {
                assertEquals(5, Http.sample(s, "tapio_stage_duration_seconds_count{stage=\"" + stage + "\",}"), stage);
                assertEquals(5, Http.sample(s, "tapio_stage_duration_seconds_bucket{stage=\"" + stage + "\",le=\"1\",}"), stage);
                assertNotNull(Http.sample(s, "tapio_stage_duration_seconds_bucket{stage=\"" + stage + "\",le=\"0.0000001\",}"));
            }
            final double sum = Http.sample(s, "tapio_event_added_latency_seconds_sum");
            assertTrue(sum > 0 && sum < n * 10.0, "sum in seconds: " + sum);
        }
    }

    @Test
    void promtoolFindsNothingToLintInARealScrape() throws Exception
    {
        Promtool.assumeInstalled();
        final EventTypeCounts types = new EventTypeCounts();
        try (Engine engine = engine(types); PrometheusExporter exporter = PrometheusExporter.start(LOOPBACK, engine, types))
        {
            publish(engine, 50);
            engine.counters().dropped("backpressure").increment();
            engine.counters().counter("tapio_bridge_circuit_state").set(1);
            final String url = "http://127.0.0.1:" + exporter.port() + "/metrics";
            Http.await(() -> engine.counters().totalOut() == 50, Duration.ofSeconds(10), () -> "50 events out");
            final String s = scrape(url);
            assertTrue(s.contains("# TYPE tapio_bridge_circuit_state gauge\n"), "a name without _total is a gauge:\n" + s);
            final String[] lint = Promtool.checkMetrics(s);
            assertEquals("", lint[0], "promtool check metrics over:\n" + s);
            assertEquals("0", lint[1]);
        }
    }

    @Test
    void servesOpenMetricsWhenAskedWithCountersNamedWithoutTotal() throws Exception
    {
        final EventTypeCounts types = new EventTypeCounts();
        try (Engine engine = engine(types); PrometheusExporter exporter = PrometheusExporter.start(LOOPBACK, engine, types))
        {
            publish(engine, 10);
            Http.await(() -> engine.counters().totalOut() == 10, Duration.ofSeconds(10), () -> "10 events out");
            final HttpResponse<String> r = Http.get("http://127.0.0.1:" + exporter.port() + "/metrics",
                "application/openmetrics-text; version=1.0.0; charset=utf-8");
            assertEquals(200, r.statusCode());
            assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("application/openmetrics-text"));
            final String s = r.body();
            assertTrue(s.contains("# TYPE tapio_events_in counter\n"), s);
            assertTrue(s.contains("tapio_events_in_total{source=\"host\"} 10.0\n"), s);
            assertTrue(s.contains("# UNIT tapio_event_added_latency_seconds seconds\n"), s);
            assertTrue(s.endsWith("# EOF\n"), s);
        }
    }

    /** What a test source does when run. */
    interface Run
    {
        void run(SourceContext context) throws Exception;
    }

    /** A source named {@code name} of family {@code origin} whose run is {@code run}. */
    private static Source source(final String name, final dev.tapio.codecs.sbe.Source origin, final Run run)
    {
        return new Source()
        {
            @Override
            public String name()
            {
                return name;
            }

            @Override
            public dev.tapio.codecs.sbe.Source origin()
            {
                return origin;
            }

            @Override
            public void run(final SourceContext context) throws Exception
            {
                run.run(context);
            }
        };
    }

    @Test
    void healthzIsUpAndReadyzNamesAFailedSource() throws Exception
    {
        final Source failing = source("broken", dev.tapio.codecs.sbe.Source.FILE, context ->
        {
            throw new java.io.IOException("no such file");
        });
        final EventTypeCounts types = new EventTypeCounts();
        try (Engine engine = engine(types, failing);
            PrometheusExporter exporter = PrometheusExporter.start(LOOPBACK, engine, types))
        {
            final String base = "http://127.0.0.1:" + exporter.port();
            final HttpResponse<String> health = Http.get(base + "/healthz");
            assertEquals(200, health.statusCode());
            assertEquals("ok\n", health.body());
            Http.await(engine::sourcesFinished, Duration.ofSeconds(10), () -> "the source to fail");
            final HttpResponse<String> ready = Http.get(base + "/readyz");
            assertEquals(503, ready.statusCode());
            assertTrue(ready.body().startsWith("source broken failed: "), ready.body());
            final String s = scrape(base + "/metrics");
            assertEquals(0, Http.sample(s, "tapio_ready"));
            assertEquals(1, Http.sample(s, "tapio_source_state{source=\"broken\",state=\"failed\",}"));
            assertEquals(0, Http.sample(s, "tapio_source_state{source=\"broken\",state=\"running\",}"));
            assertEquals(1, Http.sample(s, "tapio_collector_health{collector=\"broken\",state=\"failed\",}"));
            assertEquals(0, Http.sample(s, "tapio_collector_health{collector=\"broken\",state=\"healthy\",}"));
        }
    }

    @Test
    void anUnavailableCollectorIsOnReadyzWithItsReasonAndARestartedOneIsCounted() throws Exception
    {
        final Source unavailable = source("kernel", dev.tapio.codecs.sbe.Source.KERNEL, context ->
        {
            throw new dev.tapio.engine.spi.SourceUnavailableException("needs CAP_BPF and CAP_PERFMON (run as root)");
        });
        final java.util.concurrent.atomic.AtomicInteger runs = new java.util.concurrent.atomic.AtomicInteger();
        final Source flaky = source("flaky", dev.tapio.codecs.sbe.Source.SYSTEMD, context ->
        {
            if (runs.incrementAndGet() < 3)
            {
                throw new java.io.IOException("bus connection lost");
            }
        });
        final dev.tapio.engine.collect.RestartPolicy policy = dev.tapio.engine.collect.RestartPolicy.builder()
            .initialBackoff(Duration.ofMillis(1)).build();
        final EventTypeCounts types = new EventTypeCounts();
        try (Engine engine = Engine.builder().ringSize(1024).producers(ProducerMode.MULTI)
                .errorStream(new java.io.PrintStream(java.io.OutputStream.nullOutputStream()))
                .source(unavailable, BackpressurePolicy.BLOCK, policy)
                .source(flaky, BackpressurePolicy.BLOCK, policy)
                .sink(types).build().start();
            PrometheusExporter exporter = PrometheusExporter.start(LOOPBACK, engine, types))
        {
            final String base = "http://127.0.0.1:" + exporter.port();
            Http.await(engine::sourcesFinished, Duration.ofSeconds(10), () -> "the sources to settle");
            final HttpResponse<String> ready = Http.get(base + "/readyz");
            assertEquals(503, ready.statusCode());
            assertEquals("source kernel failed: needs CAP_BPF and CAP_PERFMON (run as root)\n", ready.body());
            final String s = scrape(base + "/metrics");
            assertEquals(1, Http.sample(s, "tapio_collector_health{collector=\"kernel\",state=\"unavailable\",}"));
            assertEquals(0, Http.sample(s, "tapio_collector_health{collector=\"kernel\",state=\"failed\",}"));
            assertEquals(1, Http.sample(s, "tapio_collector_health{collector=\"flaky\",state=\"done\",}"));
            assertEquals(2, Http.sample(s, "tapio_collector_restarts_total{collector=\"flaky\",}"));
            assertEquals(0, Http.sample(s, "tapio_collector_restarts_total{collector=\"kernel\",}"));
            assertEquals(2, Http.sample(s, "tapio_source_errors_total{source=\"flaky\",}"));
        }
    }

    @Test
    void readyzTurns503WhenTheRingStallsAndBackTo200WhenItMoves() throws Exception
    {
        final java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        final java.util.concurrent.CountDownLatch held = new java.util.concurrent.CountDownLatch(1);
        final dev.tapio.engine.spi.Sink holding = new dev.tapio.engine.spi.Sink()
        {
            @Override
            public String name()
            {
                return "holding";
            }

            @Override
            public void onEvent(final dev.tapio.engine.spi.EventView event) throws Exception
            {
                held.countDown();
                release.await();
            }
        };
        final long[] now = { 0 };
        final PrometheusSettings settings = PrometheusSettings.builder().listen("127.0.0.1:0")
            .stallTimeout(Duration.ofSeconds(10)).build();
        final Engine engine = Engine.builder().ringSize(1024).producers(ProducerMode.MULTI).sink(holding).build().start();
        try (PrometheusExporter exporter = PrometheusExporter.start(settings, engine, null, () -> now[0]))
        {
            final String base = "http://127.0.0.1:" + exporter.port();
            publish(engine, 20);
            assertTrue(held.await(10, java.util.concurrent.TimeUnit.SECONDS), "fan-out reached the holding sink");
            assertEquals(200, Http.get(base + "/readyz").statusCode(), "events waiting: the wait starts now");
            now[0] += Duration.ofSeconds(9).toNanos();
            assertEquals(200, Http.get(base + "/readyz").statusCode(), "not yet the stall timeout");
            now[0] += Duration.ofSeconds(1).toNanos();
            final HttpResponse<String> stalled = Http.get(base + "/readyz");
            assertEquals(503, stalled.statusCode());
            assertTrue(stalled.body().startsWith("ring stalled: 20 events waiting and none delivered for 10000 ms"),
                stalled.body());
            final String s = scrape(base + "/metrics");
            assertEquals(1, Http.sample(s, "tapio_ring_stalled"));
            assertEquals(20, Http.sample(s, "tapio_ring_occupancy"));

            release.countDown();
            Http.await(() -> engine.counters().totalOut() == 20, Duration.ofSeconds(10), () -> "20 events out");
            assertEquals(200, Http.get(base + "/readyz").statusCode(), "delivery ends the stall");
        }
        finally
        {
            release.countDown();
            engine.stop();
        }
    }

    @Test
    void readyzAnswers200ForAHealthyEngine() throws Exception
    {
        final EventTypeCounts types = new EventTypeCounts();
        try (Engine engine = engine(types); PrometheusExporter exporter = PrometheusExporter.start(LOOPBACK, engine, types))
        {
            final HttpResponse<String> ready = Http.get("http://127.0.0.1:" + exporter.port() + "/readyz");
            assertEquals(200, ready.statusCode());
            assertEquals("ready\n", ready.body());
        }
    }

    @Test
    void aTakenPortFailsToStartWithTheAddressInTheMessage() throws Exception
    {
        final EventTypeCounts types = new EventTypeCounts();
        try (Engine engine = engine(types); PrometheusExporter first = PrometheusExporter.start(LOOPBACK, engine, types))
        {
            final PrometheusSettings same = PrometheusSettings.builder().listen("127.0.0.1:" + first.port()).build();
            final java.io.IOException e = org.junit.jupiter.api.Assertions.assertThrows(java.io.IOException.class,
                () -> PrometheusExporter.start(same, engine, types));
            assertTrue(e.getMessage().startsWith("prometheus: cannot listen on 127.0.0.1:" + first.port() + ": "),
                e.getMessage());
        }
    }

    /** A sink on a thread of its own, so the engine has a per-sink latency recorder. */
    static final class LaneSink implements dev.tapio.engine.spi.Sink
    {
        @Override
        public String name()
        {
            return "lane";
        }

        @Override
        public boolean dedicatedThread()
        {
            return true;
        }

        @Override
        public void onEvent(final dev.tapio.engine.spi.EventView event)
        {
        }
    }

    static String scrape(final String url)
    {
        try
        {
            final HttpResponse<String> r = Http.get(url);
            assertEquals(200, r.statusCode());
            return r.body();
        }
        catch (final java.io.IOException e)
        {
            throw new java.io.UncheckedIOException(e);
        }
        catch (final InterruptedException e)
        {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
