package dev.tapio.tools.scenario;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * The labelled scenario suite: every {@code <name>.jsonl} in a directory with its
 * {@code <name>.expected.json}, in name order. Loading checks what the evaluation relies on and fails
 * with a {@link ScenarioFormatException} naming the file otherwise:
 * <ul>
 *   <li>every events file has an expected file and the reverse;</li>
 *   <li>every event has a unique hex id, an RFC 3339 time and a type ({@link ScenarioEvents});</li>
 *   <li>the expected file is {@code {"description": "...", "groups": [{"pattern": "...",
 *       "status": "complete|expired", "events": ["<hex id>", ...], "note": "..."?}, ...]}};</li>
 *   <li>every group has at least 2 members (min-events), every member is an event of the file, and no
 *       event is in two groups.</li>
 * </ul>
 */
public final class ScenarioSuite
{
    /** Suffix of an events file. */
    public static final String EVENTS_SUFFIX = ".jsonl";
    /** Suffix of an expected-groups file. */
    public static final String EXPECTED_SUFFIX = ".expected.json";

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> GROUP_FIELDS = Set.of("pattern", "status", "events", "note");
    private static final Set<String> TOP_FIELDS = Set.of("description", "groups");

    private final Path dir;
    private final List<Scenario> scenarios;

    private ScenarioSuite(final Path dir, final List<Scenario> scenarios)
    {
        this.dir = dir;
        this.scenarios = Collections.unmodifiableList(scenarios);
    }

    /** Loads every scenario of a directory (not recursive). */
    public static ScenarioSuite load(final Path dir) throws IOException
    {
        if (!Files.isDirectory(dir))
        {
            throw new ScenarioFormatException(dir, "not a directory");
        }
        final Set<String> eventNames = new TreeSet<>();
        final Set<String> expectedNames = new TreeSet<>();
        try (Stream<Path> files = Files.list(dir))
        {
            for (final Iterator<Path> it = files.iterator(); it.hasNext(); )
            {
                final String f = it.next().getFileName().toString();
                if (f.endsWith(EXPECTED_SUFFIX))
                {
                    expectedNames.add(f.substring(0, f.length() - EXPECTED_SUFFIX.length()));
                }
                else if (f.endsWith(EVENTS_SUFFIX))
                {
                    eventNames.add(f.substring(0, f.length() - EVENTS_SUFFIX.length()));
                }
            }
        }
        for (final String name : expectedNames)
        {
            if (!eventNames.contains(name))
            {
                throw new ScenarioFormatException(dir.resolve(name + EXPECTED_SUFFIX),
                    "no events file " + name + EVENTS_SUFFIX + " beside it");
            }
        }
        if (eventNames.isEmpty())
        {
            throw new ScenarioFormatException(dir, "no scenarios (*" + EVENTS_SUFFIX + " with *" + EXPECTED_SUFFIX + ")");
        }
        final List<Scenario> list = new ArrayList<>();
        for (final String name : eventNames)
        {
            list.add(loadScenario(dir.resolve(name + EVENTS_SUFFIX)));
        }
        return new ScenarioSuite(dir, list);
    }

