package dev.tapio.engine.metrics;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * One engine counter label such as {@code tapio_events_dropped_total{reason="backpressure"}} (see
 * {@link EngineCounters}) split into the metric name and its label pairs, for the exporters that expose the
 * counters (Prometheus, OTLP metrics). Labels are sorted by name, so two spellings of one series are one series.
 * The syntax is the Prometheus exposition format's: a metric name of letters, digits, {@code _} and {@code :}
 * (no digit first), label names of letters, digits and {@code _} (no digit first), each label once, values in
 * double quotes that may escape {@code \\}, {@code \"} and {@code \n}. What an exporter refuses beyond that (reserved
 * Prometheus labels, OpenTelemetry instrument names) is the exporter's to check. Parsed once per counter label (the
 * exporters cache it), never per event.
 *
 * <p>Immutable; thread-safe.
 */
public final class SeriesName
{
    private final String name;
    private final List<String> labelNames;
    private final List<String> labelValues;

    private SeriesName(final String name, final List<String> labelNames, final List<String> labelValues)
    {
        this.name = name;
        this.labelNames = labelNames;
        this.labelValues = labelValues;
    }

    /** The metric name, e.g. {@code tapio_events_dropped_total}. */
    public String name()
    {
        return name;
    }

    /** The label names, sorted. */
    public List<String> labelNames()
    {
        return labelNames;
    }

    /** The label values, in the order of {@link #labelNames()}. */
    public List<String> labelValues()
    {
        return labelValues;
    }

    /** The value of the label {@code labelName}, or null when the series has no such label. */
    public String label(final String labelName)
    {
        final int i = labelNames.indexOf(labelName);
        return i < 0 ? null : labelValues.get(i);
    }

    /** True for monotonic counters: names ending in {@code _total} (the engine's convention, as Prometheus's). */
    public boolean isCounter()
    {
        return name.endsWith("_total") && name.length() > "_total".length();
    }

    /** The series key (name and sorted labels), for merging duplicates. */
    public String seriesKey()
    {
        final StringBuilder sb = new StringBuilder(name).append('{');
        for (int i = 0; i < labelNames.size(); i++)
        {
            sb.append(labelNames.get(i)).append('=').append(labelValues.get(i).length()).append(':')
                .append(labelValues.get(i)).append(',');
        }
        return sb.append('}').toString();
    }

    /**
     * Parses {@code name} or {@code name{key="value",...}}.
     *
     * @return the parsed name, or null when the label is no valid series: a bad metric or label name, a label
     * repeated, bad quoting.
     */
    public static SeriesName parse(final String label)
    {
        final int brace = label.indexOf('{');
        final String name = brace < 0 ? label : label.substring(0, brace);
        if (!validName(name, true))
        {
            return null;
        }
        if (brace < 0)
        {
            return new SeriesName(name, List.of(), List.of());
        }
        if (!label.endsWith("}"))
        {
            return null;
        }
        final List<String[]> pairs = new ArrayList<>();
        int i = brace + 1;
        final int end = label.length() - 1;
        while (i < end)
        {
            final int eq = label.indexOf('=', i);
            if (eq < 0 || eq + 1 >= end || label.charAt(eq + 1) != '"')
            {
                return null;
            }
            final String key = label.substring(i, eq).trim();
            if (!validName(key, false))
            {
                return null;
            }
            final StringBuilder value = new StringBuilder();
            int j = eq + 2;
            boolean closed = false;
            while (j < end)
            {
                final char c = label.charAt(j);
                if (c == '\\' && j + 1 < end)
                {
                    final char n = label.charAt(j + 1);
                    value.append(n == 'n' ? '\n' : n);
                    j += 2;
                }
                else if (c == '"')
                {
                    closed = true;
                    j++;
                    break;
                }
                else
                {
                    value.append(c);
                    j++;
                }
            }
            if (!closed)
            {
                return null;
            }
            for (final String[] p : pairs)
            {
                if (p[0].equals(key))
                {
                    return null;
                }
            }
            pairs.add(new String[]{ key, value.toString() });
            if (j < end)
            {
                if (label.charAt(j) != ',')
                {
                    return null;
                }
                j++;
            }
            i = j;
        }
        pairs.sort((a, b) -> a[0].compareTo(b[0]));
        final List<String> names = new ArrayList<>(pairs.size());
        final List<String> values = new ArrayList<>(pairs.size());
        for (final String[] p : pairs)
        {
            names.add(p[0]);
            values.add(p[1]);
        }
        return new SeriesName(name, Collections.unmodifiableList(names), Collections.unmodifiableList(values));
    }

    /** Letters, digits and {@code _}, no digit first; a metric name may also hold {@code :}. */
    private static boolean validName(final String name, final boolean metric)
    {
        if (name.isEmpty())
        {
            return false;
        }
        for (int i = 0; i < name.length(); i++)
        {
            final char c = name.charAt(i);
            final boolean letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (metric && c == ':');
            if (!letter && !(i > 0 && c >= '0' && c <= '9'))
            {
                return false;
            }
        }
        return true;
    }
}
