package dev.tapio.engine.correlate;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A compiled text template such as {@code "restart {unit} on {node}"}: literal byte runs and
 * references to a group's context fields, rendered into a byte array without allocation. A field
 * the group never saw renders as {@code ?}. Immutable.
 */
final class Template
{
    static final int NODE = 0;
    static final int NAMESPACE = 1;
    static final int POD = 2;
    static final int CONTAINER = 3;
    static final int UNIT = 4;
    static final int COMM = 5;
    static final int SERVICE = 6;
    static final int PEER = 7;
    static final int MESSAGE = 8;
    static final int EXIT_CODE = 9;
    /** Context fields a group keeps (strings); exit code is kept apart. */
    static final int STRING_FIELDS = 9;
    static final String[] NAMES = { "node", "namespace", "pod", "container", "unit", "comm", "service", "peer", "message", "exitCode" };

    private static final byte[] UNKNOWN = { '?' };

    final String text;
    private final byte[][] literals;
    private final int[] fields;

    private Template(final String text, final byte[][] literals, final int[] fields)
    {
        this.text = text;
        this.literals = literals;
        this.fields = fields;
    }

    /** Compiles; throws IllegalArgumentException naming an unknown or unclosed placeholder. */
    static Template compile(final String text)
    {
        final List<byte[]> lits = new ArrayList<>();
        final List<Integer> refs = new ArrayList<>();
        int i = 0;
        final StringBuilder lit = new StringBuilder();
        while (i < text.length())
        {
            final char c = text.charAt(i);
            if (c == '{')
            {
                final int close = text.indexOf('}', i);
                if (close < 0)
                {
                    throw new IllegalArgumentException("unclosed placeholder at character " + (i + 1));
                }
                final String name = text.substring(i + 1, close);
                int field = -1;
                for (int k = 0; k < NAMES.length; k++)
                {
                    if (NAMES[k].equals(name))
                    {
                        field = k;
                    }
                }
                if (field < 0)
                {
                    throw new IllegalArgumentException("unknown placeholder {" + name + "} (known: {" +
                        String.join("}, {", NAMES) + "})");
                }
                lits.add(lit.toString().getBytes(StandardCharsets.UTF_8));
                lit.setLength(0);
                refs.add(field);
                i = close + 1;
            }
            else
            {
                lit.append(c);
                i++;
            }
        }
        lits.add(lit.toString().getBytes(StandardCharsets.UTF_8));
        final int[] f = new int[refs.size()];
        for (int k = 0; k < f.length; k++)
        {
            f[k] = refs.get(k);
        }
        return new Template(text, lits.toArray(new byte[0][]), f);
    }

    /**
     * Renders into {@code out} from a group's context: string field k is {@code ctx[ctxOffset + k * width]}
     * with length {@code ctxLength[ctxLengthOffset + k]}. Truncates at {@code out.length}.
     *
     * @return bytes written.
     */
    int render(final byte[] out, final byte[] ctx, final int ctxOffset, final int width,
        final byte[] ctxLength, final int ctxLengthOffset, final int exitCode, final boolean hasExitCode)
    {
        int p = 0;
        for (int i = 0; i < literals.length; i++)
        {
            p = put(out, p, literals[i], 0, literals[i].length);
            if (i < fields.length)
            {
                final int f = fields[i];
                if (f == EXIT_CODE)
                {
                    if (hasExitCode)
                    {
                        p = putInt(out, p, exitCode);
                    }
                    else
                    {
                        p = put(out, p, UNKNOWN, 0, 1);
                    }
                }
                else
                {
                    final int l = ctxLength[ctxLengthOffset + f] & 0xFF;
                    if (l == 0)
                    {
                        p = put(out, p, UNKNOWN, 0, 1);
                    }
                    else
                    {
                        p = put(out, p, ctx, ctxOffset + f * width, l);
                    }
                }
            }
        }
        return p;
    }

    private static int put(final byte[] out, final int p, final byte[] src, final int offset, final int length)
    {
        final int n = Math.min(length, out.length - p);
        System.arraycopy(src, offset, out, p, n);
        return p + n;
    }

    private static int putInt(final byte[] out, final int p, final int value)
    {
        long v = value;
        int q = p;
        if (v < 0)
        {
            if (q < out.length)
            {
                out[q++] = '-';
            }
            v = -v;
        }
        final int start = q;
        do
        {
            if (q >= out.length)
            {
                break;
            }
            out[q++] = (byte)('0' + (v % 10));
            v /= 10;
        }
        while (v > 0);
        for (int a = start, b = q - 1; a < b; a++, b--)
        {
            final byte t = out[a];
            out[a] = out[b];
            out[b] = t;
        }
        return q;
    }
}
