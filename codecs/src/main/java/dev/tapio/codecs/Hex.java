package dev.tapio.codecs;

/** Lower-case hex for ids (event ids, W3C trace and span ids), without allocation. Thread-safe. */
public final class Hex
{
    private static final char[] DIGITS = "0123456789abcdef".toCharArray();

    private Hex()
    {
    }

    /** Writes 16 hex digits of {@code value} (big-endian) at {@code offset}; returns 16. */
    public static int put(final long value, final char[] dst, final int offset)
    {
        for (int i = 0; i < 16; i++)
        {
            dst[offset + i] = DIGITS[(int)(value >>> (60 - 4 * i)) & 0xF];
        }
        return 16;
    }

    public static String toHex(final long value)
    {
        final char[] c = new char[16];
        put(value, c, 0);
        return new String(c);
    }

    /**
     * Parses 1 to 16 hex digits as an unsigned 64-bit value.
     *
     * @throws IllegalArgumentException when the text is empty, too long or not hex.
     */
    public static long parse(final char[] s, final int offset, final int length)
    {
        if (length < 1 || length > 16)
        {
            throw new IllegalArgumentException("expected 1 to 16 hex digits, got " + length + " characters");
        }
        long v = 0;
        for (int i = 0; i < length; i++)
        {
            final int d = digit(s[offset + i]);
            if (d < 0)
            {
                throw new IllegalArgumentException("not a hex digit: '" + s[offset + i] + "'");
            }
            v = (v << 4) | d;
        }
        return v;
    }

    /** True when the text is 1 to 16 hex digits. */
    public static boolean isHex64(final char[] s, final int offset, final int length)
    {
        if (length < 1 || length > 16)
        {
            return false;
        }
        for (int i = 0; i < length; i++)
        {
            if (digit(s[offset + i]) < 0)
            {
                return false;
            }
        }
        return true;
    }

    public static int digit(final char c)
    {
        if (c >= '0' && c <= '9')
        {
            return c - '0';
        }
        if (c >= 'a' && c <= 'f')
        {
            return c - 'a' + 10;
        }
        if (c >= 'A' && c <= 'F')
        {
            return c - 'A' + 10;
        }
        return -1;
    }
}
