package dev.tapio.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** Checks that a trial's threads are gone before the next trial starts. */
final class Threads
{
    private Threads()
    {
    }

    /**
     * Waits until no live thread's name starts with {@code prefix}.
     *
     * @throws IllegalStateException naming the threads still alive after the timeout.
     */
    static void awaitExit(final String prefix, final Duration timeout) throws InterruptedException
    {
        final long deadline = System.nanoTime() + timeout.toNanos();
        while (true)
        {
            final List<String> alive = new ArrayList<>();
            for (final Thread t : Thread.getAllStackTraces().keySet())
            {
                if (t.isAlive() && t.getName().startsWith(prefix))
                {
                    alive.add(t.getName());
                }
            }
            if (alive.isEmpty())
            {
                return;
            }
            if (System.nanoTime() - deadline > 0)
            {
                throw new IllegalStateException("threads leaked past tear-down: " + alive);
            }
            Thread.sleep(10);
        }
    }
}
