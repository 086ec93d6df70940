package dev.tapio.collectors.systemd;

import org.junit.jupiter.api.Assumptions;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A real {@code dbus-daemon} for a test, listening on a unix socket in a temporary directory, with a generated
 * configuration that lets anyone own any name (the test plays systemd). Restartable on the same socket path, to
 * drop every client's connection. Skips the test, saying why, when dbus-daemon is not installed. Public, in the
 * module's test-jar, for the end-to-end tests in tools.
 */
public final class DbusDaemon implements AutoCloseable
{
    private static final String CONFIG = """
        <!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
          "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
        <busconfig>
          <type>session</type>
          <listen>unix:path=%s</listen>
          <auth>EXTERNAL</auth>
          <policy context="default">
            <allow send_destination="*" eavesdrop="true"/>
            <allow eavesdrop="true"/>
            <allow own="*"/>
          </policy>
        </busconfig>
        """;

    private final Path socket;
    private final Path config;
    private Process process;
    private String address;

    private DbusDaemon(final Path dir) throws IOException
    {
        this.socket = dir.resolve("bus");
        this.config = dir.resolve("bus.conf");
        Files.writeString(config, String.format(CONFIG, socket), StandardCharsets.UTF_8);
    }

    /** Starts a daemon on {@code dir}/bus, or skips the test when dbus-daemon is missing. */
    public static DbusDaemon start(final Path dir) throws Exception
    {
        Assumptions.assumeTrue(executable() != null,
            "dbus-daemon is not installed (Debian package dbus-daemon): the systemd collector's D-Bus tests need it");
        final DbusDaemon d = new DbusDaemon(dir);
        d.start();
        return d;
    }

    public static String executable()
    {
        for (final String p : new String[] { "/usr/bin/dbus-daemon", "/bin/dbus-daemon", "/usr/local/bin/dbus-daemon" })
        {
            if (Files.isExecutable(Path.of(p)))
            {
                return p;
            }
        }
        return null;
    }

    /** Starts the daemon (again) on the same socket path and waits until it prints its address. */
    public void start() throws Exception
    {
        Files.deleteIfExists(socket);
        process = new ProcessBuilder(executable(), "--config-file=" + config, "--nofork", "--print-address=1")
            .redirectError(ProcessBuilder.Redirect.INHERIT)
            .start();
        final BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        final String line = CompletableFuture.supplyAsync(() ->
        {
            try
            {
                return out.readLine();
            }
            catch (final IOException e)
            {
                return null;
            }
        }).get(10, TimeUnit.SECONDS);
        if (line == null || !line.startsWith("unix:"))
        {
            process.destroyForcibly();
            throw new IllegalStateException("dbus-daemon did not print its address (got " + line + ")");
        }
        address = "unix:path=" + socket;
    }

    /** The address clients connect to: {@code unix:path=…/bus}. */
    public String address()
    {
        return address;
    }

    /** Kills the daemon: every connection to it drops. */
    public void kill() throws InterruptedException
    {
        if (process != null)
        {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
            process = null;
        }
    }

    @Override
    public void close() throws InterruptedException
    {
        kill();
    }
}
