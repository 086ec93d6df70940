package dev.tapio.engine.config;

import java.net.InetSocketAddress;

/** Listen and target addresses written as {@code host:port} or {@code [v6]:port} (port 0 … 65535). */
public final class HostPort
{
    private HostPort()
    {
    }

    /**
     * The address {@code hostPort} names, unresolved names resolved as {@link InetSocketAddress} does.
     *
     * @throws IllegalArgumentException naming the text when it is not host:port or the port is out of range
     */
    public static InetSocketAddress parse(final String hostPort)
    {
        final int colon = hostPort.lastIndexOf(':');
        if (colon <= 0 || colon == hostPort.length() - 1)
        {
            throw new IllegalArgumentException("expected host:port, got '" + hostPort + "'");
        }
        String host = hostPort.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]"))
        {
            host = host.substring(1, host.length() - 1);
        }
        final int port;
        try
        {
            port = Integer.parseInt(hostPort.substring(colon + 1));
        }
        catch (final NumberFormatException ex)
        {
            throw new IllegalArgumentException("expected host:port, got '" + hostPort + "'", ex);
        }
        if (port < 0 || port > 65535)
        {
            throw new IllegalArgumentException("port out of range in '" + hostPort + "'");
        }
        return new InetSocketAddress(host, port);
    }
}
