package dev.tapio.exporters.prometheus;

import io.prometheus.client.Collector.MetricFamilySamples;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Completion probability and Holt's forecast per pattern, from counters and an injected clock. */
class PatternPredictionsTest
{
    private final Map<String, Long> counters = new HashMap<>();
    private final AtomicLong millis = new AtomicLong(1_800_000_000_000L);
    private final PatternPredictions predictions = new PatternPredictions(() -> counters, millis::get);

    private static String key(final String pattern, final String status)
    {
        return "tapio_correlation_pattern_groups_total{pattern=\"" + pattern + "\",status=\"" + status + "\"}";
    }

    private Double value(final String family, final String... labels)
    {
        for (final MetricFamilySamples f : predictions.collect())
        {
            if (f.name.equals(family))
            {
                for (final MetricFamilySamples.Sample s : f.samples)
                {
                    if (s.labelValues.equals(List.of(labels)))
                    {
                        return s.value;
                    }
                }
            }
        }
        return null;
    }

    private static String progress(final String pattern, final int matched, final String outcome)
    {
        return "tapio_correlation_progress_total{pattern=\"" + pattern + "\",matched=\"" + matched +
            "\",outcome=\"" + outcome + "\"}";
    }

    @Test
    void completionProbabilityOfAnOpenGroupDependsOnHowManyStepsItMatchedWithLaplaceSmoothing()
    {
        // crash-loop: of 6 groups at 1 matched step, 2 completed; of the 3 that reached 2 steps, 2 completed.
        counters.put(progress("crash-loop", 1, "complete"), 2L);
        counters.put(progress("crash-loop", 1, "expired"), 4L);
        counters.put(progress("crash-loop", 2, "complete"), 2L);
        counters.put(progress("crash-loop", 2, "expired"), 1L);
        counters.put(progress("pod-startup", 0, "complete"), 0L);
        counters.put(progress("pod-startup", 0, "expired"), 0L);
        assertEquals(3.0 / 8.0, value(PatternPredictions.COMPLETION, "crash-loop", "1"), 1e-9);
        assertEquals(3.0 / 5.0, value(PatternPredictions.COMPLETION, "crash-loop", "2"), 1e-9);
        assertEquals(0.5, value(PatternPredictions.COMPLETION, "pod-startup", "0"), 1e-9, "no history: even odds");
        assertEquals(null, value(PatternPredictions.COMPLETION, "crash-loop", "3"), "no such point");
    }

    @Test
    void aLinearlyRisingRateIsForecastExactlyWithNoError()
    {
        long total = 0;
        counters.put(key("crash-loop", "opened"), total);
        assertEquals(null, value(PatternPredictions.FORECAST, "crash-loop"), "no minute closed yet");
        for (int minute = 1; minute <= 5; minute++)
        {
            total += 10L * minute;             // 10, 20, 30, 40, 50 groups in successive minutes
            counters.put(key("crash-loop", "opened"), total);
            millis.addAndGet(60_000);
            predictions.collect();
        }
        assertEquals(60.0, value(PatternPredictions.FORECAST, "crash-loop"), 1e-9);
        assertEquals(0.0, value(PatternPredictions.FORECAST_ERROR, "crash-loop"), 1e-9);
    }

    @Test
    void theErrorReportsHowFarOffTheForecastsWere()
    {
        final PatternPredictions.Holt h = new PatternPredictions.Holt();
        h.close(10);
        h.close(10);
        assertEquals(10.0, h.forecast(), 1e-9);
        assertTrue(Double.isNaN(h.meanAbsoluteError()));
        h.close(30);                            // forecast 10, actual 30
        assertEquals(20.0, h.meanAbsoluteError(), 1e-9);
        assertTrue(h.forecast() > 10 && h.forecast() < 30, "moves toward the jump: " + h.forecast());
        h.close(0);
        h.close(0);
        h.close(0);
        h.close(0);
        assertTrue(h.forecast() >= 0, "never below zero");
    }

    @Test
    void minutesWithoutAScrapeShareTheCountEvenly()
    {
        counters.put(key("oom-kill", "opened"), 0L);
        predictions.collect();
        counters.put(key("oom-kill", "opened"), 40L);
        millis.addAndGet(4 * 60_000);             // four minutes, one scrape: 10 a minute
        predictions.collect();
        assertEquals(10.0, value(PatternPredictions.FORECAST, "oom-kill"), 1e-9);
        assertEquals(0.0, value(PatternPredictions.FORECAST_ERROR, "oom-kill"), 1e-9);
    }
}
