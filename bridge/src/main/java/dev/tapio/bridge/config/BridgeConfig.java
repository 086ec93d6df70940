package dev.tapio.bridge.config;

import dev.tapio.journal.delivery.Backoff;
import dev.tapio.journal.delivery.CircuitBreaker;
import dev.tapio.bridge.ServerBridge;
import dev.tapio.engine.config.ConfigException;
import dev.tapio.engine.config.ConfigNode;

import java.nio.file.Path;
import java.time.Duration;

/**
 * The {@code bridge:} section of tapio.yaml as the user wrote it, validated: the node forwards its journal
 * to a {@code tapio server}. Every option has a default (docs/CONFIG.md, "bridge"); {@link #applyTo} turns
 * it into a {@link ServerBridge.Builder}. Immutable.
 */
public final class BridgeConfig
{
    public static final String DEFAULT_TARGET = ServerBridge.DEFAULT_TARGET;
    public static final Duration DEFAULT_DRAIN_TIMEOUT = Duration.ofSeconds(5);

    public final boolean enabled;
    public final String target;
    /** This node's name in batches; null: the engine's node name. */
    public final String nodeId;
    public final String token;
    public final Path tlsCaFile;
    public final Path tlsCertFile;
    public final Path tlsKeyFile;
    public final String tlsAuthority;
    public final int batchMaxRecords;
    public final int batchMaxBytes;
    public final Duration batchLinger;
    public final int maxInFlight;
    public final Duration backoffBase;
    public final Duration backoffCap;
    public final int breakerThreshold;
    public final Duration breakerOpen;
    public final int breakerHalfOpenTrials;
    public final Duration ackTimeout;
    public final Duration keepAlive;
    public final Duration drainTimeout;

    private BridgeConfig(final ConfigNode c) throws ConfigException
    {
        enabled = c.bool("enabled", false);
        target = ConfigChecks.hostPort(c, "target", DEFAULT_TARGET, false);
        final String id = c.string("nodeId", "");
        if (id.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > 255)
        {
            throw c.error("nodeId", "longer than 255 bytes");
        }
        nodeId = id.isEmpty() ? null : id;
        token = ConfigChecks.token(c);

        final ConfigNode tls = c.child("tls");
        tlsCaFile = ConfigChecks.readableFile(tls, "caFile");
        tlsCertFile = ConfigChecks.readableFile(tls, "certFile");
        tlsKeyFile = ConfigChecks.readableFile(tls, "keyFile");
        if ((tlsCertFile == null) != (tlsKeyFile == null))
        {
            throw tls.error(tlsCertFile == null ? "certFile" : "keyFile",
                "a client certificate needs both certFile and keyFile");
        }
        final String authority = tls.string("authority", "");
        tlsAuthority = authority.isEmpty() ? null : authority;
        tls.checkAllKeysUsed();

        final ConfigNode batch = c.child("batch");
        batchMaxRecords = batch.intValue("maxRecords", ServerBridge.DEFAULT_MAX_BATCH_RECORDS, 1, 1_000_000);
        batchMaxBytes = (int)batch.bytes("maxBytes", ServerBridge.DEFAULT_MAX_BATCH_BYTES, 64, 8 << 20);
        batchLinger = ConfigChecks.duration(batch, "linger", Duration.ofMillis(ServerBridge.DEFAULT_BATCH_LINGER_MS),
            Duration.ZERO, Duration.ofSeconds(10));
        batch.checkAllKeysUsed();

        maxInFlight = c.intValue("maxInFlight", ServerBridge.DEFAULT_MAX_IN_FLIGHT, 1, 1024);

        final ConfigNode backoff = c.child("backoff");
        backoffBase = ConfigChecks.duration(backoff, "base", Duration.ofMillis(Backoff.DEFAULT_BASE_MS),
            Duration.ofMillis(1), Duration.ofHours(1));
        backoffCap = ConfigChecks.duration(backoff, "cap", Duration.ofMillis(Backoff.DEFAULT_CAP_MS),
            Duration.ofMillis(1), Duration.ofHours(24));
        if (backoffCap.compareTo(backoffBase) < 0)
        {
            throw backoff.error("cap", "must be at least base (" +
                dev.tapio.engine.config.Units.formatDuration(backoffBase) + ")");
        }
        backoff.checkAllKeysUsed();

        final ConfigNode breaker = c.child("breaker");
        breakerThreshold = breaker.intValue("threshold", CircuitBreaker.DEFAULT_FAILURE_THRESHOLD, 1, 1_000_000);
        breakerOpen = ConfigChecks.duration(breaker, "open", Duration.ofMillis(CircuitBreaker.DEFAULT_OPEN_MS),
            Duration.ofMillis(1), Duration.ofHours(24));
        breakerHalfOpenTrials = breaker.intValue("halfOpenTrials", CircuitBreaker.DEFAULT_HALF_OPEN_TRIALS, 1, 1024);
        breaker.checkAllKeysUsed();

        ackTimeout = ConfigChecks.duration(c, "ackTimeout", Duration.ofMillis(ServerBridge.DEFAULT_ACK_TIMEOUT_MS),
            Duration.ofMillis(10), Duration.ofHours(1));
        keepAlive = ConfigChecks.duration(c, "keepAlive", Duration.ofMillis(ServerBridge.DEFAULT_KEEPALIVE_MS),
            Duration.ofSeconds(10), Duration.ofHours(2));
        drainTimeout = ConfigChecks.duration(c, "drainTimeout", DEFAULT_DRAIN_TIMEOUT, Duration.ZERO, Duration.ofHours(1));
    }

    /** Reads and validates the section (an empty node gives every default). */
    public static BridgeConfig read(final ConfigNode section) throws ConfigException
    {
        return new BridgeConfig(section);
    }

    /** Every default (the bridge off). */
    public static BridgeConfig defaults()
    {
        try
        {
            return new BridgeConfig(ConfigNode.empty("<defaults>", BridgeSection.KEY));
        }
        catch (final ConfigException e)
        {
            throw new IllegalStateException(e);
        }
    }

    /** The node id to send: {@code nodeId} when set, else the engine's node name. */
    public String nodeIdOr(final String engineNodeName)
    {
        return nodeId != null ? nodeId : engineNodeName;
    }

    /** A bridge builder with every option of this section applied (the source and counters are the caller's). */
    public ServerBridge.Builder applyTo(final ServerBridge.Builder b, final String engineNodeName)
    {
        b.target(target)
            .nodeId(nodeIdOr(engineNodeName))
            .bearerToken(token)
            .maxBatchRecords(batchMaxRecords)
            .maxBatchBytes(batchMaxBytes)
            .batchLinger(batchLinger)
            .maxInFlight(maxInFlight)
            .backoff(backoffBase, backoffCap)
            .breaker(breakerThreshold, breakerOpen, breakerHalfOpenTrials)
            .ackTimeout(ackTimeout)
            .keepAlive(keepAlive);
        if (tlsCaFile != null)
        {
            b.tlsCa(tlsCaFile);
        }
        if (tlsCertFile != null)
        {
            b.tlsClientCertificate(tlsCertFile, tlsKeyFile);
        }
        if (tlsAuthority != null)
        {
            b.authority(tlsAuthority);
        }
        return b;
    }

    /** Whether the bridge speaks TLS (a CA or a client certificate is set). */
    public boolean tls()
    {
        return tlsCaFile != null || tlsCertFile != null;
    }
}
