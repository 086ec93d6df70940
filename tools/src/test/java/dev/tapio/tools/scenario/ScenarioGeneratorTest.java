package dev.tapio.tools.scenario;

import dev.tapio.tools.scenario.GroupingEvaluator.Score;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The committed generated scenario is what the generator produces, and it does the job it is there for. */
class ScenarioGeneratorTest
{
    private static final Path DIR = SuiteLabelsTest.SUITE;

    @Test
    void committedFilesMatchAFreshRun() throws Exception
    {
        final ScenarioGenerator.Output out = ScenarioGenerator.generate();
        assertEquals(out.events, Files.readString(DIR.resolve(ScenarioGenerator.NAME + ".jsonl")),
            "scenarios/mixed-generated.jsonl is stale: rerun ScenarioGenerator");
        assertEquals(out.expected, Files.readString(DIR.resolve(ScenarioGenerator.NAME + ".expected.json")),
            "scenarios/mixed-generated.expected.json is stale: rerun ScenarioGenerator");
        assertEquals(out.events, ScenarioGenerator.generate().events, "not deterministic");
    }

    @Test
    void staysSmallAndMakesTheNamespaceWindowBaselineVisiblyWorse() throws Exception
    {
        final Scenario s = ScenarioSuite.loadScenario(DIR.resolve(ScenarioGenerator.NAME + ".jsonl"));
        assertTrue(s.events().size() <= 5_000, "events: " + s.events().size());
        assertEquals(ScenarioGenerator.INCIDENTS, s.expected().size());
        final Score baseline = GroupingEvaluator.score(s, new NamespaceWindowBaseline());
        assertTrue(baseline.pairPrecision() < 0.1, baseline.toString());
        assertEquals(0, baseline.correctPredictedGroups(), baseline.toString());
    }
}
