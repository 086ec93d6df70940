package dev.tapio.exporters.prometheus;

import dev.tapio.codecs.EventTypes;
import dev.tapio.codecs.sbe.EventDecoder;
import dev.tapio.codecs.sbe.EventType;
import dev.tapio.codecs.sbe.Severity;
import dev.tapio.engine.spi.EventView;
import dev.tapio.engine.spi.Sink;

import java.util.concurrent.atomic.AtomicLongArray;

/**
 * A sink that counts events by (type, severity) for {@code tapio_events_by_type_total}: one preallocated
 * cell per pair of the schema's enums, so per event it reads two fixed fields of the slot and bumps one
 * cell (no allocation, no lock, no map). Types the schema does not know count as {@code other}; an
 * unknown severity raw value as {@code unknown}, so the label sets stay bounded.
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

    private final String name;
    private final AtomicLongArray cells = new AtomicLongArray(TYPE_LABELS.length * SEVERITY_LABELS.length);

    public EventTypeCounts()
    {
        this(NAME);
    }

    public EventTypeCounts(final String name)
    {
        this.name = name;
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
