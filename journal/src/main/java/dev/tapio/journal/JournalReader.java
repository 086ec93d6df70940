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
 * <p>Records that carry no time this code knows (not a Tapio message, a template a later version added,
 * or too short for its fixed block) cannot be placed in the range: they are skipped, or handed to
 * {@link #untimed(RecordHandler)} so a caller can count and report them. Likewise the records read but
 * outside the range (the slack before {@code from}) can go to {@link #outside(RecordHandler)}; {@link #scanned()}
 * counts every record read since the seek.
 *
 * <p><b>Beside a writer.</b> By default {@link #read} follows the journal as far as it is written when
 * it reads, so records appended meanwhile are delivered too. {@link #stopAfter(long)} with
 * {@link #lastIndex()} pins the end to what was written at that moment (what replay does).
 *
 * <p>Threading: one thread. Reading allocates nothing once warm. Opens its own read-only queue, so it
 * reads beside an appending engine.
 */
public final class JournalReader implements AutoCloseable
{
    public static final Duration DEFAULT_SLACK = Duration.ofMinutes(5);

    // What locate() returns besides an index (indexes are never negative).
    private static final long EMPTY = -1;
    private static final long AT_END = -2;
    private static final long START = -3;
    /** How many records a probe looks past an untimed one for a time. */
    private static final int PROBE_AHEAD = 16;

    private final SingleChronicleQueue queue;
    private final ExcerptTailer tailer;
    private final RollCycle rollCycle;
    private final UnsafeBuffer view = new UnsafeBuffer(new byte[0]);
    private long slackNanos = DEFAULT_SLACK.toNanos();
    private long from = Long.MIN_VALUE;
    private long to = Long.MAX_VALUE;
    private boolean done;
    private boolean endOfRange;
    private int probes;
    private long scanned;
    private long startIndex = -1;
    private boolean startAtEnd;
    private long stopAfter = Long.MAX_VALUE;
    private RecordHandler untimed;
    private RecordHandler outside;

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
        this.endOfRange = false;
        this.probes = 0;
        this.scanned = 0;
        final long target = fromNanos == Long.MIN_VALUE ? Long.MIN_VALUE : fromNanos - slackNanos;
        final long index = locate(target);
        if (index == EMPTY)
        {
            tailer.toStart();
            startIndex = -1;
            startAtEnd = false;
            return -1;
        }
        position(index);
        startIndex = tailer.index();
        startAtEnd = index == AT_END;
        return startIndex;
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
        this.endOfRange = false;
        this.probes = 0;
        this.scanned = 0;
        this.startAtEnd = false;
        queue.refreshDirectoryListing();
        final int first = queue.firstCycle();
        final int last = queue.lastCycle();
        if (first == Integer.MAX_VALUE || last == Integer.MIN_VALUE)
        {
            tailer.toStart();
            startIndex = -1;
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
                    startAtEnd = true;
                }
                else
                {
                    tailer.moveToIndex(rollCycle.toIndex(cycle, count - remaining));
                }
                startIndex = tailer.index();
                return startIndex;
            }
            remaining -= count;
        }
        tailer.toStart();
        startIndex = tailer.index();
        return startIndex;
    }

    private void position(final long index)
    {
        if (index == AT_END)
        {
            tailer.toEnd();
        }
        else if (index == START)
        {
            tailer.toStart();
        }
        else if (!tailer.moveToIndex(index))
        {
            tailer.toEnd();
        }
    }

    /**
     * The index of the first record with time ≥ {@code target} under the ordering assumption: {@link #START}
     * for an open start, {@link #AT_END} when every record is older, {@link #EMPTY} for an empty journal.
     * Moves the tailer (probes).
     */
    private long locate(final long target)
    {
        queue.refreshDirectoryListing();
        final int first = queue.firstCycle();
        final int last = queue.lastCycle();
        if (first == Integer.MAX_VALUE || last == Integer.MIN_VALUE)
        {
            return EMPTY;
        }
        if (target == Long.MIN_VALUE)
        {
            return START;
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
            return rollCycle.toIndex(cycle, sLo);
        }
        if (chosen + 1 < cycles.size())
        {
            return rollCycle.toIndex(cycles.get(chosen + 1), 0);
        }
        return AT_END;
    }

    /**
     * How many records lie between the position of the last {@link #seek} and the first record at or after
     * {@code untilNanos} (located by the same binary search), or the journal's end for {@link Long#MAX_VALUE},
     * or the {@link #stopAfter} index if that comes first. Counted through Chronicle's index (O(log n)
     * probes, no scan): for progress reports. Call right after {@code seek}: it leaves the reader at the
     * seek position.
     *
     * @return the count, or -1 when unknown (nothing sought, an empty journal).
     */
    public long countFromSeek(final long untilNanos)
    {
        if (startAtEnd)
        {
            return 0;
        }
        if (startIndex < 0)
        {
            return -1;
        }
        final long start = startIndex;
        try
        {
            final long end = untilNanos == Long.MAX_VALUE ? AT_END : locate(untilNanos);
            final long last = queue.lastIndex();
            if (last < 0)
            {
                return -1;
            }
            long endExclusive = end < 0 ? last + 1 : end;
            if (stopAfter != Long.MAX_VALUE && stopAfter + 1 < endExclusive)
            {
                endExclusive = stopAfter + 1;
            }
            if (endExclusive <= start)
            {
                return 0;
            }
            // countExcerpts counts [from, to) over existing cycles: count to the last record and add it.
            return endExclusive > last ? queue.countExcerpts(start, last) + 1 : queue.countExcerpts(start, endExclusive);
        }
        catch (final RuntimeException e)
        {
            return -1;
        }
        finally
        {
            tailer.moveToIndex(start);
        }
    }

    /**
     * The time of the record at index, or of the first record after it that carries one (looking at most
     * {@value #PROBE_AHEAD} records ahead, so an untimed record cannot misplace a whole cycle); NO_TIME
     * when there is none.
     */
    private long timeAt(final long index)
    {
        probes++;
        if (!tailer.moveToIndex(index))
        {
            return JournalRecords.NO_TIME;
        }
        for (int i = 0; i < PROBE_AHEAD; i++)
        {
            try (DocumentContext dc = tailer.readingDocument())
            {
                if (!dc.isPresent())
                {
                    return JournalRecords.NO_TIME;
                }
                if (!dc.isData())
                {
                    continue;
                }
                final Bytes<?> bytes = dc.wire().bytes();
                final int length = (int)bytes.readRemaining();
                view.wrap(bytes.addressForRead(bytes.readPosition()), length);
                final long t = JournalRecords.timeOf(view, 0, length);
                if (t != JournalRecords.NO_TIME)
                {
                    return t;
                }
            }
        }
        return JournalRecords.NO_TIME;
    }

    /**
     * Delivers up to {@code limit} records in the range, in journal order, skipping those outside it.
     * At the end of what is written it returns with {@link #done()} true; called again, it looks for
     * records appended since (so a caller can follow the journal) unless the range has ended
     * ({@link #endOfRange()}).
     *
     * @return the number delivered; 0 with {@link #done()} true at the end of the range or of the journal.
     */
    public int read(final RecordHandler handler, final int limit)
    {
        if (done && !endOfRange)
        {
            done = false;
        }
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
                final long index = dc.index();
                if (index > stopAfter)
                {
                    dc.rollbackOnClose();
                    done = true;
                    endOfRange = true;
                    break;
                }
                scanned++;
                final Bytes<?> bytes = dc.wire().bytes();
                final int length = (int)bytes.readRemaining();
                view.wrap(bytes.addressForRead(bytes.readPosition()), length);
                final long t = JournalRecords.timeOf(view, 0, length);
                if (t == JournalRecords.NO_TIME)
                {
                    if (untimed != null)
                    {
                        untimed.onRecord(index, JournalRecords.templateId(view, 0, length), view, 0, length);
                    }
                    continue;
                }
                if (to != Long.MAX_VALUE && t - slackNanos >= to)
                {
                    done = true;
                    endOfRange = true;
                    break;
                }
                if (t >= from && t < to)
                {
                    n++;
                    handler.onRecord(index, JournalRecords.templateId(view, 0, length), view, 0, length);
                }
                else if (outside != null)
                {
                    outside.onRecord(index, JournalRecords.templateId(view, 0, length), view, 0, length);
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

    /** True once the range has ended: a record past {@code to + slack}, or past the {@link #stopAfter} index. */
    public boolean endOfRange()
    {
        return endOfRange;
    }

    /**
     * Receives, instead of their being skipped silently, the records {@link #read} meets that carry no time
     * this code knows (templateId -1 when the bytes are not a message of Tapio's schema); they are not
     * counted against {@code read}'s limit. Null (the default) skips them.
     */
    public JournalReader untimed(final RecordHandler handler)
    {
        this.untimed = handler;
        return this;
    }

    /**
     * Receives, instead of their being skipped silently, the records {@link #read} goes through that lie
     * outside [from, to): those in the slack before {@code from}, late ones, those in [to, to + slack). They
     * are not counted against {@code read}'s limit. Null (the default) skips them.
     */
    public JournalReader outside(final RecordHandler handler)
    {
        this.outside = handler;
        return this;
    }

    /**
     * Makes {@link #read} deliver nothing after {@code index} (it reports {@link #done()} on reaching a later
     * record); {@link Long#MAX_VALUE} (the default) follows the journal as far as it is written.
     */
    public JournalReader stopAfter(final long index)
    {
        this.stopAfter = index;
        return this;
    }

    /** The index of the last record written now (seen from this reader), or -1 when the journal is empty. */
    public long lastIndex()
    {
        queue.refreshDirectoryListing();
        final long last = queue.lastIndex();
        return last < 0 ? -1 : last;
    }

    /** Records {@link #read} has gone through since the last {@link #seek}: delivered, outside the range, or untimed. */
    public long scanned()
    {
        return scanned;
    }

    /** The roll cycle number of an index (for messages naming a record). */
    public int cycleOf(final long index)
    {
        return rollCycle.toCycle(index);
    }

    /** The sequence number of an index within its cycle (for messages naming a record). */
    public long sequenceOf(final long index)
    {
        return rollCycle.toSequenceNumber(index);
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
