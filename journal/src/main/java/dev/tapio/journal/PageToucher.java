package dev.tapio.journal;

import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueueStore;
import net.openhft.posix.MAdviseFlag;
import net.openhft.posix.PosixAPI;
import org.agrona.IoUtil;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Takes the page faults of the journal's appends off the appending thread: on the housekeeper, it
 * touches the pages of the current cycle file just ahead of the write position, so that when the
 * fan-out thread copies a record there the page is already allocated and mapped.
 *
 * <pre>
 *   cycle file:  … written │▓▓▓▓▓▓ touched ahead (up to AHEAD) ▓▓▓▓▓▓│ untouched …   │ end of file
 *                          ^ writePosition (Chronicle's header)                    ^ never past it
 * </pre>
 *
 * Each touch is a compare-and-swap of 0 with 0 on the first int of a page: it faults the page in for
 * writing but can never change a byte, so it is safe against the appender writing the same page at the
 * same moment (whichever comes first, the appender's bytes stand). Chronicle's own pre-toucher is an
 * Enterprise feature. Works on its own mapping of the file (advised {@code MADV_RANDOM}: one page per
 * fault, no read-around) and never maps past the file's current end, so it never grows the file.
 * Threading: the housekeeper only.
 */
final class PageToucher
{
    static final long PAGE = 4096;
    static final long AHEAD = 8L << 20;
    static final long WINDOW = 64L << 20;
    private static final Path PROC_MAPS = Path.of("/proc/self/maps");

    private final SingleChronicleQueue queue;
    private int cycle = Integer.MIN_VALUE;
    private SingleChronicleQueueStore store;
    private FileChannel channel;
    private MappedByteBuffer window;
    private final UnsafeBuffer view = new UnsafeBuffer(new byte[0]);
    private long windowStart;
    private long windowEnd;
    private long touchedUpTo;
    private long pagesTouched;
    private boolean advise = true;
    private long advised;
    private long appenderAdvised;
    private String mapsPath;
    private long lastSize = -1;
    private long windowAddress;

    PageToucher(final SingleChronicleQueue queue)
    {
        this.queue = queue;
    }

    /** Touches what is due in the current cycle file; returns the pages touched by this call. */
    long touch() throws IOException
    {
        final int current = queue.cycle();
        if (current != cycle)
        {
            release();
            store = queue.storeForCycle(current, queue.epoch(), false, null);
            if (store == null)
            {
                return 0;       // not created yet: the appender creates it with its first record
            }
            cycle = current;
            channel = FileChannel.open(store.file().toPath(), StandardOpenOption.READ, StandardOpenOption.WRITE);
            touchedUpTo = 0;
            mapsPath = store.file().getAbsolutePath();
            lastSize = -1;
        }
        final long writePosition = store.writePosition();
        final long size = channel.size();
        if (size != lastSize)
        {
            // Chronicle grows the file when it maps another chunk of it: advise its mappings too.
            lastSize = size;
            adviseFileMappings();
        }
        final long from = Math.max(touchedUpTo, (writePosition + PAGE) & ~(PAGE - 1));
        final long to = Math.min(writePosition + AHEAD, size) & ~(PAGE - 1);
        long n = 0;
        for (long p = from; p < to; p += PAGE)
        {
            if (p < windowStart || p + 4 > windowEnd)
            {
                remap(p, size);
            }
            view.compareAndSetInt((int)(p - windowStart), 0, 0);
            n++;
        }
        touchedUpTo = Math.max(touchedUpTo, to);
        pagesTouched += n;
        return n;
    }

    private void remap(final long position, final long size) throws IOException
    {
        if (window != null)
        {
            IoUtil.unmap(window);
            window = null;
        }
        windowStart = position & ~(PAGE - 1);
        windowEnd = Math.min(windowStart + WINDOW, size);
        window = channel.map(FileChannel.MapMode.READ_WRITE, windowStart, windowEnd - windowStart);
        view.wrap(window);
        windowAddress = view.addressOffset();
        adviseRandom(windowAddress, windowEnd - windowStart);
    }

    /**
     * No read-ahead on this mapping: a fault in a sparse file would otherwise read around it, which on
     * kernels with large page-cache folios (ext4 since 6.x) means allocating and zeroing up to megabytes
     * per fault; measured on this project's VMs as 20 ms stalls every few MiB, against at most 0.14 ms per
     * fault with MADV_RANDOM (docs/BENCHMARKS.md#journal). Each page is then faulted in alone, and the
     * appender's own fault later finds it in the page cache.
     */
    private boolean adviseRandom(final long address, final long length)
    {
        if (!advise)
        {
            return false;
        }
        try
        {
            if (PosixAPI.posix().madvise(address, length, MAdviseFlag.MADV_RANDOM) == 0)
            {
                advised++;
                return true;
            }
        }
        catch (final RuntimeException | LinkageError e)
        {
            // no native POSIX access: touch with read-ahead
        }
        advise = false;
        return false;
    }

    /**
     * The appender's own mappings of the cycle file (Chronicle maps it a chunk at a time) get the same
     * advice, found in {@code /proc/self/maps}: when the pre-toucher falls behind (the appender at a
     * million records a second writes faster than pages can be touched one by one) the appender's faults
     * then stay one page each too. Read only when the file grew, i.e. once per chunk.
     */
    private void adviseFileMappings()
    {
        if (!advise || !Files.isReadable(PROC_MAPS))
        {
            return;
        }
        try (BufferedReader r = Files.newBufferedReader(PROC_MAPS, StandardCharsets.US_ASCII))
        {
            String line;
            while ((line = r.readLine()) != null)
            {
                if (!line.endsWith(mapsPath))
                {
                    continue;
                }
                final int dash = line.indexOf('-');
                final int space = line.indexOf(' ', dash);
                final long start = Long.parseUnsignedLong(line, 0, dash, 16);
                final long end = Long.parseUnsignedLong(line, dash + 1, space, 16);
                if (start != windowAddress && adviseRandom(start, end - start))
                {
                    appenderAdvised++;
                }
            }
        }
        catch (final IOException | RuntimeException e)
        {
            // best effort: the appender then takes read-around faults, as without the advice
        }
    }

    /** Of {@link #advised()}, the appender's (Chronicle's) mappings of the cycle files. */
    long appenderAdvised()
    {
        return appenderAdvised;
    }

    /** Mappings advised MADV_RANDOM so far (0 where the platform does not allow it). */
    long advised()
    {
        return advised;
    }

    long pagesTouched()
    {
        return pagesTouched;
    }

    void release()
    {
        if (window != null)
        {
            IoUtil.unmap(window);
            window = null;
        }
        windowStart = 0;
        windowEnd = 0;
        if (channel != null)
        {
            try
            {
                channel.close();
            }
            catch (final IOException ignored)
            {
                // closing
            }
            channel = null;
        }
        if (store != null)
        {
            queue.closeStore(store);
            store = null;
        }
        cycle = Integer.MIN_VALUE;
    }
}
