package dev.tapio.tools.scenario;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The suite loader: what a valid scenario gives, and errors that name the bad file. */
class ScenarioSuiteTest
{
    private static final List<String> EVENTS = List.of(
        "{\"id\":\"a0000001\",\"time\":\"2026-11-21T10:00:00Z\",\"type\":\"kernel.container.oom_kill\",\"containerId\":\"c1\"}",
        "",
        "{\"id\":\"A0000002\",\"time\":\"2026-11-21T10:00:00.5+00:00\",\"type\":\"kernel.process.exit\",\"exitCode\":137}",
        "{\"id\":\"a0000003\",\"time\":\"2026-11-21T10:00:02Z\",\"type\":\"k8s.pod.restarted\",\"namespace\":\"shop\"}");

    @TempDir
    Path dir;

    private Path write(final String name, final List<String> events, final String expected) throws IOException
    {
        Files.write(dir.resolve(name + ".jsonl"), events);
        if (expected != null)
        {
            Files.writeString(dir.resolve(name + ".expected.json"), expected);
        }
        return dir.resolve(name + ".expected.json");
    }

    private static String expected(final String groups)
    {
        return "{\"description\":\"an OOM kill\",\"groups\":[" + groups + "]}";
    }

    @Test
    void loadsScenariosInNameOrderWithEventsAndGroups() throws Exception
    {
        write("b-oom", EVENTS, expected(
            "{\"pattern\":\"oom-kill\",\"status\":\"complete\",\"events\":[\"a0000001\",\"a0000002\",\"a0000003\"]}"));
        write("a-empty", List.of(EVENTS.get(0)), expected(""));
        final ScenarioSuite suite = ScenarioSuite.load(dir);
        assertEquals(2, suite.scenarios().size());
        assertEquals("a-empty", suite.scenarios().get(0).name());
        final Scenario s = suite.scenarios().get(1);
        assertEquals("an OOM kill", s.description());
        assertEquals(3, s.events().size());
        assertEquals(0xa0000002L, s.events().get(1).id());
        assertEquals(3, s.events().get(1).line());
        assertEquals("shop", s.events().get(2).namespace());
        assertEquals(List.of(new ScenarioGroup("oom-kill", "complete", List.of(0xa0000001L, 0xa0000002L, 0xa0000003L))),
            s.expected());
    }

    private void assertRejected(final Path file, final String expectedFragment) throws IOException
    {
        final ScenarioFormatException e = assertThrows(ScenarioFormatException.class, () -> ScenarioSuite.load(dir));
        assertTrue(e.getMessage().startsWith(file.toString()), e.getMessage());
        assertTrue(e.getMessage().contains(expectedFragment), e.getMessage());
    }

    @Test
    void rejectsMalformedExpectedFileNamingIt() throws Exception
    {
        final Path f = write("oom", EVENTS, "{\"description\":\"x\",\"groups\":[{\"pattern\":\"oom-kill\",");
        assertRejected(f, "malformed JSON");
    }

    @Test
    void rejectsExpectedGroupReferencingAnUnknownEvent() throws Exception
    {
        final Path f = write("oom", EVENTS, expected(
            "{\"pattern\":\"oom-kill\",\"status\":\"complete\",\"events\":[\"a0000001\",\"a0000009\"]}"));
        assertRejected(f, "groups[0].events: a0000009 is not an event of the scenario");
    }

    @Test
    void rejectsAnEventInTwoGroupsASingletonGroupABadStatusAndATypo() throws Exception
    {
        final Path f = write("oom", EVENTS, expected(
            "{\"pattern\":\"a\",\"status\":\"complete\",\"events\":[\"a0000001\",\"a0000002\"]}," +
            "{\"pattern\":\"b\",\"status\":\"complete\",\"events\":[\"a0000002\",\"a0000003\"]}"));
        assertRejected(f, "a0000002 is already in groups[0]");
        write("oom", EVENTS, expected("{\"pattern\":\"a\",\"status\":\"complete\",\"events\":[\"a0000001\"]}"));
        assertRejected(f, "at least 2 events");
        write("oom", EVENTS, expected("{\"pattern\":\"a\",\"status\":\"open\",\"events\":[\"a0000001\",\"a0000002\"]}"));
        assertRejected(f, "\"status\" must be");
        write("oom", EVENTS, expected("{\"pattern\":\"a\",\"status\":\"expired\",\"event\":[\"a0000001\",\"a0000002\"]}"));
        assertRejected(f, "unknown field \"event\"");
        write("oom", EVENTS, "{\"groups\":[]}");
        assertRejected(f, "missing \"description\"");
    }

    @Test
    void rejectsEventsFileProblemsNamingFileAndLine() throws Exception
    {
        write("oom", List.of(EVENTS.get(0), EVENTS.get(0)), expected(""));
        assertRejected(dir.resolve("oom.jsonl"), "oom.jsonl:2: id a0000001 repeats the id of line 1");
        write("oom", List.of("{\"id\":\"evt-1\",\"time\":\"2026-11-21T10:00:00Z\",\"type\":\"x\"}"), expected(""));
        assertRejected(dir.resolve("oom.jsonl"), "oom.jsonl:1: \"id\": expected 1-16 hex digits");
        write("oom", List.of("{\"id\":\"1\",\"type\":\"x\"}"), expected(""));
        assertRejected(dir.resolve("oom.jsonl"), "missing \"time\"");
        write("oom", List.of("{\"id\":\"1\",\"time\":\"yesterday at noon\",\"type\":\"x\"}"), expected(""));
        assertRejected(dir.resolve("oom.jsonl"), "oom.jsonl:1: \"time\"");
    }

    @Test
    void rejectsAnEventsFileWithoutExpectedFileAndTheReverse() throws Exception
    {
        write("lonely", EVENTS, null);
        assertRejected(dir.resolve("lonely.jsonl"), "no expected file lonely.expected.json");
        Files.delete(dir.resolve("lonely.jsonl"));
        Files.writeString(dir.resolve("orphan.expected.json"), expected(""));
        assertRejected(dir.resolve("orphan.expected.json"), "no events file orphan.jsonl");
    }

    @Test
    void rejectsAnEmptyOrMissingDirectory() throws Exception
    {
        assertRejected(dir, "no scenarios");
        final ScenarioFormatException e = assertThrows(ScenarioFormatException.class,
            () -> ScenarioSuite.load(dir.resolve("nope")));
        assertTrue(e.getMessage().contains("nope: not a directory"), e.getMessage());
    }
}
