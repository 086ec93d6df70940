package dev.tapio.exporters.prometheus;

import dev.tapio.engine.correlate.CorrelationCounters;
import dev.tapio.engine.metrics.SeriesName;
import io.prometheus.client.Collector;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * Predictive metrics per correlation pattern, computed at scrape time from the engine's correlation counters
 * (nothing on the hot path):
 *
 * <ul>
 *   <li>{@code tapio_group_completion_probability{pattern,matched}}: the probability that an open group of the
 *   pattern which has matched {@code matched} of its required steps completes, judged by every earlier group
 *   that was at that point: (complete + 1) / (complete + expired + 2) over
 *   {@code tapio_correlation_progress_total{pattern,matched,outcome}} (Laplace's rule of succession, so a
 *   point with no history says 0.5, not 0 or 1). Every open group is at exactly one such point
 *   ({@code tapio_correlation_open_groups{pattern,matched}} says how many are), so this is the probability
 *   of each open group, with one series per point instead of one per group (bounded cardinality). Limits:
 *   it weighs how far a group got, not which steps nor how long ago; groups flushed open at shutdown have no
 *   outcome and do not count.</li>
 *   <li>{@code tapio_pattern_groups_forecast{pattern}}: groups of the pattern expected to open in the next
 *   minute, by Holt's linear trend (double exponential smoothing, level α = 0.5, trend β = 0.3) over the
 *   per-minute counts of opened groups; and {@code tapio_pattern_groups_forecast_error{pattern}}, the mean
 *   absolute error of its one-minute-ahead forecasts so far, beside it. Limits: minutes are closed when a
 *   scrape sees them end (counts of minutes between two scrapes are spread evenly); no seasonality; the
 *   first two minutes only set the level and trend, so the error appears from the third.</li>
 * </ul>
 *
 * Threading: scrapes may overlap; {@link #collect()} is synchronized.
 */
final class PatternPredictions extends Collector
{
    static final String COMPLETION = "tapio_group_completion_probability";
    static final String FORECAST = "tapio_pattern_groups_forecast";
    static final String FORECAST_ERROR = "tapio_pattern_groups_forecast_error";
    static final double ALPHA = 0.5;
    static final double BETA = 0.3;
    private static final long MINUTE_MILLIS = 60_000L;

    private final Supplier<Map<String, Long>> counters;
    private final LongSupplier clockMillis;
    private final Map<String, Holt> forecasts = new TreeMap<>();

    PatternPredictions(final Supplier<Map<String, Long>> counters, final LongSupplier clockMillis)
    {
        this.counters = counters;
        this.clockMillis = clockMillis;
    }

    /** Holt's linear trend over per-minute counts, fed from a cumulative counter. */
    static final class Holt
    {
        private long lastMinute = Long.MIN_VALUE;
        private long lastTotal;
        private int closed;
        private double level;
        private double trend;
        private double absErrorSum;
        private int errors;

        /** The counter read {@code total} during minute {@code minute}. */
        void observe(final long minute, final long total)
        {
            if (lastMinute == Long.MIN_VALUE)
            {
                lastMinute = minute;
                lastTotal = total;
                return;
            }
            if (minute <= lastMinute)
            {
                return;                              // the current minute is still open
            }
            final long minutes = minute - lastMinute;
            final double perMinute = (double)Math.max(0, total - lastTotal) / minutes;
            for (long m = 0; m < minutes; m++)
            {
                close(perMinute);
            }
            lastMinute = minute;
            lastTotal = total;
        }

        void close(final double x)
        {
            if (closed == 0)
            {
                level = x;
            }
            else if (closed == 1)
            {
                trend = x - level;
                level = x;
            }
            else
            {
                absErrorSum += Math.abs(x - forecast());
                errors++;
                final double previous = level;
                level = ALPHA * x + (1 - ALPHA) * (level + trend);
                trend = BETA * (level - previous) + (1 - BETA) * trend;
            }
            closed++;
        }

        /** Groups expected next minute (never below 0); NaN before two minutes closed. */
        double forecast()
        {
            return closed < 2 ? Double.NaN : Math.max(0, level + trend);
        }

        /** Mean absolute one-step error; NaN before the first forecast was checked. */
        double meanAbsoluteError()
        {
            return errors == 0 ? Double.NaN : absErrorSum / errors;
        }
    }

    @Override
    public synchronized List<MetricFamilySamples> collect()
    {
        final Map<String, Long> opened = new TreeMap<>();
        final Map<List<String>, long[]> progress = new TreeMap<>(PatternPredictions::compareLabels);   // complete, expired
        for (final Map.Entry<String, Long> e : counters.get().entrySet())
        {
            final String key = e.getKey();
            final boolean groups = key.startsWith(CorrelationCounters.PATTERN_GROUPS + "{");
            if (!groups && !key.startsWith(CorrelationCounters.PROGRESS + "{"))
            {
                continue;
            }
            final SeriesName n = EngineCollector.series(key);
            if (n == null)
            {
                continue;
            }
            final String pattern = n.label("pattern");
            if (pattern == null)
            {
                continue;
            }
            if (groups)
            {
                if ("opened".equals(n.label("status")))
                {
                    opened.put(pattern, e.getValue());
                }
                continue;
            }
            final String matched = n.label("matched");
            final String outcome = n.label("outcome");
            final int i = "complete".equals(outcome) ? 0 : "expired".equals(outcome) ? 1 : -1;
            if (matched != null && i >= 0)
            {
                progress.computeIfAbsent(List.of(pattern, matched), k -> new long[2])[i] = e.getValue();
            }
        }
        final List<MetricFamilySamples.Sample> completion = new ArrayList<>();
        for (final Map.Entry<List<String>, long[]> e : progress.entrySet())
        {
            final long[] v = e.getValue();
            completion.add(new MetricFamilySamples.Sample(COMPLETION, List.of("pattern", "matched"), e.getKey(),
                (v[0] + 1.0) / (v[0] + v[1] + 2.0)));
        }
        final long minute = Math.floorDiv(clockMillis.getAsLong(), MINUTE_MILLIS);
        final List<String> labelNames = List.of("pattern");
        final List<MetricFamilySamples.Sample> forecast = new ArrayList<>();
        final List<MetricFamilySamples.Sample> error = new ArrayList<>();
        for (final Map.Entry<String, Long> e : opened.entrySet())
        {
            final List<String> labels = List.of(e.getKey());
            final Holt h = forecasts.computeIfAbsent(e.getKey(), k -> new Holt());
            h.observe(minute, e.getValue());
            if (!Double.isNaN(h.forecast()))
            {
                forecast.add(new MetricFamilySamples.Sample(FORECAST, labelNames, labels, h.forecast()));
            }
            if (!Double.isNaN(h.meanAbsoluteError()))
            {
                error.add(new MetricFamilySamples.Sample(FORECAST_ERROR, labelNames, labels, h.meanAbsoluteError()));
            }
        }
        return List.of(
            new MetricFamilySamples(COMPLETION, Type.GAUGE, "Probability that an open group of the pattern that has " +
                "matched this many required steps completes, from the earlier groups at that point: " +
                "(complete + 1) / (complete + expired + 2).", completion),
            new MetricFamilySamples(FORECAST, Type.GAUGE, "Groups of the pattern expected to open in the next minute " +
                "(Holt's linear trend over per-minute counts).", forecast),
            new MetricFamilySamples(FORECAST_ERROR, Type.GAUGE, "Mean absolute error of the one-minute-ahead forecasts " +
                "of tapio_pattern_groups_forecast so far, in groups per minute.", error));
    }

    /** Pattern by name, then matched steps as a number (so 10 sorts after 9). */
    private static int compareLabels(final List<String> a, final List<String> b)
    {
        final int c = a.get(0).compareTo(b.get(0));
        if (c != 0)
        {
            return c;
        }
        final int x = a.get(1).length();
        final int y = b.get(1).length();
        return x != y ? Integer.compare(x, y) : a.get(1).compareTo(b.get(1));
    }
}
