package dev.tapio.journal;

import dev.tapio.engine.config.ConfigException;
import dev.tapio.engine.config.ConfigNode;
import dev.tapio.engine.config.Units;
import net.openhft.chronicle.core.time.SystemTimeProvider;
import net.openhft.chronicle.core.time.TimeProvider;
import net.openhft.chronicle.queue.RollCycle;
import net.openhft.chronicle.queue.RollCycles;
import net.openhft.chronicle.queue.rollcycles.LegacyRollCycles;

import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * What the journal is told: directory, roll cycle, retention by age and by disk, free-space guard,
 * periodic sync. Built with {@link #builder()} (code) or {@link #fromConfig(ConfigNode)} (the
 * {@code journal:} section of tapio.yaml or a {@code sinks.journal} entry); immutable once built.
 * Every option and its default is in docs/CONFIG.md.
 */
public final class JournalSettings
{
    public static final Path DEFAULT_DIR = Path.of("tapio-data", "journal");
    public static final String DEFAULT_ROLL_CYCLE = "hourly";
    public static final Duration DEFAULT_RETENTION = Duration.ofHours(24);
    public static final long DEFAULT_MAX_DISK = 10L << 30;
    public static final long DEFAULT_MIN_FREE_DISK = 256L << 20;
    public static final Duration DEFAULT_CHECK_INTERVAL = Duration.ofMillis(250);
    /** 0 lets Chronicle choose its default block size (64 MiB mappings on a 64-bit JVM). */
    public static final long DEFAULT_BLOCK_SIZE = 0;
    public static final Duration MIN_SYNC_INTERVAL = Duration.ofMillis(1);

    /** Roll-cycle names a user writes, mapped to Chronicle's current (non-legacy where one exists) constants. */
    private static final Map<String, RollCycle> ROLL_CYCLES = new LinkedHashMap<>();

    static
    {
        // One-minute files exist only among Chronicle's LegacyRollCycles; not deprecated, meant for tests and demos.
        ROLL_CYCLES.put("minutely", LegacyRollCycles.MINUTELY);
        ROLL_CYCLES.put("five-minutely", RollCycles.FIVE_MINUTELY);
        ROLL_CYCLES.put("ten-minutely", RollCycles.TEN_MINUTELY);
        ROLL_CYCLES.put("twenty-minutely", RollCycles.TWENTY_MINUTELY);
        ROLL_CYCLES.put("half-hourly", RollCycles.HALF_HOURLY);
        ROLL_CYCLES.put("hourly", RollCycles.FAST_HOURLY);
        ROLL_CYCLES.put("two-hourly", RollCycles.TWO_HOURLY);
        ROLL_CYCLES.put("four-hourly", RollCycles.FOUR_HOURLY);
        ROLL_CYCLES.put("six-hourly", RollCycles.SIX_HOURLY);
        ROLL_CYCLES.put("daily", RollCycles.FAST_DAILY);
        ROLL_CYCLES.put("weekly", RollCycles.WEEKLY);
    }

    private final Path dir;
    private final String rollCycleName;
    private final RollCycle rollCycle;
    private final Duration retention;
    private final long maxDiskBytes;
    private final long minFreeDiskBytes;
    private final Duration syncInterval;
    private final Duration checkInterval;
    private final long blockSize;
    private final boolean pretouch;
    private final boolean ownThread;
    private final TimeProvider timeProvider;

    private JournalSettings(final Builder b)
    {
        this.dir = b.dir;
        this.rollCycleName = b.rollCycleName;
        this.rollCycle = ROLL_CYCLES.get(b.rollCycleName);
        this.retention = b.retention;
        this.maxDiskBytes = b.maxDiskBytes;
        this.minFreeDiskBytes = b.minFreeDiskBytes;
        this.syncInterval = b.syncInterval;
        this.checkInterval = b.checkInterval;
        this.blockSize = b.blockSize;
        this.pretouch = b.pretouch;
        this.ownThread = b.ownThread;
        this.timeProvider = b.timeProvider;
    }

    public static Builder builder()
    {
        return new Builder();
    }

