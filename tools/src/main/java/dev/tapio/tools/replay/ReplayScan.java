package dev.tapio.tools.replay;

import dev.tapio.codecs.EventFrames;
import dev.tapio.codecs.GroupFrames;
import dev.tapio.codecs.sbe.EventDecoder;
import dev.tapio.codecs.sbe.GroupDecoder;
import dev.tapio.journal.JournalReader;
import dev.tapio.journal.JournalRecords;
import dev.tapio.journal.RecordHandler;
import org.agrona.DirectBuffer;
import org.agrona.collections.LongHashSet;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.SleepingMillisIdleStrategy;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One pass of {@code tapio replay} over a journal: seek, filter, hand matching records to an
 * {@link Output}, and count everything it passes.
 *
 * <pre>
 *  seek(from − slack) ─► read in journal order ─┬─ event, from ≤ time &lt; to, filter matches ─► output.event
 *  (binary search,        (time of an event is   │      its correlation id becomes "wanted"
 *   never a scan)          its timestamp, of a   ├─ group record, overlaps [from, to) and
 *                          group its end)        │    (a printed event belongs to it, or no field filter
 *                                                │     and --correlation absent or equal)   ─► output.group
 *                                                └─ stop at the first record with time ≥ to + slack once every
 *                                                   wanted group was printed, or at to + slack + horizon
 * </pre>
 *
 * <b>Groups.</b> A group record is written to the journal when the group closes, after all its members,
 * so it can lie past {@code --to}: the scan reads on (records only, nothing more is printed but groups)
 * until every printed event's group has been seen, at most {@code horizon} beyond {@code to + slack}.
 * A member that joins a group after its record was written (a late event) still brings the group: with
 * field filters, group records read but not printed (from the slack before {@code from} on) are held, the
 * latest {@value #HELD_GROUPS}, until such an event shows.
 *
 * <p>Corrupt records (an Event or Group that fails validation) and records this version cannot place
 * (another template, another schema) are counted, named by journal index on stderr (the first
 * {@value #REPORTED_PROBLEMS}), and skipped.
 *
 * <p>Threading: one thread (the CLI's, or the engine's source thread in what-if mode).
 */
public final class ReplayScan implements RecordHandler
{
    /** Where matching records go. Returning false stops the scan (output closed, engine stopped). */
    public interface Output
    {
        boolean event(DirectBuffer buffer, int offset, int length) throws IOException;

        boolean group(DirectBuffer buffer, int offset, int length) throws IOException;

        /** The scan has read everything written so far and waits for more (follow mode): flush. */
        default void caughtUp() throws IOException
        {
        }
    }

    /** What to scan for. */
    public static final class Settings
    {
        long from = Long.MIN_VALUE;
        long to = Long.MAX_VALUE;
        long slackNanos = JournalReader.DEFAULT_SLACK.toNanos();
        long horizonNanos;
        EventFilter filter = new EventFilter(null, null, null, null, 0);
        boolean groups = true;
        boolean follow;

        public Settings range(final long fromNanos, final long toNanos)
        {
            this.from = fromNanos;
            this.to = toNanos;
            return this;
        }

        public Settings slack(final long nanos)
        {
            this.slackNanos = nanos;
            return this;
        }

        public Settings horizon(final long nanos)
        {
            this.horizonNanos = nanos;
            return this;
        }

        public Settings filter(final EventFilter filter)
        {
            this.filter = filter;
            return this;
        }

        /** Whether the journal's own group records are printed (false in what-if mode). */
        public Settings groups(final boolean groups)
        {
            this.groups = groups;
            return this;
        }

        /** Whether a --to was given. */
        public boolean hasEnd()
        {
            return to != Long.MAX_VALUE;
        }

        /** Whether to read what is appended after the scan started (default: stop at the end as it was). */
        public Settings follow(final boolean follow)
        {
            this.follow = follow;
            return this;
        }
    }

    static final int REPORTED_PROBLEMS = 10;
    /** How often a following scan looks for new records once it has caught up. */
    static final long FOLLOW_POLL_MILLIS = 20;
    private static final int HELD_GROUPS = 4096;
    private static final int EVENT_TIME = EventFrames.HEADER_LENGTH + EventDecoder.timestampEncodingOffset();
    private static final int EVENT_CORRELATION = EventFrames.HEADER_LENGTH + EventDecoder.correlationIdEncodingOffset();
    private static final int GROUP_ID = EventFrames.HEADER_LENGTH + GroupDecoder.groupIdEncodingOffset();
    private static final int GROUP_START = EventFrames.HEADER_LENGTH + GroupDecoder.startEncodingOffset();
    private static final int GROUP_END = EventFrames.HEADER_LENGTH + GroupDecoder.endEncodingOffset();

    private final JournalReader reader;
    private final Settings settings;
    private final Output output;
    private final PatternNames names;
    private final PrintStream err;
    private final Progress progress;
    private final EventFilter filter;
    private final long from;
    private final long to;
    private final long stopAt;
    private final long horizonAt;
    private final LongHashSet wanted = new LongHashSet();
    private final LongHashSet printedGroups = new LongHashSet();
    private final Map<Long, byte[]> held = new LinkedHashMap<>(64, 0.75f, false)
    {
        @Override
        protected boolean removeEldestEntry(final Map.Entry<Long, byte[]> eldest)
        {
            return size() > HELD_GROUPS;
        }
    };
    private final UnsafeBuffer heldView = new UnsafeBuffer(new byte[0]);

    private boolean stop;
    private IOException failure;
    private long startIndex = -1;
    private long events;
    private long groups;
    private long filtered;
    private long groupsSkipped;
    private long corrupt;
    private long unknown;
    private long unresolved;
    private boolean outputClosed;

    public ReplayScan(final JournalReader reader, final Settings settings, final Output output, final PatternNames names,
        final PrintStream err, final boolean progress, final boolean console)
    {
        this.reader = reader;
        this.settings = settings;
        this.output = output;
        this.names = names;
        this.err = err;
        this.progress = new Progress(err, progress, console);
        this.filter = settings.filter;
        this.from = settings.from;
        this.to = settings.to;
        this.stopAt = to == Long.MAX_VALUE ? Long.MAX_VALUE : saturatingAdd(to, settings.slackNanos);
        this.horizonAt = saturatingAdd(stopAt, settings.horizonNanos);
    }

    private static long saturatingAdd(final long a, final long b)
    {
        final long r = a + b;
        return ((a ^ r) & (b ^ r)) < 0 ? Long.MAX_VALUE : r;
    }

    /** Scans the range. Throws only what the output threw (after counting what went before). */
    public void run() throws IOException
    {
        reader.slack(Duration.ofNanos(settings.slackNanos));
        reader.untimed(this::untimed);
        reader.outside(this::outside);
        if (!settings.follow)
        {
            reader.stopAfter(reader.lastIndex());
        }
        startIndex = reader.seek(from, Long.MAX_VALUE);
        if (startIndex >= 0)
        {
            progress.total(reader.countFromSeek(stopAt));
        }
        long loops = 0;
        final IdleStrategy idle = new SleepingMillisIdleStrategy(FOLLOW_POLL_MILLIS);
        while (!stop)
        {
            reader.read(this, 1);
            if ((++loops & 1023) == 0)
            {
                progress.tick(reader.scanned());
            }
            if (reader.done())
            {
                if (!settings.follow || reader.endOfRange() || stop)
                {
                    break;
                }
                output.caughtUp();
                idle.idle();
            }
        }
        progress.done();
        unresolved = wanted.size();
        if (failure != null)
        {
            throw failure;
        }
    }

    @Override
    public void onRecord(final long index, final int templateId, final DirectBuffer buffer, final int offset, final int length)
    {
        if (stop)
        {
            return;
        }
        try
        {
            if (templateId == JournalRecords.EVENT)
            {
                onEvent(index, buffer, offset, length);
            }
            else
            {
                onGroup(index, buffer, offset, length);
            }
        }
        catch (final IOException e)
        {
            failure = e;
            stop = true;
        }
    }

    private void onEvent(final long index, final DirectBuffer buffer, final int offset, final int length) throws IOException
    {
        final int valid = EventFrames.validate(buffer, offset, length);
        if (valid != EventFrames.OK)
        {
            problem(index, "a corrupt event (" + EventFrames.reason(valid) + ")");
            corrupt++;
            return;
        }
        final long t = buffer.getLong(offset + EVENT_TIME, ByteOrder.LITTLE_ENDIAN);
        if (t >= to)
        {
            checkStop(t);
            return;
        }
        if (!filter.matches(buffer, offset, length))
        {
            filtered++;
            return;
        }
        if (!output.event(buffer, offset, length))
        {
            outputClosed = true;
            stop = true;
            return;
        }
        events++;
        if (!settings.groups)
        {
            return;
        }
        final long correlation = buffer.getLong(offset + EVENT_CORRELATION, ByteOrder.LITTLE_ENDIAN);
        if (correlation != 0 && !printedGroups.contains(correlation))
        {
            final byte[] group = held.remove(correlation);
            if (group != null)
            {
                heldView.wrap(group);
                printGroup(correlation, heldView, 0, group.length);
                groupsSkipped--;
            }
            else
            {
                wanted.add(correlation);
            }
        }
    }

    private void onGroup(final long index, final DirectBuffer buffer, final int offset, final int length) throws IOException
    {
        final int valid = GroupFrames.validate(buffer, offset, length);
        if (valid != EventFrames.OK)
        {
            problem(index, "a corrupt group record (" + EventFrames.reason(valid) + ")");
            corrupt++;
            return;
        }
        names.learn(buffer, offset);
        final long end = buffer.getLong(offset + GROUP_END, ByteOrder.LITTLE_ENDIAN);
        if (!settings.groups)
        {
            groupsSkipped++;
            checkStop(end);
            return;
        }
        final long id = buffer.getLong(offset + GROUP_ID, ByteOrder.LITTLE_ENDIAN);
        final long start = buffer.getLong(offset + GROUP_START, ByteOrder.LITTLE_ENDIAN);
        final boolean overlaps = start < to && end >= from;
        if (printedGroups.contains(id))
        {
            groupsSkipped++;
        }
        else if (wanted.remove(id) ||
            overlaps && !filter.hasFieldFilters() && (filter.correlation() == 0 || filter.correlation() == id))
        {
            printGroup(id, buffer, offset, length);
        }
        else if (filter.hasFieldFilters())
        {
            hold(id, buffer, offset, length);
        }
        else
        {
            groupsSkipped++;
        }
        checkStop(end);
    }

    private void printGroup(final long id, final DirectBuffer buffer, final int offset, final int length) throws IOException
    {
        if (!output.group(buffer, offset, length))
        {
            outputClosed = true;
            stop = true;
            return;
        }
        groups++;
        printedGroups.add(id);
    }

    /** Past the range: stop once no printed event waits for its group, or at the horizon. */
    private void checkStop(final long t)
    {
        if (t >= stopAt && (wanted.isEmpty() || !settings.groups || t >= horizonAt))
        {
            stop = true;
        }
    }

    /**
     * A record the reader passed over as outside [from, ∞): in the slack before {@code from}. An event
     * there is counted as outside the range; a group record is held (with field filters) in case an event
     * of the range joined that group late, after its record was written.
     */
    private void outside(final long index, final int templateId, final DirectBuffer buffer, final int offset, final int length)
    {
        if (stop || templateId != JournalRecords.GROUP || !settings.groups || !filter.hasFieldFilters())
        {
            return;
        }
        if (GroupFrames.validate(buffer, offset, length) != EventFrames.OK)
        {
            problem(index, "a corrupt group record");
            corrupt++;
            return;
        }
        names.learn(buffer, offset);
        hold(buffer.getLong(offset + GROUP_ID, ByteOrder.LITTLE_ENDIAN), buffer, offset, length);
    }

    private void hold(final long id, final DirectBuffer buffer, final int offset, final int length)
    {
        final byte[] copy = new byte[length];
        buffer.getBytes(offset, copy);
        held.put(id, copy);
        groupsSkipped++;
    }

    private void untimed(final long index, final int templateId, final DirectBuffer buffer, final int offset, final int length)
    {
        unknown++;
        problem(index, templateId < 0 ?
            "not a Tapio record (" + length + " bytes of another schema or format)" :
            "a record of template " + templateId + " this version does not know");
    }

    private void problem(final long index, final String what)
    {
        final long n = corrupt + unknown;
        if (n < REPORTED_PROBLEMS)
        {
            err.println("tapio replay: journal index " + index + " (0x" + Long.toHexString(index) + ", cycle " +
                reader.cycleOf(index) + " record " + reader.sequenceOf(index) + "): " + what + "; skipped");
        }
        else if (n == REPORTED_PROBLEMS)
        {
            err.println("tapio replay: more corrupt or unknown records: counted in the summary, not shown");
        }
    }

    /** Records the reader went through: delivered, outside the range, or untimed. */
    public long scanned()
    {
        return reader.scanned();
    }

    public long events()
    {
        return events;
    }

    public long groups()
    {
        return groups;
    }

    public long filtered()
    {
        return filtered;
    }

    /** Group records read and not printed (not matching, held for a late member that never came, or what-if). */
    public long groupsSkipped()
    {
        return groupsSkipped;
    }

    public long corrupt()
    {
        return corrupt;
    }

    public long unknown()
    {
        return unknown;
    }

    /** Records outside the time range (read because of the slack at the start or the group horizon at the end). */
    public long outsideRange()
    {
        return scanned() - events - groups - filtered - groupsSkipped - corrupt - unknown;
    }

    /** Correlation ids of printed events whose group record was not found before the scan ended. */
    public long unresolved()
    {
        return unresolved;
    }

    /** The index the seek positioned at, or -1 for an empty journal. */
    public long startIndex()
    {
        return startIndex;
    }

    /** Whether the output refused more (a closed pipe, a stopped engine). */
    public boolean outputClosed()
    {
        return outputClosed;
    }
}
