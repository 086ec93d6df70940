package dev.tapio.journal.delivery;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.SplittableRandom;
import java.util.random.RandomGenerator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BackoffTest
{
    /** Always answers the top of the requested range: shows the ceiling. */
    private static final RandomGenerator MAX = new RandomGenerator()
    {
        @Override
        public long nextLong()
        {
            throw new UnsupportedOperationException();
        }

        @Override
        public long nextLong(final long origin, final long bound)
        {
            return bound - 1;
        }
    };

    /** Always answers the bottom: full jitter may retry at once. */
    private static final RandomGenerator MIN = new RandomGenerator()
    {
        @Override
        public long nextLong()
        {
            throw new UnsupportedOperationException();
        }

        @Override
        public long nextLong(final long origin, final long bound)
        {
            return origin;
        }
    };

    @Test
    void ceilingDoublesPerAttemptUntilTheCap()
    {
        final Backoff b = new Backoff(Duration.ofMillis(100), Duration.ofSeconds(30), MAX);
        assertEquals(100_000_000L, b.delayNanos(0));
        assertEquals(200_000_000L, b.delayNanos(1));
        assertEquals(400_000_000L, b.delayNanos(2));
        assertEquals(25_600_000_000L, b.delayNanos(8));
        assertEquals(30_000_000_000L, b.delayNanos(9));
        assertEquals(30_000_000_000L, b.delayNanos(62));
        assertEquals(30_000_000_000L, b.delayNanos(Integer.MAX_VALUE));
    }

    @Test
    void fullJitterCanBeZero()
    {
        final Backoff b = new Backoff(Duration.ofMillis(100), Duration.ofSeconds(30), MIN);
        assertEquals(0, b.delayNanos(5));
    }

    @Test
    void delaysStayWithinZeroAndTheCeilingAndSpreadOverIt()
    {
        final Backoff b = new Backoff(Duration.ofMillis(10), Duration.ofSeconds(1), new SplittableRandom(7));
        for (int attempt = 0; attempt < 20; attempt++)
        {
            long max = 0;
            long min = Long.MAX_VALUE;
            for (int i = 0; i < 2_000; i++)
            {
                final long d = b.delayNanos(attempt);
                assertTrue(d >= 0 && d <= b.ceilingNanos(attempt), "attempt " + attempt + ": " + d);
                max = Math.max(max, d);
                min = Math.min(min, d);
            }
            // uniform over [0, ceiling]: 2,000 draws reach both ends of it within 1%
            assertTrue(max > b.ceilingNanos(attempt) * 0.99 && min < b.ceilingNanos(attempt) * 0.01,
                "attempt " + attempt + " min " + min + " max " + max);
        }
    }

    @Test
    void defaultsAreStated()
    {
        final Backoff b = Backoff.defaults();
        assertEquals(Duration.ofMillis(100).toNanos(), b.baseNanos());
        assertEquals(Duration.ofSeconds(30).toNanos(), b.capNanos());
    }

    @Test
    void rejectsCapBelowBase()
    {
        assertThrows(IllegalArgumentException.class,
            () -> new Backoff(Duration.ofSeconds(2), Duration.ofSeconds(1), MIN));
        assertThrows(IllegalArgumentException.class, () -> new Backoff(Duration.ZERO, Duration.ofSeconds(1), MIN));
    }
}
