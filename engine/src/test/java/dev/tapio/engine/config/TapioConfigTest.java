package dev.tapio.engine.config;

import dev.tapio.engine.Engine;
import dev.tapio.engine.sink.FileSink;
import dev.tapio.engine.source.FileSource;
import dev.tapio.engine.source.SyntheticSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** tapio.yaml: the defaults load, and every mistake names the file, the line and the key. */
class TapioConfigTest
{
    @TempDir
    Path dir;

    private Path write(final String name, final String yaml) throws IOException
    {
        final Path p = dir.resolve(name);
        Files.writeString(p, yaml, StandardCharsets.UTF_8);
        return p;
    }

    /** Loads the YAML from a file and returns the message of the ConfigException it must raise. */
    private String error(final String yaml) throws IOException
    {
        final Path p = write("tapio.yaml", yaml);
        final ConfigException e = assertThrows(ConfigException.class, () -> TapioConfig.load(p), yaml);
        return e.getMessage();
    }

    private void assertError(final String yaml, final int line, final String key) throws IOException
    {
        final String message = error(yaml);
        final String where = dir.resolve("tapio.yaml") + ":" + line + ": " + key + ": ";
        assertTrue(message.startsWith(where), "expected \"" + where + "...\", got \"" + message + "\"");
    }

    @Test
    void theEmbeddedDefaultsLoad() throws Exception
    {
        final TapioConfig c = TapioConfig.defaults();
        assertEquals(TapioConfig.DEFAULTS_NAME, c.file());
        assertEquals(65_536, c.ringSize());
        assertEquals(512, c.slotSize());
        assertEquals(Duration.ofSeconds(1), c.statsInterval());
        assertEquals(1, c.sources().size());
        assertTrue(c.sources().get(0).source instanceof SyntheticSource);
        assertEquals("synthetic", c.sources().get(0).source.name());
        assertEquals(1, c.sinks().size());
        assertTrue(c.sinks().get(0) instanceof FileSink);
        assertEquals("file", c.sinks().get(0).name());
    }

    @Test
    void aFullConfigLoadsIntoAnEngine() throws Exception
    {
        final Path input = write("in.jsonl", "{\"type\":\"k8s.pod.running\"}\n");
        final Path p = write("full.yaml", String.join("\n",
            "node:",
            "  name: node-7",
            "engine:",
            "  ringSize: 1024",
            "  slotSize: 1KiB",
            "  threading: dedicated",
            "  waitStrategy: yielding",
            "  producers: multi",
            "  shutdownTimeout: 5s",
            "sources:",
            "  file/in:",
            "    path: " + input,
            "    backpressure: drop",
            "  synthetic:",
            "    rate: 200k/s",
            "    events: 10",
            "sinks:",
            "  discard:",
            "pipeline:",
            "  sources: [file/in]",
            "  sinks: [discard]",
            "stats:",
            "  interval: 250ms",
            ""));
        final TapioConfig c = TapioConfig.load(p);
        assertEquals(1024, c.ringSize());
        assertEquals(1024, c.slotSize());
        assertEquals(Duration.ofMillis(250), c.statsInterval());
        assertEquals(1, c.sources().size(), "only the sources the pipeline names run");
        assertTrue(c.sources().get(0).source instanceof FileSource);
        assertEquals(dev.tapio.engine.ring.BackpressurePolicy.DROP, c.sources().get(0).backpressure);
        final Engine engine = c.engineBuilder().build();
        assertEquals("node-7", engine.settings().nodeName());
        assertEquals(dev.tapio.engine.ThreadingMode.DEDICATED, engine.threadingMode());
        assertEquals(dev.tapio.engine.WaitStrategyKind.YIELDING, engine.settings().waitStrategy());
        assertEquals(Duration.ofSeconds(5), engine.settings().shutdownTimeout());
        assertTrue(!engine.singleProducer());
    }

