package dev.tapio.engine.collect;

import dev.tapio.engine.config.ConfigException;
import dev.tapio.engine.config.ConfigNode;
import dev.tapio.engine.config.Units;

import java.time.Duration;
import java.util.Objects;

/**
 * How the {@link CollectorManager} restarts one collector: after a crash it waits
 * {@code initialBackoff × multiplier^(k-1)} (at most {@code maxBackoff}), k being the crashes within the last
 * {@code window}; the {@code maxFailures}-th crash within the window makes the collector {@code failed} for good.
 * A collector that is unavailable on this machine is tried again every {@code unavailableRetry} (never when
 * zero). With {@code hangTimeout} above zero, a running collector that shows no progress (no event offered, no
 * {@link dev.tapio.engine.spi.SourceContext#heartbeat()}) for that long is treated as hung: it is interrupted,
 * and restarted once its run returns. Immutable; the {@code restart:} section of a source in docs/CONFIG.md.
 */
public final class RestartPolicy
{
    public static final Duration DEFAULT_INITIAL_BACKOFF = Duration.ofSeconds(1);
    public static final Duration DEFAULT_MAX_BACKOFF = Duration.ofMinutes(1);
    public static final double DEFAULT_MULTIPLIER = 2.0;
    public static final int DEFAULT_MAX_FAILURES = 5;
    public static final Duration DEFAULT_WINDOW = Duration.ofMinutes(10);
    public static final Duration DEFAULT_UNAVAILABLE_RETRY = Duration.ofMinutes(1);

    /** What {@code tapio run} applies to a source without a {@code restart:} section. */
    public static final RestartPolicy DEFAULT = new RestartPolicy(true, DEFAULT_INITIAL_BACKOFF, DEFAULT_MAX_BACKOFF,
        DEFAULT_MULTIPLIER, DEFAULT_MAX_FAILURES, DEFAULT_WINDOW, DEFAULT_UNAVAILABLE_RETRY, Duration.ZERO);

    /**
     * No restart: the first crash fails the collector, an unavailable one is not tried again. What an embedding
     * host gets from {@code Engine.Builder.source(source)}, as before the manager existed.
     */
    public static final RestartPolicy NEVER = DEFAULT.toBuilder().enabled(false).unavailableRetry(Duration.ZERO).build();

    private final boolean enabled;
    private final Duration initialBackoff;
    private final Duration maxBackoff;
    private final double multiplier;
    private final int maxFailures;
    private final Duration window;
    private final Duration unavailableRetry;
    private final Duration hangTimeout;

    private RestartPolicy(
        final boolean enabled, final Duration initialBackoff, final Duration maxBackoff, final double multiplier,
        final int maxFailures, final Duration window, final Duration unavailableRetry, final Duration hangTimeout)
    {
        this.enabled = enabled;
        this.initialBackoff = initialBackoff;
        this.maxBackoff = maxBackoff;
        this.multiplier = multiplier;
        this.maxFailures = maxFailures;
        this.window = window;
        this.unavailableRetry = unavailableRetry;
        this.hangTimeout = hangTimeout;
    }

    /**
     * Reads a source's {@code restart:} section (every key optional), starting from {@code defaults}.
     */
    public static RestartPolicy fromConfig(final ConfigNode c, final RestartPolicy defaults) throws ConfigException
    {
        final Builder b = defaults.toBuilder()
            .enabled(c.bool("enabled", defaults.enabled))
            .initialBackoff(c.duration("initialBackoff", defaults.initialBackoff))
            .maxBackoff(c.duration("maxBackoff", defaults.maxBackoff))
            .maxFailures(c.intValue("maxFailures", defaults.maxFailures, 1, 1_000_000))
            .window(c.duration("window", defaults.window))
            .unavailableRetry(c.duration("unavailableRetry", defaults.unavailableRetry))
            .hangTimeout(c.duration("hangTimeout", defaults.hangTimeout));
        final String m = c.string("multiplier", null);
        if (m != null)
        {
            try
            {
                b.multiplier(Double.parseDouble(m));
            }
            catch (final NumberFormatException e)
            {
                throw c.error("multiplier", "expected a number, got " + m);
            }
        }
        c.checkAllKeysUsed();
        try
        {
            return b.build();
        }
        catch (final IllegalArgumentException e)
        {
            throw c.error(e.getMessage().substring(0, e.getMessage().indexOf(':')),
                e.getMessage().substring(e.getMessage().indexOf(':') + 2));
        }
    }

