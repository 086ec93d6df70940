package dev.tapio.journal;

import dev.tapio.engine.config.Units;
import dev.tapio.engine.metrics.EngineCounters;
import net.openhft.chronicle.bytes.Bytes;
import net.openhft.chronicle.queue.ExcerptAppender;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueueBuilder;
import net.openhft.chronicle.wire.DocumentContext;
import org.agrona.DirectBuffer;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The durable journal: a Chronicle {@link SingleChronicleQueue} in {@link JournalSettings#dir()} to which
 * enriched events and correlation group records are appended as their raw SBE bytes (see
 * {@link JournalRecords}), one document each, in the order the fan-out stage delivers them.
 *
 * <pre>
 *   fan-out thread ── append(buffer, offset, length) ──► current cycle file (mmapped)   20261123-11F.cq4
 *                        │ returns the index, or DISK_FULL / UNAVAILABLE / MALFORMED    (one per roll cycle)
 *   housekeeper thread ──┴─ every checkInterval: free space → diskLow flag; retention deletes old cycles
 *                         └ every sync interval: fsync of the cycle files written since the last one
 * </pre>
 *
 * <p>Failures never throw into the caller: a full disk, an unwritable directory or a write fault makes
 * {@link #append} return a negative code, counted under
 * {@code tapio_journal_append_failures_total{reason}}, logged once per episode naming the directory.
 * After an error appends are retried with a bounded exponential back-off (100 ms … 30 s) — in between,
 * refusing costs a clock read, no syscall. Appends resume by themselves when the cause goes away.
 *
 * <p>Threading: {@link #append} belongs to one thread at a time (the fan-out thread, then the stopping
 * thread for the last group records); it takes no lock and allocates nothing. {@link #housekeep()} and
 * {@link #syncNow()} may run on any one other thread (the housekeeper started by
 * {@link #startHousekeeper()}).
 */
public final class Journal implements AutoCloseable
{
    /** Not written: free space is under {@code minFreeDisk}, or the last write faulted for lack of space. */
    public static final long DISK_FULL = -1;
    /** Not written: the queue cannot be opened or written; retrying after a back-off. */
    public static final long UNAVAILABLE = -2;
    /** Not written: the bytes are not an SBE Event or Group of Tapio's schema. */
    public static final long MALFORMED = -3;
    /** Not written: the journal is closed. */
    public static final long CLOSED = -4;

    static final long FIRST_BACKOFF_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
    static final long MAX_BACKOFF_NANOS = TimeUnit.SECONDS.toNanos(30);
    static final long PRETOUCH_INTERVAL_NANOS = TimeUnit.MILLISECONDS.toNanos(10);

    private final JournalSettings settings;
    private final JournalCounters counters;
    private final PrintStream log;
    private final Path dir;
    private final Retention retention;
    private SingleChronicleQueue queue;
    private ExcerptAppender appender;
    private volatile boolean diskLow;
    private volatile boolean closed;
    private FileStore fileStore;
    private ScheduledExecutorService housekeeper;
    private boolean pretouchFailed;

    // Failure episode state; appending thread only.
    private long retryAtNanos;
    private long backoffNanos;
    private boolean failing;
    private boolean failingForSpace;
    private long refusedInEpisode;
    private long episodeStartNanos;
    private long retriesInEpisode;

    // Disk-low episode state; housekeeper only.
    private long diskLowSinceAppended;

    public Journal(final JournalSettings settings, final EngineCounters counters, final PrintStream log)
    {
        this.settings = settings;
        this.counters = new JournalCounters(counters);
        this.log = log;
        this.dir = settings.dir().toAbsolutePath();
        this.retention = new Retention(settings, dir, this.counters, log);
    }

    /** Opens (creating the directory) or throws naming the directory; for hosts that must fail fast. */
    public static Journal open(final JournalSettings settings, final EngineCounters counters) throws IOException
    {
        final Journal j = new Journal(settings, counters, System.err);
        j.openQueue();
        return j;
    }

    /**
     * Tries to open the queue; on failure logs the error naming the directory, counts nothing (no record was
     * refused yet), and leaves appends to retry after the back-off. For hosts that must keep running.
     */
    public boolean start()
    {
        try
        {
            openQueue();
            return true;
        }
        catch (final IOException | RuntimeException | InternalError e)
        {
            enterFailure(e, System.nanoTime());
            return false;
        }
    }

    private void openQueue() throws IOException
    {
        try
        {
            Files.createDirectories(dir);
        }
        catch (final IOException e)
        {
            throw new IOException("journal " + dir + ": cannot create the directory: " + e, e);
        }
        if (!Files.isWritable(dir))
        {
            throw new IOException("journal " + dir + ": directory is not writable");
        }
        if (fileStore == null)
        {
            fileStore = Files.getFileStore(dir);
        }
        if (queue == null)
        {
            queue = Queues.build(settings, dir, false);
        }
        appender = queue.createAppender();
        // Used by the fan-out thread, then by the stopping thread for the last group records; never at once.
        appender.singleThreadedCheckDisabled(true);
    }

    public JournalSettings settings()
    {
        return settings;
    }

    public JournalCounters counters()
    {
        return counters;
    }

    public Path dir()
    {
        return dir;
    }

    /**
     * Appends one record: the SBE message (header first) at {@code offset}. Zero allocation; no lock.
     *
     * @return the record's index (≥ 0), or {@link #DISK_FULL}, {@link #UNAVAILABLE}, {@link #MALFORMED},
     * {@link #CLOSED}; each non-written record is counted.
     */
    public long append(final DirectBuffer buffer, final int offset, final int length)
    {
        if (!JournalRecords.isRecord(buffer, offset, length))
        {
            counters.malformed.incrementRelease();
            return MALFORMED;
        }
        if (failing && !retryDue())
        {
            return refuse();
        }
        if (diskLow)
        {
            counters.diskFull.incrementRelease();
            return DISK_FULL;
        }
        if (closed)
        {
            return CLOSED;
        }
        try
        {
            if (appender == null)
            {
                openQueue();
            }
            final DocumentContext dc = appender.writingDocument();
            try
            {
                final Bytes<?> bytes = dc.wire().bytes();
                final byte[] array = buffer.byteArray();
                if (array != null)
                {
                    bytes.unsafeWriteObject(array, (int)(buffer.addressOffset() + offset), length);
                }
                else
                {
                    bytes.unsafeWrite(buffer.addressOffset() + offset, length);
                }
            }
            catch (final Throwable t)
            {
                dc.rollbackOnClose();
                throw t;
            }
            finally
            {
                dc.close();
            }
        }
        catch (final IOException | RuntimeException | InternalError e)
        {
            enterFailure(e, System.nanoTime());
            return refuse();
        }
        if (failing)
        {
            recovered();
        }
        counters.appended.incrementRelease();
        return appender.lastIndexAppended();
    }

    private boolean retryDue()
    {
        final long now = System.nanoTime();
        if (now - retryAtNanos < 0)
        {
            return false;
        }
        retriesInEpisode++;
        return true;
    }

    private long refuse()
    {
        refusedInEpisode++;
        if (failingForSpace)
        {
            counters.diskFull.incrementRelease();
            return DISK_FULL;
        }
        counters.ioError.incrementRelease();
        return UNAVAILABLE;
    }

    private void enterFailure(final Throwable e, final long now)
    {
        final boolean space = isOutOfSpace(e);
        closeAppender(e instanceof InternalError);
        if (!failing)
        {
            failing = true;
            episodeStartNanos = now;
            refusedInEpisode = 0;
            retriesInEpisode = 0;
            backoffNanos = FIRST_BACKOFF_NANOS;
            log.println("tapio: journal " + dir + ": cannot append (" + describe(e) + "); records are refused and counted as " +
                JournalCounters.failureLabel(space ? JournalCounters.REASON_DISK_FULL : JournalCounters.REASON_IO_ERROR) +
                "; retrying with back-off up to " + Units.formatDuration(java.time.Duration.ofNanos(MAX_BACKOFF_NANOS)));
        }
        else
        {
            backoffNanos = Math.min(backoffNanos * 2, MAX_BACKOFF_NANOS);
            if (Long.bitCount(retriesInEpisode) == 1)
            {
                log.println("tapio: journal " + dir + ": still cannot append after " + retriesInEpisode +
                    " retries (" + describe(e) + ")");
            }
        }
        failingForSpace = space;
        retryAtNanos = now + backoffNanos;
    }

    private void recovered()
    {
        failing = false;
        log.println("tapio: journal " + dir + ": appends resumed after " + refusedInEpisode + " records refused over " +
            Units.formatDuration(java.time.Duration.ofMillis(
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - episodeStartNanos))));
    }

    private void closeAppender(final boolean reopenQueue)
    {
        final ExcerptAppender a = appender;
        appender = null;
        if (a != null)
        {
            try
            {
                a.close();
            }
            catch (final RuntimeException | InternalError ignored)
            {
                // the appender is being abandoned after a failure
            }
        }
        if (reopenQueue && queue != null)
        {
            // A write fault leaves the queue's mapped state suspect: map everything afresh on the retry.
            final SingleChronicleQueue q = queue;
            queue = null;
            try
            {
                q.close();
            }
            catch (final RuntimeException | InternalError ignored)
            {
                // as above
            }
        }
    }

    static boolean isOutOfSpace(final Throwable e)
    {
        // A fault on a mapped page (SIGBUS, which the JVM turns into an InternalError) is the kernel
        // failing to allocate the page: out of space on the file system (or a truncated file).
        for (Throwable t = e; t != null; t = t.getCause())
        {
            if (t instanceof InternalError)
            {
                return true;
            }
            final String m = t.getMessage();
            if (m != null && (m.contains("No space left") || m.contains("Disk quota exceeded")))
            {
                return true;
            }
        }
        return false;
    }

    private static String describe(final Throwable e)
    {
        if (e instanceof InternalError)
        {
            return "out of space: a write to the mapped cycle file faulted: " + e.getMessage();
        }
        return e.getMessage() == null ? e.getClass().getName() : e.getClass().getSimpleName() + ": " + e.getMessage();
    }

    /** True while the free-space guard refuses appends. */
    public boolean diskLow()
    {
        return diskLow;
    }

    /** True while appends are refused after an error (disk full or I/O), until a retry succeeds. */
    public boolean failing()
    {
        return failing;
    }

    /**
     * One housekeeping pass: the free-space guard, retention by age and disk cap, then each tailer's lag
     * ({@code tapio_journal_tailer_lag_records{tailer}}). Safe to call from
     * any one thread alongside {@link #append}; the housekeeper thread calls it every {@code checkInterval}.
     */
    public synchronized void housekeep()
    {
        if (closed)
        {
            return;
        }
        checkDisk();
        retention.enforce();
        retention.tailerLag();
    }

    /** The free-space guard alone. */
    public synchronized void checkDisk()
    {
        if (settings.minFreeDiskBytes() <= 0)
        {
            return;
        }
        try
        {
            if (fileStore == null)
            {
                if (!Files.isDirectory(dir))
                {
                    return;
                }
                fileStore = Files.getFileStore(dir);
            }
            final long usable = fileStore.getUsableSpace();
            final boolean low = usable < settings.minFreeDiskBytes();
            if (low && !diskLow)
            {
                diskLowSinceAppended = counters.diskFull.get();
                log.println("tapio: journal " + dir + ": free space " + Units.formatBytes(usable) + " is under minFreeDisk " +
                    Units.formatBytes(settings.minFreeDiskBytes()) + "; records are refused and counted as " +
                    JournalCounters.failureLabel(JournalCounters.REASON_DISK_FULL) + " until space returns");
            }
            else if (!low && diskLow)
            {
                log.println("tapio: journal " + dir + ": free space " + Units.formatBytes(usable) + " is back over minFreeDisk; " +
                    "appends resume after " + (counters.diskFull.get() - diskLowSinceAppended) + " records refused");
            }
            diskLow = low;
        }
        catch (final IOException | RuntimeException e)
        {
            log.println("tapio: journal " + dir + ": cannot read free space: " + describe(e));
        }
    }

    /** Retention alone (for tests and tools); see {@link #housekeep()}. */
    public synchronized void enforceRetention()
    {
        retention.enforce();
    }

    /** fsyncs the cycle files written since the last sync (and the queue metadata); any one thread. */
    public synchronized void syncNow()
    {
        if (!closed && retention.sync())
        {
            counters.syncs.increment();
        }
    }

    /**
     * Starts the housekeeper: a daemon thread running {@link #housekeep()} every {@code checkInterval} and
     * {@link #syncNow()} every sync interval when one is set. Idempotent; stopped by {@link #close()}.
     */
    public synchronized Journal startHousekeeper()
    {
        if (housekeeper != null || closed)
        {
            return this;
        }
        housekeeper = Executors.newSingleThreadScheduledExecutor(r ->
        {
            final Thread t = new Thread(r, "tapio-journal-housekeeper");
            t.setDaemon(true);
            return t;
        });
        final long check = settings.checkInterval().toNanos();
        housekeeper.scheduleWithFixedDelay(this::housekeepQuietly, 0, check, TimeUnit.NANOSECONDS);
        if (settings.pretouch())
        {
            housekeeper.scheduleWithFixedDelay(this::pretouchQuietly, 0, PRETOUCH_INTERVAL_NANOS, TimeUnit.NANOSECONDS);
        }
        if (settings.syncInterval() != null)
        {
            final long sync = settings.syncInterval().toNanos();
            housekeeper.scheduleWithFixedDelay(this::syncQuietly, sync, sync, TimeUnit.NANOSECONDS);
        }
        return this;
    }

    private void housekeepQuietly()
    {
        try
        {
            housekeep();
        }
        catch (final RuntimeException | InternalError e)
        {
            log.println("tapio: journal " + dir + ": housekeeping failed: " + describe(e));
        }
    }

    /**
     * Touches the pages of the current cycle file just ahead of the appender, so the appending thread does
     * not take their page faults (see {@link PageToucher}); any one thread, the housekeeper every 10 ms.
     *
     * @return pages touched by this call.
     */
    public synchronized long pretouch()
    {
        if (closed)
        {
            return 0;
        }
        try
        {
            return retention.pretouch();
        }
        catch (final IOException e)
        {
            return 0;
        }
    }

    /** The pre-toucher's mappings advised {@code MADV_RANDOM} so far (0 where the platform does not allow it). */
    public synchronized long mappingsAdvised()
    {
        return retention.mappingsAdvised();
    }

    /** Of {@link #mappingsAdvised()}, Chronicle's own mappings of the cycle files (the appender's). */
    public synchronized long appenderMappingsAdvised()
    {
        return retention.appenderMappingsAdvised();
    }

    /** Pages touched ahead of the appender so far. */
    public synchronized long pagesPretouched()
    {
        return retention.pagesTouched();
    }

    private void pretouchQuietly()
    {
        try
        {
            pretouch();
        }
        catch (final RuntimeException | InternalError e)
        {
            if (!pretouchFailed)
            {
                pretouchFailed = true;
                log.println("tapio: journal " + dir + ": pre-touching pages failed (appends take their own page faults): " +
                    describe(e));
            }
        }
    }

    private void syncQuietly()
    {
        try
        {
            syncNow();
        }
        catch (final RuntimeException | InternalError e)
        {
            log.println("tapio: journal " + dir + ": sync failed: " + describe(e));
        }
    }

    /** The index of the last record this journal appended, or -1. */
    public long lastIndexAppended()
    {
        final ExcerptAppender a = appender;
        try
        {
            return a == null ? -1 : a.lastIndexAppended();
        }
        catch (final IllegalStateException e)
        {
            return -1;
        }
    }

    /** Stops the housekeeper, syncs once when a sync interval is set, closes the queue. Idempotent. */
    @Override
    public void close()
    {
        final ScheduledExecutorService h;
        synchronized (this)
        {
            if (closed)
            {
                return;
            }
            h = housekeeper;
        }
        if (h != null)
        {
            h.shutdownNow();
            try
            {
                h.awaitTermination(10, TimeUnit.SECONDS);
            }
            catch (final InterruptedException e)
            {
                Thread.currentThread().interrupt();
            }
        }
        synchronized (this)
        {
            if (settings.syncInterval() != null)
            {
                retention.sync();
            }
            closed = true;
            closeAppender(true);
            retention.close();
        }
    }
}
