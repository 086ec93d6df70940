package dev.tapio.exporters.webhooks;

import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * How an endpoint's thread waits between attempts (backoff, Retry-After, an open breaker). Injected so that
 * tests can see the delays asked for without waiting them.
 */
@FunctionalInterface
public interface Pacer
{
    /**
     * Waits {@code nanos}, or less when {@code abandon} turns true (checked at least every 10 ms).
     *
     * @return false when it was abandoned.
     */
    boolean pause(long nanos, BooleanSupplier abandon);

    /** Parks the calling thread in slices of at most 10 ms. */
    Pacer PARKING = (nanos, abandon) ->
    {
        final long end = System.nanoTime() + nanos;
        while (true)
        {
            if (abandon.getAsBoolean())
            {
                return false;
            }
            final long left = end - System.nanoTime();
            if (left <= 0)
            {
                return true;
            }
            LockSupport.parkNanos(Math.min(left, 10_000_000L));
        }
    };
}
