package dev.tapio.codecs;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class Rfc3339Test
{
    private static final DateTimeFormatter NINE_DIGITS_UTC =
        DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSSSSSSSS'Z'").withZone(ZoneOffset.UTC);

    /** Earliest and latest instants that fit in a signed 64-bit count of epoch nanoseconds. */
    private static final Instant MIN_NANOS_INSTANT = Instant.ofEpochSecond(0, Long.MIN_VALUE);
    private static final Instant MAX_NANOS_INSTANT = Instant.ofEpochSecond(0, Long.MAX_VALUE);

    private static long nanos(final Instant i)
    {
        return Math.addExact(Math.multiplyExact(i.getEpochSecond(), 1_000_000_000L), i.getNano());
    }

    @Test
    void formatsEpochZeroAsTheUnixEpochWithNineFractionDigits()
    {
        assertEquals("1970-01-01T00:00:00.000000000Z", Rfc3339.format(0L));
        assertEquals(0L, Rfc3339.parse("1970-01-01T00:00:00Z"));
    }

    @Test
    void formattedLengthIsAlwaysThirtyCharacters()
    {
        assertEquals(Rfc3339.FORMATTED_LENGTH, Rfc3339.format(0L).length());
        assertEquals(Rfc3339.FORMATTED_LENGTH, Rfc3339.format(Long.MIN_VALUE).length());
        assertEquals(Rfc3339.FORMATTED_LENGTH, Rfc3339.format(Long.MAX_VALUE).length());
        final char[] dst = new char[40];
        assertEquals(30, Rfc3339.format(1L, dst, 5));
        assertEquals("1970-01-01T00:00:00.000000001Z", new String(dst, 5, 30));
    }

    @Test
    void roundTripsNanosecondPrecision()
    {
        final long t = 1_795_255_200_123_456_789L; // 2026-11-21T10:00:00.123456789Z
        final String s = Rfc3339.format(t);
        assertEquals("2026-11-21T10:00:00.123456789Z", s);
        assertEquals(t, Rfc3339.parse(s));
    }

    @Test
    void roundTripsTimesBefore1970()
    {
        final long t = -1L; // one nanosecond before the epoch
        assertEquals("1969-12-31T23:59:59.999999999Z", Rfc3339.format(t));
        assertEquals(t, Rfc3339.parse("1969-12-31T23:59:59.999999999Z"));
        final long moonLanding = nanos(Instant.parse("1969-07-20T20:17:40Z"));
        assertEquals(moonLanding, Rfc3339.parse("1969-07-20T20:17:40Z"));
        assertEquals("1969-07-20T20:17:40.000000000Z", Rfc3339.format(moonLanding));
    }

    @Test
    void formatsTheExtremesOfTheLongRange()
    {
        assertEquals(NINE_DIGITS_UTC.format(MIN_NANOS_INSTANT), Rfc3339.format(Long.MIN_VALUE));
        assertEquals(NINE_DIGITS_UTC.format(MAX_NANOS_INSTANT), Rfc3339.format(Long.MAX_VALUE));
        assertEquals(Long.MIN_VALUE, Rfc3339.parse(Rfc3339.format(Long.MIN_VALUE)));
        assertEquals(Long.MAX_VALUE, Rfc3339.parse(Rfc3339.format(Long.MAX_VALUE)));
    }

    @ParameterizedTest
    @CsvSource({
        "2026-11-21T12:00:00+02:00, 2026-11-21T10:00:00Z",
        "2026-11-21T05:30:00-04:30, 2026-11-21T10:00:00Z",
        "2026-11-21T00:30:00+01:00, 2026-11-20T23:30:00Z",
        "2026-12-31T23:00:00-01:00, 2027-01-01T00:00:00Z",
        "2026-11-21T10:00:00-00:00, 2026-11-21T10:00:00Z",
        "2026-11-21T10:00:00z,      2026-11-21T10:00:00Z",
        "2026-11-21t10:00:00Z,      2026-11-21T10:00:00Z",
        "2026-11-21 10:00:00Z,      2026-11-21T10:00:00Z",
    })
    void appliesTimeZoneOffsetsAndAcceptsCaseVariants(final String input, final String utc)
    {
        assertEquals(nanos(Instant.parse(utc)), Rfc3339.parse(input));
    }

    @ParameterizedTest
    @CsvSource({
        "2024-02-29T00:00:00Z",
        "2000-02-29T12:34:56Z",
        "1972-02-29T23:59:59Z",
        "1904-02-29T00:00:00Z",
    })
    void acceptsFebruary29InLeapYears(final String s)
    {
        final long t = Rfc3339.parse(s);
        assertEquals(nanos(Instant.parse(s)), t);
        assertEquals(s.replace("Z", ".000000000Z"), Rfc3339.format(t));
    }

    @ParameterizedTest
    @ValueSource(strings = {"2023-02-29T00:00:00Z", "1900-02-29T00:00:00Z", "2100-02-29T00:00:00Z"})
    void rejectsFebruary29OutsideLeapYears(final String s)
    {
        final IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Rfc3339.parse(s));
        assertTrue(e.getMessage().contains("out of range"), e.getMessage());
    }

    @ParameterizedTest
    @CsvSource({
        "2026-11-21T10:00:00.1Z,         100000000",
        "2026-11-21T10:00:00.12Z,        120000000",
        "2026-11-21T10:00:00.123Z,       123000000",
        "2026-11-21T10:00:00.1234Z,      123400000",
        "2026-11-21T10:00:00.12345Z,     123450000",
        "2026-11-21T10:00:00.123456Z,    123456000",
        "2026-11-21T10:00:00.1234567Z,   123456700",
        "2026-11-21T10:00:00.12345678Z,  123456780",
        "2026-11-21T10:00:00.123456789Z, 123456789",
        "2026-11-21T10:00:00.000000001Z,         1",
        "2026-11-21T10:00:00.5+02:00,    500000000",
    })
    void readsFractionsOfOneToNineDigits(final String s, final long fractionNanos)
    {
        final long whole = nanos(OffsetDateTime.parse(s).toInstant().truncatedTo(java.time.temporal.ChronoUnit.SECONDS));
        assertEquals(whole + fractionNanos, Rfc3339.parse(s));
    }

    @Test
    void truncatesFractionDigitsBeyondNanoseconds()
    {
        assertEquals(Rfc3339.parse("2026-11-21T10:00:00.123456789Z"), Rfc3339.parse("2026-11-21T10:00:00.1234567899Z"));
    }

    @Test
    void treatsLeapSecondAsTheLastSecondOfTheMinute()
    {
        assertEquals(Rfc3339.parse("2016-12-31T23:59:59.5Z"), Rfc3339.parse("2016-12-31T23:59:60.5Z"));
    }

    @Test
    void parsesFromTheMiddleOfACharArray()
    {
        final String s = "xx2026-11-21T10:00:00.5Zyy";
        assertEquals(Rfc3339.parse("2026-11-21T10:00:00.5Z"), Rfc3339.parse(s.toCharArray(), 2, 22));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "''                                | too short",
        "yesterday                         | too short",
        "2026-11-21                        | too short",
        "2026-11-21T10:00:00               | too short",
        "2026-11-21T10:00:00.1             | missing time zone",
        "2026/11/21T10:00:00Z              | expected '-'",
        "2026-11-21X10:00:00Z              | expected 'T'",
        "2026-11-21T10-00:00Z              | expected ':'",
        "2026-1a-21T10:00:00Z              | expected a digit",
        "2026-13-01T00:00:00Z              | out of range",
        "2026-00-01T00:00:00Z              | out of range",
        "2026-04-31T00:00:00Z              | out of range",
        "2026-11-21T24:00:00Z              | out of range",
        "2026-11-21T10:60:00Z              | out of range",
        "2026-11-21T10:00:61Z              | out of range",
        "2026-11-21T10:00:00.Z             | empty fraction",
        "2026-11-21T10:00:00+0200          | bad time zone offset",
        "2026-11-21T10:00:00+02-00         | expected ':'",
        "2026-11-21T10:00:00 UTC           | bad time zone",
        "2026-11-21T10:00:00Zjunk          | trailing characters",
        "2026-11-21T10:00:00+02:00:00      | trailing characters",
    })
    void rejectsMalformedTimestampsWithAMessage(final String s, final String expectedInMessage)
    {
        final IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Rfc3339.parse(s));
        assertTrue(e.getMessage().contains(expectedInMessage),
            () -> "message for \"" + s + "\" was: " + e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"2026-11-21T10:00:00+24:00", "2026-11-21T10:00:00-02:60", "2026-11-21T10:00:00+99:99"})
    void rejectsTimeZoneOffsetsOutOfRange(final String s)
    {
        final IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Rfc3339.parse(s));
        assertTrue(e.getMessage().contains("offset"), e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "0001-01-01T00:00:00Z",
        "1600-01-01T00:00:00Z",
        "1677-09-21T00:12:43.145224191Z",
        "2262-04-11T23:47:16.854775808Z",
        "9999-12-31T23:59:59.999999999Z",
    })
    void rejectsTimestampsOutsideTheEpochNanosecondRange(final String s)
    {
        final IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Rfc3339.parse(s));
        assertTrue(e.getMessage().contains("out of range"), e.getMessage());
    }

    @Test
    void reportsErrorPositionsRelativeToTheStartOfTheTimestamp()
    {
        final char[] chars = "prefix:2026-1a-21T10:00:00Z".toCharArray();
        final IllegalArgumentException e =
            assertThrows(IllegalArgumentException.class, () -> Rfc3339.parse(chars, 7, chars.length - 7));
        assertEquals("expected a digit at position 6", e.getMessage());
        final char[] sep = "prefix:2026-11-21T10-00:00Z".toCharArray();
        final IllegalArgumentException e2 =
            assertThrows(IllegalArgumentException.class, () -> Rfc3339.parse(sep, 7, sep.length - 7));
        assertEquals("expected ':' at position 13", e2.getMessage());
    }

    @Test
    void formatAgreesWithJavaTimeForRandomInstants()
    {
        final Random random = new Random(3301);
        for (int i = 0; i < 500; i++)
        {
            final long t = random.nextLong();
            final String expected = NINE_DIGITS_UTC.format(Instant.ofEpochSecond(0, t));
            assertEquals(expected, Rfc3339.format(t), () -> "epoch nanos " + t);
            assertEquals(t, Rfc3339.parse(expected), () -> "epoch nanos " + t);
        }
    }

    @Test
    void parseAgreesWithJavaTimeForRandomTimestampsWithOffsetsAndShortFractions()
    {
        final Random random = new Random(7301);
        // Stay a day inside the representable range so that any offset keeps the instant in range.
        final long min = Long.MIN_VALUE + 86_400_000_000_000L;
        final long max = Long.MAX_VALUE - 86_400_000_000_000L;
        for (int i = 0; i < 500; i++)
        {
            long t;
            do
            {
                t = random.nextLong();
            }
            while (t < min || t > max);
            final int digits = 1 + random.nextInt(9);
            final int offsetMinutes = (random.nextInt(2 * 18 * 60 + 1) - 18 * 60);
            final ZoneOffset zone = ZoneOffset.ofTotalSeconds(offsetMinutes * 60);
            final StringBuilder pattern = new StringBuilder("uuuu-MM-dd'T'HH:mm:ss.");
            for (int d = 0; d < digits; d++)
            {
                pattern.append('S');
            }
            pattern.append(offsetMinutes == 0 && random.nextBoolean() ? "'Z'" : "xxx");
            final String s = DateTimeFormatter.ofPattern(pattern.toString()).format(
                Instant.ofEpochSecond(0, t).atOffset(zone));
            final long expected = nanos(OffsetDateTime.parse(s).toInstant());
            assertEquals(expected, Rfc3339.parse(s), () -> s);
        }
    }
}
