package dev.tapio.engine.metrics;

import java.io.PrintStream;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Logs repeated errors once with a count, in the spirit of Agrona's {@code DistinctErrorLog}: the
 * first {@code perKeyLimit} occurrences of each key are printed in full (so a user sees the first
 * bad lines with their line numbers); after that only a periodic "N more" line. Thread-safe; never
 * called per good event.
 */
public final class ErrorLog
{
    private final PrintStream out;
    private final int perKeyLimit;
    private final ConcurrentHashMap<String, AtomicLong> counts = new ConcurrentHashMap<>();

    public ErrorLog(final PrintStream out, final int perKeyLimit)
    {
        this.out = out;
        this.perKeyLimit = perKeyLimit;
    }

    /** Records an error of kind {@code key}; prints {@code message} while under the limit. */
    public void record(final String key, final String message)
    {
        final long n = counts.computeIfAbsent(key, k -> new AtomicLong()).incrementAndGet();
        if (n <= perKeyLimit)
        {
            out.println("tapio: " + message);
        }
        else if (n == perKeyLimit + 1 || Long.bitCount(n) == 1)
        {
            out.println("tapio: " + key + ": " + n + " occurrences so far (further ones are counted, not printed)");
        }
    }

    /** How many errors of kind {@code key} were recorded. */
    public long count(final String key)
    {
        final AtomicLong c = counts.get(key);
        return c == null ? 0 : c.get();
    }
}
