package dev.tapio.tools.scenario;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * One group of events: the pattern that explains it (or a label such as {@code namespace-window} for a
 * grouping without patterns), its status when known ({@code complete} or {@code expired}; empty for
 * predictions that do not say), and its member event ids. Members are a set: repeated ids are kept once,
 * in first-seen order. Immutable.
 */
public final class ScenarioGroup
{
    private final String pattern;
    private final String status;
    private final List<Long> events;
    private final Set<Long> members;

    public ScenarioGroup(final String pattern, final String status, final Collection<Long> events)
    {
        this.pattern = pattern == null ? "" : pattern;
        this.status = status == null ? "" : status;
        final LinkedHashSet<Long> set = new LinkedHashSet<>();
        for (final Long id : events)
        {
            set.add(Objects.requireNonNull(id, "event id"));
        }
        this.members = Collections.unmodifiableSet(set);
        this.events = Collections.unmodifiableList(new ArrayList<>(set));
    }

    public ScenarioGroup(final String pattern, final Collection<Long> events)
    {
        this(pattern, "", events);
    }

    /** A group of the given pattern with the given member ids (status unknown). */
    public static ScenarioGroup of(final String pattern, final long... ids)
    {
        final List<Long> list = new ArrayList<>(ids.length);
        for (final long id : ids)
        {
            list.add(id);
        }
        return new ScenarioGroup(pattern, "", list);
    }

    /** The pattern name; empty when the producer gives none. */
    public String pattern()
    {
        return pattern;
    }

    /** {@code complete}, {@code expired}, or empty when unknown. */
    public String status()
    {
        return status;
    }

    /** Member ids in first-seen order, without repeats. */
    public List<Long> events()
    {
        return events;
    }

    /** Member ids as a set. */
    public Set<Long> memberSet()
    {
        return members;
    }

    public int size()
    {
        return events.size();
    }

    /** An id as the suite writes it: lower-case hex, zero-padded to at least 8 digits. */
    public static String hex(final long id)
    {
        final String s = Long.toHexString(id);
        return s.length() >= 8 ? s : "00000000".substring(s.length()) + s;
    }

    @Override
    public boolean equals(final Object o)
    {
        if (!(o instanceof ScenarioGroup))
        {
            return false;
        }
        final ScenarioGroup g = (ScenarioGroup)o;
        return pattern.equals(g.pattern) && status.equals(g.status) && members.equals(g.members);
    }

    @Override
    public int hashCode()
    {
        return Objects.hash(pattern, status, members);
    }

    @Override
    public String toString()
    {
        final StringBuilder b = new StringBuilder();
        b.append(pattern.isEmpty() ? "?" : pattern);
        if (!status.isEmpty())
        {
            b.append('/').append(status);
        }
        b.append('[');
        for (int i = 0; i < events.size(); i++)
        {
            b.append(i == 0 ? "" : ",").append(hex(events.get(i)));
        }
        return b.append(']').toString();
    }
}
