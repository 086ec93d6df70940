package dev.tapio.exporters.otel;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Engine counter labels become a metric name plus attributes for OTLP, or are refused when no valid series. */
class OtelSeriesNameTest
{
    @Test
    void splitsNameAndLabelsIntoAttributesWhateverTheirOrder()
    {
        final OtelMetricsExporter.Series n = OtelMetricsExporter.Series.parse("tapio_kernel_records_total{source=\"kernel\",result=\"lost\"}");
        assertEquals("tapio_kernel_records_total", n.name());
        assertEquals(Attributes.of(AttributeKey.stringKey("result"), "lost", AttributeKey.stringKey("source"), "kernel"),
            n.attributes());
        assertEquals(n.attributes(), OtelMetricsExporter.Series.parse("tapio_kernel_records_total{result=\"lost\",source=\"kernel\"}").attributes());
        assertTrue(n.monotonic());
    }

    @Test
    void aBareNameHasNoAttributesAndOnlyTotalNamesAreMonotonic()
    {
        final OtelMetricsExporter.Series n = OtelMetricsExporter.Series.parse("tapio_bridge_circuit_state");
        assertEquals(Attributes.empty(), n.attributes());
        assertFalse(n.monotonic());
        assertFalse(OtelMetricsExporter.Series.parse("total").monotonic());
        assertTrue(OtelMetricsExporter.Series.parse("tapio_events_out_total").monotonic());
    }

    @Test
    void unescapesQuotesBackslashesAndCommasInValues()
    {
        final OtelMetricsExporter.Series n = OtelMetricsExporter.Series.parse("x_total{sink=\"a\\\"b\\\\c,d\",z=\"\"}");
        assertEquals("a\"b\\c,d", n.attributes().get(AttributeKey.stringKey("sink")));
        assertEquals("", n.attributes().get(AttributeKey.stringKey("z")));
    }

    @Test
    void refusesWhatIsNoValidSeriesOrInstrumentName()
    {
        assertNull(OtelMetricsExporter.Series.parse("tapio-bad_total"));
        assertNull(OtelMetricsExporter.Series.parse("9lives_total"));
        assertNull(OtelMetricsExporter.Series.parse("_leading_total"), "an OTel instrument name starts with a letter");
        assertNull(OtelMetricsExporter.Series.parse("a:b_total"), "no colons in OTel instrument names");
        assertNull(OtelMetricsExporter.Series.parse("x_total{reason=\"a\""));
        assertNull(OtelMetricsExporter.Series.parse("x_total{reason=a}"));
        assertNull(OtelMetricsExporter.Series.parse("x_total{reason=\"a\"x=\"b\"}"));
        assertNull(OtelMetricsExporter.Series.parse("x_total{a=\"1\",a=\"2\"}"));
        assertNull(OtelMetricsExporter.Series.parse("x_total{bad-key=\"1\"}"));
    }
}
