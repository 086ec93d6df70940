package dev.tapio.codecs;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HexTest
{
    private static long parse(final String s)
    {
        return Hex.parse(s.toCharArray(), 0, s.length());
    }

    @Test
    void writesSixteenLowerCaseDigitsBigEndian()
    {
        assertEquals("0000000000000000", Hex.toHex(0L));
        assertEquals("00000000000000ff", Hex.toHex(255L));
        assertEquals("0123456789abcdef", Hex.toHex(0x0123456789abcdefL));
        assertEquals("ffffffffffffffff", Hex.toHex(-1L));
        assertEquals("8000000000000000", Hex.toHex(Long.MIN_VALUE));
    }

    @Test
    void putWritesAtTheGivenOffsetAndReturnsSixteen()
    {
        final char[] dst = "..................".toCharArray();
        assertEquals(16, Hex.put(0xdeadbeefL, dst, 1));
        assertEquals(".00000000deadbeef.", new String(dst));
    }

    @Test
    void roundTripsRandomValuesIncludingNegativeOnes()
    {
        final Random random = new Random(42);
        for (int i = 0; i < 1000; i++)
        {
            final long v = random.nextLong();
            assertEquals(v, parse(Hex.toHex(v)), () -> Long.toHexString(v));
        }
        assertEquals(Long.MIN_VALUE, parse(Hex.toHex(Long.MIN_VALUE)));
        assertEquals(Long.MAX_VALUE, parse(Hex.toHex(Long.MAX_VALUE)));
    }

    @Test
    void parsesOneToSixteenDigitsAsUnsigned64Bit()
    {
        assertEquals(0xFL, parse("f"));
        assertEquals(0x1234L, parse("1234"));
        assertEquals(0xABCDEFL, parse("AbCdEf"));
        assertEquals(-1L, parse("FFFFFFFFFFFFFFFF"));
        assertEquals(0x7fffffffffffffffL, parse("7fffffffffffffff"));
    }

    @Test
    void parsesFromTheMiddleOfACharArray()
    {
        final char[] c = "id=00ff;".toCharArray();
        assertEquals(255L, Hex.parse(c, 3, 4));
        assertTrue(Hex.isHex64(c, 3, 4));
        assertFalse(Hex.isHex64(c, 2, 4));
    }

    @ParameterizedTest
    @ValueSource(strings = {"g", "0x12", " 12", "12 ", "-1", "12345z", "é"})
    void rejectsNonHexDigits(final String s)
    {
        final IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> parse(s));
        assertTrue(e.getMessage().contains("not a hex digit"), e.getMessage());
        assertFalse(Hex.isHex64(s.toCharArray(), 0, s.length()));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "00000000000000000", "123456789abcdef01234"})
    void rejectsEmptyOrMoreThanSixteenDigits(final String s)
    {
        final IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> parse(s));
        assertTrue(e.getMessage().contains("1 to 16 hex digits"), e.getMessage());
        assertFalse(Hex.isHex64(s.toCharArray(), 0, s.length()));
    }

    @Test
    void digitValuesCoverBothCasesAndRejectEverythingElse()
    {
        for (char c = 0; c < 128; c++)
        {
            final int expected = Character.digit(c, 16);
            assertEquals(expected, Hex.digit(c), "char " + (int)c);
        }
        assertEquals(-1, Hex.digit('\uff10')); // fullwidth zero is a digit to Character, not to Hex
    }
}