    /** Loads one scenario from its events file; the expected file is found beside it. */
    public static Scenario loadScenario(final Path eventsFile) throws IOException
    {
        final String f = eventsFile.getFileName().toString();
        if (!f.endsWith(EVENTS_SUFFIX))
        {
            throw new ScenarioFormatException(eventsFile, "an events file must end with " + EVENTS_SUFFIX);
        }
        final String name = f.substring(0, f.length() - EVENTS_SUFFIX.length());
        final Path expectedFile = eventsFile.resolveSibling(name + EXPECTED_SUFFIX);
        if (!Files.isRegularFile(expectedFile))
        {
            throw new ScenarioFormatException(eventsFile, "no expected file " + expectedFile.getFileName() + " beside it");
        }
        final List<ScenarioEvent> events = ScenarioEvents.read(eventsFile);
        final Set<Long> ids = new HashSet<>();
        for (final ScenarioEvent e : events)
        {
            ids.add(e.id());
        }
        final JsonNode root;
        try
        {
            root = JSON.readTree(expectedFile.toFile());
        }
        catch (final JsonProcessingException e)
        {
            throw new ScenarioFormatException(expectedFile, "malformed JSON: " + e.getOriginalMessage());
        }
        if (root == null || !root.isObject())
        {
            throw new ScenarioFormatException(expectedFile, "expected a JSON object with \"description\" and \"groups\"");
        }
        for (final Iterator<String> it = root.fieldNames(); it.hasNext(); )
        {
            final String field = it.next();
            if (!TOP_FIELDS.contains(field))
            {
                throw new ScenarioFormatException(expectedFile, "unknown field \"" + field + "\" (expected " + TOP_FIELDS + ")");
            }
        }
        final JsonNode description = root.get("description");
        if (description == null || !description.isTextual() || description.asText().isBlank())
        {
            throw new ScenarioFormatException(expectedFile, "missing \"description\" (a string saying what the scenario covers)");
        }
        final JsonNode groups = root.get("groups");
        if (groups == null || !groups.isArray())
        {
            throw new ScenarioFormatException(expectedFile, "missing \"groups\" (an array, empty when no group is expected)");
        }
        final List<ScenarioGroup> expected = new ArrayList<>();
        final Map<Long, Integer> groupOf = new HashMap<>();
        for (int g = 0; g < groups.size(); g++)
        {
            expected.add(parseGroup(expectedFile, g, groups.get(g), ids, groupOf));
        }
        return new Scenario(name, eventsFile, expectedFile, description.asText(), events, expected);
    }

    private static ScenarioGroup parseGroup(final Path file, final int index, final JsonNode g, final Set<Long> ids,
        final Map<Long, Integer> groupOf) throws ScenarioFormatException
    {
        final String where = "groups[" + index + "]";
        if (!g.isObject())
        {
            throw new ScenarioFormatException(file, where + ": expected an object");
        }
        for (final Iterator<String> it = g.fieldNames(); it.hasNext(); )
        {
            final String field = it.next();
            if (!GROUP_FIELDS.contains(field))
            {
                throw new ScenarioFormatException(file, where + ": unknown field \"" + field + "\" (expected " + GROUP_FIELDS + ")");
            }
        }
        final JsonNode pattern = g.get("pattern");
        if (pattern == null || !pattern.isTextual() || pattern.asText().isEmpty())
        {
            throw new ScenarioFormatException(file, where + ": missing \"pattern\"");
        }
        final JsonNode status = g.get("status");
        if (status == null || !("complete".equals(status.asText()) || "expired".equals(status.asText())))
        {
            throw new ScenarioFormatException(file, where + ": \"status\" must be \"complete\" or \"expired\"");
        }
        final JsonNode events = g.get("events");
        if (events == null || !events.isArray())
        {
            throw new ScenarioFormatException(file, where + ": missing \"events\" (an array of hex ids)");
        }
        final List<Long> members = new ArrayList<>();
        for (final JsonNode e : events)
        {
            final long id;
            try
            {
                id = ScenarioEvents.parseId(e.isTextual() ? e.asText() : e.toString());
            }
            catch (final IllegalArgumentException ex)
            {
                throw new ScenarioFormatException(file, where + ".events: " + ex.getMessage());
            }
            if (!ids.contains(id))
            {
                throw new ScenarioFormatException(file, where + ".events: " + e.asText() + " is not an event of the scenario");
            }
            final Integer other = groupOf.putIfAbsent(id, index);
            if (other != null)
            {
                throw new ScenarioFormatException(file, where + ".events: " + e.asText() +
                    (other == index ? " is listed twice" : " is already in groups[" + other + "]"));
            }
            members.add(id);
        }
        if (members.size() < 2)
        {
            throw new ScenarioFormatException(file, where + ": a group has at least 2 events (min-events)");
        }
        return new ScenarioGroup(pattern.asText(), status.asText(), members);
    }

    public Path dir()
    {
        return dir;
    }

    /** Scenarios in name order. */
    public List<Scenario> scenarios()
    {
        return scenarios;
    }
}
