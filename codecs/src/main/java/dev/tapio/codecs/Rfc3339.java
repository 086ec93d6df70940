package dev.tapio.codecs;

/**
 * RFC 3339 timestamps to and from epoch nanoseconds, without allocation. Parses
 * {@code 2026-11-21T10:00:00.123456789Z} and offsets such as {@code +02:00}; fractions of 1 to 9
 * digits. Formats always as UTC with 9 fraction digits. Stateless and thread-safe.
 */
public final class Rfc3339
{
    /** Characters written by {@link #format}. */
    public static final int FORMATTED_LENGTH = 30;

    private static final long NANOS_PER_SECOND = 1_000_000_000L;
    private static final long SECONDS_PER_DAY = 86_400L;

    private Rfc3339()
    {
    }

    /**
     * Parses a timestamp.
     *
     * @return epoch nanoseconds.
     * @throws IllegalArgumentException naming the problem when the text is not RFC 3339 or the instant
     *                                  is outside what a long of epoch nanoseconds holds (years 1677 to 2262).
     */
    public static long parse(final char[] s, final int offset, final int length)
    {
        final int end = offset + length;
        if (length < 20)
        {
            throw new IllegalArgumentException("timestamp too short, expected e.g. 2026-11-21T10:00:00Z");
        }
        int p = offset;
        final int year = digits(s, offset, p, 4);
        expect(s, offset, p + 4, '-');
        final int month = digits(s, offset, p + 5, 2);
        expect(s, offset, p + 7, '-');
        final int day = digits(s, offset, p + 8, 2);
        final char t = s[p + 10];
        if (t != 'T' && t != 't' && t != ' ')
        {
            throw new IllegalArgumentException("expected 'T' at position 10");
        }
        final int hour = digits(s, offset, p + 11, 2);
        expect(s, offset, p + 13, ':');
        final int minute = digits(s, offset, p + 14, 2);
        expect(s, offset, p + 16, ':');
        final int second = digits(s, offset, p + 17, 2);
        p += 19;
        if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month) || hour > 23 || minute > 59 ||
            second > 60)
        {
            throw new IllegalArgumentException("date or time field out of range");
        }
        long nanos = 0;
        if (p < end && s[p] == '.')
        {
            p++;
            int n = 0;
            while (p < end && s[p] >= '0' && s[p] <= '9')
            {
                if (n < 9)
                {
                    nanos = nanos * 10 + (s[p] - '0');
                }
                n++;
                p++;
            }
            if (n == 0)
            {
                throw new IllegalArgumentException("empty fraction of a second");
            }
            for (int i = n; i < 9; i++)
            {
                nanos *= 10;
            }
        }
        if (p >= end)
        {
            throw new IllegalArgumentException("missing time zone (Z or +hh:mm)");
        }
        long offsetSeconds = 0;
        final char z = s[p];
        if (z == 'Z' || z == 'z')
        {
            p++;
        }
        else if (z == '+' || z == '-')
        {
            if (end - p < 6)
            {
                throw new IllegalArgumentException("bad time zone offset");
            }
            final int oh = digits(s, offset, p + 1, 2);
            expect(s, offset, p + 3, ':');
            final int om = digits(s, offset, p + 4, 2);
            if (oh > 23 || om > 59)
            {
                throw new IllegalArgumentException("time zone offset out of range");
            }
            offsetSeconds = (oh * 3600L + om * 60L) * (z == '+' ? 1 : -1);
            p += 6;
        }
        else
        {
            throw new IllegalArgumentException("bad time zone, expected Z or +hh:mm");
        }
        if (p != end)
        {
            throw new IllegalArgumentException("trailing characters after timestamp");
        }
        final long days = daysFromCivil(year, month, day);
        final long epochSeconds = days * SECONDS_PER_DAY + hour * 3600L + minute * 60L + Math.min(second, 59) -
            offsetSeconds;
        try
        {
            // Before 1970 with a fraction, go through the next second so that the earliest instant a
            // long holds (1677-09-21T00:12:43.145224192Z) does not overflow on the way.
            return epochSeconds < 0 && nanos > 0 ?
                Math.addExact(Math.multiplyExact(epochSeconds + 1, NANOS_PER_SECOND), nanos - NANOS_PER_SECOND) :
                Math.addExact(Math.multiplyExact(epochSeconds, NANOS_PER_SECOND), nanos);
        }
        catch (final ArithmeticException e)
        {
            throw new IllegalArgumentException(
                "timestamp out of range (1677-09-21T00:12:43.145224192Z to 2262-04-11T23:47:16.854775807Z)");
        }
    }

    public static long parse(final String s)
    {
        return parse(s.toCharArray(), 0, s.length());
    }

    /**
     * Writes {@code yyyy-MM-ddTHH:mm:ss.nnnnnnnnnZ} (30 characters) for epoch nanoseconds.
     *
     * @return the number of characters written.
     */
    public static int format(final long epochNanos, final char[] dst, final int offset)
    {
        final long seconds = Math.floorDiv(epochNanos, NANOS_PER_SECOND);
        final int nanos = (int)Math.floorMod(epochNanos, NANOS_PER_SECOND);
        final long days = Math.floorDiv(seconds, SECONDS_PER_DAY);
        final int secOfDay = (int)Math.floorMod(seconds, SECONDS_PER_DAY);

        // civil_from_days (H. Hinnant)
        final long z = days + 719468;
        final long era = Math.floorDiv(z, 146097);
        final long doe = z - era * 146097;
        final long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
        final long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        final long mp = (5 * doy + 2) / 153;
        final int d = (int)(doy - (153 * mp + 2) / 5 + 1);
        final int m = (int)(mp < 10 ? mp + 3 : mp - 9);
        final int y = (int)(yoe + era * 400 + (m <= 2 ? 1 : 0));

        int p = offset;
        p = put(dst, p, y, 4);
        dst[p++] = '-';
        p = put(dst, p, m, 2);
        dst[p++] = '-';
        p = put(dst, p, d, 2);
        dst[p++] = 'T';
        p = put(dst, p, secOfDay / 3600, 2);
        dst[p++] = ':';
        p = put(dst, p, (secOfDay / 60) % 60, 2);
        dst[p++] = ':';
        p = put(dst, p, secOfDay % 60, 2);
        dst[p++] = '.';
        p = put(dst, p, nanos, 9);
        dst[p++] = 'Z';
        return p - offset;
    }

    public static String format(final long epochNanos)
    {
        final char[] c = new char[FORMATTED_LENGTH];
        return new String(c, 0, format(epochNanos, c, 0));
    }

    private static int put(final char[] dst, final int offset, final int value, final int width)
    {
        int v = value;
        for (int i = width - 1; i >= 0; i--)
        {
            dst[offset + i] = (char)('0' + (v % 10));
            v /= 10;
        }
        return offset + width;
    }

    private static long daysFromCivil(final int year, final int month, final int day)
    {
        final int y = month <= 2 ? year - 1 : year;
        final long era = Math.floorDiv(y, 400);
        final long yoe = y - era * 400;
        final long doy = (153L * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
        final long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        return era * 146097 + doe - 719468;
    }

    private static int daysInMonth(final int year, final int month)
    {
        switch (month)
        {
            case 2:
                return (year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)) ? 29 : 28;
            case 4:
            case 6:
            case 9:
            case 11:
                return 30;
            default:
                return 31;
        }
    }

    /** Reads {@code count} digits at {@code offset}; positions in messages count from {@code start}. */
    private static int digits(final char[] s, final int start, final int offset, final int count)
    {
        int v = 0;
        for (int i = 0; i < count; i++)
        {
            final char c = s[offset + i];
            if (c < '0' || c > '9')
            {
                throw new IllegalArgumentException("expected a digit at position " + (offset + i - start));
            }
            v = v * 10 + (c - '0');
        }
        return v;
    }

    private static void expect(final char[] s, final int start, final int index, final char c)
    {
        if (s[index] != c)
        {
            throw new IllegalArgumentException("expected '" + c + "' at position " + (index - start));
        }
    }
}
