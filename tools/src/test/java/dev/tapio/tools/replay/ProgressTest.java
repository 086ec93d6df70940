package dev.tapio.tools.replay;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ProgressTest
{
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final PrintStream err = new PrintStream(bytes, true, StandardCharsets.UTF_8);
    private long now = 5_000_000_000L;

    private String err()
    {
        return bytes.toString(StandardCharsets.UTF_8);
    }

    @Test
    void staysQuietDuringTheFirstSecondThenPrintsRecordsShareAndRate()
    {
        final Progress p = new Progress(err, true, false, () -> now);
        p.total(4_000_000);
        now += 999_000_000L;
        p.tick(900_000);
        assertEquals("", err(), "a run under a second prints nothing");
        now += 1_000_000L;
        p.tick(1_000_000);
        assertEquals("tapio replay: 1,000,000 records (25% of the range), 1,000,000 records/s\n", err());
        now += 1_000_000_000L;
        p.tick(2_000_000);
        assertEquals(1, err().lines().count(), "a log gets a line every " + Progress.LOG_INTERVAL_SECONDS + " s");
        now += Progress.LOG_INTERVAL_SECONDS * 1_000_000_000L;
        p.tick(5_000_000);
        assertTrue(err().endsWith("tapio replay: 5,000,000 records (100% of the range), 714,286 records/s\n"), err());
        p.done();
        assertEquals(2, err().lines().count());
    }

    @Test
    void rewritesOneLineOnATerminalAndClearsIt()
    {
        final Progress p = new Progress(err, true, true, () -> now);
        now += 1_500_000_000L;
        p.tick(3_000);
        now += 250_000_000L;
        p.tick(3_500);
        p.done();
        final String s = err();
        assertTrue(s.startsWith("\rtapio replay: 3,000 records, 2,000 records/s\rtapio replay: 3,500 records, 2,000 records/s"), s);
        assertTrue(s.endsWith("\r" + " ".repeat("tapio replay: 3,500 records, 2,000 records/s".length()) + "\r"), s);
        assertEquals(-1, s.indexOf('\n'));
    }

    @Test
    void printsNothingWhenDisabled()
    {
        final Progress p = new Progress(err, false, true, () -> now);
        now += 10_000_000_000L;
        p.tick(1);
        p.done();
        assertEquals("", err());
    }
}
