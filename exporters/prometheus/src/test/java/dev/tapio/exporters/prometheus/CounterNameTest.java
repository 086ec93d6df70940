package dev.tapio.exporters.prometheus;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Engine counter labels become a metric name plus sorted labels, or are refused when no valid series. */
class CounterNameTest
{
    @Test
    void splitsNameAndLabelsAndSortsLabels()
    {
        final CounterName n = CounterName.parse("tapio_kernel_records_total{source=\"kernel\",result=\"lost\"}");
        assertEquals("tapio_kernel_records_total", n.name());
        assertEquals(List.of("result", "source"), n.labelNames());
        assertEquals(List.of("lost", "kernel"), n.labelValues());
        assertTrue(n.isCounter());
        assertEquals(CounterName.parse("tapio_kernel_records_total{result=\"lost\",source=\"kernel\"}").seriesKey(),
            n.seriesKey());
    }

    @Test
    void aBareNameHasNoLabelsAndOnlyTotalNamesAreCounters()
    {
        final CounterName n = CounterName.parse("tapio_bridge_circuit_state");
        assertEquals("tapio_bridge_circuit_state", n.name());
        assertEquals(List.of(), n.labelNames());
        assertFalse(n.isCounter());
        assertTrue(CounterName.parse("tapio_events_out_total").isCounter());
    }

    @Test
    void unescapesQuotesBackslashesAndCommasInValues()
    {
        final CounterName n = CounterName.parse("x_total{sink=\"a\\\"b\\\\c,d\",z=\"\"}");
        assertEquals(List.of("sink", "z"), n.labelNames());
        assertEquals(List.of("a\"b\\c,d", ""), n.labelValues());
    }

    @Test
    void refusesWhatIsNoValidSeries()
    {
        assertNull(CounterName.parse("tapio-bad_total"));
        assertNull(CounterName.parse("9lives_total"));
        assertNull(CounterName.parse("x_total{reason=\"a\""));
        assertNull(CounterName.parse("x_total{reason=a}"));
        assertNull(CounterName.parse("x_total{reason=\"a\"x=\"b\"}"));
        assertNull(CounterName.parse("x_total{__name__=\"a\"}"));
        assertNull(CounterName.parse("x_total{le=\"1\"}"));
        assertNull(CounterName.parse("x_total{a=\"1\",a=\"2\"}"));
        assertNull(CounterName.parse("x_total{bad-key=\"1\"}"));
    }
}
