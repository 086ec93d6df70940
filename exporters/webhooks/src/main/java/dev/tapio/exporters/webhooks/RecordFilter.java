package dev.tapio.exporters.webhooks;

import java.util.List;
import java.util.Locale;

/**
 * Which journal records an endpoint receives. A record passes when its kind is wanted ({@code records}) and:
 * an event's type matches one of {@code types} (when any are given), its severity is at least
 * {@code minSeverity}, and (when {@code patterns} are given) it is correlated into a group whose pattern
 * matches one of them; a group record's pattern matches one of {@code patterns} (when any are given).
 * Types and severity do not apply to group records. Immutable, thread-safe.
 */
public final class RecordFilter
{
    /** Which kinds of record an endpoint receives. */
    public enum Records
    {
        EVENTS, GROUPS, BOTH;

        public String configName()
        {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** Severities in order, as the JSON form names them. */
    static final List<String> SEVERITIES = List.of("debug", "info", "warning", "error", "critical");

    public static final RecordFilter ALL = new RecordFilter(Records.BOTH, List.of(), List.of(), "debug");

    private final Records records;
    private final List<TypeGlob> types;
    private final List<TypeGlob> patterns;
    private final String minSeverity;
    private final int minSeverityRank;

    public RecordFilter(final Records records, final List<String> types, final List<String> patterns,
        final String minSeverity)
    {
        this.records = records;
        this.types = types.stream().map(TypeGlob::compile).toList();
        this.patterns = patterns.stream().map(TypeGlob::compile).toList();
        this.minSeverity = minSeverity;
        this.minSeverityRank = SEVERITIES.indexOf(minSeverity);
        if (minSeverityRank < 0)
        {
            throw new IllegalArgumentException("unknown severity \"" + minSeverity + "\" (expected one of " +
                String.join(", ", SEVERITIES) + ")");
        }
    }

    boolean accepts(final WebhookRecord r)
    {
        if (r.isGroup())
        {
            return records != Records.EVENTS && (patterns.isEmpty() || any(patterns, r.pattern()));
        }
        if (records == Records.GROUPS)
        {
            return false;
        }
        if (!types.isEmpty() && !any(types, r.type()))
        {
            return false;
        }
        if (SEVERITIES.indexOf(r.severity()) < minSeverityRank)
        {
            return false;
        }
        return patterns.isEmpty() || r.pattern() != null && any(patterns, r.pattern());
    }

    /**
     * Whether an event is certainly refused, from the fields its SBE form gives without decoding it to JSON:
     * {@code type} null when unknown (an OTHER type, named only in its var data), {@code pattern} null when
     * the event is uncorrelated or its pattern's name is not known yet. Agrees with {@link #accepts}: when
     * this says false, {@code accepts} decides on the whole record.
     */
    boolean rejectsEvent(final String type, final int severityRank, final boolean correlated, final String pattern)
    {
        if (records == Records.GROUPS)
        {
            return true;
        }
        if (type != null && !types.isEmpty() && !any(types, type))
        {
            return true;
        }
        if (severityRank < minSeverityRank)
        {
            return true;
        }
        if (!patterns.isEmpty())
        {
            return !correlated || pattern != null && !any(patterns, pattern);
        }
        return false;
    }

    private static boolean any(final List<TypeGlob> globs, final String value)
    {
        for (final TypeGlob g : globs)
        {
            if (g.matches(value))
            {
                return true;
            }
        }
        return false;
    }

    public Records records()
    {
        return records;
    }

    public List<String> types()
    {
        return types.stream().map(TypeGlob::toString).toList();
    }

    public List<String> patterns()
    {
        return patterns.stream().map(TypeGlob::toString).toList();
    }

    public String minSeverity()
    {
        return minSeverity;
    }
}
