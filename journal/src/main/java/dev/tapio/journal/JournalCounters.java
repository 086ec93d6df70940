package dev.tapio.journal;

import dev.tapio.engine.metrics.EngineCounters;
import org.agrona.concurrent.status.AtomicCounter;

/**
 * The journal's counters, kept in the engine's {@link EngineCounters} (so the Prometheus exporter and
 * the CLI's stats publish them with the rest). At rest {@code appended + sum(append_failures) =
 * records offered to the journal}.
 *
 * <pre>
 * tapio_journal_appended_total                              records written
 * tapio_journal_append_failures_total{reason="disk_full"}   not written: free space under minFreeDisk, or a write fault
 * tapio_journal_append_failures_total{reason="io_error"}    not written: the queue could not be opened or written
 * tapio_journal_append_failures_total{reason="malformed"}   not written: not an SBE Event or Group of this schema
 * tapio_journal_cycles_deleted_total{reason="age"|"disk"}   cycle files deleted by retention
 * tapio_journal_bytes_deleted_total                         their size
 * tapio_journal_dropped_total{reason="retention",tailer=…}  records deleted before that tailer acked them
 * tapio_journal_syncs_total                                 periodic msyncs done
 * tapio_journal_tailer_lag_records{tailer=…}                gauge: records appended after that tailer's acked one
 * tapio_journal_tailer_acked_timestamp_seconds{tailer=…}    gauge: when that tailer last acked (epoch s; 0 never)
 * </pre>
 *
 * <p>Threading: appended and append_failures are written by the appending thread; retention counters
 * and the tailer gauges by the housekeeper (every {@code checkInterval}, from the tailers' position files, so
 * tailers in other processes are included); all are readable from any thread.
 */
public final class JournalCounters
{
    public static final String APPENDED = "tapio_journal_appended_total";
    public static final String APPEND_FAILURES = "tapio_journal_append_failures_total";
    public static final String CYCLES_DELETED = "tapio_journal_cycles_deleted_total";
    public static final String BYTES_DELETED = "tapio_journal_bytes_deleted_total";
    public static final String DROPPED = "tapio_journal_dropped_total";
    public static final String SYNCS = "tapio_journal_syncs_total";
    public static final String TAILER_LAG = "tapio_journal_tailer_lag_records";
    public static final String TAILER_ACKED_AT = "tapio_journal_tailer_acked_timestamp_seconds";

    public static final String REASON_DISK_FULL = "disk_full";
    public static final String REASON_IO_ERROR = "io_error";
    public static final String REASON_MALFORMED = "malformed";
    public static final String REASON_AGE = "age";
    public static final String REASON_DISK = "disk";
    public static final String REASON_RETENTION = "retention";

    private final EngineCounters counters;
    final AtomicCounter appended;
    final AtomicCounter diskFull;
    final AtomicCounter ioError;
    final AtomicCounter malformed;
    final AtomicCounter deletedByAge;
    final AtomicCounter deletedByDisk;
    final AtomicCounter bytesDeleted;
    final AtomicCounter syncs;

    public JournalCounters(final EngineCounters counters)
    {
        this.counters = counters;
        appended = counters.counter(APPENDED);
        diskFull = counters.counter(failureLabel(REASON_DISK_FULL));
        ioError = counters.counter(failureLabel(REASON_IO_ERROR));
        malformed = counters.counter(failureLabel(REASON_MALFORMED));
        deletedByAge = counters.counter(CYCLES_DELETED + "{reason=\"" + REASON_AGE + "\"}");
        deletedByDisk = counters.counter(CYCLES_DELETED + "{reason=\"" + REASON_DISK + "\"}");
        bytesDeleted = counters.counter(BYTES_DELETED);
        syncs = counters.counter(SYNCS);
    }

    public static String failureLabel(final String reason)
    {
        return APPEND_FAILURES + "{reason=\"" + reason + "\"}";
    }

    public static String droppedLabel(final String tailer)
    {
        return DROPPED + "{reason=\"" + REASON_RETENTION + "\",tailer=\"" + tailer + "\"}";
    }

    /** Records appended after {@code tailer}'s acked one (a gauge, created on first use). */
    public AtomicCounter tailerLag(final String tailer)
    {
        return counters.counter(TAILER_LAG + "{tailer=\"" + tailer + "\"}");
    }

    /** When {@code tailer} last acked, in epoch seconds (a gauge, created on first use). */
    public AtomicCounter tailerAckedAt(final String tailer)
    {
        return counters.counter(TAILER_ACKED_AT + "{tailer=\"" + tailer + "\"}");
    }

    /** Records deleted by retention before {@code tailer} acked them (created on first use). */
    public AtomicCounter droppedByRetention(final String tailer)
    {
        return counters.counter(droppedLabel(tailer));
    }

    public EngineCounters engineCounters()
    {
        return counters;
    }

    public long appended()
    {
        return appended.get();
    }

    public long failures(final String reason)
    {
        switch (reason)
        {
            case REASON_DISK_FULL:
                return diskFull.get();
            case REASON_IO_ERROR:
                return ioError.get();
            case REASON_MALFORMED:
                return malformed.get();
            default:
                return 0;
        }
    }

    public long cyclesDeleted(final String reason)
    {
        return REASON_AGE.equals(reason) ? deletedByAge.get() : REASON_DISK.equals(reason) ? deletedByDisk.get() : 0;
    }

    public long syncs()
    {
        return syncs.get();
    }

    /** Total records deleted un-acked, over all tailers. */
    public long droppedByRetentionTotal()
    {
        long total = 0;
        for (final java.util.Map.Entry<String, Long> e : counters.snapshot().entrySet())
        {
            if (e.getKey().startsWith(DROPPED + "{"))
            {
                total += e.getValue();
            }
        }
        return total;
    }
}
