package dev.tapio.tools;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.HdrHistogram.Histogram;

import java.util.Locale;

/** Formatting shared by the commands: latency percentiles in microseconds, JSON objects. */
final class Reports
{
    static final ObjectMapper JSON = new ObjectMapper();

    private Reports()
    {
    }

    /** {"p50":…,"p99":…,"p999":…,"p9999":…,"max":…} in microseconds, from a histogram in nanoseconds. */
    static ObjectNode latencyMicros(final Histogram h)
    {
        final ObjectNode o = JSON.createObjectNode();
        o.put("p50", micros(h.getValueAtPercentile(50)));
        o.put("p99", micros(h.getValueAtPercentile(99)));
        o.put("p999", micros(h.getValueAtPercentile(99.9)));
        o.put("p9999", micros(h.getValueAtPercentile(99.99)));
        o.put("max", micros(h.getMaxValue()));
        return o;
    }

    static double micros(final long nanos)
    {
        return Math.round(nanos / 100.0) / 10.0;
    }

    static String compactLatency(final Histogram h)
    {
        if (h.getTotalCount() == 0)
        {
            return "p50=- p99=- p99.9=- max=-";
        }
        return String.format(Locale.ROOT, "p50=%s p99=%s p99.9=%s max=%s",
            human(h.getValueAtPercentile(50)), human(h.getValueAtPercentile(99)),
            human(h.getValueAtPercentile(99.9)), human(h.getMaxValue()));
    }

    /** 850ns, 42us, 3.1ms, 2.0s. */
    static String human(final long nanos)
    {
        if (nanos < 1_000)
        {
            return nanos + "ns";
        }
        if (nanos < 1_000_000)
        {
            return String.format(Locale.ROOT, "%.0fus", nanos / 1e3);
        }
        if (nanos < 1_000_000_000)
        {
            return String.format(Locale.ROOT, "%.1fms", nanos / 1e6);
        }
        return String.format(Locale.ROOT, "%.1fs", nanos / 1e9);
    }

    static String rate(final double perSecond)
    {
        if (perSecond >= 1e6)
        {
            return String.format(Locale.ROOT, "%.2fM/s", perSecond / 1e6);
        }
        if (perSecond >= 1e3)
        {
            return String.format(Locale.ROOT, "%.1fk/s", perSecond / 1e3);
        }
        return String.format(Locale.ROOT, "%.0f/s", perSecond);
    }
}
