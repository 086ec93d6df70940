package dev.tapio.bridge.config;

import dev.tapio.bridge.server.DedupWindow;
import dev.tapio.bridge.server.IngestServer;
import dev.tapio.engine.config.ConfigException;
import dev.tapio.engine.config.ConfigNode;

import java.nio.file.Path;

/**
 * The {@code server:} section of tapio.yaml as the user wrote it, validated: what {@code tapio server}
 * listens on, whom it lets in, how much it remembers for dedup, and where its cross-node correlation
 * writes group records. The server's own journal is the top-level {@code journal:} section. Immutable.
 */
public final class ServerConfig
{
    /** Loopback by default: exposing the server is a decision (and wants TLS and a token). */
    public static final String DEFAULT_LISTEN = "127.0.0.1:7301";

    public final String listen;
    public final String token;
    public final Path tlsCertFile;
    public final Path tlsKeyFile;
    public final Path tlsClientCaFile;
    public final int dedupCapacity;
    public final int maxMessageBytes;
    public final boolean correlate;
    /** Where group records go; null: {@code groups} beside the journal directory. */
    public final Path groupsDir;

    private ServerConfig(final ConfigNode c) throws ConfigException
    {
        listen = ConfigChecks.hostPort(c, "listen", DEFAULT_LISTEN, true);
        token = ConfigChecks.token(c);
        final ConfigNode tls = c.child("tls");
        tlsCertFile = ConfigChecks.readableFile(tls, "certFile");
        tlsKeyFile = ConfigChecks.readableFile(tls, "keyFile");
        tlsClientCaFile = ConfigChecks.readableFile(tls, "clientCaFile");
        if ((tlsCertFile == null) != (tlsKeyFile == null))
        {
            throw tls.error(tlsCertFile == null ? "certFile" : "keyFile", "TLS needs both certFile and keyFile");
        }
        if (tlsClientCaFile != null && tlsCertFile == null)
        {
            throw tls.error("clientCaFile", "client certificates need the server's own certFile and keyFile");
        }
        tls.checkAllKeysUsed();
        dedupCapacity = c.intValue("dedupCapacity", DedupWindow.DEFAULT_CAPACITY, 1, 1 << 28);
        maxMessageBytes = (int)c.bytes("maxMessageSize", IngestServer.DEFAULT_MAX_MESSAGE_BYTES, 1024, 1 << 30);
        correlate = c.bool("correlate", true);
        final String groups = c.string("groupsDir", "");
        groupsDir = groups.isEmpty() ? null : Path.of(groups);
    }

    public static ServerConfig read(final ConfigNode section) throws ConfigException
    {
        return new ServerConfig(section);
    }

    public static ServerConfig defaults()
    {
        try
        {
            return new ServerConfig(ConfigNode.empty("<defaults>", ServerSection.KEY));
        }
        catch (final ConfigException e)
        {
            throw new IllegalStateException(e);
        }
    }

    /** The groups directory for a server journal in {@code journalDir}: {@link #groupsDir}, or its sibling {@code groups}. */
    public Path groupsDirFor(final Path journalDir)
    {
        if (groupsDir != null)
        {
            return groupsDir;
        }
        final Path parent = journalDir.toAbsolutePath().getParent();
        return parent == null ? Path.of("groups") : parent.resolve("groups");
    }
}
