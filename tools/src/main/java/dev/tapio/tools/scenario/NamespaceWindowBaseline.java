package dev.tapio.tools.scenario;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The original design's grouping, kept as the baseline the correlator must beat: events with the same
 * namespace (or, for an event without a namespace, the same node) whose time is within a fixed window of
 * the group's first event form one group; the first event outside the window starts the next group for
 * that key. Events with neither a namespace nor a node, and groups of one event, are not groups.
 *
 * <p>Events are taken in event-time order (ties in file order), not arrival order, so late events do not
 * count against the baseline. Its groups carry the label {@value #LABEL}.
 */
public final class NamespaceWindowBaseline implements Function<Path, List<ScenarioGroup>>
{
    /** The pattern label of the baseline's groups. */
    public static final String LABEL = "namespace-window";
    /** The original design's window. */
    public static final Duration DEFAULT_WINDOW = Duration.ofMinutes(5);

    private final long windowNanos;

    public NamespaceWindowBaseline()
    {
        this(DEFAULT_WINDOW);
    }

    public NamespaceWindowBaseline(final Duration window)
    {
        if (window.isNegative() || window.isZero())
        {
            throw new IllegalArgumentException("window must be positive, got " + window);
        }
        this.windowNanos = window.toNanos();
    }

    /** Reads the file and groups its events; a malformed file is an {@link UncheckedIOException}. */
    @Override
    public List<ScenarioGroup> apply(final Path eventsFile)
    {
        try
        {
            return group(ScenarioEvents.read(eventsFile));
        }
        catch (final IOException e)
        {
            throw new UncheckedIOException(e);
        }
    }

    /** Groups events; the result is in order of each group's first event. */
    public List<ScenarioGroup> group(final List<ScenarioEvent> events)
    {
        final List<ScenarioEvent> byTime = new ArrayList<>(events);
        byTime.sort(Comparator.comparingLong(ScenarioEvent::timeNanos)); // stable: ties keep file order
        final Map<String, Window> open = new HashMap<>();
        final List<Window> all = new ArrayList<>();
        for (final ScenarioEvent e : byTime)
        {
            final String key = !e.namespace().isEmpty() ? "namespace=" + e.namespace() :
                !e.node().isEmpty() ? "node=" + e.node() : null;
            if (key == null)
            {
                continue;
            }
            Window w = open.get(key);
            if (w == null || e.timeNanos() - w.start > windowNanos)
            {
                w = new Window(e.timeNanos());
                open.put(key, w);
                all.add(w);
            }
            w.members.add(e.id());
        }
        final List<ScenarioGroup> groups = new ArrayList<>();
        for (final Window w : all)
        {
            if (w.members.size() >= 2)
            {
                groups.add(new ScenarioGroup(LABEL, w.members));
            }
        }
        return groups;
    }

    /** One key's current window: its first event time and members. */
    private static final class Window
    {
        final long start;
        final List<Long> members = new ArrayList<>();

        Window(final long start)
        {
            this.start = start;
        }
    }
}
