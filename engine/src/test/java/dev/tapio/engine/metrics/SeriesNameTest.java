package dev.tapio.engine.metrics;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Engine counter labels become a metric name plus sorted labels, or are refused when no valid series. */
class SeriesNameTest
{
    @Test
    void splitsNameAndLabelsAndSortsLabels()
    {
        final SeriesName n = SeriesName.parse("tapio_kernel_records_total{source=\"kernel\",result=\"lost\"}");
        assertEquals("tapio_kernel_records_total", n.name());
        assertEquals(List.of("result", "source"), n.labelNames());
        assertEquals(List.of("lost", "kernel"), n.labelValues());
        assertEquals("kernel", n.label("source"));
        assertNull(n.label("reason"));
        assertTrue(n.isCounter());
        assertEquals(SeriesName.parse("tapio_kernel_records_total{result=\"lost\",source=\"kernel\"}").seriesKey(),
            n.seriesKey());
    }

    @Test
    void aBareNameHasNoLabelsAndOnlyTotalNamesAreCounters()
    {
        final SeriesName n = SeriesName.parse("tapio_bridge_circuit_state");
        assertEquals("tapio_bridge_circuit_state", n.name());
        assertEquals(List.of(), n.labelNames());
        assertFalse(n.isCounter());
        assertFalse(SeriesName.parse("total").isCounter());
        assertTrue(SeriesName.parse("tapio_events_out_total").isCounter());
    }

    @Test
    void unescapesQuotesBackslashesAndCommasInValues()
    {
        final SeriesName n = SeriesName.parse("x_total{sink=\"a\\\"b\\\\c,d\",z=\"\"}");
        assertEquals(List.of("sink", "z"), n.labelNames());
        assertEquals(List.of("a\"b\\c,d", ""), n.labelValues());
    }

    @Test
    void acceptsColonsInMetricNamesAsPrometheusDoes()
    {
        assertEquals("a:b_total", SeriesName.parse("a:b_total").name());
        assertEquals("_leading_total", SeriesName.parse("_leading_total").name());
    }

    @Test
    void refusesWhatIsNoValidSeries()
    {
        assertNull(SeriesName.parse("tapio-bad_total"));
        assertNull(SeriesName.parse("9lives_total"));
        assertNull(SeriesName.parse("x_total{reason=\"a\""));
        assertNull(SeriesName.parse("x_total{reason=a}"));
        assertNull(SeriesName.parse("x_total{reason=\"a\"x=\"b\"}"));
        assertNull(SeriesName.parse("x_total{a=\"1\",a=\"2\"}"));
        assertNull(SeriesName.parse("x_total{bad-key=\"1\"}"));
        assertNull(SeriesName.parse("x_total{a:b=\"1\"}"));
    }
}
