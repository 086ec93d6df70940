package dev.tapio.exporters.prometheus;

import dev.tapio.engine.correlate.CorrelationCounters;
import io.prometheus.client.Collector;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * Predictive metrics per correlation pattern, computed at scrape time from the engine's
 * {@code tapio_correlation_pattern_groups_total{pattern,status}} counters (nothing on the hot path):
 *
 * <ul>
 *   <li>{@code tapio_group_completion_probability{pattern}}: the probability that an open group of the
 *   pattern completes, from what closed so far: (complete + 1) / (complete + expired + 2) (Laplace's rule
 *   of succession, so a pattern with no history says 0.5, not 0 or 1). Limit: per pattern, not per open
 *   group: it does not weigh how many steps a given group has already matched.</li>
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
        final Map<String, long[]> byPattern = new TreeMap<>();     // opened, complete, expired
        for (final Map.Entry<String, Long> e : counters.get().entrySet())
        {
            if (!e.getKey().startsWith(CorrelationCounters.PATTERN_GROUPS + "{"))
            {
                continue;
            }
            final CounterName n = CounterName.parse(e.getKey());
            if (n == null)
            {
                continue;
            }
            final int p = n.labelNames().indexOf("pattern");
            final int s = n.labelNames().indexOf("status");
            if (p < 0 || s < 0)
            {
                continue;
            }
            final long[] v = byPattern.computeIfAbsent(n.labelValues().get(p), k -> new long[3]);
            final String status = n.labelValues().get(s);
            final int i = "opened".equals(status) ? 0 : "complete".equals(status) ? 1 : "expired".equals(status) ? 2 : -1;
            if (i >= 0)
            {
                v[i] = e.getValue();
            }
        }
        final long minute = Math.floorDiv(clockMillis.getAsLong(), MINUTE_MILLIS);
        final List<String> labelNames = List.of("pattern");
        final List<MetricFamilySamples.Sample> completion = new ArrayList<>();
        final List<MetricFamilySamples.Sample> forecast = new ArrayList<>();
        final List<MetricFamilySamples.Sample> error = new ArrayList<>();
        for (final Map.Entry<String, long[]> e : byPattern.entrySet())
        {
            final long[] v = e.getValue();
            final List<String> labels = List.of(e.getKey());
            completion.add(new MetricFamilySamples.Sample(COMPLETION, labelNames, labels, (v[1] + 1.0) / (v[1] + v[2] + 2.0)));
            final Holt h = forecasts.computeIfAbsent(e.getKey(), k -> new Holt());
            h.observe(minute, v[0]);
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
            new MetricFamilySamples(COMPLETION, Type.GAUGE, "Probability that an open group of the pattern completes, " +
                "from the groups closed so far: (complete + 1) / (complete + expired + 2).", completion),
            new MetricFamilySamples(FORECAST, Type.GAUGE, "Groups of the pattern expected to open in the next minute " +
                "(Holt's linear trend over per-minute counts).", forecast),
            new MetricFamilySamples(FORECAST_ERROR, Type.GAUGE, "Mean absolute error of the one-minute-ahead forecasts " +
                "of tapio_pattern_groups_forecast so far, in groups per minute.", error));
    }
}
