package dev.tapio.engine.correlate;

import org.agrona.DirectBuffer;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/** Byte-level helpers for comparing, matching and hashing strings in place. Stateless. */
final class Bytes
{
    private static final long M1 = 0x9E37_79B9_7F4A_7C15L;
    private static final long M2 = 0xC2B2_AE3D_27D4_EB4FL;
    private static final VarHandle LONG_LE = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    private Bytes()
    {
    }

    static boolean equals(final DirectBuffer b, final int offset, final int length, final byte[] s)
    {
        if (length != s.length)
        {
            return false;
        }
        int i = 0;
        for (; i + 8 <= length; i += 8)
        {
            if (b.getLong(offset + i, ByteOrder.LITTLE_ENDIAN) != (long)LONG_LE.get(s, i))
            {
                return false;
            }
        }
        for (; i < length; i++)
        {
            if (b.getByte(offset + i) != s[i])
            {
                return false;
            }
        }
        return true;
    }

    static boolean equals(final byte[] a, final int aOffset, final int aLength, final byte[] b, final int bOffset, final int bLength)
    {
        return aLength == bLength && java.util.Arrays.equals(a, aOffset, aOffset + aLength, b, bOffset, bOffset + bLength);
    }

    static boolean endsWith(final DirectBuffer b, final int offset, final int length, final byte[] suffix)
    {
        if (length < suffix.length)
        {
            return false;
        }
        final int start = offset + length - suffix.length;
        for (int i = 0; i < suffix.length; i++)
        {
            if (b.getByte(start + i) != suffix[i])
            {
                return false;
            }
        }
        return true;
    }

    /** Glob match ({@code *} any run, {@code ?} one byte) of the bytes against a pattern; iterative, no allocation. */
    static boolean glob(final byte[] pattern, final DirectBuffer b, final int offset, final int length)
    {
        int p = 0;
        int s = 0;
        int star = -1;
        int mark = 0;
        while (s < length)
        {
            if (p < pattern.length && (pattern[p] == '?' || pattern[p] == b.getByte(offset + s)))
            {
                p++;
                s++;
            }
            else if (p < pattern.length && pattern[p] == '*')
            {
                star = p++;
                mark = s;
            }
            else if (star >= 0)
            {
                p = star + 1;
                s = ++mark;
            }
            else
            {
                return false;
            }
        }
        while (p < pattern.length && pattern[p] == '*')
        {
            p++;
        }
        return p == pattern.length;
    }

    /**
     * A 64-bit hash of {@code length} bytes, eight at a time (little-endian words, then the tail), for
     * hash tables and deterministic ids; the same bytes give the same value from a byte[] or a buffer.
     * Not for adversarial input.
     */
    static long hash(final byte[] bytes, final int offset, final int length, final long seed)
    {
        long h = seed ^ (length * M1);
        int i = 0;
        for (; i + 8 <= length; i += 8)
        {
            h = step(h, (long)LONG_LE.get(bytes, offset + i));
        }
        if (i < length)
        {
            long w = 0;
            for (int k = length - 1; k >= i; k--)
            {
                w = (w << 8) | (bytes[offset + k] & 0xFF);
            }
            h = step(h, w);
        }
        return mix(h);
    }

    static long hash(final DirectBuffer b, final int offset, final int length, final long seed)
    {
        long h = seed ^ (length * M1);
        int i = 0;
        for (; i + 8 <= length; i += 8)
        {
            h = step(h, b.getLong(offset + i, ByteOrder.LITTLE_ENDIAN));
        }
        if (i < length)
        {
            long w = 0;
            for (int k = length - 1; k >= i; k--)
            {
                w = (w << 8) | (b.getByte(offset + k) & 0xFF);
            }
            h = step(h, w);
        }
        return mix(h);
    }

    private static long step(final long h, final long word)
    {
        return Long.rotateLeft(h ^ (word * M2), 29) * M1;
    }

    /** Writes the unsigned decimal digits of {@code value} at {@code p} (truncated at the end of out). */
    static int putUnsigned(final byte[] out, final int p, final long value)
    {
        int digits = 1;
        for (long v = Long.divideUnsigned(value, 10); v != 0; v = Long.divideUnsigned(v, 10))
        {
            digits++;
        }
        long v = value;
        for (int i = digits - 1; i >= 0; i--)
        {
            if (p + i < out.length)
            {
                out[p + i] = (byte)('0' + Long.remainderUnsigned(v, 10));
            }
            v = Long.divideUnsigned(v, 10);
        }
        return Math.min(out.length, p + digits);
    }

    static long hash(final long value, final long seed)
    {
        return mix(value ^ mix(seed));
    }

    /** MurmurHash3's 64-bit finaliser. */
    static long mix(final long value)
    {
        long z = value;
        z = (z ^ (z >>> 33)) * 0xff51afd7ed558ccdL;
        z = (z ^ (z >>> 33)) * 0xc4ceb9fe1a85ec53L;
        return z ^ (z >>> 33);
    }

    static long nonZero(final long v)
    {
        return v != 0 ? v : 0x5ee_d5ee_d5ee_d5eeL;
    }
}
