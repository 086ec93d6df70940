package dev.tapio.collectors.cni;

import java.nio.charset.StandardCharsets;
import java.util.regex.Pattern;

/**
 * The host-local IPAM plugin's on-disk state, one directory per network under its {@code dataDir}
 * (default {@code /var/lib/cni/networks}):
 *
 * <pre>
 *   /var/lib/cni/networks/&lt;network&gt;/
 *       10.22.0.5            "&lt;containerId&gt;\r\n&lt;ifName&gt;"   one file per allocated IP (older plugins: the id only)
 *       last_reserved_ip.0   the last IP handed out in range set 0            (ignored)
 *       lock                 the plugin's flock                                 (ignored)
 * </pre>
 *
 * The plugin creates an IP's file (O_EXCL) and then writes it, so a watcher may briefly see it empty.
 * Stateless helpers.
 */
final class IpamStateFile
{
    /** libcni's rule for container ids. */
    private static final Pattern CONTAINER_ID = Pattern.compile("[a-zA-Z0-9][a-zA-Z0-9_.\\-]*");
    private static final Pattern IPV4 = Pattern.compile("(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})");
    private static final Pattern IPV6_CHARS = Pattern.compile("[0-9a-fA-F:.]+");
    /** A state file is a line or two; anything longer is not one. */
    static final int MAX_LENGTH = 4096;

    private IpamStateFile()
    {
    }

    /** Files in a network directory that are not allocations. */
    static boolean ignored(final String fileName)
    {
        return "lock".equals(fileName) || fileName.startsWith("last_reserved_ip") || fileName.startsWith(".");
    }

    /** Whether a file name is an IPv4 or IPv6 address literal (checked without any name lookup). */
    static boolean isIpLiteral(final String s)
    {
        final var m = IPV4.matcher(s);
        if (m.matches())
        {
            for (int g = 1; g <= 4; g++)
            {
                if (Integer.parseInt(m.group(g)) > 255)
                {
                    return false;
                }
            }
            return true;
        }
        if (s.indexOf(':') < 0 || !IPV6_CHARS.matcher(s).matches())
        {
            return false;
        }
        try
        {
            // A string with ':' is parsed as an IPv6 literal or refused; it is never looked up.
            java.net.InetAddress.getByName(s); // IPv4-mapped ones come back as Inet4Address
            return true;
        }
        catch (final java.net.UnknownHostException e)
        {
            return false;
        }
    }

    /**
     * The container id and interface in a state file's content: {@code [id, ifName]} ({@code ifName} empty
     * for the older one-line format), {@code null} when the file is still empty, or a one-element array
     * holding why it is malformed.
     */
    static String[] parse(final byte[] content)
    {
        final String text = new String(content, StandardCharsets.UTF_8);
        if (text.isBlank())
        {
            return null;
        }
        final String[] lines = text.split("\r?\n", -1);
        final String id = lines[0].trim();
        final String ifName = lines.length > 1 ? lines[1].trim() : "";
        if (!CONTAINER_ID.matcher(id).matches())
        {
            return new String[]{ "first line is not a container id: \"" + abbreviate(id) + "\"" };
        }
        for (int i = 2; i < lines.length; i++)
        {
            if (!lines[i].isBlank())
            {
                return new String[]{ "more than two lines (container id, interface)" };
            }
        }
        if (ifName.length() > 15 || ifName.indexOf('/') >= 0 || ifName.chars().anyMatch(c -> c <= ' '))
        {
            return new String[]{ "second line is not an interface name: \"" + abbreviate(ifName) + "\"" };
        }
        return new String[]{ id, ifName };
    }

    private static String abbreviate(final String s)
    {
        final StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length() && b.length() < 40; i++)
        {
            final char c = s.charAt(i);
            b.append(c < ' ' || c == 0x7f ? '?' : c);
        }
        return s.length() > 40 ? b + "…" : b.toString();
    }
}
