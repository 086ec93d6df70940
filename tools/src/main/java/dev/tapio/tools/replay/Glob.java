package dev.tapio.tools.replay;

import java.nio.charset.StandardCharsets;
import java.util.regex.Pattern;

/**
 * A shell-style glob for replay's filters: {@code *} any run of characters (dots included), {@code ?}
 * one character, {@code [abc]}, {@code [a-z]}, {@code [!abc]} one of (or none of) a set, {@code \x} the
 * character x itself. A value without any of these is an exact match, compared as UTF-8 bytes without
 * decoding. Immutable, thread-safe.
 */
public final class Glob
{
    private final String text;
    private final byte[] exact;
    private final Pattern regex;

    private Glob(final String text, final byte[] exact, final Pattern regex)
    {
        this.text = text;
        this.exact = exact;
        this.regex = regex;
    }

    /**
     * Compiles {@code text}.
     *
     * @throws IllegalArgumentException saying what is wrong (empty, an unclosed or empty {@code [...]}, a
     *                                  trailing backslash); the caller names the option and the value.
     */
    public static Glob compile(final String text)
    {
        if (text.isEmpty())
        {
            throw new IllegalArgumentException("empty pattern");
        }
        final StringBuilder re = new StringBuilder();
        final StringBuilder literal = new StringBuilder();
        boolean wild = false;
        for (int i = 0; i < text.length(); i++)
        {
            final char c = text.charAt(i);
            switch (c)
            {
                case '*':
                    wild = true;
                    re.append(".*");
                    break;
                case '?':
                    wild = true;
                    re.append('.');
                    break;
                case '\\':
                    if (i + 1 == text.length())
                    {
                        throw new IllegalArgumentException("trailing backslash");
                    }
                    i++;
                    re.append(Pattern.quote(String.valueOf(text.charAt(i))));
                    literal.append(text.charAt(i));
                    break;
                case '[':
                {
                    wild = true;
                    int j = i + 1;
                    final StringBuilder set = new StringBuilder("[");
                    if (j < text.length() && (text.charAt(j) == '!' || text.charAt(j) == '^'))
                    {
                        set.append('^');
                        j++;
                    }
                    if (j < text.length() && text.charAt(j) == ']')
                    {
                        throw new IllegalArgumentException("empty [] at position " + (i + 1));
                    }
                    while (j < text.length() && text.charAt(j) != ']')
                    {
                        final char lo = text.charAt(j);
                        if (j + 2 < text.length() && text.charAt(j + 1) == '-' && text.charAt(j + 2) != ']')
                        {
                            final char hi = text.charAt(j + 2);
                            if (hi < lo)
                            {
                                throw new IllegalArgumentException("bad range " + lo + "-" + hi + " at position " + (j + 1));
                            }
                            escapeInSet(set, lo).append('-');
                            escapeInSet(set, hi);
                            j += 3;
                        }
                        else
                        {
                            escapeInSet(set, lo);
                            j++;
                        }
                    }
                    if (j >= text.length())
                    {
                        throw new IllegalArgumentException("unclosed [ at position " + (i + 1));
                    }
                    re.append(set).append(']');
                    i = j;
                    break;
                }
                default:
                    re.append(Pattern.quote(String.valueOf(c)));
                    literal.append(c);
            }
        }
        if (!wild)
        {
            return new Glob(text, literal.toString().getBytes(StandardCharsets.UTF_8), null);
        }
        return new Glob(text, null, Pattern.compile(re.toString(), Pattern.DOTALL));
    }

    private static StringBuilder escapeInSet(final StringBuilder set, final char c)
    {
        if ("\\[]^-&".indexOf(c) >= 0)
        {
            set.append('\\');
        }
        return set.append(c);
    }

    /** True when the pattern has no wildcard: {@link #matches(byte[], int, int)} compares bytes. */
    public boolean isExact()
    {
        return exact != null;
    }

    public boolean matches(final String value)
    {
        return exact != null ? value.equals(new String(exact, StandardCharsets.UTF_8)) : regex.matcher(value).matches();
    }

    /** Matches the UTF-8 bytes {@code value[offset, offset + length)}; decodes them only for a wildcard pattern. */
    public boolean matches(final byte[] value, final int offset, final int length)
    {
        if (exact != null)
        {
            return java.util.Arrays.equals(exact, 0, exact.length, value, offset, offset + length);
        }
        return regex.matcher(new String(value, offset, length, StandardCharsets.UTF_8)).matches();
    }

    /** The exact value's UTF-8 bytes, or null for a wildcard pattern. */
    byte[] exactBytes()
    {
        return exact;
    }

    @Override
    public String toString()
    {
        return text;
    }
}
