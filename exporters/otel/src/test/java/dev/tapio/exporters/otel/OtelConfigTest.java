package dev.tapio.exporters.otel;

import dev.tapio.engine.config.ConfigException;
import dev.tapio.engine.config.TapioConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The top-level otel: section through the engine's TapioConfig (found by ServiceLoader): defaults, values, errors. */
class OtelConfigTest
{
    @TempDir
    Path tmp;

    private Path write(final String... lines) throws IOException
    {
        final Path p = tmp.resolve("tapio.yaml");
        Files.writeString(p, String.join("\n", lines) + "\n", StandardCharsets.UTF_8);
        return p;
    }

    private void assertError(final int line, final String key, final String contains, final String... yaml) throws IOException
    {
        final Path p = write(yaml);
        final ConfigException e = assertThrows(ConfigException.class, () -> TapioConfig.load(p), String.join("\n", yaml));
        final String where = p + ":" + line + ": " + key + ": ";
        assertTrue(e.getMessage().startsWith(where) && e.getMessage().contains(contains),
            "expected \"" + where + "…" + contains + "…\", got \"" + e.getMessage() + "\"");
    }

    @Test
    void isOffByDefaultWithTheDocumentedDefaults() throws Exception
    {
        final OtelSettings s = OtelSection.settings(TapioConfig.defaults());
        assertFalse(s.enabled());
        assertEquals(OtelSettings.Protocol.GRPC, s.protocol());
        assertEquals("http://localhost:4317", s.endpoint());
        assertEquals(0.0, s.sampleUncorrelated());
        assertEquals("otel", s.tailerName());
        assertEquals(512, s.batchSpans());
        assertEquals(65_536, s.eventCache());
        assertEquals(Duration.ofSeconds(10), s.exportTimeout());
        assertEquals(Duration.ofSeconds(5), s.drainTimeout());
    }

    @Test
    void readsEveryKeyAndAddsNoSink() throws Exception
    {
        final TapioConfig c = TapioConfig.load(write(
            "journal:",
            "  enabled: true",
            "  dir: " + tmp.resolve("j"),
            "otel:",
            "  enabled: true",
            "  protocol: http",
            "  endpoint: https://collector.example:4318/v1/traces",
            "  sampleUncorrelated: 0.25",
            "  batchSpans: 100",
            "  eventCache: 1024",
            "  timeout: 3s",
            "  maxBackoff: 1s",
            "  drainTimeout: 2s"));
        final OtelSettings s = OtelSection.settings(c);
        assertTrue(s.enabled());
        assertEquals(OtelSettings.Protocol.HTTP, s.protocol());
        assertEquals("https://collector.example:4318/v1/traces", s.endpoint());
        assertEquals(0.25, s.sampleUncorrelated());
        assertEquals(100, s.batchSpans());
        assertEquals(1024, s.eventCache());
        assertEquals(Duration.ofSeconds(3), s.exportTimeout());
        assertEquals(Duration.ofSeconds(1), s.maxBackoff());
        assertEquals(Duration.ofSeconds(2), s.drainTimeout());
        assertEquals(1, c.sectionSinks().size(), "only the journal's sink: " + c.sectionSinks());
    }

    @Test
    void theHttpProtocolDefaultsToPort4318AndTheTracesPath() throws Exception
    {
        final OtelSettings s = OtelSection.settings(TapioConfig.load(write("otel:", "  protocol: http")));
        assertEquals("http://localhost:4318/v1/traces", s.endpoint());
    }

    @Test
    void rejectsBadValuesNamingFileLineAndKey() throws Exception
    {
        assertError(2, "otel.sampleUncorrelated", "between 0 and 1", "otel:", "  sampleUncorrelated: 1.5");
        assertError(2, "otel.sampleUncorrelated", "between 0 and 1", "otel:", "  sampleUncorrelated: half");
        assertError(2, "otel.protocol", "", "otel:", "  protocol: thrift");
        assertError(2, "otel.endpoint", "http://", "otel:", "  endpoint: collector:4317");
        assertError(2, "otel.endpotn", "unknown key", "otel:", "  endpotn: http://x:4317");
        assertError(2, "otel.enabled", "journal.enabled", "otel:", "  enabled: true");
    }

    @Test
    void theSectionIsFoundThroughServiceLoader()
    {
        final List<String> keys = java.util.ServiceLoader.load(dev.tapio.engine.spi.ConfigSection.class).stream()
            .map(p -> p.get().key()).toList();
        assertTrue(keys.contains("otel") && keys.contains("journal"), keys.toString());
    }
}
