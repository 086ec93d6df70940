package dev.tapio.exporters.prometheus;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Runs Debian's {@code promtool check metrics} over a scrape; skips (saying why) when promtool is missing. */
final class Promtool
{
    static final Path PROMTOOL = Path.of("/usr/bin/promtool");

    private Promtool()
    {
    }

    static void assumeInstalled()
    {
        assumeTrue(Files.isExecutable(PROMTOOL),
            PROMTOOL + " is missing: install the Debian package prometheus (apt-get install prometheus) to lint the scrape");
    }

    /** promtool's output (stdout and stderr) and exit code for {@code check metrics} over this text. */
    static String[] checkMetrics(final String scrape) throws IOException, InterruptedException
    {
        final Process p = new ProcessBuilder(PROMTOOL.toString(), "check", "metrics").redirectErrorStream(true).start();
        try (OutputStream in = p.getOutputStream())
        {
            in.write(scrape.getBytes(StandardCharsets.UTF_8));
        }
        final String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(30, TimeUnit.SECONDS))
        {
            p.destroyForcibly();
            throw new AssertionError("promtool did not finish within 30 s");
        }
        return new String[]{ out, Integer.toString(p.exitValue()) };
    }
}
