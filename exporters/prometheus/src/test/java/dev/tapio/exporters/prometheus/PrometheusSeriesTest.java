package dev.tapio.exporters.prometheus;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * Engine counter labels become Prometheus series as the engine's SeriesName parses them (tested in the engine),
 * and are refused when they use a label Prometheus or its client library reserves.
 */
class PrometheusSeriesTest
{
    @Test
    void keepsTheEnginesParse()
    {
        assertEquals(List.of("result", "source"),
            EngineCollector.series("tapio_kernel_records_total{source=\"kernel\",result=\"lost\"}").labelNames());
        assertEquals("a:b_total", EngineCollector.series("a:b_total").name());
        assertNull(EngineCollector.series("tapio-bad_total"));
    }

    @Test
    void refusesReservedLabels()
    {
        assertNull(EngineCollector.series("x_total{__name__=\"a\"}"));
        assertNull(EngineCollector.series("x_total{le=\"1\"}"));
        assertNull(EngineCollector.series("x_total{quantile=\"0.5\"}"));
    }
}
