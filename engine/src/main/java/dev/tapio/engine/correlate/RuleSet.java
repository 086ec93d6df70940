package dev.tapio.engine.correlate;

import java.util.List;
import java.util.Map;

/**
 * The patterns in force (built-in ones not disabled, overridden ones replaced, user ones added),
 * ordered by priority (highest first, then file order), and the impact configuration. Immutable.
 */
public final class RuleSet
{
    private final List<Pattern> patterns;
    private final ImpactSettings impact;
    private final Map<String, String> disabled;

    RuleSet(final List<Pattern> patterns, final ImpactSettings impact, final Map<String, String> disabled)
    {
        this.patterns = List.copyOf(patterns);
        this.impact = impact;
        this.disabled = Map.copyOf(disabled);
    }

    /** No patterns at all: every event passes uncorrelated (keeping or getting its own trace id). */
    public static RuleSet empty()
    {
        return new RuleSet(List.of(), ImpactSettings.NONE, Map.of());
    }

    public List<Pattern> patterns()
    {
        return patterns;
    }

    public ImpactSettings impact()
    {
        return impact;
    }

    /** Built-in patterns disabled, with where they were disabled. */
    public Map<String, String> disabled()
    {
        return disabled;
    }

    public Pattern byId(final int id)
    {
        for (final Pattern p : patterns)
        {
            if (p.id == id)
            {
                return p;
            }
        }
        return null;
    }

    public Pattern byName(final String name)
    {
        for (final Pattern p : patterns)
        {
            if (p.name.equals(name))
            {
                return p;
            }
        }
        return null;
    }

    /** Pattern names by id, for JSON writers (no allocation per call). */
    public java.util.function.IntFunction<String> namesById()
    {
        final String[] names = new String[65_536];
        for (final Pattern p : patterns)
        {
            names[p.id] = p.name;
        }
        return id -> id >= 0 && id < names.length ? names[id] : null;
    }
}
