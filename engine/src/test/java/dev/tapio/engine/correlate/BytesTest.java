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
}
