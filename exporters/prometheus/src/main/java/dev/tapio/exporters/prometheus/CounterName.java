package dev.tapio.exporters.prometheus;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * One engine counter label such as {@code tapio_events_dropped_total{reason="backpressure"}} split into a
 * metric name and its label pairs, so that every series of one name can be exposed as one Prometheus
 * metric family. Labels are sorted by name, so two spellings of one series are one series. Parsing
 * happens once per counter label (the collector caches the result), never per event.
 *
 * <p>Immutable; thread-safe.
 */
final class CounterName
{
    private final String name;
    private final List<String> labelNames;
    private final List<String> labelValues;

    private CounterName(final String name, final List<String> labelNames, final List<String> labelValues)
    {
        this.name = name;
        this.labelNames = labelNames;
        this.labelValues = labelValues;
    }

    /** The metric name, e.g. {@code tapio_events_dropped_total}. */
    String name()
    {
        return name;
    }

    List<String> labelNames()
    {
        return labelNames;
    }

    List<String> labelValues()
    {
        return labelValues;
    }

    /** True for names Prometheus treats as counters: they end in {@code _total}. */
    boolean isCounter()
    {
        return name.endsWith("_total") && name.length() > "_total".length();
    }

    /** The series key (name and sorted labels), for merging duplicates. */
    String seriesKey()
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
     * Parses {@code name} or {@code name{key="value",...}} (values may escape {@code \\}, {@code \"} and
     * {@code \n} as in the exposition format).
     *
     * @return the parsed name, or null when the label is not a valid Prometheus series: bad metric or
     * label name, a reserved label ({@code __…}, {@code le}, {@code quantile}), a repeated label, bad quoting.
     */
    static CounterName parse(final String label)
    {
        final int brace = label.indexOf('{');
        final String name = brace < 0 ? label : label.substring(0, brace);
        if (!validMetricName(name))
        {
            return null;
        }
        if (brace < 0)
        {
            return new CounterName(name, List.of(), List.of());
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
            if (!validLabelName(key))
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
        return new CounterName(name, Collections.unmodifiableList(names), Collections.unmodifiableList(values));
    }

    static boolean validMetricName(final String name)
    {
        if (name.isEmpty())
        {
            return false;
        }
        for (int i = 0; i < name.length(); i++)
        {
            final char c = name.charAt(i);
            final boolean letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':';
            if (!letter && !(i > 0 && c >= '0' && c <= '9'))
            {
                return false;
            }
        }
        return true;
    }

    static boolean validLabelName(final String name)
    {
        if (name.isEmpty() || name.startsWith("__") || "le".equals(name) || "quantile".equals(name))
        {
            return false;
        }
        for (int i = 0; i < name.length(); i++)
        {
            final char c = name.charAt(i);
            final boolean letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
            if (!letter && !(i > 0 && c >= '0' && c <= '9'))
            {
                return false;
            }
        }
        return true;
    }
}
