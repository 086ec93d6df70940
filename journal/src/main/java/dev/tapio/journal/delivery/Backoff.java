package dev.tapio.journal.delivery;

import java.time.Duration;
import java.util.SplittableRandom;
import java.util.random.RandomGenerator;

/**
 * Exponential backoff with full jitter: the delay before retry {@code attempt} (0-based) is drawn
 * uniformly from {@code [0, min(cap, base × 2^attempt)]}. Full jitter spreads the reconnects of many
 * nodes after a server restart instead of synchronising them into waves.
 *
 * <p>Defaults: base {@value #DEFAULT_BASE_MS} ms, cap {@value #DEFAULT_CAP_MS} ms. The random source is
 * injected so tests are deterministic. Not thread-safe: one owner (the bridge's thread, a webhook endpoint's thread).
 */
public final class Backoff
{
    public static final long DEFAULT_BASE_MS = 100;
    public static final long DEFAULT_CAP_MS = 30_000;

    private final long baseNanos;
    private final long capNanos;
    private final RandomGenerator random;
    /** Largest attempt whose base × 2^attempt does not overflow (beyond it the cap applies anyway). */
    private final int maxShift;

    public Backoff(final Duration base, final Duration cap, final RandomGenerator random)
    {
        baseNanos = base.toNanos();
        capNanos = cap.toNanos();
        if (baseNanos <= 0 || capNanos < baseNanos)
        {
            throw new IllegalArgumentException("backoff needs 0 < base <= cap, got base " + base + ", cap " + cap);
        }
        this.random = random;
        maxShift = Long.numberOfLeadingZeros(baseNanos) - 1;
    }

    /** The defaults with a fresh, unseeded random source. */
    public static Backoff defaults()
    {
        return new Backoff(Duration.ofMillis(DEFAULT_BASE_MS), Duration.ofMillis(DEFAULT_CAP_MS), new SplittableRandom());
    }

    /** The ceiling of the delay for {@code attempt}: {@code min(cap, base × 2^attempt)}. */
    public long ceilingNanos(final int attempt)
    {
        if (attempt < 0)
        {
            throw new IllegalArgumentException("attempt " + attempt);
        }
        if (attempt >= maxShift)
        {
            return capNanos;
        }
        return Math.min(capNanos, baseNanos << attempt);
    }

    /** A delay for retry {@code attempt} (0-based), uniform in {@code [0, ceilingNanos(attempt)]}. */
    public long delayNanos(final int attempt)
    {
        return random.nextLong(0, ceilingNanos(attempt) + 1);
    }

    public long baseNanos()
    {
        return baseNanos;
    }

    public long capNanos()
    {
        return capNanos;
    }
}
