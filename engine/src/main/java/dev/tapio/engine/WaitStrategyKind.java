package dev.tapio.engine;

import com.lmax.disruptor.TimeoutBlockingWaitStrategy;
import com.lmax.disruptor.WaitStrategy;
import dev.tapio.engine.ring.IdleTickWaitStrategy;


/** How idle stage threads wait for events: the CPU / latency trade-off, as configuration. */
public enum WaitStrategyKind
{
    /** Park on a lock until signalled: least CPU, highest wake-up latency (default). */
    BLOCKING("blocking"),
    /** Spin, then yield, then sleep briefly: no lock on the producer side. */
    SLEEPING("sleeping"),
    /** Spin then yield: low latency, a busy core. */
    YIELDING("yielding"),
    /** Spin: lowest latency; use only with a dedicated, pinned core per stage thread. */
    BUSY_SPIN("busy-spin");

    private final String configName;

    WaitStrategyKind(final String configName)
    {
        this.configName = configName;
    }

    public String configName()
    {
        return configName;
    }

    public static WaitStrategyKind fromConfig(final String name)
    {
        for (final WaitStrategyKind k : values())
        {
            if (k.configName.equals(name))
            {
                return k;
            }
        }
        return null;
    }

    /** How long a stage thread waits without an event before its stages get an idle tick. */
    public static final long IDLE_TICK_NANOS = java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(500);

    /**
     * The Disruptor wait strategy of this kind; an idle consumer times out every
     * {@link #IDLE_TICK_NANOS} so stages can do time-driven work (Stage.onIdle).
     */
    public WaitStrategy create()
    {
        switch (this)
        {
            case SLEEPING:
                return new IdleTickWaitStrategy(IdleTickWaitStrategy.Idle.SLEEP, IDLE_TICK_NANOS);
            case YIELDING:
                return new IdleTickWaitStrategy(IdleTickWaitStrategy.Idle.YIELD, IDLE_TICK_NANOS);
            case BUSY_SPIN:
                return new IdleTickWaitStrategy(IdleTickWaitStrategy.Idle.SPIN, IDLE_TICK_NANOS);
            default:
                return new TimeoutBlockingWaitStrategy(IDLE_TICK_NANOS, java.util.concurrent.TimeUnit.NANOSECONDS);
        }
    }
}
