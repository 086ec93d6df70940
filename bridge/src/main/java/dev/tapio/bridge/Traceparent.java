package dev.tapio.bridge;

import java.util.random.RandomGenerator;

/**
 * W3C Trace Context {@code traceparent} values (version 00): {@code 00-<32 hex trace id>-<16 hex span
 * id>-<2 hex flags>}, as sent in the {@code traceparent} gRPC metadata key when the bridge opens a
 * stream. Stateless.
 */
public final class Traceparent
{
    /** The metadata key (lower case, as HTTP/2 requires). */
    public static final String HEADER = "traceparent";
    public static final int LENGTH = 55;

    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private Traceparent()
    {
    }

    /** A new sampled traceparent with random, non-zero trace and span ids. */
    public static String random(final RandomGenerator random)
    {
        long hi;
        long lo;
        long span;
        do
        {
            hi = random.nextLong();
            lo = random.nextLong();
        }
        while (hi == 0 && lo == 0);
        do
        {
            span = random.nextLong();
        }
        while (span == 0);
        final char[] out = new char[LENGTH];
        out[0] = '0';
        out[1] = '0';
        out[2] = '-';
        hex(hi, out, 3);
        hex(lo, out, 19);
        out[35] = '-';
        hex(span, out, 36);
        out[52] = '-';
        out[53] = '0';
        out[54] = '1';
        return new String(out);
    }

    private static void hex(final long value, final char[] out, final int at)
    {
        for (int i = 0; i < 16; i++)
        {
            out[at + i] = HEX[(int)(value >>> (60 - 4 * i)) & 0xF];
        }
    }

    /**
     * Whether {@code value} is a well-formed version-00 traceparent: lower-case hex fields of the right
     * lengths, a trace id and a span id that are not all zero.
     */
    public static boolean isValid(final CharSequence value)
    {
        if (value == null || value.length() != LENGTH || value.charAt(0) != '0' || value.charAt(1) != '0' ||
            value.charAt(2) != '-' || value.charAt(35) != '-' || value.charAt(52) != '-')
        {
            return false;
        }
        return isHex(value, 3, 35) && isHex(value, 36, 52) && isHex(value, 53, 55) &&
            !allZero(value, 3, 35) && !allZero(value, 36, 52);
    }

    private static boolean isHex(final CharSequence s, final int from, final int to)
    {
        for (int i = from; i < to; i++)
        {
            final char c = s.charAt(i);
            if (!(c >= '0' && c <= '9' || c >= 'a' && c <= 'f'))
            {
                return false;
            }
        }
        return true;
    }

    private static boolean allZero(final CharSequence s, final int from, final int to)
    {
        for (int i = from; i < to; i++)
        {
            if (s.charAt(i) != '0')
            {
                return false;
            }
        }
        return true;
    }
}
