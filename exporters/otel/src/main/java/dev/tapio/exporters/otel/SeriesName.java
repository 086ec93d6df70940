package dev.tapio.exporters.otel;

import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.common.AttributesBuilder;

/**
 * One engine counter label, Prometheus-style ({@code tapio_events_dropped_total{reason="malformed"}}), split into
 * the metric name and its labels as OpenTelemetry attributes, for the OTLP metrics. Names ending in
 * {@code _total} are monotonic counters, the rest gauges (the engine's convention, as for Prometheus). Parsed
 * once per counter label (the metrics exporter caches it), never per event. Kept here rather than shared with the
 * Prometheus module: exporters never depend on each other.
 *
 * @param name       the metric name, e.g. {@code tapio_events_dropped_total}
 * @param attributes the labels, e.g. {@code reason=malformed}
 */
record SeriesName(String name, Attributes attributes)
{
    /** True for monotonic counters: names ending in {@code _total}. */
    boolean monotonic()
    {
        return name.endsWith("_total") && name.length() > "_total".length();
    }

    /**
     * Parses {@code name} or {@code name{key="value",...}}; values may escape {@code \\}, {@code \"} and
     * {@code \n} as in the Prometheus exposition format.
     *
     * @return the parsed name, or null when the label is no valid series: a bad metric or label name, a label
     * repeated, bad quoting.
     */
    static SeriesName parse(final String label)
    {
        final int brace = label.indexOf('{');
        final String name = brace < 0 ? label : label.substring(0, brace);
        if (!validName(name, true))
        {
            return null;
        }
        if (brace < 0)
        {
            return new SeriesName(name, Attributes.empty());
        }
        if (!label.endsWith("}"))
        {
            return null;
        }
        final AttributesBuilder attributes = Attributes.builder();
        final java.util.Set<String> seen = new java.util.HashSet<>();
        final int end = label.length() - 1;
        int i = brace + 1;
        while (i < end)
        {
            final int eq = label.indexOf('=', i);
            if (eq < 0 || eq + 1 >= end || label.charAt(eq + 1) != '"')
            {
                return null;
            }
            final String key = label.substring(i, eq).trim();
            if (!validName(key, false) || !seen.add(key))
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
            attributes.put(key, value.toString());
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
        return new SeriesName(name, attributes.build());
    }

    /**
     * A metric name must also be a valid OpenTelemetry instrument name (a letter first, at most 255 characters; the
     * SDK would drop others); a label name is a Prometheus label name.
     */
    private static boolean validName(final String name, final boolean metric)
    {
        if (name.isEmpty() || metric && (name.length() > 255 || name.charAt(0) == '_'))
        {
            return false;
        }
        for (int i = 0; i < name.length(); i++)
        {
            final char c = name.charAt(i);
            final boolean letter = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_';
            if (!letter && !(i > 0 && c >= '0' && c <= '9'))
            {
                return false;
            }
        }
        return true;
    }
}
