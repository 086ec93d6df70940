package dev.tapio.journal;

import dev.tapio.engine.Engine;
import dev.tapio.engine.config.ConfigException;
import dev.tapio.engine.config.TapioConfig;
import dev.tapio.engine.spi.Sink;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The top-level journal: section and the journal sink type, through the engine's TapioConfig. */
class JournalConfigTest
{
    @TempDir
    Path tmp;

    private Path write(final String yaml) throws IOException
    {
        final Path p = tmp.resolve("tapio.yaml");
        Files.writeString(p, yaml, StandardCharsets.UTF_8);
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
    void theJournalIsOffByDefaultAndItsDefaultsAreDocumentedOnes() throws Exception
    {
        final TapioConfig c = TapioConfig.defaults();
        assertEquals(List.of(), c.sectionSinks());
        final JournalSettings s = JournalSection.settings(c);
        assertEquals(JournalSettings.DEFAULT_DIR, s.dir());
        assertEquals("hourly", s.rollCycleName());
        assertEquals(Duration.ofHours(24), s.retention());
        assertEquals(10L << 30, s.maxDiskBytes());
        assertEquals(256L << 20, s.minFreeDiskBytes());
        assertNull(s.syncInterval());
    }

    @Test
    void anEnabledSectionAddsAJournalSinkWithItsSettings() throws Exception
    {
        final Path journalDir = tmp.resolve("j");
        final TapioConfig c = TapioConfig.load(write(String.join("\n",
            "journal:",
            "  enabled: true",
            "  dir: " + journalDir,
            "  rollCycle: daily",
            "  retention: 72h",
            "  maxDisk: 2GiB",
            "  minFreeDisk: 64MiB",
            "  sync: 100ms",
            "")));
        final List<Sink> sinks = c.sectionSinks();
        assertEquals(1, sinks.size());
        final JournalSettings s = ((JournalSink)sinks.get(0)).settings();
        assertEquals(journalDir, s.dir());
        assertEquals("daily", s.rollCycleName());
        assertEquals(Duration.ofHours(72), s.retention());
        assertEquals(2L << 30, s.maxDiskBytes());
        assertEquals(64L << 20, s.minFreeDiskBytes());
        assertEquals(Duration.ofMillis(100), s.syncInterval());
        assertTrue(JournalSection.enabled(c));
        assertEquals(s.toString(), JournalSection.settings(c).toString());
    }

    @Test
    void noneTurnsOffRetentionAndTheDiskCap() throws Exception
    {
        final TapioConfig c = TapioConfig.load(write("journal:\n  retention: none\n  maxDisk: none\n  sync: none\n"));
        final JournalSettings s = JournalSection.settings(c);
        assertNull(s.retention());
        assertEquals(0, s.maxDiskBytes());
    }

    @Test
    void mistakesNameFileLineAndKey() throws Exception
    {
        assertError("journal:\n  rollCycle: fortnightly\n", 2, "journal.rollCycle", "hourly");
        assertError("journal:\n  enabled: true\n  retnetion: 2h\n", 3, "journal.retnetion", "unknown key");
        assertError("journal:\n  retention: 2 days\n", 2, "journal.retention", "unit");
        assertError("journal:\n  retention: 30s\n", 2, "journal.retention", "at least 1m");
        assertError("journal:\n  maxDisk: 12 parsecs\n", 2, "journal.maxDisk", "size");
        assertError("journal:\n  sync: 10us\n", 2, "journal.sync", "at least 1ms");
        assertError("journal:\n  sync: sometimes\n", 2, "journal.sync", "duration");
        assertError("journal:\n  blockSize: 1000\n", 2, "journal.blockSize", "power of two");
        assertError("journal:\n  enabled: yes please\n", 2, "journal.enabled", "true or false");
        final Path file = Files.writeString(tmp.resolve("not-a-dir"), "x");
        assertError("journal:\n  enabled: true\n  dir: " + file + "/journal\n", 3, "journal.dir", "not a directory");
        assertError("sinks:\n  journal/audit:\n    dir: " + file + "/j\npipeline:\n  sinks: [journal/audit]\n", 3,
            "sinks.journal/audit.dir", "cannot create or write");
    }

    @Test
    void theEngineJournalsEveryEventAndCountsItBesideItsOwnCounters() throws Exception
    {
        final Path journalDir = tmp.resolve("journal");
        final TapioConfig c = TapioConfig.load(write(String.join("\n",
            "sources:",
            "  synthetic:",
            "    rate: max",
            "    events: 20000",
            "sinks:",
            "  discard:",
            "pipeline:",
            "  sources: [synthetic]",
            "  sinks: [discard]",
            "journal:",
            "  enabled: true",
            "  dir: " + journalDir,
            "  minFreeDisk: 0B",
            "")));
        final Engine engine = c.engineBuilder().build().start();
        assertTrue(engine.awaitSources(Duration.ofSeconds(60)));
        engine.stop();
        final Map<String, Long> counters = engine.counters().snapshot();
        final long out = counters.get("tapio_events_out_total");
        assertEquals(20_000, out);
        final long appended = counters.get(JournalCounters.APPENDED);
        assertTrue(appended >= out, "every event journaled (plus any group records): " + appended);
        assertEquals(0L, counters.get(JournalCounters.failureLabel(JournalCounters.REASON_DISK_FULL)));

        long events = 0;
        long total = 0;
        try (JournalTailer t = JournalTailer.open(JournalSection.settings(c), "check"))
        {
            final long[] n = new long[2];
            while (t.poll((index, template, b, o, l) -> n[template == JournalRecords.EVENT ? 0 : 1]++, 4096) > 0)
            {
                // drain
            }
            events = n[0];
            total = n[0] + n[1];
        }
        assertEquals(out, events);
        assertEquals(appended, total);
    }

    @Test
    void theJournalSinkTypeWorksUnderSinksToo() throws Exception
    {
        final TapioConfig c = TapioConfig.load(write(String.join("\n",
            "sinks:",
            "  journal/audit:",
            "    dir: " + tmp.resolve("audit"),
            "    rollCycle: minutely",
            "pipeline:",
            "  sinks: [journal/audit]",
            "")));
        assertEquals(1, c.sinks().size());
        assertEquals("journal/audit", c.sinks().get(0).name());
        assertEquals("minutely", ((JournalSink)c.sinks().get(0)).settings().rollCycleName());
    }
}
