package dev.tapio.exporters.prometheus;

import dev.tapio.engine.Engine;
import dev.tapio.engine.config.ConfigException;
import dev.tapio.engine.config.TapioConfig;
import dev.tapio.engine.spi.Sink;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The top-level prometheus: section through the engine's TapioConfig (the ConfigSection SPI). */
class PrometheusSectionTest
{
    @TempDir
    Path tmp;

    private Path write(final String yaml) throws IOException
    {
        final Path p = tmp.resolve("tapio.yaml");
        Files.writeString(p, yaml);
        return p;
    }

    private void assertError(final String yaml, final int line, final String key, final String contains) throws IOException
    {
        final Path p = write(yaml);
        final ConfigException e = assertThrows(ConfigException.class, () -> TapioConfig.load(p), yaml);
        final String where = p + ":" + line + ": " + key + ": ";
        assertTrue(e.getMessage().startsWith(where) && e.getMessage().contains(contains),
            "expected \"" + where + "…" + contains + "…\", got \"" + e.getMessage() + "\"");
    }

    @Test
    void offByDefaultWithTheDocumentedDefaults() throws Exception
    {
        final TapioConfig c = TapioConfig.defaults();
        final PrometheusSettings s = PrometheusSection.settings(c);
        assertFalse(s.enabled());
        assertEquals("0.0.0.0", s.host());
        assertEquals(9464, s.port());
        assertEquals(Duration.ofSeconds(10), s.stallTimeout());
        assertTrue(s.eventsByType());
        assertTrue(c.sectionSinks().stream().noneMatch(x -> x instanceof EventTypeCounts));
    }

    @Test
    void anEnabledSectionAddsTheEventCountingSinkAndReadsItsKeys() throws Exception
    {
        final TapioConfig c = TapioConfig.load(write(String.join("\n",
            "prometheus:",
            "  enabled: true",
            "  listen: '[::1]:9100'",
            "  stallTimeout: 30s",
            "")));
        final PrometheusSettings s = PrometheusSection.settings(c);
        assertTrue(s.enabled());
        assertEquals("::1", s.host());
        assertEquals(9100, s.port());
        assertEquals("[::1]:9100", s.listen());
        assertEquals(Duration.ofSeconds(30), s.stallTimeout());
        final List<Sink> sinks = c.sectionSinks();
        assertEquals(1, sinks.stream().filter(x -> x instanceof EventTypeCounts).count());
        assertEquals(EventTypeCounts.NAME, sinks.stream().filter(x -> x instanceof EventTypeCounts).findFirst()
            .orElseThrow().name());
    }

    @Test
    void eventsByTypeFalseAddsNoSink() throws Exception
    {
        final TapioConfig c = TapioConfig.load(write("prometheus: { enabled: true, eventsByType: false }\n"));
        assertTrue(c.sectionSinks().stream().noneMatch(x -> x instanceof EventTypeCounts));
    }

    @Test
    void badValuesAndUnknownKeysNameFileLineAndKey() throws Exception
    {
        assertError("prometheus:\n  enabled: true\n  listen: 127.0.0.1:70000\n", 3, "prometheus.listen", "out of range 0..65535");
        assertError("prometheus:\n  listen: nowhere\n", 2, "prometheus.listen", "expected host:port");
        assertError("prometheus:\n  listen: ::1:9464\n", 2, "prometheus.listen", "brackets");
        assertError("prometheus:\n  enabled: yes please\n", 2, "prometheus.enabled", "expected true or false");
        assertError("prometheus:\n  stallTimeout: 1ms\n", 2, "prometheus.stallTimeout", "between 100ms and 1h");
        assertError("prometheus:\n  port: 9464\n", 2, "prometheus.port", "unknown key");
    }

    @Test
    void startServesTheEngineBuiltFromTheConfigAndNothingWhenDisabled() throws Exception
    {
        final TapioConfig off = TapioConfig.load(write("prometheus: { enabled: false }\n"));
        try (Engine engine = off.settingsBuilder().build().start())
        {
            assertNull(PrometheusSection.start(off, engine));
        }
        final TapioConfig on = TapioConfig.load(write(String.join("\n",
            "prometheus: { enabled: true, listen: '127.0.0.1:0' }",
            "sources: { synthetic: { rate: 2000/s } }",
            "sinks: { discard: {} }",
            "pipeline: { sources: [synthetic], sinks: [discard] }",
            "")));
        try (Engine engine = on.engineBuilder().build().start();
            PrometheusExporter exporter = PrometheusSection.start(on, engine))
        {
            assertInstanceOf(PrometheusExporter.class, exporter);
            final String url = "http://127.0.0.1:" + exporter.port() + "/metrics";
            final String[] s = { "" };
            Http.await(() ->
            {
                s[0] = PrometheusExporterTest.scrape(url);
                final Double byType = Http.sample(s[0], "tapio_events_by_type_total{severity=\"info\",type=\"k8s.pod.running\",}");
                return byType != null && byType > 0;
            }, Duration.ofSeconds(10), () -> "synthetic events counted by type in\n" + s[0]);
            assertEquals(1, Http.sample(s[0], "tapio_source_state{source=\"synthetic\",state=\"running\",}"));
            final HttpResponse<String> ready = Http.get("http://127.0.0.1:" + exporter.port() + "/readyz");
            assertEquals(200, ready.statusCode());
        }
    }
}
