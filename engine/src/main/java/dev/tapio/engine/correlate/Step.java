package dev.tapio.engine.correlate;

/** One compiled step of a pattern. Immutable. */
public final class Step
{
    final String name;
    final int index;
    final Matcher[] matchers;
    final int count;
    final long withinNanos;
    final boolean optional;
    final boolean opens;
    /** Entities this step's events are keyed by: the pattern's key, or a subset of it (bits by Entity ordinal). */
    final Entity[] join;
    final boolean partial;

    Step(final String name, final int index, final Matcher[] matchers, final int count, final long withinNanos,
        final boolean optional, final boolean opens, final Entity[] join, final boolean partial)
    {
        this.name = name;
        this.index = index;
        this.matchers = matchers;
        this.count = count;
        this.withinNanos = withinNanos;
        this.optional = optional;
        this.opens = opens;
        this.join = join;
        this.partial = partial;
    }

    public String name()
    {
        return name;
    }

    public boolean optional()
    {
        return optional;
    }

    public int count()
    {
        return count;
    }

    boolean matches(final EventFields f, final int typeRaw)
    {
        for (final Matcher m : matchers)
        {
            if (m.test(f, typeRaw))
            {
                return true;
            }
        }
        return false;
    }

    /** A readable description of what the step matches (for `tapio rules check`). */
    public String describe()
    {
        final StringBuilder sb = new StringBuilder();
        for (int i = 0; i < matchers.length; i++)
        {
            sb.append(i == 0 ? "" : " OR ").append(matchers[i].text);
        }
        if (count > 1)
        {
            sb.append(", at least ").append(count).append(" within ")
                .append(dev.tapio.engine.config.Units.formatDuration(java.time.Duration.ofNanos(withinNanos)));
        }
        if (partial)
        {
            sb.append(", joined on ").append(Pattern.entityList(join));
        }
        if (optional)
        {
            sb.append(" (optional)");
        }
        if (!opens)
        {
            sb.append(" (joins only)");
        }
        return sb.toString();
    }
}
