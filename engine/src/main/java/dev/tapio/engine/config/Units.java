package dev.tapio.engine.config;

import java.time.Duration;
import java.util.Locale;

/** Parsing and printing of the units config values carry: sizes, durations, rates. Stateless. */
public final class Units
{
    private Units()
    {
    }

    public static long parseBytes(final String text)
    {
        final String s = text.trim();
        int i = 0;
        while (i < s.length() && Character.isDigit(s.charAt(i)))
        {
            i++;
        }
        if (i == 0)
        {
            throw new IllegalArgumentException("expected a size such as 512B, 64KiB or 1MiB, got \"" + text + "\"");
        }
        final long n = Long.parseLong(s.substring(0, i));
        final String unit = s.substring(i).trim();
        final long mult;
        switch (unit)
        {
            case "":
            case "B":
                mult = 1;
                break;
            case "KiB":
                mult = 1L << 10;
                break;
            case "MiB":
                mult = 1L << 20;
                break;
            case "GiB":
                mult = 1L << 30;
                break;
            default:
                throw new IllegalArgumentException("unknown size unit \"" + unit + "\" (use B, KiB, MiB or GiB)");
        }
        return Math.multiplyExact(n, mult);
    }

    public static String formatBytes(final long bytes)
    {
        if (bytes >= (1L << 30) && bytes % (1L << 30) == 0)
        {
            return (bytes >> 30) + "GiB";
        }
        if (bytes >= (1L << 20) && bytes % (1L << 20) == 0)
        {
            return (bytes >> 20) + "MiB";
        }
        if (bytes >= (1L << 10) && bytes % (1L << 10) == 0)
        {
            return (bytes >> 10) + "KiB";
        }
        return bytes + "B";
    }

    public static Duration parseDuration(final String text)
    {
        final String s = text.trim().toLowerCase(Locale.ROOT);
        int i = 0;
        while (i < s.length() && (Character.isDigit(s.charAt(i)) || s.charAt(i) == '.'))
        {
            i++;
        }
        if (i == 0 || i == s.length())
        {
            throw new IllegalArgumentException("expected a duration with a unit such as 100ms, 30s or 5m, got \"" +
                text + "\"");
        }
        final double n;
        try
        {
            n = Double.parseDouble(s.substring(0, i));
        }
        catch (final NumberFormatException e)
        {
            throw new IllegalArgumentException("bad number in duration \"" + text + "\"");
        }
        final double nanos;
        switch (s.substring(i))
        {
            case "ns":
                nanos = n;
                break;
            case "us":
                nanos = n * 1e3;
                break;
            case "ms":
                nanos = n * 1e6;
                break;
            case "s":
                nanos = n * 1e9;
                break;
            case "m":
                nanos = n * 60e9;
                break;
            case "h":
                nanos = n * 3600e9;
                break;
            default:
                throw new IllegalArgumentException("unknown duration unit \"" + s.substring(i) +
                    "\" (use ns, us, ms, s, m or h)");
        }
        return Duration.ofNanos((long)nanos);
    }

    /** Events per second; 0 means unlimited. Accepts 5000, 5000/s, 1.5M/s, 200k, max. */
    public static long parseRate(final String text)
    {
        String s = text.trim();
        if ("max".equals(s) || "unlimited".equals(s))
        {
            return 0;
        }
        if (s.endsWith("/s"))
        {
            s = s.substring(0, s.length() - 2);
        }
        double mult = 1;
        if (s.endsWith("k") || s.endsWith("K"))
        {
            mult = 1e3;
            s = s.substring(0, s.length() - 1);
        }
        else if (s.endsWith("M"))
        {
            mult = 1e6;
            s = s.substring(0, s.length() - 1);
        }
        try
        {
            final double v = Double.parseDouble(s.replace("_", "")) * mult;
            if (v < 0 || Double.isNaN(v) || Double.isInfinite(v))
            {
                throw new NumberFormatException();
            }
            if (v > 0 && v < 1)
            {
                // (long) would make it 0, which means unlimited.
                throw new IllegalArgumentException("a rate must be at least 1/s (or max), got \"" + text + "\"");
            }
            return (long)v;
        }
        catch (final NumberFormatException e)
        {
            throw new IllegalArgumentException("expected a rate such as 5000/s, 200k/s or max, got \"" + text + "\"");
        }
    }

    /** {@code 1.5s}, {@code 250ms} and so on, for messages. */
    public static String formatDuration(final Duration d)
    {
        final long ns = d.toNanos();
        if (ns % 3_600_000_000_000L == 0 && ns > 0)
        {
            return ns / 3_600_000_000_000L + "h";
        }
        if (ns % 60_000_000_000L == 0 && ns > 0)
        {
            return ns / 60_000_000_000L + "m";
        }
        if (ns % 1_000_000_000L == 0)
        {
            return ns / 1_000_000_000L + "s";
        }
        if (ns % 1_000_000L == 0)
        {
            return ns / 1_000_000L + "ms";
        }
        return ns / 1000 + "us";
    }
}