    @Test
    void aRingSizeThatIsNotAPowerOfTwoIsRejected() throws Exception
    {
        assertError("engine:\n  ringSize: 1000\n", 2, "engine.ringSize");
        assertTrue(error("engine:\n  ringSize: 1000\n").contains("power of two"));
    }

    @Test
    void aSlotSizeWithAnUnknownUnitIsRejected() throws Exception
    {
        assertError("# sizes\nengine:\n  ringSize: 1024\n  slotSize: 12KB\n", 4, "engine.slotSize");
        assertTrue(error("engine:\n  slotSize: 12KB\n").contains("unknown size unit \"KB\""));
    }

    @Test
    void anUnknownThreadingModeIsRejected() throws Exception
    {
        assertError("engine:\n  threading: fast\n", 2, "engine.threading");
        assertTrue(error("engine:\n  threading: fast\n").contains("auto, shared, dedicated"));
    }

    @Test
    void aMisspelledKeyIsRejectedAsUnknown() throws Exception
    {
        assertError("engine:\n  ringSize: 1024\n  ringsize: 2048\n", 3, "engine.ringsize");
        assertTrue(error("engine:\n  ringsize: 2048\n").contains("unknown key"));
        assertError("engine:\n  ringSize: 1024\nengnie:\n  x: 1\n", 3, "engnie");
    }

    @Test
    void aPipelineNamingAnUndefinedSourceIsRejected() throws Exception
    {
        final String yaml = String.join("\n",
            "sources:",
            "  synthetic:",
            "    rate: 100/s",
            "pipeline:",
            "  sources: [synthetic, file/missing]",
            "");
        assertError(yaml, 5, "pipeline.sources");
        assertTrue(error(yaml).contains("\"file/missing\" is not defined under sources"));
    }

    @Test
    void aPipelineNamingAnUndefinedSinkInABlockListPointsAtThatItem() throws Exception
    {
        final String yaml = String.join("\n",
            "sinks:",
            "  discard:",
            "pipeline:",
            "  sinks:",
            "    - discard",
            "    - file/missing",
            "");
        assertError(yaml, 6, "pipeline.sinks");
    }

    @Test
    void anUnknownSourceTypeIsRejectedAtItsKey() throws Exception
    {
        final String yaml = String.join("\n",
            "sources:",
            "  synthetic:",
            "    rate: max",
            "  kafka:",
            "    brokers: localhost:9092",
            "    topic: events",
            "pipeline:",
            "  sources: [kafka]",
            "");
        assertError(yaml, 4, "sources.kafka");
        assertTrue(error(yaml).contains("unknown source type \"kafka\""));
    }

    @Test
    void invalidYamlIsRejectedWithItsLine() throws Exception
    {
        final String message = error("engine:\n  ringSize: 1024\n  slotSize: [512B\nstats:\n  interval: 1s\n");
        assertTrue(message.startsWith(dir.resolve("tapio.yaml") + ":"), message);
        assertTrue(message.contains("not valid YAML"), message);
        final String bad = error("engine:\n  ringSize: 1024\n slotSize: 512B\n");
        assertTrue(bad.startsWith(dir.resolve("tapio.yaml") + ":3: not valid YAML"), bad);
    }

    @Test
    void aFileSourceWithoutAPathIsRejectedAtItsSection() throws Exception
    {
        final String yaml = String.join("\n",
            "sources:",
            "  file/audit:",
            "    maxLineLength: 4KiB",
            "pipeline:",
            "  sources: [file/audit]",
            "");
        assertError(yaml, 2, "sources.file/audit.path");
        assertTrue(error(yaml).contains("required"));
        assertError("sources:\n  synthetic:\n  file/audit:\n", 3, "sources.file/audit.path");
    }

    @Test
    void anUnsetEnvironmentVariableWithoutDefaultIsRejected() throws Exception
    {
        final String yaml = "sinks:\n  file:\n    path: ${env:TAPIO_SURELY_UNSET_VAR}/out.jsonl\n";
        assertError(yaml, 3, "sinks.file.path");
        assertTrue(error(yaml).contains("TAPIO_SURELY_UNSET_VAR is not set and has no default"));
    }