    /** A builder holding these settings, e.g. to change only the directory. */
    public Builder toBuilder()
    {
        return new Builder().dir(dir).rollCycle(rollCycleName).retention(retention).maxDiskBytes(maxDiskBytes)
            .minFreeDiskBytes(minFreeDiskBytes).syncInterval(syncInterval).checkInterval(checkInterval)
            .blockSize(blockSize).pretouch(pretouch).ownThread(ownThread).timeProvider(timeProvider);
    }

    /** The names {@code rollCycle} accepts, in order of length. */
    public static String rollCycleNames()
    {
        return String.join(", ", ROLL_CYCLES.keySet());
    }

    /**
     * Reads the journal options of one config section (the keys are documented in docs/CONFIG.md);
     * every error names file, line and key. Does not check keys it did not read: the caller does,
     * after reading its own (e.g. {@code enabled}).
     */
    public static JournalSettings fromConfig(final ConfigNode c) throws ConfigException
    {
        final Builder b = builder();
        b.dir(Path.of(c.string("dir", DEFAULT_DIR.toString())));
        final String cycle = c.string("rollCycle", DEFAULT_ROLL_CYCLE).toLowerCase(Locale.ROOT);
        if (!ROLL_CYCLES.containsKey(cycle))
        {
            throw c.error("rollCycle", "unknown roll cycle \"" + cycle + "\" (expected one of " + rollCycleNames() + ")");
        }
        b.rollCycle(cycle);
        final String retention = c.string("retention", Units.formatDuration(DEFAULT_RETENTION));
        if ("none".equals(retention))
        {
            b.retention(null);
        }
        else
        {
            final Duration d = c.duration("retention", DEFAULT_RETENTION);
            if (d.compareTo(Duration.ofMinutes(1)) < 0)
            {
                throw c.error("retention", "must be at least 1m (or none), got " + retention);
            }
            b.retention(d);
        }
        final String maxDisk = c.string("maxDisk", Units.formatBytes(DEFAULT_MAX_DISK));
        b.maxDiskBytes("none".equals(maxDisk) ? 0 : c.bytes("maxDisk", DEFAULT_MAX_DISK, 1L << 20, Long.MAX_VALUE));
        b.minFreeDiskBytes(c.bytes("minFreeDisk", DEFAULT_MIN_FREE_DISK, 0, Long.MAX_VALUE));
        final String sync = c.string("sync", "none");
        if ("none".equals(sync))
        {
            b.syncInterval(null);
        }
        else
        {
            final Duration d = c.duration("sync", null);
            if (d.compareTo(MIN_SYNC_INTERVAL) < 0)
            {
                throw c.error("sync", "must be none or an interval of at least 1ms, got " + sync);
            }
            b.syncInterval(d);
        }
        final Duration check = c.duration("checkInterval", DEFAULT_CHECK_INTERVAL);
        if (check.compareTo(Duration.ofMillis(10)) < 0 || check.compareTo(Duration.ofMinutes(1)) > 0)
        {
            throw c.error("checkInterval", "must be between 10ms and 1m, got " + Units.formatDuration(check));
        }
        b.checkInterval(check);
        final long block = c.bytes("blockSize", DEFAULT_BLOCK_SIZE, 0, 1L << 30);
        if (block != 0 && (block < (64 << 10) || Long.bitCount(block) != 1))
        {
            throw c.error("blockSize", "must be a power of two of at least 64KiB, got " + Units.formatBytes(block));
        }
        b.blockSize(block);
        b.pretouch(c.bool("pretouch", true));
        b.ownThread("own".equals(c.choice("thread", "own", "own", "fanout")));
        return b.build();
    }

    public Path dir()
    {
        return dir;
    }

    public String rollCycleName()
    {
        return rollCycleName;
    }

    public RollCycle rollCycle()
    {
        return rollCycle;
    }

    /** How long cycle files are kept after they end; null: no age limit. */
    public Duration retention()
    {
        return retention;
    }

    /** Cap on the cycle files' total size; 0: no cap. */
    public long maxDiskBytes()
    {
        return maxDiskBytes;
    }

    /** Appends are refused (and counted) while the file system has less free space than this. */
    public long minFreeDiskBytes()
    {
        return minFreeDiskBytes;
    }

    /** Period of msync of the appended data; null: never (the OS writes back dirty pages). */
    public Duration syncInterval()
    {
        return syncInterval;
    }

