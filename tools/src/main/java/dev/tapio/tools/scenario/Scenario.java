package dev.tapio.tools.scenario;

import java.nio.file.Path;
import java.util.Collections;
import java.util.List;

/**
 * One labelled scenario: its events file ({@code <name>.jsonl}), the events read from it, and the groups
 * the correlator should write for it (from {@code <name>.expected.json}). Immutable.
 */
public final class Scenario
{
    private final String name;
    private final Path eventsFile;
    private final Path expectedFile;
    private final String description;
    private final List<ScenarioEvent> events;
    private final List<ScenarioGroup> expected;

    public Scenario(final String name, final Path eventsFile, final Path expectedFile, final String description,
        final List<ScenarioEvent> events, final List<ScenarioGroup> expected)
    {
        this.name = name;
        this.eventsFile = eventsFile;
        this.expectedFile = expectedFile;
        this.description = description;
        this.events = Collections.unmodifiableList(events);
        this.expected = Collections.unmodifiableList(expected);
    }

    public String name()
    {
        return name;
    }

    /** The {@code .jsonl} file: what the correlator under test reads. */
    public Path eventsFile()
    {
        return eventsFile;
    }

    public Path expectedFile()
    {
        return expectedFile;
    }

    public String description()
    {
        return description;
    }

    /** Events in file (arrival) order. */
    public List<ScenarioEvent> events()
    {
        return events;
    }

    /** The groups the correlator should write, in the expected file's order. */
    public List<ScenarioGroup> expected()
    {
        return expected;
    }

    @Override
    public String toString()
    {
        return name + " (" + events.size() + " events, " + expected.size() + " expected groups)";
    }
}
