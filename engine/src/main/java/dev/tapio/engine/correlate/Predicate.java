package dev.tapio.engine.correlate;

import java.nio.charset.StandardCharsets;

/**
 * One compiled {@code where} condition over an event's fields: a glob list on a string field or
 * attribute, a comparison on a number field, or a severity comparison. A condition on an absent
 * field is false. Immutable; evaluated on the correlating thread without allocation.
 */
final class Predicate
{
    enum Kind { STRING, ATTRIBUTE, NUMBER, SEVERITY }

    enum Op { EQ, NE, LT, LE, GT, GE }

    static final int EXIT_CODE = 0;
    static final int PID = 1;
    static final int PPID = 2;
    static final int UID = 3;

    final Kind kind;
    final int field;
    final byte[] attributeKey;
    final byte[][] globs;
    final boolean[] negated;
    final Op op;
    final long value;
    final String text;

    private Predicate(final Kind kind, final int field, final byte[] attributeKey, final byte[][] globs,
        final boolean[] negated, final Op op, final long value, final String text)
    {
        this.kind = kind;
        this.field = field;
        this.attributeKey = attributeKey;
        this.globs = globs;
        this.negated = negated;
        this.op = op;
        this.value = value;
        this.text = text;
    }

    static Predicate strings(final int varField, final String[] patterns, final String text)
    {
        return globs(Kind.STRING, varField, null, patterns, text);
    }

    static Predicate attribute(final String key, final String[] patterns, final String text)
    {
        return globs(Kind.ATTRIBUTE, -1, key.getBytes(StandardCharsets.UTF_8), patterns, text);
    }

    private static Predicate globs(final Kind kind, final int field, final byte[] key, final String[] patterns, final String text)
    {
        final byte[][] g = new byte[patterns.length][];
        final boolean[] neg = new boolean[patterns.length];
        for (int i = 0; i < patterns.length; i++)
        {
            final boolean n = patterns[i].startsWith("!");
            neg[i] = n;
            g[i] = (n ? patterns[i].substring(1) : patterns[i]).getBytes(StandardCharsets.UTF_8);
        }
        return new Predicate(kind, field, key, g, neg, null, 0, text);
    }

    static Predicate number(final int numberField, final Op op, final long value, final String text)
    {
        return new Predicate(Kind.NUMBER, numberField, null, null, null, op, value, text);
    }

    static Predicate severity(final Op op, final int severityRaw, final String text)
    {
        return new Predicate(Kind.SEVERITY, -1, null, null, null, op, severityRaw, text);
    }

    boolean test(final EventFields f)
    {
        switch (kind)
        {
            case STRING:
                return globs(f, f.varOffset(field), f.varLength(field));
            case ATTRIBUTE:
            {
                final int i = f.attribute(attributeKey);
                return i >= 0 && globs(f, f.attributeValueOffset(i), f.attributeValueLength(i));
            }
            case NUMBER:
            {
                final long v;
                switch (field)
                {
                    case EXIT_CODE:
                    {
                        final int x = f.exitCode();
                        if (x == dev.tapio.codecs.sbe.EventDecoder.exitCodeNullValue())
                        {
                            return false;
                        }
                        v = x;
                        break;
                    }
                    case PID:
                    {
                        final int x = f.pid();
                        if (x == dev.tapio.codecs.sbe.EventDecoder.pidNullValue())
                        {
                            return false;
                        }
                        v = x;
                        break;
                    }
                    case PPID:
                    {
                        final int x = f.ppid();
                        if (x == dev.tapio.codecs.sbe.EventDecoder.ppidNullValue())
                        {
                            return false;
                        }
                        v = x;
                        break;
                    }
                    default:
                    {
                        final long x = f.uid();
                        if (x == dev.tapio.codecs.sbe.EventDecoder.uidNullValue())
                        {
                            return false;
                        }
                        v = x;
                    }
                }
                return compare(v);
            }
            default:
                return compare(f.severityRaw());
        }
    }

    private boolean compare(final long v)
    {
        switch (op)
        {
            case EQ: return v == value;
            case NE: return v != value;
            case LT: return v < value;
            case LE: return v <= value;
            case GT: return v > value;
            default: return v >= value;
        }
    }

    /**
     * A string matches when it matches any positive glob (or there are none) and no negated glob.
     * An empty (absent) string matches nothing.
     */
    private boolean globs(final EventFields f, final int offset, final int length)
    {
        if (length == 0)
        {
            return false;
        }
        boolean anyPositive = false;
        boolean positive = false;
        for (int i = 0; i < globs.length; i++)
        {
            final boolean m = Bytes.glob(globs[i], f.buffer(), offset, length);
            if (negated[i])
            {
                if (m)
                {
                    return false;
                }
            }
            else
            {
                anyPositive = true;
                positive |= m;
            }
        }
        return !anyPositive || positive;
    }

    @Override
    public String toString()
    {
        return text;
    }
}
