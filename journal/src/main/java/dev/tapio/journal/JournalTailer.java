package dev.tapio.journal;

import net.openhft.chronicle.bytes.Bytes;
import net.openhft.chronicle.queue.ExcerptTailer;
import net.openhft.chronicle.queue.RollCycle;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import net.openhft.chronicle.wire.DocumentContext;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A named reader of the journal with a durable position: it delivers records in journal order, in
 * batches, and its position moves only when the consumer calls {@link #ack(long)} — so a consumer that
 * dies (kill -9 included) gets every un-acked record again when a tailer of the same name is reopened.
 *
 * <pre>
 *   journal:  … │ 41 │ 42 │ 43 │ 44 │ 45 │ 46 │ …      (Chronicle indices; cycle << n | sequence)
 *                     ▲ acked        ▲ read
 *   poll() delivers 46, 47, …;  ack(44) persists 44;  after a restart delivery starts at 45
 * </pre>
 *
 * <p>The position lives in {@code <dir>/tailers/<name>.ack}, a 64-byte memory-mapped file (see
 * {@link TailerPositions}): an ack is one ordered 8-byte store, visible to other processes at once and
 * surviving a crash of this one. The tailer holds an exclusive lock on that file while open, so one name
 * has one reader. It opens its own queue instance, so it works beside an appending engine, in this
 * process or another.
 *
 * <p>Threading: one thread at a time; it may be opened on one thread and then polled on another (the first
 * to poll owns it). {@link #poll} allocates nothing once warm.
 */
public final class JournalTailer implements AutoCloseable
{
    /** Where a tailer that has never acked starts. */
    public enum StartFrom
    {
        /** the oldest record still in the journal */
        EARLIEST,
        /** records appended after it opens */
        LATEST
    }

    private final String name;
    private final Path dir;
    private final SingleChronicleQueue queue;
    private final ExcerptTailer tailer;
    private final RollCycle rollCycle;
    private final RandomAccessFile positionFile;
    private final FileLock lock;
    private final MappedByteBuffer mapped;
    private final UnsafeBuffer position;
    private final UnsafeBuffer view = new UnsafeBuffer(new byte[0]);
    private long lastReadIndex = -1;
    private long acked;
    private final long resumedFrom;

    private JournalTailer(final String name, final JournalSettings settings, final StartFrom startFrom) throws IOException
    {
        TailerPositions.checkName(name);
        this.name = name;
        this.dir = settings.dir().toAbsolutePath();
        final Path file = TailerPositions.file(dir, name);
        Files.createDirectories(file.getParent());
        positionFile = new RandomAccessFile(file.toFile(), "rw");
        FileLock l = null;
        try
        {
            l = positionFile.getChannel().tryLock();
        }
        catch (final OverlappingFileLockException e)
        {
            l = null;
        }
        if (l == null)
        {
            positionFile.close();
            throw new IOException("journal " + dir + ": tailer \"" + name + "\" is already open (" + file + " is locked)");
        }
        lock = l;
        mapped = positionFile.getChannel().map(FileChannel.MapMode.READ_WRITE, 0, TailerPositions.FILE_LENGTH);
        position = new UnsafeBuffer(mapped);
        if (position.getLong(0, ByteOrder.LITTLE_ENDIAN) != TailerPositions.MAGIC)
        {
            position.putLong(TailerPositions.ACKED_OFFSET, TailerPositions.NONE, ByteOrder.LITTLE_ENDIAN);
            position.putInt(TailerPositions.VERSION_OFFSET, TailerPositions.VERSION, ByteOrder.LITTLE_ENDIAN);
            position.putLongVolatile(0, TailerPositions.MAGIC);
        }
        acked = position.getLongVolatile(TailerPositions.ACKED_OFFSET);

        queue = Queues.build(settings, dir, false);
        rollCycle = queue.rollCycle();
        tailer = queue.createTailer();
        resumedFrom = positionAfter(acked, startFrom);
        // Positioning read a document on the opening thread; Chronicle would now refuse every other thread.
        // The tailer is handed over to whichever thread polls it first (e.g. the bridge's).
        tailer.singleThreadedCheckReset();
    }

    /** Opens (creating its position file) the tailer {@code name} of the journal in {@code settings.dir()}. */
    public static JournalTailer open(final JournalSettings settings, final String name) throws IOException
    {
        return open(settings, name, StartFrom.EARLIEST);
    }

    public static JournalTailer open(final JournalSettings settings, final String name, final StartFrom startFrom)
        throws IOException
    {
        return new JournalTailer(name, settings, startFrom);
    }

    /**
     * Whether the tailer {@code name} of the journal in {@code settings.dir()} was ever opened (its position
     * file exists), acked or not.
     */
    public static boolean exists(final JournalSettings settings, final String name)
    {
        TailerPositions.checkName(name);
        return Files.exists(TailerPositions.file(settings.dir().toAbsolutePath(), name));
    }

    /** Opens the tailer on the journal in {@code dir} with default settings (the queue's own roll cycle applies). */
    public static JournalTailer open(final Path dir, final String name) throws IOException
    {
        return open(JournalSettings.builder().dir(dir).build(), name);
    }

    private long positionAfter(final long ackedIndex, final StartFrom startFrom)
    {
        if (ackedIndex == TailerPositions.NONE)
        {
            if (startFrom == StartFrom.LATEST)
            {
                tailer.toEnd();
            }
            else
            {
                tailer.toStart();
            }
            return tailer.index();
        }
        if (tailer.moveToIndex(ackedIndex))
        {
            try (DocumentContext dc = tailer.readingDocument())
            {
                // skip the acked record itself
            }
            return tailer.index();
        }
        // The acked record is gone: retention deleted its cycle (the records after it that went too were
        // counted as dropped), so start at the oldest record left.
        tailer.toStart();
        return tailer.index();
    }

    public String name()
    {
        return name;
    }

    /**
     * Delivers up to {@code limit} records that follow the last one delivered, in journal order.
     *
     * @return the number delivered; 0 when the journal has nothing new yet.
     */
    public int poll(final RecordHandler handler, final int limit)
    {
        int n = 0;
        while (n < limit)
        {
            try (DocumentContext dc = tailer.readingDocument())
            {
                if (!dc.isPresent())
                {
                    break;
                }
                if (!dc.isData())
                {
                    continue;
                }
                final long index = dc.index();
                final Bytes<?> bytes = dc.wire().bytes();
                final long start = bytes.readPosition();
                final int length = (int)bytes.readRemaining();
                view.wrap(bytes.addressForRead(start), length);
                lastReadIndex = index;
                n++;
                handler.onRecord(index, JournalRecords.templateId(view, 0, length), view, 0, length);
            }
        }
        return n;
    }

    /**
     * Makes {@code index} (a record this tailer delivered) the durable position: after a restart, delivery
     * resumes with the record after it. Acks are cumulative; an index at or before the current acked one
     * is ignored.
     *
     * @return true when the position moved.
     * @throws IllegalArgumentException for an index this tailer has not delivered yet.
     */
    public boolean ack(final long index)
    {
        if (index > lastReadIndex)
        {
            throw new IllegalArgumentException("tailer " + name + ": cannot ack index " + Long.toHexString(index) +
                " before it was delivered (last delivered " + Long.toHexString(lastReadIndex) + ")");
        }
        if (acked != TailerPositions.NONE && index <= acked)
        {
            return false;
        }
        acked = index;
        position.putLong(TailerPositions.ACKED_AT_OFFSET, System.currentTimeMillis(), ByteOrder.LITTLE_ENDIAN);
        position.putLongRelease(TailerPositions.ACKED_OFFSET, index);
        return true;
    }

    /**
     * For a tailer that has acked nothing yet: makes the place where its delivery started durable, by acking
     * the last record before it. A tailer opened {@link StartFrom#LATEST} otherwise starts at the then end of
     * the journal again after a restart, and would skip records that arrived before the restart but were not
     * acked yet. Nothing delivered is skipped: the record acked precedes every record delivered.
     *
     * @return true when a position was written; false when something was acked already, the tailer has
     * delivered records since it opened, or no record precedes its start.
     */
    public boolean ackStart()
    {
        if (acked != TailerPositions.NONE || lastReadIndex >= 0)
        {
            return false;
        }
        long before = TailerPositions.NONE;
        try (ExcerptTailer probe = queue.createTailer())
        {
            probe.direction(net.openhft.chronicle.queue.TailerDirection.BACKWARD).toEnd();
            while (true)
            {
                try (DocumentContext dc = probe.readingDocument())
                {
                    if (!dc.isPresent())
                    {
                        break;
                    }
                    if (dc.isData() && dc.index() < resumedFrom)
                    {
                        before = dc.index();
                        break;
                    }
                }
            }
        }
        if (before == TailerPositions.NONE)
        {
            return false;
        }
        acked = before;
        position.putLong(TailerPositions.ACKED_AT_OFFSET, System.currentTimeMillis(), ByteOrder.LITTLE_ENDIAN);
        position.putLongRelease(TailerPositions.ACKED_OFFSET, before);
        return true;
    }

    /** Forces the position file to the device (for power-loss durability of acks; a syscall). */
    public void syncPosition()
    {
        mapped.force();
    }

    /** Goes back to just after the acked position: un-acked records are delivered again (e.g. after a reconnect). */
    public void rewindToAcked()
    {
        positionAfter(acked, StartFrom.EARLIEST);
        lastReadIndex = acked;
    }

    /** The durable position: the last acked index, or -1 when nothing was acked yet. */
    public long ackedIndex()
    {
        return acked;
    }

    /** The index of the last record delivered, or -1. */
    public long lastReadIndex()
    {
        return lastReadIndex;
    }

    /** The index where this tailer's delivery started when it was opened. */
    public long resumedFrom()
    {
        return resumedFrom;
    }

    /** The cycle (roll period number) of an index, e.g. to report lag. */
    public int cycleOf(final long index)
    {
        return rollCycle.toCycle(index);
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
            try
            {
                lock.release();
                positionFile.close();
            }
            catch (final IOException ignored)
            {
                // closing
            }
        }
    }

    Path directory()
    {
        return dir;
    }
}