    public boolean enabled()
    {
        return enabled;
    }

    public Duration initialBackoff()
    {
        return initialBackoff;
    }

    public Duration maxBackoff()
    {
        return maxBackoff;
    }

    public double multiplier()
    {
        return multiplier;
    }

    public int maxFailures()
    {
        return maxFailures;
    }

    public Duration window()
    {
        return window;
    }

    public Duration unavailableRetry()
    {
        return unavailableRetry;
    }

    public Duration hangTimeout()
    {
        return hangTimeout;
    }

    /** The wait before the restart that follows the {@code failures}-th crash within the window (1, 2, …). */
    public long backoffNanos(final int failures)
    {
        final double initial = initialBackoff.toNanos();
        final double b = initial * Math.pow(multiplier, Math.max(0, failures - 1));
        return (long)Math.min(b, (double)maxBackoff.toNanos());
    }

    public Builder toBuilder()
    {
        return new Builder(this);
    }

    public static Builder builder()
    {
        return DEFAULT.toBuilder();
    }

    @Override
    public String toString()
    {
        return enabled ? "restart after " + Units.formatDuration(initialBackoff) + " … " + Units.formatDuration(maxBackoff) +
            " (x" + multiplier + "), failed after " + maxFailures + " crashes within " + Units.formatDuration(window) :
            "no restart";
    }

    /** Fluent construction; {@link #build()} validates. */
    public static final class Builder
    {
        private boolean enabled;
        private Duration initialBackoff;
        private Duration maxBackoff;
        private double multiplier;
        private int maxFailures;
        private Duration window;
        private Duration unavailableRetry;
        private Duration hangTimeout;

        private Builder(final RestartPolicy p)
        {
            enabled = p.enabled;
            initialBackoff = p.initialBackoff;
            maxBackoff = p.maxBackoff;
            multiplier = p.multiplier;
            maxFailures = p.maxFailures;
            window = p.window;
            unavailableRetry = p.unavailableRetry;
            hangTimeout = p.hangTimeout;
        }

        public Builder enabled(final boolean v)
        {
            enabled = v;
            return this;
        }

        public Builder initialBackoff(final Duration v)
        {
            initialBackoff = Objects.requireNonNull(v);
            return this;
        }

        public Builder maxBackoff(final Duration v)
        {
            maxBackoff = Objects.requireNonNull(v);
            return this;
        }

        public Builder multiplier(final double v)
        {
            multiplier = v;
            return this;
        }

        public Builder maxFailures(final int v)
        {
            maxFailures = v;
            return this;
        }

        public Builder window(final Duration v)
        {
            window = Objects.requireNonNull(v);
            return this;
        }

        public Builder unavailableRetry(final Duration v)
        {
            unavailableRetry = Objects.requireNonNull(v);
            return this;
        }

        public Builder hangTimeout(final Duration v)
        {
            hangTimeout = Objects.requireNonNull(v);
            return this;
        }

        /** @throws IllegalArgumentException naming the option ({@code key: problem}). */
        public RestartPolicy build()
        {
            if (initialBackoff.isNegative() || initialBackoff.isZero())
            {
                throw new IllegalArgumentException("initialBackoff: must be above zero");
            }
            if (maxBackoff.compareTo(initialBackoff) < 0)
            {
                throw new IllegalArgumentException("maxBackoff: must be at least initialBackoff (" +
                    Units.formatDuration(initialBackoff) + ")");
            }
            if (!(multiplier >= 1.0 && multiplier <= 100.0))
            {
                throw new IllegalArgumentException("multiplier: must be within 1 … 100, got " + multiplier);
            }
            if (maxFailures < 1)
            {
                throw new IllegalArgumentException("maxFailures: must be at least 1");
            }
            if (window.isNegative() || window.isZero())
            {
                throw new IllegalArgumentException("window: must be above zero");
            }
            if (unavailableRetry.isNegative())
            {
                throw new IllegalArgumentException("unavailableRetry: must not be negative");
            }
            if (hangTimeout.isNegative())
            {
                throw new IllegalArgumentException("hangTimeout: must not be negative");
            }
            return new RestartPolicy(enabled, initialBackoff, maxBackoff, multiplier, maxFailures, window,
                unavailableRetry, hangTimeout);
        }
    }
}
