package dev.tapio.codecs;

import java.util.Arrays;

/**
 * A reusable, growable UTF-8 string: the value of one var-data field while an event is being built
 * from a foreign format. Encodes from chars without allocation once grown. Not thread-safe.
 */
public final class Utf8Text
{
    private byte[] bytes;
    private int length;

    public Utf8Text()
    {
        this(64);
    }

    public Utf8Text(final int initialCapacity)
    {
        bytes = new byte[initialCapacity];
    }

    public byte[] bytes()
    {
        return bytes;
    }

    public int length()
    {
        return length;
    }

    public boolean isEmpty()
    {
        return length == 0;
    }

    public void clear()
    {
        length = 0;
    }

    public Utf8Text set(final byte[] src, final int offset, final int len)
    {
        ensure(len);
        System.arraycopy(src, offset, bytes, 0, len);
        length = len;
        return this;
    }

    public Utf8Text set(final byte[] src)
    {
        return set(src, 0, src.length);
    }

    public Utf8Text set(final CharSequence s)
    {
        length = 0;
        final int n = s.length();
        ensure(n * 3);
        for (int i = 0; i < n; i++)
        {
            i = encode(s.charAt(i), i + 1 < n ? s.charAt(i + 1) : 0, i);
        }
        return this;
    }

    /** Sets the value from UTF-16 chars, encoding to UTF-8 (unpaired surrogates become '?'). */
    public Utf8Text set(final char[] src, final int offset, final int len)
    {
        length = 0;
        ensure(len * 3);
        final int end = offset + len;
        for (int i = offset; i < end; i++)
        {
            i = encode(src[i], i + 1 < end ? src[i + 1] : 0, i);
        }
        return this;
    }

    /** Encodes one char (or a surrogate pair with {@code next}); returns the index of the last char used. */
    private int encode(final char c, final char next, final int i)
    {
        final byte[] b = bytes;
        int p = length;
        if (c < 0x80)
        {
            b[p++] = (byte)c;
        }
        else if (c < 0x800)
        {
            b[p++] = (byte)(0xC0 | (c >> 6));
            b[p++] = (byte)(0x80 | (c & 0x3F));
        }
        else if (Character.isHighSurrogate(c) && Character.isLowSurrogate(next))
        {
            final int cp = Character.toCodePoint(c, next);
            ensureExtra(4);
            final byte[] g = bytes;
            g[p++] = (byte)(0xF0 | (cp >> 18));
            g[p++] = (byte)(0x80 | ((cp >> 12) & 0x3F));
            g[p++] = (byte)(0x80 | ((cp >> 6) & 0x3F));
            g[p++] = (byte)(0x80 | (cp & 0x3F));
            length = p;
            return i + 1;
        }
        else if (Character.isSurrogate(c))
        {
            b[p++] = '?';
        }
        else
        {
            b[p++] = (byte)(0xE0 | (c >> 12));
            b[p++] = (byte)(0x80 | ((c >> 6) & 0x3F));
            b[p++] = (byte)(0x80 | (c & 0x3F));
        }
        length = p;
        return i;
    }

    private void ensureExtra(final int extra)
    {
        if (length + extra > bytes.length)
        {
            bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, length + extra));
        }
    }

    private void ensure(final int capacity)
    {
        if (capacity > bytes.length)
        {
            bytes = new byte[Math.max(capacity, bytes.length * 2)];
        }
    }

    @Override
    public String toString()
    {
        return new String(bytes, 0, length, java.nio.charset.StandardCharsets.UTF_8);
    }
}
