package dev.tapio.journal;

import net.openhft.chronicle.bytes.Bytes;
import net.openhft.chronicle.queue.ExcerptTailer;
import net.openhft.chronicle.queue.RollCycle;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import net.openhft.chronicle.wire.DocumentContext;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.NavigableSet;

/**
 * Reads the journal between two event times, for replay and forensics; it seeks rather than scans.
 *
 * <p><b>Assumption.</b> The journal is in ingestion order, and event time follows ingestion order
 * except for events that arrive late (or whose producer's clock is behind) by at most {@code slack}
 * (default 5 minutes, configurable). Under that assumption:
 *
 * <pre>
 *  seek(from):  1. cycles: binary search on the time of each cycle's first record for the last cycle
 *                  whose first record is older than from − slack
 *               2. within it: binary search on the sequence number for the first record with time ≥ from − slack
 *               3. scan forward from there
 *  read(to):    deliver records with from ≤ time &lt; to; stop at the first record with time ≥ to + slack
 * </pre>
 *
 * Each probe is a {@code moveToIndex} (Chronicle's index, then a short linear scan) and one read, so a
 * seek costs O(log cycles + log records) probes. A record later than {@code slack} can be missed at the
 * edges of the range; widen the slack for sources known to deliver late. Groups are placed by their
 * {@code end} time.
 *
 * <p>Threading: one thread. Reading allocates nothing once warm. Opens its own read-only queue, so it
 * reads beside an appending engine.
 */
public final class JournalReader implements AutoCloseable
{
    public static final Duration DEFAULT_SLACK = Duration.ofMinutes(5);

    private final SingleChronicleQueue queue;
    private final ExcerptTailer tailer;
    private final RollCycle rollCycle;
    private final UnsafeBuffer view = new UnsafeBuffer(new byte[0]);
    private long slackNanos = DEFAULT_SLACK.toNanos();
    private long from = Long.MIN_VALUE;
    private long to = Long.MAX_VALUE;
    private boolean done;
    private int probes;

    private JournalReader(final JournalSettings settings) throws IOException
    {
        final Path dir = settings.dir().toAbsolutePath();
        if (!Files.isDirectory(dir))
        {
            throw new IOException("journal " + dir + ": no such directory");
        }
        queue = Queues.build(settings, dir, true);
        rollCycle = queue.rollCycle();
        tailer = queue.createTailer();
    }

    /** Opens the journal in {@code dir} read-only. */
    public static JournalReader open(final Path dir) throws IOException
    {
        return open(JournalSettings.builder().dir(dir).build());
    }

    public static JournalReader open(final JournalSettings settings) throws IOException
    {
        return new JournalReader(settings);
    }

    /** How late (in event time, against journal order) a record may be and still be found. */
    public JournalReader slack(final Duration slack)
    {
        if (slack.isNegative())
        {
            throw new IllegalArgumentException("slack must not be negative");
        }
        this.slackNanos = slack.toNanos();
        return this;
    }

    /**
     * Positions the reader for records with event time in [{@code fromNanos}, {@code toNanos}) (epoch
     * nanoseconds); {@link Long#MIN_VALUE} / {@link Long#MAX_VALUE} leave an end open.
     *
     * @return the index reading starts at, or -1 when the journal is empty.
     */
    public long seek(final long fromNanos, final long toNanos)
    {
        this.from = fromNanos;
        this.to = toNanos;
        this.done = false;
        this.probes = 0;
        final long target = fromNanos == Long.MIN_VALUE ? Long.MIN_VALUE : fromNanos - slackNanos;
        queue.refreshDirectoryListing();
        final int first = queue.firstCycle();
        final int last = queue.lastCycle();
        if (first == Integer.MAX_VALUE || last == Integer.MIN_VALUE)
        {
            tailer.toStart();
            return -1;
        }
        if (target == Long.MIN_VALUE)
        {
            tailer.toStart();
            return tailer.index();
        }
        final NavigableSet<Long> set = queue.listCyclesBetween(first, last);
        final List<Integer> cycles = new ArrayList<>(set.size());
        for (final Long c : set)
        {
            cycles.add(c.intValue());
        }
        // 1. the last cycle whose first record is older than the target
        int lo = 0;
        int hi = cycles.size() - 1;
        int chosen = 0;
        while (lo <= hi)
        {
            final int mid = (lo + hi) >>> 1;
            final long t = timeAt(rollCycle.toIndex(cycles.get(mid), 0));
            if (t == JournalRecords.NO_TIME || t < target)
            {
                chosen = mid;
                lo = mid + 1;
            }
            else
            {
                hi = mid - 1;
            }
        }
        final int cycle = cycles.get(chosen);
        // 2. within it, the first sequence whose time is at or after the target
        final long count = tailer.excerptsInCycle(cycle);
        long sLo = 0;
        long sHi = count;
        while (sLo < sHi)
        {
            final long mid = (sLo + sHi) >>> 1;
            final long t = timeAt(rollCycle.toIndex(cycle, mid));
            if (t != JournalRecords.NO_TIME && t >= target)
            {
                sHi = mid;
            }
            else
            {
                sLo = mid + 1;
            }
        }
        if (sLo < count)
        {
            tailer.moveToIndex(rollCycle.toIndex(cycle, sLo));
        }
        else if (!moveToNextCycleStart(cycles, chosen))
        {
            tailer.toEnd();
        }
        return tailer.index();
    }

