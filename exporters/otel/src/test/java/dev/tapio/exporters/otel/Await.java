package dev.tapio.exporters.otel;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/** How the otel tests wait for what happens on other threads: poll a condition, fail after a deadline, no sleeps. */
final class Await
{
    static final Duration DEADLINE = Duration.ofSeconds(60);

    private Await()
    {
    }

    /** Returns once {@code condition} holds; fails naming {@code what} when it does not within {@link #DEADLINE}. */
    static void await(final String what, final BooleanSupplier condition)
    {
        final long deadline = System.nanoTime() + DEADLINE.toNanos();
        while (!condition.getAsBoolean())
        {
            if (System.nanoTime() > deadline)
            {
                throw new AssertionError("not within " + DEADLINE + ": " + what);
            }
            Thread.onSpinWait();
            Thread.yield();
        }
    }
}