    /** Period of the housekeeper: free-space check and retention. */
    public Duration checkInterval()
    {
        return checkInterval;
    }

    public long blockSize()
    {
        return blockSize;
    }

    /** Whether the housekeeper touches the pages ahead of the appender (taking their page faults). */
    public boolean pretouch()
    {
        return pretouch;
    }

    /**
     * Where the engine appends: on a thread of its own behind fan-out (true, {@code thread: own}, the
     * default), so a slow page fault never delays fan-out's other sinks; or on the fan-out thread
     * ({@code thread: fanout}), one thread fewer.
     */
    public boolean ownThread()
    {
        return ownThread;
    }

    public TimeProvider timeProvider()
    {
        return timeProvider;
    }

    @Override
    public String toString()
    {
        return "journal{dir=" + dir + ", rollCycle=" + rollCycleName +
            ", retention=" + (retention == null ? "none" : Units.formatDuration(retention)) +
            ", maxDisk=" + (maxDiskBytes == 0 ? "none" : Units.formatBytes(maxDiskBytes)) +
            ", minFreeDisk=" + Units.formatBytes(minFreeDiskBytes) +
            ", sync=" + (syncInterval == null ? "none" : Units.formatDuration(syncInterval)) + ", pretouch=" + pretouch +
            ", thread=" + (ownThread ? "own" : "fanout") + "}";
    }

    /** Fluent settings; {@link #build()} validates. */
    public static final class Builder
    {
        private Path dir = DEFAULT_DIR;
        private String rollCycleName = DEFAULT_ROLL_CYCLE;
        private Duration retention = DEFAULT_RETENTION;
        private long maxDiskBytes = DEFAULT_MAX_DISK;
        private long minFreeDiskBytes = DEFAULT_MIN_FREE_DISK;
        private Duration syncInterval;
        private Duration checkInterval = DEFAULT_CHECK_INTERVAL;
        private long blockSize = DEFAULT_BLOCK_SIZE;
        private boolean pretouch = true;
        private boolean ownThread = true;
        private TimeProvider timeProvider = SystemTimeProvider.INSTANCE;

        public Builder dir(final Path dir)
        {
            this.dir = Objects.requireNonNull(dir, "dir");
            return this;
        }

        /** One of {@link #rollCycleNames()}. */
        public Builder rollCycle(final String name)
        {
            this.rollCycleName = name;
            return this;
        }

        public Builder retention(final Duration retention)
        {
            this.retention = retention;
            return this;
        }

        public Builder maxDiskBytes(final long bytes)
        {
            this.maxDiskBytes = bytes;
            return this;
        }

        public Builder minFreeDiskBytes(final long bytes)
        {
            this.minFreeDiskBytes = bytes;
            return this;
        }

        public Builder syncInterval(final Duration interval)
        {
            this.syncInterval = interval;
            return this;
        }

        public Builder checkInterval(final Duration interval)
        {
            this.checkInterval = Objects.requireNonNull(interval, "checkInterval");
            return this;
        }

        public Builder blockSize(final long bytes)
        {
            this.blockSize = bytes;
            return this;
        }

        public Builder pretouch(final boolean pretouch)
        {
            this.pretouch = pretouch;
            return this;
        }

        public Builder ownThread(final boolean ownThread)
        {
            this.ownThread = ownThread;
            return this;
        }

        /** The clock for cycle rolling and retention (Chronicle's {@code SetTimeProvider} in tests). */
        public Builder timeProvider(final TimeProvider timeProvider)
        {
            this.timeProvider = Objects.requireNonNull(timeProvider, "timeProvider");
            return this;
        }

        public JournalSettings build()
        {
            if (!ROLL_CYCLES.containsKey(rollCycleName))
            {
                throw new IllegalArgumentException("unknown roll cycle \"" + rollCycleName + "\" (expected one of " +
                    rollCycleNames() + ")");
            }
            if (maxDiskBytes < 0 || minFreeDiskBytes < 0 || blockSize < 0)
            {
                throw new IllegalArgumentException("sizes must not be negative");
            }
            if (syncInterval != null && syncInterval.compareTo(MIN_SYNC_INTERVAL) < 0)
            {
                throw new IllegalArgumentException("sync interval must be at least 1ms");
            }
            return new JournalSettings(this);
        }
    }
}