    @Test
    void environmentVariablesAreSubstituted() throws Exception
    {
        final String home = System.getenv("HOME");
        assumeTrue(home != null && !home.isEmpty() && home.getBytes(StandardCharsets.UTF_8).length < 200);
        final TapioConfig c = TapioConfig.load(write("env.yaml",
            "node:\n  name: ${env:HOME}\nengine:\n  ringSize: 8\n"));
        assertEquals(home, c.engineBuilder().build().settings().nodeName());
        final TapioConfig mixed = TapioConfig.load(write("env2.yaml",
            "node:\n  name: n-${env:TAPIO_SURELY_UNSET_VAR:-fallback}-${env:HOME}\nengine:\n  ringSize: 8\n"));
        assertEquals("n-fallback-" + home, mixed.engineBuilder().build().settings().nodeName());
    }

    @Test
    void anUnreadableFileIsNamed()
    {
        final Path missing = dir.resolve("missing.yaml");
        final ConfigException e = assertThrows(ConfigException.class, () -> TapioConfig.load(missing));
        assertTrue(e.getMessage().startsWith(missing.toString()), e.getMessage());
    }

    @Test
    void eachSourceTakesRestartOptionsWithDefaults() throws Exception
    {
        final Path events = write("in.jsonl", "{\"type\":\"custom.x\"}\n");
        final TapioConfig c = TapioConfig.load(write("restart.yaml",
            "sources:\n" +
            "  synthetic/a:\n" +
            "    rate: max\n" +
            "  synthetic/b:\n" +
            "    restart:\n" +
            "      initialBackoff: 250ms\n" +
            "      maxBackoff: 30s\n" +
            "      multiplier: 3\n" +
            "      maxFailures: 7\n" +
            "      window: 1h\n" +
            "      unavailableRetry: 0s\n" +
            "      hangTimeout: 2m\n" +
            "  file:\n" +
            "    path: " + events + "\n" +
            "pipeline:\n" +
            "  sources: [synthetic/a, synthetic/b, file]\n"));
        final dev.tapio.engine.collect.RestartPolicy a = c.sources().get(0).restart;
        assertTrue(a.enabled());
        assertEquals(Duration.ofSeconds(1), a.initialBackoff());
        assertEquals(Duration.ofMinutes(1), a.maxBackoff());
        assertEquals(5, a.maxFailures());
        assertEquals(Duration.ofMinutes(10), a.window());
        assertEquals(Duration.ofMinutes(1), a.unavailableRetry());
        assertEquals(Duration.ZERO, a.hangTimeout());
        final dev.tapio.engine.collect.RestartPolicy b = c.sources().get(1).restart;
        assertEquals(Duration.ofMillis(250), b.initialBackoff());
        assertEquals(Duration.ofSeconds(30), b.maxBackoff());
        assertEquals(3.0, b.multiplier());
        assertEquals(7, b.maxFailures());
        assertEquals(Duration.ofHours(1), b.window());
        assertEquals(Duration.ZERO, b.unavailableRetry());
        assertEquals(Duration.ofMinutes(2), b.hangTimeout());
        assertEquals(750_000_000L, b.backoffNanos(2));
        assertEquals(30_000_000_000L, b.backoffNanos(20));
        assertTrue(!c.sources().get(2).restart.enabled(), "a file source is not re-read from its start by default");
    }

    @Test
    void badRestartOptionsNameTheirLineAndKey() throws Exception
    {
        assertError("sources:\n  synthetic:\n    restart:\n      maxfailures: 3\n", 4, "sources.synthetic.restart.maxfailures");
        assertError("sources:\n  synthetic:\n    restart:\n      initialBackoff: 2s\n      maxBackoff: 1s\n", 5,
            "sources.synthetic.restart.maxBackoff");
        assertError("sources:\n  synthetic:\n    restart:\n      multiplier: fast\n", 4, "sources.synthetic.restart.multiplier");
    }
}
