package dev.tapio.exporters.prometheus;

import dev.tapio.codecs.EventTypes;
import dev.tapio.codecs.sbe.EventDecoder;
import dev.tapio.codecs.sbe.EventType;
import dev.tapio.codecs.sbe.Severity;
import dev.tapio.engine.spi.EventView;
import dev.tapio.engine.spi.Sink;

import dev.tapio.engine.correlate.EventFields;
import org.agrona.DirectBuffer;
import org.agrona.collections.Long2LongHashMap;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * A sink that counts events by (type, severity) for {@code tapio_events_by_type_total}: one preallocated
 * cell per pair of the schema's enums, so per event it reads two fixed fields of the slot and bumps one
 * cell (no allocation, no lock, no map). Types the schema does not know count as {@code other}; an
 * unknown severity raw value as {@code unknown}, so the label sets stay bounded.
 *
 * <p>With a namespace cap above 0 it also counts {@code tapio_events_by_namespace_total{namespace,severity}}:
 * the first {@code maxNamespaces} distinct namespaces get their series (the name is copied once, when it is
 * first seen); events of any further namespace are counted in {@code tapio_events_namespace_overflow_total}
 * instead, so the series stay bounded and nothing goes uncounted. Events without a namespace are in neither.
 * Per event that adds locating the namespace in the slot, a 64-bit hash of its bytes and one map lookup.
 *
 * <p>Threading: {@link #onEvent} runs on the fan-out thread, the single writer (ordered stores); the
 * collector reads the cells from the scrape thread.
 */
public final class EventTypeCounts implements Sink
{
    public static final String NAME = "prometheus";

    static final String OTHER = "other";
    static final String UNKNOWN = "unknown";

    private static final String[] TYPE_LABELS = typeLabels();
    private static final String[] SEVERITY_LABELS = severityLabels();

    /** Default cap on namespaces with series of their own. */
    public static final int DEFAULT_MAX_NAMESPACES = 100;

    private final String name;
    private final AtomicLongArray cells = new AtomicLongArray(TYPE_LABELS.length * SEVERITY_LABELS.length);

    // Namespaces: written by the fan-out thread only, except names, cells and overflow, read at scrape time.
    private final int maxNamespaces;
    private final EventFields fields = new EventFields();
    private final Long2LongHashMap namespaceIndex;
    private final byte[][] namespaceBytes;
    private final AtomicReferenceArray<String> namespaceNames;
    private final AtomicLongArray namespaceCells;
    private final AtomicLong namespaceOverflow = new AtomicLong();
    private int namespaces;

    public EventTypeCounts()
    {
        this(NAME, DEFAULT_MAX_NAMESPACES);
    }

    public EventTypeCounts(final String name)
    {
        this(name, DEFAULT_MAX_NAMESPACES);
    }

    /** @param maxNamespaces namespaces that get series of their own; 0 counts no namespaces */
    public EventTypeCounts(final String name, final int maxNamespaces)
    {
        if (maxNamespaces < 0)
        {
            throw new IllegalArgumentException("maxNamespaces " + maxNamespaces + " < 0");
        }
        this.name = name;
        this.maxNamespaces = maxNamespaces;
        namespaceIndex = new Long2LongHashMap(Math.max(8, maxNamespaces * 2), 0.65f, -1);
        namespaceBytes = new byte[maxNamespaces][];
        namespaceNames = new AtomicReferenceArray<>(maxNamespaces);
        namespaceCells = new AtomicLongArray(maxNamespaces * SEVERITY_LABELS.length);
    }

    @Override
    public String name()
    {
        return name;
    }

    @Override
    public void onEvent(final EventView event)
    {
        final EventDecoder d = event.decoder();
        final int type = d.eventTypeRaw();
        final int severity = d.severityRaw();
        final int t = type >= 0 && type < TYPE_LABELS.length - 1 ? type : TYPE_LABELS.length - 1;
        final int s = severity >= 0 && severity < SEVERITY_LABELS.length - 1 ? severity : SEVERITY_LABELS.length - 1;
        final int i = t * SEVERITY_LABELS.length + s;
        cells.lazySet(i, cells.get(i) + 1);
        if (maxNamespaces > 0)
        {
            countNamespace(event, s);
        }
    }

    private void countNamespace(final EventView event, final int severity)
    {
        final EventFields f = fields.wrap(event.buffer(), event.offset(), event.length());
        final int length = f.varLength(EventFields.NAMESPACE);
        if (length == 0)
        {
            return;
        }
        final DirectBuffer b = f.buffer();
        final int offset = f.varOffset(EventFields.NAMESPACE);
        long h = 0xcbf2_9ce4_8422_2325L;                                   // FNV-1a, 64-bit
        for (int i = 0; i < length; i++)
        {
            h = (h ^ (b.getByte(offset + i) & 0xFF)) * 0x100_0000_01b3L;
        }
        int n = (int)namespaceIndex.get(h);
        if (n < 0 || !sameBytes(namespaceBytes[n], b, offset, length))
        {
            if (n >= 0 || namespaces == maxNamespaces)
            {
                namespaceOverflow.lazySet(namespaceOverflow.get() + 1);   // cap reached (or a 64-bit hash collision)
                return;
            }
            n = namespaces;
            final byte[] copy = new byte[length];
            b.getBytes(offset, copy);
            namespaceBytes[n] = copy;
            namespaceIndex.put(h, n);
            namespaceNames.set(n, new String(copy, StandardCharsets.UTF_8));
            namespaces = n + 1;
        }
        final int cell = n * SEVERITY_LABELS.length + severity;
        namespaceCells.lazySet(cell, namespaceCells.get(cell) + 1);
    }

    private static boolean sameBytes(final byte[] known, final DirectBuffer b, final int offset, final int length)
    {
        if (known.length != length)
        {
            return false;
        }
        for (int i = 0; i < length; i++)
        {
            if (known[i] != b.getByte(offset + i))
            {
                return false;
            }
        }
        return true;
    }

    /** The cap on namespaces with series of their own (0: namespaces are not counted). */
    public int maxNamespaces()
    {
        return maxNamespaces;
    }

    /** The namespace of series {@code n} (in order of first sight), or null when not seen yet; any thread. */
    String namespace(final int n)
    {
        return namespaceNames.get(n);
    }

    /** Events of namespace series {@code n} and severity index {@code s}; any thread. */
    long namespaceCount(final int n, final int s)
    {
        return namespaceCells.get(n * SEVERITY_LABELS.length + s);
    }

    /** Events whose namespace got no series because the cap was reached; any thread. */
    public long namespaceOverflow()
    {
        return namespaceOverflow.get();
    }

    /** Events of a namespace (all severities) counted under its own series, 0 when it has none; any thread. */
    public long countNamespace(final String namespace)
    {
        long sum = 0;
        for (int n = 0; n < maxNamespaces; n++)
        {
            if (namespace.equals(namespaceNames.get(n)))
            {
                for (int s = 0; s < SEVERITY_LABELS.length; s++)
                {
                    sum += namespaceCount(n, s);
                }
            }
        }
        return sum;
    }

    /** Number of type labels (cells per severity). */
    static int types()
    {
        return TYPE_LABELS.length;
    }

    static int severities()
    {
        return SEVERITY_LABELS.length;
    }

    static String typeLabel(final int t)
    {
        return TYPE_LABELS[t];
    }

    static String severityLabel(final int s)
    {
        return SEVERITY_LABELS[s];
    }

    /** The count of events of type index {@code t} and severity index {@code s}; any thread. */
    public long count(final int t, final int s)
    {
        return cells.get(t * SEVERITY_LABELS.length + s);
    }

    /**
     * The count for a (type, severity) label pair (summed over every cell with those labels: {@code other}
     * covers several raw values), 0 when never seen or unknown; for tests and hosts.
     */
    public long count(final String type, final String severity)
    {
        long sum = 0;
        for (int t = 0; t < TYPE_LABELS.length; t++)
        {
            for (int s = 0; s < SEVERITY_LABELS.length; s++)
            {
                if (TYPE_LABELS[t].equals(type) && SEVERITY_LABELS[s].equals(severity))
                {
                    sum += count(t, s);
                }
            }
        }
        return sum;
    }

    /** Index = raw enum value; names of values the schema lacks (gaps) and the last cell are "other". */
    private static String[] typeLabels()
    {
        int max = 0;
        for (final EventType t : EventType.values())
        {
            if (t != EventType.NULL_VAL)
            {
                max = Math.max(max, t.value());
            }
        }
        final String[] labels = new String[max + 2];
        java.util.Arrays.fill(labels, OTHER);
        for (final EventType t : EventType.values())
        {
            final String n = t == EventType.NULL_VAL ? null : EventTypes.name(t);
            if (n != null)
            {
                labels[t.value()] = n;
            }
        }
        return labels;
    }

    private static String[] severityLabels()
    {
        int max = 0;
        for (final Severity s : Severity.values())
        {
            if (s != Severity.NULL_VAL)
            {
                max = Math.max(max, s.value());
            }
        }
        final String[] labels = new String[max + 2];
        java.util.Arrays.fill(labels, UNKNOWN);
        for (final Severity s : Severity.values())
        {
            if (s != Severity.NULL_VAL)
            {
                labels[s.value()] = EventTypes.name(s);
            }
        }
        return labels;
    }
}
