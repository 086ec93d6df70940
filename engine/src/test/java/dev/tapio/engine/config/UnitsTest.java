package dev.tapio.engine.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Sizes, durations and rates as config values write them. */
class UnitsTest
{
    @ParameterizedTest
    @CsvSource({
        "100ms, 100000000",
        "30s, 30000000000",
        "5m, 300000000000",
        "250us, 250000",
        "1h, 3600000000000",
        "1.5s, 1500000000",
        "10ns, 10",
        " 2s , 2000000000",
    })
    void parsesDurations(final String text, final long nanos)
    {
        assertEquals(Duration.ofNanos(nanos), Units.parseDuration(text));
    }

    @ParameterizedTest
    @ValueSource(strings = { "", "10", "ms", "5 parsecs", "-5s", "1..2s", "5d" })
    void rejectsDurationsWithoutAKnownUnit(final String text)
    {
        final IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Units.parseDuration(text));
        assertTrue(e.getMessage() != null && !e.getMessage().isEmpty());
    }

    @ParameterizedTest
    @CsvSource({
        "512B, 512",
        "512, 512",
        "64KiB, 65536",
        "1MiB, 1048576",
        "2GiB, 2147483648",
    })
    void parsesSizes(final String text, final long bytes)
    {
        assertEquals(bytes, Units.parseBytes(text));
    }

    @ParameterizedTest
    @ValueSource(strings = { "12KB", "1MB", "KiB", "", "64 kib", "-1B" })
    void rejectsSizesWithoutAKnownUnit(final String text)
    {
        assertThrows(IllegalArgumentException.class, () -> Units.parseBytes(text));
    }

    @ParameterizedTest
    @CsvSource({
        "5000/s, 5000",
        "5000, 5000",
        "200k/s, 200000",
        "200K, 200000",
        "1.5M/s, 1500000",
        "max, 0",
        "unlimited, 0",
        "1_000/s, 1000",
    })
    void parsesRates(final String text, final long perSecond)
    {
        assertEquals(perSecond, Units.parseRate(text));
    }

    @ParameterizedTest
    @ValueSource(strings = { "fast", "-5/s", "5000/m", "", "NaN", "Infinity/s" })
    void rejectsRatesItCannotRead(final String text)
    {
        assertThrows(IllegalArgumentException.class, () -> Units.parseRate(text));
    }

    @ParameterizedTest
    @ValueSource(strings = { "0.5/s", "0.001" })
    void rejectsARateBelowOneEventPerSecondRatherThanReadingItAsUnlimited(final String text)
    {
        assertThrows(IllegalArgumentException.class, () -> Units.parseRate(text));
    }

    @Test
    void formatsWhatItParses()
    {
        for (final String s : new String[]{ "512B", "64KiB", "1MiB", "1GiB" })
        {
            assertEquals(s, Units.formatBytes(Units.parseBytes(s)));
        }
        for (final String s : new String[]{ "250us", "100ms", "30s", "5m", "1h" })
        {
            assertEquals(s, Units.formatDuration(Units.parseDuration(s)));
        }
    }
}
