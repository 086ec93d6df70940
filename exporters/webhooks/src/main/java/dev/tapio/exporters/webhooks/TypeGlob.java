package dev.tapio.exporters.webhooks;

import java.util.regex.Pattern;

/**
 * A shell-style glob for endpoint filters: {@code *} any run of characters (dots included), {@code ?} one
 * character, everything else itself ({@code k8s.pod.*}, {@code kernel.*.oom_kill}, {@code crash-loop}).
 * Immutable, thread-safe.
 */
final class TypeGlob
{
    private final String text;
    private final Pattern regex;

    private TypeGlob(final String text, final Pattern regex)
    {
        this.text = text;
        this.regex = regex;
    }

    static TypeGlob compile(final String text)
    {
        if (text == null || text.isEmpty())
        {
            throw new IllegalArgumentException("empty pattern");
        }
        final StringBuilder re = new StringBuilder();
        final StringBuilder literal = new StringBuilder();
        for (int i = 0; i < text.length(); i++)
        {
            final char c = text.charAt(i);
            if (c == '*' || c == '?')
            {
                if (literal.length() > 0)
                {
                    re.append(Pattern.quote(literal.toString()));
                    literal.setLength(0);
                }
                re.append(c == '*' ? ".*" : ".");
            }
            else
            {
                literal.append(c);
            }
        }
        if (literal.length() > 0)
        {
            re.append(Pattern.quote(literal.toString()));
        }
        return new TypeGlob(text, Pattern.compile(re.toString(), Pattern.DOTALL));
    }

    boolean matches(final String value)
    {
        return value != null && regex.matcher(value).matches();
    }

    @Override
    public String toString()
    {
        return text;
    }
}
