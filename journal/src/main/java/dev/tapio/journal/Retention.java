package dev.tapio.journal;

import dev.tapio.engine.config.Units;
import net.openhft.chronicle.queue.ExcerptTailer;
import net.openhft.chronicle.queue.RollCycle;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableSet;

/**
 * Retention and sync, run by the housekeeper on its own queue instance (never the appender's): deletes
 * whole cycle files, oldest first, when they ended longer than {@code retention} ago or while the cycle
 * files together exceed {@code maxDisk}. The newest cycle (where the appender writes) is never deleted.
 * Before deleting a cycle it counts, per named tailer, the records in it that tailer has not acked, into
 * {@code tapio_journal_dropped_total{reason="retention",tailer=…}}, and logs one line per deletion batch.
 *
 * <p>Sizes are the files' lengths (Chronicle grows a cycle file a block at a time, and the file may be
 * sparse), so the cap is conservative. Threading: one thread at a time (the caller synchronizes).
 */
final class Retention
{
    private final JournalSettings settings;
    private final Path dir;
    private final JournalCounters counters;
    private final PrintStream log;
    private SingleChronicleQueue queue;
    private DateTimeFormatter formatter;
    private PageToucher toucher;
    private int lastSyncedCycle = Integer.MIN_VALUE;
    private long appendedAtLastSync = -1;

    Retention(final JournalSettings settings, final Path dir, final JournalCounters counters, final PrintStream log)
    {
        this.settings = settings;
        this.dir = dir;
        this.counters = counters;
        this.log = log;
    }

    private boolean ensureQueue()
    {
        if (queue == null)
        {
            if (!Files.isDirectory(dir))
            {
                return false;
            }
            queue = Queues.build(settings, dir, false);
            formatter = Queues.formatter(queue.rollCycle());
        }
        return true;
    }

    /**
     * Sets each tailer's lag gauges from the position files: the records appended after its acked one (all
     * records when it acked none, or when retention deleted the acked one), and when it last acked.
     */
    void tailerLag()
    {
        final Map<String, long[]> positions = TailerPositions.readAllWithTimes(dir);
        if (positions.isEmpty() || !ensureQueue())
        {
            return;
        }
        queue.refreshDirectoryListing();
        final long first = queue.firstIndex();
        final long last = queue.lastIndex();
        for (final Map.Entry<String, long[]> t : positions.entrySet())
        {
            final long acked = t.getValue()[0];
            long lag = 0;
            if (last >= 0 && first != Long.MAX_VALUE && acked < last)
            {
                try
                {
                    // countExcerpts counts [from, to): [acked, last) has as many records as (acked, last].
                    lag = acked < first ? queue.countExcerpts(first, last) + 1 : queue.countExcerpts(acked, last);
                }
                catch (final RuntimeException e)
                {
                    continue;              // a cycle deleted under us: the next pass sees the new first index
                }
            }
            counters.tailerLag(t.getKey()).setRelease(lag);
            counters.tailerAckedAt(t.getKey()).setRelease(Math.max(0, t.getValue()[1]) / 1000);
        }
    }

