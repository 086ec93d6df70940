package dev.tapio.codecs;

import dev.tapio.codecs.sbe.EventType;
import dev.tapio.codecs.sbe.Severity;
import dev.tapio.codecs.sbe.Source;

import java.nio.charset.StandardCharsets;

/**
 * The external (dotted, lower-case) names of the schema's enums, and allocation-free lookups from
 * characters to enum values. Thread-safe: immutable tables.
 */
public final class EventTypes
{
    private static final EventType[] TYPES = knownTypes();
    private static final char[][] TYPE_CHARS = new char[TYPES.length][];
    private static final byte[][] TYPE_UTF8 = new byte[TYPES.length][];
    private static final String[] TYPE_NAMES = new String[TYPES.length];

    private static final Source[] SOURCES = Source.values();
    private static final char[][] SOURCE_CHARS = new char[SOURCES.length][];
    private static final String[] SOURCE_NAMES = new String[SOURCES.length];

    private static final Severity[] SEVERITIES = Severity.values();
    private static final char[][] SEVERITY_CHARS = new char[SEVERITIES.length][];
    private static final String[] SEVERITY_NAMES = new String[SEVERITIES.length];

    static
    {
        for (int i = 0; i < TYPES.length; i++)
        {
            final String name = dotted(TYPES[i]);
            TYPE_NAMES[i] = name;
            TYPE_CHARS[i] = name.toCharArray();
            TYPE_UTF8[i] = name.getBytes(StandardCharsets.US_ASCII);
        }
        for (int i = 0; i < SOURCES.length; i++)
        {
            if (SOURCES[i] != Source.NULL_VAL)
            {
                SOURCE_NAMES[i] = SOURCES[i].name().toLowerCase(java.util.Locale.ROOT);
                SOURCE_CHARS[i] = SOURCE_NAMES[i].toCharArray();
            }
        }
        for (int i = 0; i < SEVERITIES.length; i++)
        {
            if (SEVERITIES[i] != Severity.NULL_VAL)
            {
                SEVERITY_NAMES[i] = SEVERITIES[i].name().toLowerCase(java.util.Locale.ROOT);
                SEVERITY_CHARS[i] = SEVERITY_NAMES[i].toCharArray();
            }
        }
    }

    private EventTypes()
    {
    }

    private static EventType[] knownTypes()
    {
        final EventType[] all = EventType.values();
        int n = 0;
        for (final EventType t : all)
        {
            if (t != EventType.NULL_VAL && t != EventType.OTHER)
            {
                n++;
            }
        }
        final EventType[] known = new EventType[n];
        int i = 0;
        for (final EventType t : all)
        {
            if (t != EventType.NULL_VAL && t != EventType.OTHER)
            {
                known[i++] = t;
            }
        }
        return known;
    }

    /** KERNEL_PROCESS_EXEC becomes kernel.process.exec; K8S_EVENT_WARNING becomes k8s.event.warning. */
    private static String dotted(final EventType type)
    {
        final String n = type.name().toLowerCase(java.util.Locale.ROOT);
        // The last component may contain an underscore (oom_kill, error_rate): the enum names are
        // built as family_object_action, so only the first two underscores separate components,
        // except for families with two components (cni.ip.*, k8s.pod.*, http.error_rate).
        switch (type)
        {
            case KERNEL_CONTAINER_OOM_KILL:
                return "kernel.container.oom_kill";
            case HTTP_ERROR_RATE:
                return "http.error_rate";
            default:
                return n.replace('_', '.');
        }
    }

    /** The dotted name of a known type, or null for OTHER and NULL_VAL. */
    public static String name(final EventType type)
    {
        final int i = index(type);
        return i < 0 ? null : TYPE_NAMES[i];
    }

    /** The dotted name as US-ASCII bytes, or null for OTHER and NULL_VAL. */
    public static byte[] nameUtf8(final EventType type)
    {
        final int i = index(type);
        return i < 0 ? null : TYPE_UTF8[i];
    }

    private static int index(final EventType type)
    {
        for (int i = 0; i < TYPES.length; i++)
        {
            if (TYPES[i] == type)
            {
                return i;
            }
        }
        return -1;
    }

    /** The known type with this dotted name, or {@link EventType#OTHER}. */
    public static EventType typeOf(final char[] chars, final int offset, final int length)
    {
        final int i = find(TYPE_CHARS, chars, offset, length);
        return i < 0 ? EventType.OTHER : TYPES[i];
    }

    public static EventType typeOf(final String name)
    {
        return typeOf(name.toCharArray(), 0, name.length());
    }

    /** The source with this lower-case name, or null when unknown. */
    public static Source sourceOf(final char[] chars, final int offset, final int length)
    {
        final int i = find(SOURCE_CHARS, chars, offset, length);
        return i < 0 ? null : SOURCES[i];
    }

    public static Source sourceOf(final String name)
    {
        return sourceOf(name.toCharArray(), 0, name.length());
    }

    /** The severity with this lower-case name, or null when unknown. */
    public static Severity severityOf(final char[] chars, final int offset, final int length)
    {
        final int i = find(SEVERITY_CHARS, chars, offset, length);
        return i < 0 ? null : SEVERITIES[i];
    }

    public static Severity severityOf(final String name)
    {
        return severityOf(name.toCharArray(), 0, name.length());
    }

    public static String name(final Source source)
    {
        return SOURCE_NAMES[source.ordinal()];
    }

    public static String name(final Severity severity)
    {
        return SEVERITY_NAMES[severity.ordinal()];
    }

    /** All known dotted type names, in schema order. */
    public static String[] typeNames()
    {
        return TYPE_NAMES.clone();
    }

    /** Known types, in schema order (OTHER excluded). */
    public static EventType[] knownTypeValues()
    {
        return TYPES.clone();
    }

    public static String sourceNames()
    {
        return joinNonNull(SOURCE_NAMES);
    }

    public static String severityNames()
    {
        return joinNonNull(SEVERITY_NAMES);
    }

    private static String joinNonNull(final String[] names)
    {
        final StringBuilder sb = new StringBuilder();
        for (final String n : names)
        {
            if (n != null)
            {
                if (sb.length() > 0)
                {
                    sb.append(", ");
                }
                sb.append(n);
            }
        }
        return sb.toString();
    }

    private static int find(final char[][] table, final char[] chars, final int offset, final int length)
    {
        outer:
        for (int i = 0; i < table.length; i++)
        {
            final char[] candidate = table[i];
            if (candidate == null || candidate.length != length)
            {
                continue;
            }
            for (int j = 0; j < length; j++)
            {
                if (candidate[j] != chars[offset + j])
                {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
