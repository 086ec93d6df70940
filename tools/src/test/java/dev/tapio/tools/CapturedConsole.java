package dev.tapio.tools;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/**
 * Base of the CLI tests: System.out and System.err are captured for each test (the commands print
 * there, as a user sees them) and restored after it.
 */
abstract class CapturedConsole
{
    protected final ByteArrayOutputStream out = new ByteArrayOutputStream();
    protected final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private PrintStream savedOut;
    private PrintStream savedErr;

    @BeforeEach
    final void captureConsole()
    {
        savedOut = System.out;
        savedErr = System.err;
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    @AfterEach
    final void restoreConsole()
    {
        System.setOut(savedOut);
        System.setErr(savedErr);
    }

    /** Forgets what set-up printed, so a test sees only its own command's output. */
    protected final void clearConsole()
    {
        out.reset();
        err.reset();
    }

    protected final String out()
    {
        return out.toString(StandardCharsets.UTF_8);
    }

    protected final String err()
    {
        return err.toString(StandardCharsets.UTF_8);
    }
}
