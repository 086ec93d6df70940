package dev.tapio.engine;

/**
 * Time for the engine: a monotonic nanosecond clock and its mapping to epoch nanoseconds, fixed at
 * construction (one {@code System.nanoTime()} per batch gives both). Injected in tests.
 */
public interface EngineClock
{
    long nanoTime();

    long toEpochNanos(long nanoTime);

    static EngineClock system()
    {
        final long epochBase;
        final long nanoBase;
        final java.time.Instant now = java.time.Instant.now();
        nanoBase = System.nanoTime();
        epochBase = now.getEpochSecond() * 1_000_000_000L + now.getNano();
        return new EngineClock()
        {
            @Override
            public long nanoTime()
            {
                return System.nanoTime();
            }

            @Override
            public long toEpochNanos(final long nanoTime)
            {
                return epochBase + (nanoTime - nanoBase);
            }
        };
    }
}
