package dev.tapio.collectors.systemd;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Which units the collector reports: those matching one of the {@code units} globs and none of the
 * {@code exclude} globs. Globs as in {@code systemctl list-units PATTERN}: {@code *} any run of characters,
 * {@code ?} one character, {@code [abc]} one of a set; everything else literal. Decisions are remembered per
 * unit name (a host has hundreds of units, not millions; the map is cleared beyond {@link #MAX_REMEMBERED}).
 *
 * <p>Threading: the collector's thread only.
 */
final class UnitFilter
{
    static final int MAX_REMEMBERED = 65_536;

    private final List<String> include;
    private final List<String> exclude;
    private final Pattern[] in;
    private final Pattern[] out;
    private final Map<String, Boolean> decided = new HashMap<>();

    UnitFilter(final List<String> include, final List<String> exclude)
    {
        this.include = List.copyOf(include);
        this.exclude = List.copyOf(exclude);
        this.in = compile(include);
        this.out = compile(exclude);
    }

    boolean matches(final String unit)
    {
        final Boolean known = decided.get(unit);
        if (known != null)
        {
            return known;
        }
        final boolean m = any(in, unit) && !any(out, unit);
        if (decided.size() >= MAX_REMEMBERED)
        {
            decided.clear();
        }
        decided.put(unit, m);
        return m;
    }

    List<String> include()
    {
        return include;
    }

    List<String> exclude()
    {
        return exclude;
    }

    private static boolean any(final Pattern[] patterns, final String unit)
    {
        for (final Pattern p : patterns)
        {
            if (p.matcher(unit).matches())
            {
                return true;
            }
        }
        return false;
    }

    private static Pattern[] compile(final List<String> globs)
    {
        final Pattern[] out = new Pattern[globs.size()];
        for (int i = 0; i < out.length; i++)
        {
            out[i] = Pattern.compile(toRegex(globs.get(i)));
        }
        return out;
    }

    /** A glob as a regular expression; an unclosed {@code [} is literal. */
    static String toRegex(final String glob)
    {
        final StringBuilder re = new StringBuilder();
        for (int i = 0; i < glob.length(); i++)
        {
            final char c = glob.charAt(i);
            if (c == '*')
            {
                re.append(".*");
            }
            else if (c == '?')
            {
                re.append('.');
            }
            else if (c == '[' && glob.indexOf(']', i + 2) > 0)
            {
                final int end = glob.indexOf(']', i + 2);
                String set = glob.substring(i + 1, end);
                final boolean negate = set.startsWith("!") || set.startsWith("^");
                if (negate)
                {
                    set = set.substring(1);
                }
                re.append('[').append(negate ? "^" : "");
                for (int k = 0; k < set.length(); k++)
                {
                    final char s = set.charAt(k);
                    if (s != '-' && !Character.isLetterOrDigit(s))
                    {
                        re.append('\\');
                    }
                    re.append(s);
                }
                re.append(']');
                i = end;
            }
            else
            {
                re.append(Pattern.quote(String.valueOf(c)));
            }
        }
        return re.toString();
    }
}
