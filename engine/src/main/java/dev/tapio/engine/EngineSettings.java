package dev.tapio.engine;

import dev.tapio.engine.metrics.EngineCounters;

import java.io.PrintStream;
import java.net.InetAddress;
import java.time.Duration;

/** The engine's settings after validation: what code set, immutable. See docs/CONFIG.md. */
public final class EngineSettings
{
    public static final int DEFAULT_RING_SIZE = 65_536;
    public static final int DEFAULT_SLOT_SIZE = 512;
    public static final Duration DEFAULT_SHUTDOWN_TIMEOUT = Duration.ofSeconds(30);

    /** An id origin that makes ids 0x400, 0x401, ... in arrival order (single producer): for offline runs. */
    public static final long FIXED_ID_ORIGIN = 0;

    private final int ringSize;
    private final int slotSize;
    private final ThreadingMode threading;
    private final WaitStrategyKind waitStrategy;
    private final ProducerMode producers;
    private final int[] cpus;
    private final String nodeName;
    private final long nodeId;
    private final EngineClock clock;
    private final long seed;
    private final Duration shutdownTimeout;
    private final PrintStream errorStream;
    private final int errorsPrintedPerKind;
    private final EngineCounters counters;
    private final dev.tapio.engine.correlate.RuleSet rules;
    private final dev.tapio.engine.correlate.CorrelationSettings correlation;
    private final int groupBufferBytes;
    private final long idOriginEpochNanos;

    private EngineSettings(final Mutable m)
    {
        ringSize = m.ringSize;
        slotSize = m.slotSize;
        threading = m.threading;
        waitStrategy = m.waitStrategy;
        producers = m.producers;
        cpus = m.cpus.clone();
        nodeName = m.nodeName;
        nodeId = m.nodeId;
        clock = m.clock;
        seed = m.seed;
        shutdownTimeout = m.shutdownTimeout;
        errorStream = m.errorStream;
        errorsPrintedPerKind = m.errorsPrintedPerKind;
        counters = m.counters;
        rules = m.rules;
        correlation = m.correlation;
        groupBufferBytes = m.groupBufferBytes;
        idOriginEpochNanos = m.idOriginEpochNanos;
    }

    /**
     * Where the ids of events that arrive without one start: a wall-clock time (ids stay unique
     * across restarts), or {@link #FIXED_ID_ORIGIN} for reproducible ids in offline runs; negative
     * means the engine's start time.
     */
    public long idOriginEpochNanos()
    {
        return idOriginEpochNanos;
    }

    /** The correlation patterns in force (the built-in ones unless set). */
    public dev.tapio.engine.correlate.RuleSet rules()
    {
        return rules;
    }

    public dev.tapio.engine.correlate.CorrelationSettings correlation()
    {
        return correlation;
    }

    /** Capacity of the buffer carrying group records from correlate to fan-out (a power of two). */
    public int groupBufferBytes()
    {
        return groupBufferBytes;
    }

    public int ringSize()
    {
        return ringSize;
    }

    public int slotSize()
    {
        return slotSize;
    }

    public ThreadingMode threading()
    {
        return threading;
    }

    public WaitStrategyKind waitStrategy()
    {
        return waitStrategy;
    }

    public ProducerMode producers()
    {
        return producers;
    }

    public int[] cpus()
    {
        return cpus.clone();
    }

    public String nodeName()
    {
        return nodeName;
    }

    public long nodeId()
    {
        return nodeId;
    }

    public EngineClock clock()
    {
        return clock;
    }

    public long seed()
    {
        return seed;
    }

    public Duration shutdownTimeout()
    {
        return shutdownTimeout;
    }

    public PrintStream errorStream()
    {
        return errorStream;
    }

    public int errorsPrintedPerKind()
    {
        return errorsPrintedPerKind;
    }

    EngineCounters counters()
    {
        return counters;
    }

    /** The host name, or "localhost" when it cannot be found. */
    public static String defaultNodeName()
    {
        final String env = System.getenv("NODE_NAME");
        if (env != null && !env.isBlank())
        {
            return env;
        }
        try
        {
            return InetAddress.getLocalHost().getHostName();
        }
        catch (final Exception e)
        {
            return "localhost";
        }
    }

    /** A stable 64-bit id for a node name (FNV-1a), never 0. */
    public static long nodeIdOf(final String nodeName)
    {
        long h = 0xcbf29ce484222325L;
        for (final byte b : nodeName.getBytes(java.nio.charset.StandardCharsets.UTF_8))
        {
            h ^= b & 0xFF;
            h *= 0x100000001b3L;
        }
        return h == 0 ? 1 : h;
    }

    static final class Mutable
    {
        int ringSize = DEFAULT_RING_SIZE;
        int slotSize = DEFAULT_SLOT_SIZE;
        ThreadingMode threading = ThreadingMode.AUTO;
        WaitStrategyKind waitStrategy = WaitStrategyKind.BLOCKING;
        ProducerMode producers = ProducerMode.AUTO;
        int[] cpus = new int[0];
        String nodeName;
        long nodeId;
        EngineClock clock;
        long seed = System.nanoTime();
        Duration shutdownTimeout = DEFAULT_SHUTDOWN_TIMEOUT;
        PrintStream errorStream = System.err;
        int errorsPrintedPerKind = 20;
        EngineCounters counters;
        dev.tapio.engine.correlate.RuleSet rules;
        dev.tapio.engine.correlate.CorrelationSettings correlation = dev.tapio.engine.correlate.CorrelationSettings.defaults();
        int groupBufferBytes = 4 * 1024 * 1024;
        long idOriginEpochNanos = -1;

        EngineSettings freeze()
        {
            return new EngineSettings(this);
        }
    }
}
