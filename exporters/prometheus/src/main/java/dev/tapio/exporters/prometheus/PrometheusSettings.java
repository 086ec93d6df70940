package dev.tapio.exporters.prometheus;

import dev.tapio.engine.config.ConfigException;
import dev.tapio.engine.config.ConfigNode;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Objects;

/**
 * What the Prometheus exporter needs: whether it runs, where it listens, how long a ring may hold events
 * without delivering any before {@code /readyz} says not ready, and whether events are counted by type.
 * Read from the {@code prometheus:} section of tapio.yaml ({@link #fromConfig}) or built in code.
 *
 * <p>Immutable; thread-safe.
 */
public final class PrometheusSettings
{
    public static final String DEFAULT_LISTEN = "0.0.0.0:9464";
    public static final Duration DEFAULT_STALL_TIMEOUT = Duration.ofSeconds(10);

    private final boolean enabled;
    private final String host;
    private final int port;
    private final Duration stallTimeout;
    private final boolean eventsByType;
    private final int maxNamespaces;

    private PrometheusSettings(final Builder b)
    {
        this.maxNamespaces = b.maxNamespaces;
        this.enabled = b.enabled;
        this.host = b.host;
        this.port = b.port;
        this.stallTimeout = b.stallTimeout;
        this.eventsByType = b.eventsByType;
    }

    public static Builder builder()
    {
        return new Builder();
    }

    /**
     * Reads and validates a {@code prometheus:} section; errors name the file, line and key.
     */
    public static PrometheusSettings fromConfig(final ConfigNode node) throws ConfigException
    {
        final Builder b = builder().enabled(node.bool("enabled", false));
        final String listen = node.string("listen", DEFAULT_LISTEN);
        try
        {
            b.listen(listen);
        }
        catch (final IllegalArgumentException e)
        {
            throw node.error("listen", e.getMessage());
        }
        final Duration stall = node.duration("stallTimeout", DEFAULT_STALL_TIMEOUT);
        if (stall.compareTo(Duration.ofMillis(100)) < 0 || stall.compareTo(Duration.ofHours(1)) > 0)
        {
            throw node.error("stallTimeout", "must be between 100ms and 1h");
        }
        b.stallTimeout(stall);
        b.eventsByType(node.bool("eventsByType", true));
        b.maxNamespaces(node.intValue("maxNamespaces", EventTypeCounts.DEFAULT_MAX_NAMESPACES, 0, 10_000));
        return b.build();
    }

    public boolean enabled()
    {
        return enabled;
    }

    public String host()
    {
        return host;
    }

    /** The configured port; 0 picks a free one ({@link PrometheusExporter#port()} tells which). */
    public int port()
    {
        return port;
    }

    public InetSocketAddress address()
    {
        return new InetSocketAddress(host, port);
    }

    public Duration stallTimeout()
    {
        return stallTimeout;
    }

    public boolean eventsByType()
    {
        return eventsByType;
    }

    /** Namespaces that get {@code tapio_events_by_namespace_total} series of their own (0: none). */
    public int maxNamespaces()
    {
        return maxNamespaces;
    }

    /** The listen address as {@code host:port} (IPv6 hosts in brackets). */
    public String listen()
    {
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }

    /** Fluent settings with every default applied. */
    public static final class Builder
    {
        private boolean enabled = true;
        private String host = "0.0.0.0";
        private int port = 9464;
        private Duration stallTimeout = DEFAULT_STALL_TIMEOUT;
        private boolean eventsByType = true;
        private int maxNamespaces = EventTypeCounts.DEFAULT_MAX_NAMESPACES;

        /** Namespaces with series of their own, 0 … 10,000 (0: namespaces are not counted). */
        public Builder maxNamespaces(final int maxNamespaces)
        {
            if (maxNamespaces < 0 || maxNamespaces > 10_000)
            {
                throw new IllegalArgumentException("maxNamespaces must be between 0 and 10000, got " + maxNamespaces);
            }
            this.maxNamespaces = maxNamespaces;
            return this;
        }

        public Builder enabled(final boolean enabled)
        {
            this.enabled = enabled;
            return this;
        }

        /** {@code host:port}, {@code [v6]:port}; port 0..65535 (0: any free one). */
        public Builder listen(final String hostPort)
        {
            final int colon = hostPort.lastIndexOf(':');
            if (colon <= 0 || colon == hostPort.length() - 1)
            {
                throw new IllegalArgumentException("expected host:port, got \"" + hostPort + "\"");
            }
            String h = hostPort.substring(0, colon);
            if (h.startsWith("[") && h.endsWith("]"))
            {
                h = h.substring(1, h.length() - 1);
            }
            else if (h.indexOf(':') >= 0)
            {
                throw new IllegalArgumentException("an IPv6 host goes in brackets: [" + h + "]:port");
            }
            final int p;
            try
            {
                p = Integer.parseInt(hostPort.substring(colon + 1));
            }
            catch (final NumberFormatException e)
            {
                throw new IllegalArgumentException("expected host:port, got \"" + hostPort + "\"");
            }
            return host(h).port(p);
        }

        public Builder host(final String host)
        {
            if (Objects.requireNonNull(host, "host").isEmpty())
            {
                throw new IllegalArgumentException("empty host");
            }
            this.host = host;
            return this;
        }

        public Builder port(final int port)
        {
            if (port < 0 || port > 65535)
            {
                throw new IllegalArgumentException("port " + port + " is out of range 0..65535");
            }
            this.port = port;
            return this;
        }

        public Builder stallTimeout(final Duration timeout)
        {
            if (timeout.isNegative() || timeout.isZero())
            {
                throw new IllegalArgumentException("stallTimeout must be positive");
            }
            this.stallTimeout = timeout;
            return this;
        }

        public Builder eventsByType(final boolean eventsByType)
        {
            this.eventsByType = eventsByType;
            return this;
        }

        public PrometheusSettings build()
        {
            return new PrometheusSettings(this);
        }
    }
}
