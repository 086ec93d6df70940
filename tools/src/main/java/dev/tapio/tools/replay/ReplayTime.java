package dev.tapio.tools.replay;

import dev.tapio.codecs.Rfc3339;
import dev.tapio.engine.config.Units;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The time arguments of {@code tapio replay} ({@code --from}, {@code --to}), in three forms:
 *
 * <pre>
 *   2026-11-23T10:00:00Z   RFC 3339 (any offset, 0..9 fraction digits)   the instant itself
 *   10:00  10:00:30        HH:MM[:SS]                                   that wall time today, in UTC
 *   -15m   -2h  -90s       minus a duration (ms, s, m, h)               now minus the duration
 * </pre>
 *
 * "Today" and "now" come from the clock given (injected in tests). Stateless.
 */
public final class ReplayTime
{
    /** What a bad value is told, after the option and the value. */
    public static final String FORMS =
        "expected RFC 3339 (2026-11-23T10:00:00Z), HH:MM[:SS] (today, UTC) or a relative -15m (now minus 15 minutes)";

    private static final Pattern WALL = Pattern.compile("(\\d{1,2}):(\\d{2})(?::(\\d{2}))?");

    private ReplayTime()
    {
    }

    /**
     * Epoch nanoseconds for {@code text}.
     *
     * @throws IllegalArgumentException saying what is wrong (the caller names the option and the value).
     */
    public static long parse(final String text, final Clock clock)
    {
        final String s = text.trim();
        if (s.isEmpty())
        {
            throw new IllegalArgumentException("empty; " + FORMS);
        }
        if (s.charAt(0) == '-')
        {
            final Duration d;
            try
            {
                d = Units.parseDuration(s.substring(1));
            }
            catch (final IllegalArgumentException e)
            {
                throw new IllegalArgumentException("not a relative time: " + e.getMessage() + "; " + FORMS);
            }
            return nanos(clock.instant().minus(d));
        }
        final Matcher m = WALL.matcher(s);
        if (m.matches())
        {
            final int h = Integer.parseInt(m.group(1));
            final int min = Integer.parseInt(m.group(2));
            final int sec = m.group(3) == null ? 0 : Integer.parseInt(m.group(3));
            if (h > 23 || min > 59 || sec > 59)
            {
                throw new IllegalArgumentException("not a time of day (00:00 to 23:59:59); " + FORMS);
            }
            final LocalDate today = LocalDate.ofInstant(clock.instant(), ZoneOffset.UTC);
            return nanos(today.atTime(LocalTime.of(h, min, sec)).toInstant(ZoneOffset.UTC));
        }
        try
        {
            return Rfc3339.parse(s);
        }
        catch (final IllegalArgumentException | DateTimeParseException | IndexOutOfBoundsException e)
        {
            throw new IllegalArgumentException(FORMS);
        }
    }

    private static long nanos(final Instant i)
    {
        return Math.addExact(Math.multiplyExact(i.getEpochSecond(), 1_000_000_000L), i.getNano());
    }
}
