package dev.tapio.tools;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code tapio rules alerts} writes a rule file Prometheus accepts ({@code promtool check rules}) whose
 * pattern alerts fire when a group of that pattern completes ({@code promtool test rules} over a
 * synthetic series), and names bad input.
 */
class RulesAlertsTest extends CapturedConsole
{
    private static final Path PROMTOOL = Path.of("/usr/bin/promtool");

    @TempDir
    Path dir;

    @Test
    void writesOneAlertPerPatternAndTheNodeHealthAlertsThatPromtoolAccepts() throws Exception
    {
        final Path rules = dir.resolve("tapio-alerts.yaml");
        assertEquals(0, TapioCli.execute("rules", "alerts", "--output", rules.toString()), err());
        final String text = Files.readString(rules);
        for (final String alert : new String[]{ "TapioCascadeFailure", "TapioOomKill", "TapioNodePressure", "TapioCrashLoop",
            "TapioPodStartup", "TapioNetworkDegradation", "TapioEventsDropped", "TapioSourceFailed", "TapioCollectorRestarting", "TapioNotReady",
            "TapioKernelRecordsLost", "TapioJournalAppendFailures", "TapioJournalTailerStuck", "TapioWebhookDeadLetters", "TapioWebhookEndpointGone", "TapioOtlpExportFailing", "TapioBridgeCircuitOpen", "TapioAddedLatencyHigh" })
        {
            assertTrue(text.contains("alert: " + alert + "\n"), alert + " in\n" + text);
        }
        assertTrue(text.contains("tapio_correlation_pattern_groups_total{pattern=\"crash-loop\""), text);
        assertTrue(err().contains("6 pattern alerts and 12 health alerts"), err());

        Assumptions.assumeTrue(Files.isExecutable(PROMTOOL), "promtool not installed (Debian: apt-get install prometheus)");
        final String check = run(PROMTOOL.toString(), "check", "rules", rules.toString());
        assertTrue(check.contains("SUCCESS: 18 rules found"), check);

        // A crash loop completes at minute 2: the alert fires (for: 0m) with the pattern's labels and its
        // annotations rendered, and not before.
        final java.util.Map<String, Object> expected = expectedAlert(alert(rules, "TapioCrashLoop"),
            java.util.Map.of("instance", "n1", "job", "tapio"), java.util.Map.of("{{ $value | humanize }}", "1"));
        final java.util.Map<String, Object> unitTest = new java.util.LinkedHashMap<>();
        unitTest.put("interval", "1m");
        unitTest.put("input_series", java.util.List.of(java.util.Map.of(
            "series", "tapio_correlation_pattern_groups_total{pattern=\"crash-loop\",status=\"complete\",instance=\"n1\",job=\"tapio\"}",
            "values", "0 0 1 1 1 1 1 1 1 1")));
        unitTest.put("alert_rule_test", java.util.List.of(
            java.util.Map.of("eval_time", "1m", "alertname", "TapioCrashLoop", "exp_alerts", java.util.List.of()),
            java.util.Map.of("eval_time", "3m", "alertname", "TapioCrashLoop", "exp_alerts", java.util.List.of(expected))));

        // A tailer with records to deliver that never acked: pending once 5 minutes passed, firing 5 minutes
        // later; a caught-up tailer never.
        final java.util.Map<String, Object> stuckExpected = expectedAlert(alert(rules, "TapioJournalTailerStuck"),
            java.util.Map.of("instance", "n1", "job", "tapio", "tailer", "otel"), java.util.Map.of());
        final java.util.Map<String, Object> stuckTest = new java.util.LinkedHashMap<>();
        stuckTest.put("interval", "1m");
        stuckTest.put("input_series", java.util.List.of(
            java.util.Map.of("series", "tapio_journal_tailer_lag_records{tailer=\"otel\",instance=\"n1\",job=\"tapio\"}",
                "values", "10x15"),
            java.util.Map.of("series", "tapio_journal_tailer_acked_timestamp_seconds{tailer=\"otel\",instance=\"n1\",job=\"tapio\"}",
                "values", "0x15"),
            java.util.Map.of("series", "tapio_journal_tailer_lag_records{tailer=\"bridge\",instance=\"n1\",job=\"tapio\"}",
                "values", "0x15"),
            java.util.Map.of("series", "tapio_journal_tailer_acked_timestamp_seconds{tailer=\"bridge\",instance=\"n1\",job=\"tapio\"}",
                "values", "0x15")));
        stuckTest.put("alert_rule_test", java.util.List.of(
            java.util.Map.of("eval_time", "8m", "alertname", "TapioJournalTailerStuck", "exp_alerts", java.util.List.of()),
            java.util.Map.of("eval_time", "12m", "alertname", "TapioJournalTailerStuck", "exp_alerts", java.util.List.of(stuckExpected))));

        final java.util.Map<String, Object> file = new java.util.LinkedHashMap<>();
        file.put("rule_files", java.util.List.of(rules.getFileName().toString()));
        file.put("evaluation_interval", "1m");
        file.put("tests", java.util.List.of(unitTest, stuckTest));
        final Path test = dir.resolve("test.yaml");
        Files.writeString(test, new org.yaml.snakeyaml.Yaml().dump(file));
        final String result = run(PROMTOOL.toString(), "test", "rules", test.toString());
        assertTrue(result.contains("SUCCESS"), result);
    }

