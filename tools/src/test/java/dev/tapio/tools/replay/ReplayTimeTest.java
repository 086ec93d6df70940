package dev.tapio.tools.replay;

import dev.tapio.codecs.Rfc3339;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ReplayTimeTest
{
    private final Clock clock = Clock.fixed(Instant.parse("2026-11-23T10:20:30.5Z"), ZoneOffset.UTC);

    private long parse(final String s)
    {
        return ReplayTime.parse(s, clock);
    }

    @Test
    void rfc3339WithAnyOffsetAndFraction()
    {
        assertEquals(Rfc3339.parse("2026-11-23T10:00:00Z"), parse("2026-11-23T10:00:00Z"));
        assertEquals(Rfc3339.parse("2026-11-23T10:00:00Z"), parse("2026-11-23T12:00:00+02:00"));
        assertEquals(Rfc3339.parse("2026-11-23T10:00:00.123456789Z"), parse(" 2026-11-23T10:00:00.123456789Z "));
    }

    @Test
    void wallTimeIsThatTimeTodayInUtc()
    {
        assertEquals(Rfc3339.parse("2026-11-23T10:00:00Z"), parse("10:00"));
        assertEquals(Rfc3339.parse("2026-11-23T09:05:07Z"), parse("9:05:07"));
        assertEquals(Rfc3339.parse("2026-11-23T23:59:59Z"), parse("23:59:59"), "later today is still today");
    }

    @Test
    void relativeTimeIsNowMinusTheDuration()
    {
        assertEquals(Rfc3339.parse("2026-11-23T10:05:30.5Z"), parse("-15m"));
        assertEquals(Rfc3339.parse("2026-11-23T08:20:30.5Z"), parse("-2h"));
        assertEquals(Rfc3339.parse("2026-11-23T10:20:30Z"), parse("-500ms"));
    }

    @Test
    void badTimesSayWhichFormsAreAccepted()
    {
        for (final String bad : new String[] {"", "yesterday", "24:00", "10:60", "10:00:61", "-15", "-m",
            "2026-11-23T10:00:00", "2026-11-23", "10"})
        {
            final IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> parse(bad), bad);
            assertTrue(e.getMessage().contains(ReplayTime.FORMS), bad + ": " + e.getMessage());
        }
    }
}
