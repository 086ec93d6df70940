package dev.tapio.tools;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tapio.tools.scenario.NamespaceWindowBaseline;
import dev.tapio.tools.scenario.ScenarioGroup;
import dev.tapio.tools.scenario.ScenarioSuite;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Function;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code tapio scenarios} over the committed suite: the engine itself against the labels (the issue's
 * ≥ 0.95 target), the baseline standing in for a weak correlator, and a correlator that returns the labels
 * themselves to check the plumbing end to end.
 */
class ScenariosCommandTest extends CapturedConsole
{
    private static final Path SUITE = Path.of(System.getProperty("basedir", ".")).toAbsolutePath()
        .resolve("../scenarios").normalize();
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;


    private int run(final ScenariosCommand command, final String... args)
    {
        return new CommandLine(command).execute(args);
    }

    /** The labels as a correlator: what a perfect one would return. */
    private static List<ScenarioGroup> oracle(final Path eventsFile)
    {
        try
        {
            return ScenarioSuite.loadScenario(eventsFile).expected();
        }
        catch (final IOException e)
        {
            throw new UncheckedIOException(e);
        }
    }

    @Test
    void printsARowPerScenarioAndAMicroAveragedTotal() throws Exception
    {
        assertEquals(0, run(new ScenariosCommand(new NamespaceWindowBaseline()), "--dir", SUITE.toString()),
            err.toString(StandardCharsets.UTF_8));
        final List<String> lines = out().lines().collect(Collectors.toList());
        final int scenarios = ScenarioSuite.load(SUITE).scenarios().size();
        assertEquals(2 + scenarios + 2, lines.size(), out());
        assertTrue(lines.get(0).contains("tapio") && lines.get(0).contains("baseline (namespace+5m)"), lines.get(0));
        assertTrue(lines.get(1).startsWith("scenario"), lines.get(1));
        assertTrue(lines.stream().anyMatch(l -> l.startsWith("pod-startup ")), out());
        assertTrue(lines.get(2 + scenarios).startsWith("total (micro)"), out());
        // The baseline scored as tapio and as itself: both halves of every row agree.
        for (final String l : lines.subList(2, 2 + scenarios + 1))
        {
            final String[] halves = l.split(" \\| ");
            assertEquals(3, halves.length, l);
            assertEquals(halves[1], halves[2], l);
        }
    }

    @Test
    void jsonLinesGiveCountsAndNullForUndefinedRatios() throws Exception
    {
        final Function<Path, List<ScenarioGroup>> oracle = ScenariosCommandTest::oracle;
        assertEquals(0, run(new ScenariosCommand().correlator(oracle), "--dir", SUITE.toString(), "--json"));
        final List<JsonNode> rows = out().lines().map(l ->
        {
            try
            {
                return JSON.readTree(l);
            }
            catch (final IOException e)
            {
                throw new UncheckedIOException(e);
            }
        }).collect(Collectors.toList());
        final JsonNode total = rows.get(rows.size() - 1);
        assertEquals("total", total.get("scenario").asText());
        for (final String m : new String[]{ "pairPrecision", "pairRecall", "groupPrecision", "groupRecall" })
        {
            assertEquals(1.0, total.at("/tapio/" + m).asDouble(), m);
        }
        assertTrue(total.at("/baseline/pairPrecision").asDouble() < 0.5, total.toString());
        final JsonNode noise = rows.stream().filter(r -> r.get("scenario").asText().equals("noise-only")).findFirst().get();
        assertEquals(0, noise.get("expectedGroups").asInt());
        assertTrue(noise.at("/tapio/pairPrecision").isNull(), noise.toString());
        assertEquals(0.0, noise.at("/baseline/pairPrecision").asDouble(), noise.toString());
        assertTrue(noise.at("/baseline/pairRecall").isNull(), noise.toString());
    }

    @Test
    void byDefaultScoresTheEngineAndItMeetsTheTargetOnEveryScenario() throws Exception
    {
        assertEquals(0, run(new ScenariosCommand(), "--dir", SUITE.toString(), "--json"), err.toString(StandardCharsets.UTF_8));
        final List<JsonNode> rows = new java.util.ArrayList<>();
        for (final String line : out().split("\n"))
        {
            rows.add(JSON.readTree(line));
        }
        assertEquals(ScenarioSuite.load(SUITE).scenarios().size() + 1, rows.size(), out());
        for (final JsonNode r : rows)
        {
            for (final String m : new String[] {"pairPrecision", "pairRecall", "groupPrecision", "groupRecall"})
            {
                final JsonNode v = r.at("/tapio/" + m);
                // null: nothing expected and nothing predicted (noise-only); anything else must reach 0.95
                assertTrue(v.isNull() || v.asDouble() >= 0.95, r.get("scenario") + " " + m + " = " + v);
            }
        }
        final JsonNode total = rows.get(rows.size() - 1);
        assertEquals("total", total.get("scenario").asText());
        assertTrue(total.at("/tapio/pairPrecision").asDouble() > total.at("/baseline/pairPrecision").asDouble(), total.toString());
    }

    @Test
    void diffListsMissedAndWrongGroups() throws Exception
    {
        assertEquals(0, run(new ScenariosCommand(new NamespaceWindowBaseline()), "--dir", SUITE.toString(), "--diff"));
        assertTrue(out().contains("oom-kill:\n  missed  oom-kill/complete[a3000004,a3000005,a3000006]"), out());
        assertTrue(out().contains("  wrong   namespace-window["), out());
    }

    @Test
    void aBadSuiteExitsWithTwoNamingTheFile() throws Exception
    {
        Files.writeString(dir.resolve("x.jsonl"), "{\"id\":\"1\",\"time\":\"2026-11-21T10:00:00Z\",\"type\":\"t\"}\n");
        Files.writeString(dir.resolve("x.expected.json"), "{\"description\":\"d\",\"groups\":[{]}");
        assertEquals(2, run(new ScenariosCommand(), "--dir", dir.toString()));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains(dir.resolve("x.expected.json") + ": malformed JSON"),
            err.toString(StandardCharsets.UTF_8));
        assertEquals(2, run(new ScenariosCommand(), "--dir", dir.resolve("missing").toString()));
    }

    @Test
    void aCorrelatorThatPutsAnEventInTwoGroupsFailsNamingTheScenario()
    {
        final Function<Path, List<ScenarioGroup>> bad = f -> List.of(ScenarioGroup.of("a", 0xa1000003L, 0xa1000005L),
            ScenarioGroup.of("b", 0xa1000005L, 0xa1000006L));
        assertEquals(1, run(new ScenariosCommand(bad), "--dir", SUITE.toString()));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("tapio scenarios: crash-loop: java.lang.IllegalArgumentException: event a1000005 is in two predicted groups"),
            err.toString(StandardCharsets.UTF_8));
    }
}
