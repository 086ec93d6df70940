package dev.tapio.engine.correlate;

import dev.tapio.engine.metrics.EngineCounters;
import org.agrona.concurrent.status.AtomicCounter;

/**
 * The correlation counters, registered in the engine's counters:
 * {@code tapio_correlation_events_total{result=grouped|late|ungrouped|error}},
 * {@code tapio_correlation_groups_total{status=opened|complete|expired|open|discarded|evicted}},
 * {@code tapio_correlation_pattern_groups_total{pattern,status=opened|complete|expired}},
 * {@code tapio_correlation_members_unlisted_total}, {@code tapio_correlation_key_collisions_total},
 * {@code tapio_correlation_related_truncated_total}, {@code tapio_groups_dropped_total{reason=backpressure}}.
 */
public final class CorrelationCounters
{
    public static final String PATTERN_GROUPS = "tapio_correlation_pattern_groups_total";

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
    void patterns(final Pattern[] patterns)
    {
        openedBy = new AtomicCounter[patterns.length];
        completeBy = new AtomicCounter[patterns.length];
        expiredBy = new AtomicCounter[patterns.length];
        for (int i = 0; i < patterns.length; i++)
        {
            final String prefix = PATTERN_GROUPS + "{pattern=\"" + patterns[i].name() + "\",status=\"";
            openedBy[i] = engineCounters.counter(prefix + "opened\"}");
            completeBy[i] = engineCounters.counter(prefix + "complete\"}");
            expiredBy[i] = engineCounters.counter(prefix + "expired\"}");
        }
    }
}
