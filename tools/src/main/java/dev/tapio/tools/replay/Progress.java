package dev.tapio.tools.replay;

import java.io.PrintStream;
import java.util.Locale;

/**
 * The progress line of a long replay on stderr: records scanned, the share of the sought range when it
 * is known, records/s. Nothing is printed during the first second, so quick runs (and tests) keep a
 * clean stderr. On a terminal the line is rewritten in place ({@code \r}) five times a second and
 * cleared at the end; otherwise (a log, a pipe) a full line is printed every {@value #LOG_INTERVAL_SECONDS}
 * seconds. Used by the scanning thread only.
 */
final class Progress
{
    static final long LOG_INTERVAL_SECONDS = 5;
    private static final long QUIET_NANOS = 1_000_000_000L;

    private final PrintStream err;
    private final boolean enabled;
    private final boolean console;
    private final long intervalNanos;
    private final long startNanos;
    private final java.util.function.LongSupplier nanoClock;
    private long total = -1;
    private long nextNanos;
    private int lastWidth;
    private boolean printed;

    Progress(final PrintStream err, final boolean enabled, final boolean console)
    {
        this(err, enabled, console, System::nanoTime);
    }

    Progress(final PrintStream err, final boolean enabled, final boolean console, final java.util.function.LongSupplier nanoClock)
    {
        this.err = err;
        this.enabled = enabled;
        this.console = console;
        this.nanoClock = nanoClock;
        this.intervalNanos = console ? 200_000_000L : LOG_INTERVAL_SECONDS * 1_000_000_000L;
        this.startNanos = nanoClock.getAsLong();
        this.nextNanos = startNanos + QUIET_NANOS;
    }

    /** The number of records the sought range is expected to hold, or -1 when unknown. */
    void total(final long total)
    {
        this.total = total;
    }

    /** Called every few thousand records; prints when due. */
    void tick(final long scanned)
    {
        if (!enabled)
        {
            return;
        }
        final long now = nanoClock.getAsLong();
        if (now - nextNanos < 0)
        {
            return;
        }
        nextNanos = now + intervalNanos;
        final double seconds = (now - startNanos) / 1e9;
        final StringBuilder line = new StringBuilder("tapio replay: ")
            .append(String.format(Locale.ROOT, "%,d", scanned)).append(" records");
        if (total > 0)
        {
            line.append(String.format(Locale.ROOT, " (%d%% of the range)", Math.min(100, scanned * 100 / total)));
        }
        line.append(String.format(Locale.ROOT, ", %,.0f records/s", scanned / Math.max(seconds, 1e-9)));
        if (console)
        {
            final int width = line.length();
            for (int i = width; i < lastWidth; i++)
            {
                line.append(' ');
            }
            lastWidth = width;
            err.print("\r" + line);
        }
        else
        {
            err.println(line);
        }
        err.flush();
        printed = true;
    }

    /** Clears a terminal progress line so the summary starts on a clean line. */
    void done()
    {
        if (printed && console)
        {
            err.print("\r" + " ".repeat(lastWidth) + "\r");
            err.flush();
        }
    }
}
