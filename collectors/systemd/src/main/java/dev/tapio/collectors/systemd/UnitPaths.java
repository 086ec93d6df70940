package dev.tapio.collectors.systemd;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * systemd's escaping of unit names into D-Bus object paths ({@code sd_bus_path_encode}): every byte that is not
 * an ASCII letter or digit (and a leading digit) becomes {@code _xx}, two lower-case hex digits;
 * {@code nginx.service} is {@code /org/freedesktop/systemd1/unit/nginx_2eservice}.
 */
public final class UnitPaths
{
    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private UnitPaths()
    {
    }

    /** The object path of a unit. */
    public static String escape(final String unit)
    {
        final byte[] b = unit.getBytes(StandardCharsets.UTF_8);
        final StringBuilder out = new StringBuilder(SystemdManager.UNIT_PATH_PREFIX.length() + b.length * 3)
            .append(SystemdManager.UNIT_PATH_PREFIX);
        if (b.length == 0)
        {
            return out.append('_').toString();
        }
        for (int i = 0; i < b.length; i++)
        {
            final int c = b[i] & 0xff;
            final boolean alnum = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' && i > 0;
            if (alnum)
            {
                out.append((char)c);
            }
            else
            {
                out.append('_').append(HEX[c >>> 4]).append(HEX[c & 0xf]);
            }
        }
        return out.toString();
    }

    /** The unit named by an object path under {@link SystemdManager#UNIT_PATH_PREFIX}, or null for any other path. */
    public static String unescape(final String path)
    {
        if (path == null || !path.startsWith(SystemdManager.UNIT_PATH_PREFIX) ||
            path.length() == SystemdManager.UNIT_PATH_PREFIX.length())
        {
            return null;
        }
        final String s = path.substring(SystemdManager.UNIT_PATH_PREFIX.length());
        if ("_".equals(s))
        {
            return "";
        }
        final ByteArrayOutputStream out = new ByteArrayOutputStream(s.length());
        for (int i = 0; i < s.length(); i++)
        {
            final char c = s.charAt(i);
            if (c == '_' && i + 2 < s.length() && Character.digit(s.charAt(i + 1), 16) >= 0 &&
                Character.digit(s.charAt(i + 2), 16) >= 0)
            {
                out.write(Character.digit(s.charAt(i + 1), 16) << 4 | Character.digit(s.charAt(i + 2), 16));
                i += 2;
            }
            else if (c == '/')
            {
                return null;
            }
            else
            {
                out.write(c);
            }
        }
        return out.toString(StandardCharsets.UTF_8);
    }
}