    /**
     * Positions the reader at the last {@code records} records of the journal (all of them when it holds
     * fewer), with no time range: for a consumer that needs the recent tail, e.g. a server rebuilding its
     * dedup window after a restart. Counts come from Chronicle's per-cycle index, so the start is exact
     * for a journal written only by {@link Journal}.
     *
     * @return the index reading starts at, or -1 when the journal is empty.
     */
    public long seekLast(final long records)
    {
        if (records < 0)
        {
            throw new IllegalArgumentException("records must not be negative");
        }
        this.from = Long.MIN_VALUE;
        this.to = Long.MAX_VALUE;
        this.done = false;
        this.probes = 0;
        queue.refreshDirectoryListing();
        final int first = queue.firstCycle();
        final int last = queue.lastCycle();
        if (first == Integer.MAX_VALUE || last == Integer.MIN_VALUE)
        {
            tailer.toStart();
            return -1;
        }
        long remaining = records;
        for (final Long c : queue.listCyclesBetween(first, last).descendingSet())
        {
            final int cycle = c.intValue();
            final long count = tailer.excerptsInCycle(cycle);
            probes++;
            if (count >= remaining)
            {
                if (remaining == 0)
                {
                    tailer.toEnd();
                }
                else
                {
                    tailer.moveToIndex(rollCycle.toIndex(cycle, count - remaining));
                }
                return tailer.index();
            }
            remaining -= count;
        }
        tailer.toStart();
        return tailer.index();
    }

    private boolean moveToNextCycleStart(final List<Integer> cycles, final int chosen)
    {
        if (chosen + 1 >= cycles.size())
        {
            return false;
        }
        return tailer.moveToIndex(rollCycle.toIndex(cycles.get(chosen + 1), 0));
    }

    /** The time of the record at index, or NO_TIME when it is missing or carries none. */
    private long timeAt(final long index)
    {
        probes++;
        if (!tailer.moveToIndex(index))
        {
            return JournalRecords.NO_TIME;
        }
        try (DocumentContext dc = tailer.readingDocument())
        {
            if (!dc.isPresent() || !dc.isData())
            {
                return JournalRecords.NO_TIME;
            }
            final Bytes<?> bytes = dc.wire().bytes();
            final int length = (int)bytes.readRemaining();
            view.wrap(bytes.addressForRead(bytes.readPosition()), length);
            return JournalRecords.timeOf(view, 0, length);
        }
    }

    /**
     * Delivers up to {@code limit} records in the range, in journal order, skipping those outside it.
     *
     * @return the number delivered; 0 with {@link #done()} true at the end of the range or of the journal.
     */
    public int read(final RecordHandler handler, final int limit)
    {
        int n = 0;
        while (n < limit && !done)
        {
            try (DocumentContext dc = tailer.readingDocument())
            {
                if (!dc.isPresent())
                {
                    done = true;
                    break;
                }
                if (!dc.isData())
                {
                    continue;
                }
                final Bytes<?> bytes = dc.wire().bytes();
                final int length = (int)bytes.readRemaining();
                view.wrap(bytes.addressForRead(bytes.readPosition()), length);
                final long t = JournalRecords.timeOf(view, 0, length);
                if (t == JournalRecords.NO_TIME)
                {
                    continue;
                }
                if (to != Long.MAX_VALUE && t - slackNanos >= to)
                {
                    done = true;
                    break;
                }
                if (t >= from && t < to)
                {
                    n++;
                    handler.onRecord(dc.index(), JournalRecords.templateId(view, 0, length), view, 0, length);
                }
            }
        }
        return n;
    }

    /** True once the range (or the journal, as far as it is written) has been read. */
    public boolean done()
    {
        return done;
    }

    /** Index probes the last seek made (for tests and diagnostics). */
    public int seekProbes()
    {
        return probes;
    }

    @Override
    public void close()
    {
        try
        {
            tailer.close();
        }
        finally
        {
            queue.close();
        }
    }
}