    @Test
    void aBadRulesFileOrWindowExitsWithTwoNamingIt() throws Exception
    {
        final Path bad = dir.resolve("rules.yaml");
        Files.writeString(bad, "patterns:\n  - name: x\n    frobnicate: 1\n");
        assertEquals(2, TapioCli.execute("rules", "alerts", "--rules", bad.toString()));
        assertTrue(err().contains(bad.toString()), err());
        assertEquals(2, TapioCli.execute("rules", "alerts", "--window", "five minutes"));
        assertTrue(err().contains("--window"), err());
    }

    /**
     * What promtool should see for a firing {@code rule}: its labels plus the series' {@code labels}, and its
     * annotations with each {@code {{ $labels.x }}} and each other template in {@code values} rendered.
     */
    @SuppressWarnings("unchecked")
    private static java.util.Map<String, Object> expectedAlert(final java.util.Map<String, Object> rule,
        final java.util.Map<String, String> labels, final java.util.Map<String, String> values)
    {
        final java.util.Map<String, Object> l = new java.util.LinkedHashMap<>((java.util.Map<String, Object>)rule.get("labels"));
        l.putAll(labels);
        final java.util.Map<String, String> annotations = new java.util.LinkedHashMap<>((java.util.Map<String, String>)rule.get("annotations"));
        annotations.replaceAll((k, v) ->
        {
            String text = v;
            for (final java.util.Map.Entry<String, String> e : labels.entrySet())
            {
                text = text.replace("{{ $labels." + e.getKey() + " }}", e.getValue());
            }
            for (final java.util.Map.Entry<String, String> e : values.entrySet())
            {
                text = text.replace(e.getKey(), e.getValue());
            }
            return text;
        });
        final java.util.Map<String, Object> expected = new java.util.LinkedHashMap<>();
        expected.put("exp_labels", l);
        expected.put("exp_annotations", annotations);
        return expected;
    }

    @SuppressWarnings("unchecked")
    private static java.util.Map<String, Object> alert(final Path rules, final String name) throws Exception
    {
        final java.util.Map<String, Object> file = new org.yaml.snakeyaml.Yaml().load(Files.readString(rules));
        for (final Object g : (java.util.List<Object>)file.get("groups"))
        {
            for (final Object r : (java.util.List<Object>)((java.util.Map<String, Object>)g).get("rules"))
            {
                if (name.equals(((java.util.Map<String, Object>)r).get("alert")))
                {
                    return (java.util.Map<String, Object>)r;
                }
            }
        }
        throw new AssertionError("no " + name + " in " + rules);
    }

    private String run(final String... command) throws Exception
    {
        final Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        final String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "promtool did not finish");
        assertEquals(0, p.exitValue(), String.join(" ", command) + ":\n" + out);
        return out;
    }
}
