package dev.tapio.bridge.config;

import dev.tapio.engine.config.ConfigException;
import dev.tapio.engine.config.ConfigNode;
import dev.tapio.engine.config.Units;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/** Validation shared by the {@code bridge:} and {@code server:} sections; every error names file, line and key. */
final class ConfigChecks
{
    private ConfigChecks()
    {
    }

    /** {@code host:port} with a port in 1..65535 (0 too when {@code allowZero}). */
    static String hostPort(final ConfigNode node, final String key, final String defaultValue, final boolean allowZero)
        throws ConfigException
    {
        final String v = node.string(key, defaultValue);
        final int colon = v.lastIndexOf(':');
        if (colon <= 0 || colon == v.length() - 1)
        {
            throw node.error(key, "expected host:port, got \"" + v + "\"");
        }
        final int port;
        try
        {
            port = Integer.parseInt(v.substring(colon + 1));
        }
        catch (final NumberFormatException e)
        {
            throw node.error(key, "expected host:port with a numeric port, got \"" + v + "\"");
        }
        if (port < (allowZero ? 0 : 1) || port > 65_535)
        {
            throw node.error(key, "port " + port + " is out of range " + (allowZero ? 0 : 1) + "..65535");
        }
        return v;
    }

    /** A file that must be readable at startup, or null when the key is absent or empty. */
    static Path readableFile(final ConfigNode node, final String key) throws ConfigException
    {
        final String v = node.string(key, "");
        if (v.isEmpty())
        {
            return null;
        }
        final Path p = Path.of(v);
        if (!Files.isRegularFile(p) || !Files.isReadable(p))
        {
            throw node.error(key, "cannot read " + p.toAbsolutePath());
        }
        return p;
    }

    /**
     * The bearer token from {@code token} or {@code tokenFile} (its content, trimmed), at most one of them;
     * null when neither is set.
     */
    static String token(final ConfigNode node) throws ConfigException
    {
        final String inline = node.string("token", "");
        final Path file = readableFile(node, "tokenFile");
        if (!inline.isEmpty() && file != null)
        {
            throw node.error("tokenFile", "set token or tokenFile, not both");
        }
        if (file != null)
        {
            final String t;
            try
            {
                t = Files.readString(file, StandardCharsets.UTF_8).trim();
            }
            catch (final IOException e)
            {
                throw node.error("tokenFile", "cannot read " + file.toAbsolutePath() + ": " + e.getMessage());
            }
            checkToken(node, "tokenFile", t);
            return t;
        }
        if (!inline.isEmpty())
        {
            checkToken(node, "token", inline);
            return inline;
        }
        return null;
    }

    static void checkToken(final ConfigNode node, final String key, final String token) throws ConfigException
    {
        if (token.isEmpty())
        {
            throw node.error(key, "the token is empty");
        }
        for (int i = 0; i < token.length(); i++)
        {
            final char c = token.charAt(i);
            if (c < 0x21 || c > 0x7E)
            {
                throw node.error(key, "the token must be printable ASCII without spaces (it travels in an HTTP/2 header)");
            }
        }
    }

    /** A duration within [min, max]. */
    static Duration duration(final ConfigNode node, final String key, final Duration defaultValue, final Duration min,
        final Duration max) throws ConfigException
    {
        final Duration d = node.duration(key, defaultValue);
        if (d.compareTo(min) < 0 || d.compareTo(max) > 0)
        {
            throw node.error(key, Units.formatDuration(d) + " is out of range " + Units.formatDuration(min) + ".." +
                Units.formatDuration(max));
        }
        return d;
    }
}
