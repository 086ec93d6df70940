package dev.tapio.tools.scenario;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The committed suite (scenarios/ at the repository root) is well formed, and its labels agree with a
 * second, independent derivation: {@link ReferenceCorrelator}, a plain reading of docs/CORRELATION.md,
 * under both readings of the points the document leaves open.
 */
class SuiteLabelsTest
{
    static final Path SUITE = Path.of(System.getProperty("basedir", ".")).toAbsolutePath().resolve("../scenarios").normalize();
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Checked with plain Jackson, not the suite loader, so a loader bug cannot hide a bad file. */
    @Test
    void everyExpectedFileReferencesOnlyEventsOfItsScenarioAndEveryIdIsUnique() throws IOException
    {
        final List<Path> eventFiles;
        try (Stream<Path> s = Files.list(SUITE))
        {
            eventFiles = s.filter(p -> p.toString().endsWith(".jsonl")).sorted().collect(Collectors.toList());
        }
        assertTrue(eventFiles.size() >= 12, "scenarios found in " + SUITE + ": " + eventFiles);
        final Set<String> idsAcrossSuite = new HashSet<>();
        for (final Path f : eventFiles)
        {
            final Set<Long> ids = new HashSet<>();
            for (final String line : Files.readAllLines(f))
            {
                if (line.isBlank())
                {
                    continue;
                }
                final String id = JSON.readTree(line).get("id").asText();
                assertTrue(id.matches("[0-9a-f]{1,16}"), f + ": id " + id);
                assertTrue(ids.add(Long.parseUnsignedLong(id, 16)), f + ": id " + id + " repeats");
                assertTrue(idsAcrossSuite.add(id), f + ": id " + id + " is used by another scenario too");
            }
            final String name = f.getFileName().toString().replace(".jsonl", "");
            final JsonNode expected = JSON.readTree(f.resolveSibling(name + ".expected.json").toFile());
            final Set<Long> grouped = new HashSet<>();
            for (final JsonNode g : expected.get("groups"))
            {
                assertTrue(g.get("events").size() >= 2, f + ": " + g);
                for (final JsonNode id : g.get("events"))
                {
                    final long v = Long.parseUnsignedLong(id.asText(), 16);
                    assertTrue(ids.contains(v), name + ".expected.json: " + id.asText() + " is not in " + f.getFileName());
                    assertTrue(grouped.add(v), name + ".expected.json: " + id.asText() + " is in two groups");
                }
            }
        }
    }

    @Test
    void coversEveryBuiltinPatternAndBothStatuses() throws IOException
    {
        final Set<String> patterns = new HashSet<>();
        final Set<String> statuses = new HashSet<>();
        for (final Scenario s : ScenarioSuite.load(SUITE).scenarios())
        {
            for (final ScenarioGroup g : s.expected())
            {
                patterns.add(g.pattern());
                statuses.add(g.status());
            }
        }
        assertEquals(Set.of("cascade-failure", "oom-kill", "node-pressure", "crash-loop", "pod-startup",
            "network-degradation"), patterns);
        assertEquals(Set.of("complete", "expired"), statuses);
    }

    @TestFactory
    List<DynamicTest> labelsMatchTheReferenceReadingOfTheSemantics() throws IOException
    {
        final List<DynamicTest> tests = new ArrayList<>();
        for (final Scenario s : ScenarioSuite.load(SUITE).scenarios())
        {
            for (final boolean expireFirst : new boolean[]{ true, false })
            {
                for (final boolean perPattern : new boolean[]{ false, true })
                {
                    tests.add(DynamicTest.dynamicTest(s.name() + " expireFirst=" + expireFirst + " perPattern=" + perPattern,
                        () ->
                        {
                            final ReferenceCorrelator ref = new ReferenceCorrelator(expireFirst, perPattern);
                            final List<ScenarioGroup> got = ref.run(s.events());
                            assertEquals(sorted(s.expected()), sorted(got), s.name());
                            assertEquals(0, ref.flushedAtEnd, s.name() + ": a partial group depends on the end of input");
                        }));
                }
            }
        }
        assertFalse(tests.isEmpty());
        return tests;
    }

    private static List<String> sorted(final List<ScenarioGroup> groups)
    {
        return groups.stream().map(g ->
        {
            final List<Long> ids = new ArrayList<>(g.events());
            ids.sort(Comparator.naturalOrder());
            return g.pattern() + "/" + g.status() + new ScenarioGroup(g.pattern(), ids).toString().replaceAll("^[^\\[]*", "");
        }).sorted().collect(Collectors.toList());
    }
}