    /** One retention pass; returns the number of cycle files deleted. */
    int enforce()
    {
        if (settings.retention() == null && settings.maxDiskBytes() == 0 || !ensureQueue())
        {
            return 0;
        }
        queue.refreshDirectoryListing();
        final int first = queue.firstCycle();
        final int last = queue.lastCycle();
        if (first == Integer.MAX_VALUE || last == Integer.MIN_VALUE || first >= last)
        {
            return 0;
        }
        final NavigableSet<Long> cycles = queue.listCyclesBetween(first, last);
        final long now = settings.timeProvider().currentTimeMillis();
        final int current = queue.cycle();
        final RollCycle rc = queue.rollCycle();

        final List<Integer> existing = new ArrayList<>();
        final Map<Integer, Long> sizes = new LinkedHashMap<>();
        long total = 0;
        for (final Long c : cycles)
        {
            final Path f = Queues.cycleFile(queue, formatter, dir, c.intValue());
            try
            {
                final long size = Files.size(f);
                existing.add(c.intValue());
                sizes.put(c.intValue(), size);
                total += size;
            }
            catch (final IOException e)
            {
                // listed but gone (another process deleted it)
            }
        }

        final List<Integer> byAge = new ArrayList<>();
        final List<Integer> byDisk = new ArrayList<>();
        long remaining = total;
        for (final int c : existing)
        {
            if (c >= last || c >= current)
            {
                break;
            }
            final long end = Queues.cycleStartMillis(queue, c) + rc.lengthInMillis();
            if (settings.retention() != null && end <= now - settings.retention().toMillis())
            {
                byAge.add(c);
                remaining -= sizes.get(c);
            }
            else if (settings.maxDiskBytes() > 0 && remaining > settings.maxDiskBytes())
            {
                byDisk.add(c);
                remaining -= sizes.get(c);
            }
            else
            {
                break;
            }
        }
        if (byAge.isEmpty() && byDisk.isEmpty())
        {
            return 0;
        }

        final Map<String, Long> acked = TailerPositions.readAll(dir);
        final Map<String, Long> unacked = new LinkedHashMap<>();
        long bytes = 0;
        int deleted = 0;
        int deletedByAge = 0;
        String firstName = null;
        String lastName = null;
        try (ExcerptTailer counter = queue.createTailer())
        {
            for (final int c : concat(byAge, byDisk))
            {
                final long records = counter.excerptsInCycle(c);
                final Path f = Queues.cycleFile(queue, formatter, dir, c);
                try
                {
                    if (!Files.deleteIfExists(f))
                    {
                        continue;
                    }
                }
                catch (final IOException e)
                {
                    log.println("tapio: journal " + dir + ": retention cannot delete " + f.getFileName() + ": " + e);
                    continue;
                }
                deleted++;
                bytes += sizes.get(c);
                if (byAge.contains(c))
                {
                    deletedByAge++;
                    counters.deletedByAge.increment();
                }
                else
                {
                    counters.deletedByDisk.increment();
                }
                firstName = firstName == null ? f.getFileName().toString() : firstName;
                lastName = f.getFileName().toString();
                for (final Map.Entry<String, Long> t : acked.entrySet())
                {
                    final long n = unackedIn(rc, c, records, t.getValue());
                    if (n > 0)
                    {
                        counters.droppedByRetention(t.getKey()).getAndAdd(n);
                        unacked.merge(t.getKey(), n, Long::sum);
                    }
                }
            }
        }
        counters.bytesDeleted.getAndAdd(bytes);
        queue.refreshDirectoryListing();
        if (deleted > 0)
        {
            final StringBuilder sb = new StringBuilder("tapio: journal ").append(dir).append(": retention deleted ")
                .append(deleted).append(" cycle file(s) (").append(deletedByAge).append(" by age, ")
                .append(deleted - deletedByAge).append(" by maxDisk; ").append(Units.formatBytes(bytes)).append(", ")
                .append(firstName).append(deleted > 1 ? " … " + lastName : "").append(')');
            if (unacked.isEmpty())
            {
                sb.append("; every tailer had acked them");
            }
            else
            {
                sb.append("; records not yet acked, counted in ").append(JournalCounters.DROPPED).append(':');
                unacked.forEach((name, n) -> sb.append(' ').append(name).append('=').append(n));
            }
            log.println(sb);
        }
        return deleted;
    }

    /** Records of cycle {@code cycle} (holding {@code records}) after a tailer's acked index. */
    static long unackedIn(final RollCycle rc, final int cycle, final long records, final long ackedIndex)
    {
        if (ackedIndex == TailerPositions.NONE || rc.toCycle(ackedIndex) < cycle)
        {
            return records;
        }
        if (rc.toCycle(ackedIndex) > cycle)
        {
            return 0;
        }
        return Math.max(0, records - (rc.toSequenceNumber(ackedIndex) + 1));
    }

    private static List<Integer> concat(final List<Integer> a, final List<Integer> b)
    {
        final List<Integer> out = new ArrayList<>(a);
        out.addAll(b);
        return out;
    }

    /** fsyncs the cycle files written since the last sync, and the metadata; false when nothing was new. */
    boolean sync()
    {
        final long appended = counters.appended.get();
        if (appended == appendedAtLastSync || !ensureQueue())
        {
            return false;
        }
        queue.refreshDirectoryListing();
        final int last = queue.lastCycle();
        if (last == Integer.MIN_VALUE)
        {
            return false;
        }
        final int from = lastSyncedCycle == Integer.MIN_VALUE ? last : Math.min(lastSyncedCycle, last);
        for (int c = from; c <= last; c++)
        {
            force(Queues.cycleFile(queue, formatter, dir, c));
        }
        force(dir.resolve("metadata.cq4t"));
        lastSyncedCycle = last;
        appendedAtLastSync = appended;
        return true;
    }

    private void force(final Path f)
    {
        if (!Files.exists(f))
        {
            return;
        }
        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.READ))
        {
            // fsync on the file flushes its dirty pages however they were dirtied, through the mapping too.
            ch.force(true);
        }
        catch (final IOException e)
        {
            log.println("tapio: journal " + dir + ": sync of " + f.getFileName() + " failed: " + e);
        }
    }

    /** Touches the pages just ahead of the appender (see {@link PageToucher}); returns pages touched. */
    long pretouch() throws IOException
    {
        if (!ensureQueue())
        {
            return 0;
        }
        if (toucher == null)
        {
            toucher = new PageToucher(queue);
        }
        return toucher.touch();
    }

    long pagesTouched()
    {
        return toucher == null ? 0 : toucher.pagesTouched();
    }

    long mappingsAdvised()
    {
        return toucher == null ? 0 : toucher.advised();
    }

    long appenderMappingsAdvised()
    {
        return toucher == null ? 0 : toucher.appenderAdvised();
    }

    void close()
    {
        if (toucher != null)
        {
            toucher.release();
            toucher = null;
        }
        if (queue != null)
        {
            queue.close();
            queue = null;
        }
    }
}
