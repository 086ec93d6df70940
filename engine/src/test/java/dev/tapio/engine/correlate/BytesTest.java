package dev.tapio.engine.correlate;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;

class BytesTest
{
    @Test
    void writesUnsignedDecimalDigitsWithoutAllocatingAString()
    {
        for (final long v : new long[]{ 0, 7, 10, 4242, Long.MAX_VALUE, -1L })
        {
            final byte[] out = new byte[32];
            final int n = Bytes.putUnsigned(out, 3, v);
            assertEquals(Long.toUnsignedString(v), new String(out, 3, n - 3, StandardCharsets.US_ASCII));
        }
    }

    @Test
    void hashesAndComparesTheSameBytesAlikeFromAnArrayAndABuffer()
    {
        final java.util.Random random = new java.util.Random(7);
        final java.util.Set<Long> seen = new java.util.HashSet<>();
        for (int length = 0; length <= 41; length++)
        {
            final byte[] bytes = new byte[length];
            random.nextBytes(bytes);
            final byte[] padded = new byte[length + 5];
            System.arraycopy(bytes, 0, padded, 3, length);
            final org.agrona.concurrent.UnsafeBuffer buffer = new org.agrona.concurrent.UnsafeBuffer(padded);
            final long h = Bytes.hash(bytes, 0, length, 17);
            org.junit.jupiter.api.Assertions.assertEquals(h, Bytes.hash(buffer, 3, length, 17), "length " + length);
            org.junit.jupiter.api.Assertions.assertEquals(h, Bytes.hash(padded, 3, length, 17), "length " + length);
            org.junit.jupiter.api.Assertions.assertNotEquals(h, Bytes.hash(bytes, 0, length, 18), "the seed counts");
            org.junit.jupiter.api.Assertions.assertTrue(seen.add(h), "distinct lengths and contents, distinct hashes");
            org.junit.jupiter.api.Assertions.assertTrue(Bytes.equals(buffer, 3, length, bytes));
            if (length > 0)
            {
                final byte[] other = bytes.clone();
                other[length - 1] ^= 1;
                org.junit.jupiter.api.Assertions.assertFalse(Bytes.equals(buffer, 3, length, other));
                org.junit.jupiter.api.Assertions.assertNotEquals(h, Bytes.hash(other, 0, length, 17));
            }
        }
    }
}
