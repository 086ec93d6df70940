package dev.tapio.engine;

import com.lmax.disruptor.BlockingWaitStrategy;
import com.lmax.disruptor.BusySpinWaitStrategy;
import com.lmax.disruptor.SleepingWaitStrategy;
import com.lmax.disruptor.WaitStrategy;
import com.lmax.disruptor.YieldingWaitStrategy;

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

    public WaitStrategy create()
    {
        switch (this)
        {
            case SLEEPING:
                return new SleepingWaitStrategy();
            case YIELDING:
                return new YieldingWaitStrategy();
            case BUSY_SPIN:
                return new BusySpinWaitStrategy();
            default:
                return new BlockingWaitStrategy();
        }
    }
}
