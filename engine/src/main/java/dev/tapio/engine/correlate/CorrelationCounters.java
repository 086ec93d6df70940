package dev.tapio.engine.correlate;

import dev.tapio.engine.metrics.EngineCounters;
import org.agrona.concurrent.status.AtomicCounter;

/**
 * The correlation counters, registered in the engine's counters:
 * {@code tapio_correlation_events_total{result=grouped|late|ungrouped|error}},
 * {@code tapio_correlation_groups_total{status=opened|complete|expired|open|discarded|evicted}},
 * {@code tapio_correlation_pattern_groups_total{pattern,status=opened|complete|expired}},
 * {@code tapio_correlation_open_groups{pattern,matched}} (a gauge: open groups by the number of required steps
 * they have matched), {@code tapio_correlation_progress_total{pattern,matched,outcome=complete|expired}} (groups
 * that were open with that many required steps matched, by how they ended: what the completion probability of
 * an open group at that point is estimated from),
 * {@code tapio_correlation_members_unlisted_total}, {@code tapio_correlation_key_collisions_total},
 * {@code tapio_correlation_related_truncated_total}, {@code tapio_groups_dropped_total{reason=backpressure}}.
 */
public final class CorrelationCounters
{
    public static final String PATTERN_GROUPS = "tapio_correlation_pattern_groups_total";
    public static final String OPEN_GROUPS = "tapio_correlation_open_groups";
    public static final String PROGRESS = "tapio_correlation_progress_total";

    final AtomicCounter grouped;
    final AtomicCounter late;
    final AtomicCounter ungrouped;
    public final AtomicCounter errors;
    final AtomicCounter opened;
    final AtomicCounter complete;
    final AtomicCounter expired;
    final AtomicCounter flushedOpen;
    final AtomicCounter discarded;
    final AtomicCounter evicted;
    final AtomicCounter membersUnlisted;
    final AtomicCounter collisions;
    public final AtomicCounter relatedTruncated;
    public final AtomicCounter groupsDropped;
    private final EngineCounters engineCounters;
    /** Per pattern (index = position in the rule set): groups opened, completed, expired. */
    AtomicCounter[] openedBy = new AtomicCounter[0];
    AtomicCounter[] completeBy = new AtomicCounter[0];
    AtomicCounter[] expiredBy = new AtomicCounter[0];
    /** [pattern][matched]: open groups (gauge); groups that passed that point and completed / expired. */
    AtomicCounter[][] openAt = new AtomicCounter[0][];
    AtomicCounter[][] completeAt = new AtomicCounter[0][];
    AtomicCounter[][] expiredAt = new AtomicCounter[0][];

    public CorrelationCounters(final EngineCounters c)
    {
        grouped = c.counter("tapio_correlation_events_total{result=\"grouped\"}");
        late = c.counter("tapio_correlation_events_total{result=\"late\"}");
        ungrouped = c.counter("tapio_correlation_events_total{result=\"ungrouped\"}");
        errors = c.counter("tapio_correlation_events_total{result=\"error\"}");
        opened = c.counter("tapio_correlation_groups_total{status=\"opened\"}");
        complete = c.counter("tapio_correlation_groups_total{status=\"complete\"}");
        expired = c.counter("tapio_correlation_groups_total{status=\"expired\"}");
        flushedOpen = c.counter("tapio_correlation_groups_total{status=\"open\"}");
        discarded = c.counter("tapio_correlation_groups_total{status=\"discarded\"}");
        evicted = c.counter("tapio_correlation_groups_total{status=\"evicted\"}");
        membersUnlisted = c.counter("tapio_correlation_members_unlisted_total");
        collisions = c.counter("tapio_correlation_key_collisions_total");
        relatedTruncated = c.counter("tapio_correlation_related_truncated_total");
        groupsDropped = c.counter("tapio_groups_dropped_total{reason=\"backpressure\"}");
        engineCounters = c;
    }

    /**
     * Registers {@code tapio_correlation_pattern_groups_total{pattern,status=opened|complete|expired}} for the
     * patterns in force (what alert rules and dashboards select by); called once by the correlator.
     */
    void patterns(final Pattern[] patterns, final int[] requiredSteps)
    {
        openedBy = new AtomicCounter[patterns.length];
        completeBy = new AtomicCounter[patterns.length];
        expiredBy = new AtomicCounter[patterns.length];
        openAt = new AtomicCounter[patterns.length][];
        completeAt = new AtomicCounter[patterns.length][];
        expiredAt = new AtomicCounter[patterns.length][];
        for (int i = 0; i < patterns.length; i++)
        {
            final String name = patterns[i].name();
            final String prefix = PATTERN_GROUPS + "{pattern=\"" + name + "\",status=\"";
            openedBy[i] = engineCounters.counter(prefix + "opened\"}");
            completeBy[i] = engineCounters.counter(prefix + "complete\"}");
            expiredBy[i] = engineCounters.counter(prefix + "expired\"}");
            final int points = Math.max(1, requiredSteps[i]);
            openAt[i] = new AtomicCounter[points];
            completeAt[i] = new AtomicCounter[points];
            expiredAt[i] = new AtomicCounter[points];
            for (int m = 0; m < points; m++)
            {
                final String labels = "{pattern=\"" + name + "\",matched=\"" + m + "\"";
                openAt[i][m] = engineCounters.counter(OPEN_GROUPS + labels + "}");
                completeAt[i][m] = engineCounters.counter(PROGRESS + labels + ",outcome=\"complete\"}");
                expiredAt[i][m] = engineCounters.counter(PROGRESS + labels + ",outcome=\"expired\"}");
            }
        }
    }

    /**
     * A group of pattern {@code p} ended with {@code matched} required steps matched: it passed every point
     * 0 … matched (a group gains at most one step per event), each of which counts the outcome.
     */
    void ended(final int p, final int matched, final boolean complete)
    {
        final AtomicCounter[] at = complete ? completeAt[p] : expiredAt[p];
        final int last = Math.min(matched, at.length - 1);
        for (int m = 0; m <= last; m++)
        {
            at[m].incrementRelease();
        }
    }
}
