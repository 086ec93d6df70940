package dev.tapio.codecs.json;

import dev.tapio.codecs.EventDraft;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Input the reader refuses, and what its messages say. */
class JsonEventReaderErrorsTest
{
    private final JsonEventReader reader = new JsonEventReader();
    private final EventDraft draft = new EventDraft();

    private String failure(final String json)
    {
        return assertThrows(EventFormatException.class, () -> reader.read(json, draft)).getMessage();
    }

    @ParameterizedTest
    @ValueSource(strings = {"{}", "{\"pod\":\"p\"}", "{\"type\":null}", "{\"Type\":\"k8s.pod.running\"}"})
    void missingTypeIsRejectedNamingTheField(final String json)
    {
        assertEquals("missing required field \"type\"", failure(json));
    }

    @Test
    void emptyTypeIsRejected()
    {
        final String m = failure("{\"type\":\"\"}");
        assertTrue(m.contains("\"type\""), m);
        assertTrue(m.contains("empty"), m);
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "{\"type\":\"x\",\"pid\":}",
        "{\"type\":\"x\"",
        "{\"type\":\"x\",}",
        "{type:\"x\"}",
        "{\"type\":'x'}",
        "not json",
        "{\"type\":\"x\",\"pid\":01}",
    })
    void malformedJsonIsRejectedNamingTheColumn(final String json)
    {
        final String m = failure(json);
        assertTrue(m.startsWith("malformed JSON at column "), m);
    }

    @Test
    void columnPointsAtTheProblem()
    {
        final String m = failure("{\"type\":\"x\",   !}");
        assertTrue(m.startsWith("malformed JSON at column 16:"), m);
    }

    @ParameterizedTest
    @ValueSource(strings = {"[1,2]", "\"text\"", "42", ""})
    void nonObjectsAreRejected(final String json)
    {
        assertEquals("expected a JSON object", failure(json));
    }

    @Test
    void trailingContentIsRejected()
    {
        assertEquals("trailing content after the JSON object", failure("{\"type\":\"a\"} {\"type\":\"b\"}"));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "{\"type\":\"x\",\"pid\":\"12\"}                         | field \"pid\": expected an integer, got a string",
        "{\"type\":\"x\",\"pid\":-1}                             | field \"pid\": -1 out of range",
        "{\"type\":\"x\",\"pid\":2147483648}                     | field \"pid\": 2147483648 out of range",
        "{\"type\":\"x\",\"ppid\":1.5}                           | field \"ppid\": expected an integer, got a number",
        "{\"type\":\"x\",\"uid\":-1}                             | field \"uid\"",
        "{\"type\":\"x\",\"uid\":4294967295}                     | field \"uid\"",
        "{\"type\":\"x\",\"exitCode\":-2147483648}               | field \"exitCode\"",
        "{\"type\":\"x\",\"exitCode\":true}                      | field \"exitCode\": expected an integer, got a boolean",
        "{\"type\":\"x\",\"cgroupId\":-5}                        | field \"cgroupId\"",
        "{\"type\":\"x\",\"cgroupId\":99999999999999999999}      | field \"cgroupId\": out of range",
        "{\"type\":\"x\",\"severity\":\"loud\"}                  | field \"severity\": unknown value \"loud\"",
        "{\"type\":\"x\",\"severity\":3}                         | field \"severity\": expected a string",
        "{\"type\":\"x\",\"source\":\"k8s\"}                     | field \"source\": unknown value \"k8s\"",
        "{\"type\":\"x\",\"time\":\"yesterday\"}                 | field \"time\"",
        "{\"type\":\"x\",\"time\":\"2026-11-21T10:00:00\"}       | field \"time\"",
        "{\"type\":\"x\",\"time\":1.5}                           | field \"time\": expected a string",
        "{\"type\":\"x\",\"time\":99999999999999999999}          | field \"time\": out of range",
        "{\"type\":\"x\",\"id\":18446744073709551615}            | field \"id\": out of range",
        "{\"type\":7}                                            | field \"type\": expected a string, got a number",
        "{\"type\":\"x\",\"node\":5}                             | field \"node\": expected a string",
        "{\"type\":\"x\",\"message\":[\"a\"]}                    | field \"message\": expected a string, got an array",
        "{\"type\":\"x\",\"id\":true}                            | field \"id\": expected a string",
        "{\"type\":\"x\",\"traceId\":\"abc\"}                    | field \"traceId\": expected 32 hex digits",
        "{\"type\":\"x\",\"spanId\":\"00f067aa0ba902b\"}         | field \"spanId\": expected 16 hex digits",
        "{\"type\":\"x\",\"parentSpanId\":\"zzzzzzzzzzzzzzzz\"}  | field \"parentSpanId\": expected 16 hex digits",
        "{\"type\":\"x\",\"attributes\":[]}                      | field \"attributes\": expected an object",
        "{\"type\":\"x\",\"attributes\":{\"k\":{\"a\":1}}}       | field \"attributes.k\"",
        "{\"type\":\"x\",\"correlation\":\"c\"}                  | field \"correlation\": expected an object",
        "{\"type\":\"x\",\"correlation\":{\"id\":\"12\"}}        | field \"correlation.id\": expected 16 hex digits",
        "{\"type\":\"x\",\"correlation\":{\"related\":\"0000000000000001\"}} | field \"correlation.related\": expected an array of event ids, got a string",
        "{\"type\":\"x\",\"correlation\":{\"related\":{}}}       | field \"correlation.related\": expected an array of event ids, got an object",
        "{\"type\":\"x\",\"correlation\":{\"related\":[1]}}       | field \"correlation.related[0]\": expected 16 hex digits, got a number",
        "{\"type\":\"x\",\"correlation\":{\"related\":[null]}}    | field \"correlation.related[0]\": expected 16 hex digits, got null",
        "{\"type\":\"x\",\"correlation\":{\"related\":[[]]}}      | field \"correlation.related[0]\": expected 16 hex digits, got an array",
        "{\"type\":\"x\",\"correlation\":{\"related\":[\"ff\"]}}  | field \"correlation.related[0]\": expected 16 hex digits",
        "{\"type\":\"x\",\"correlation\":{\"related\":[\"00000000000000001\"]}} | field \"correlation.related[0]\": expected 16 hex digits",
        "{\"type\":\"x\",\"correlation\":{\"related\":[\"000000000000000g\"]}}  | field \"correlation.related[0]\": expected 16 hex digits",
        "{\"type\":\"x\",\"impact\":{\"business\":1.5}}          | field \"impact.business\": expected a number in 0..1",
        "{\"type\":\"x\",\"impact\":{\"business\":\"high\"}}     | field \"impact.business\"",
        "{\"type\":\"x\",\"impact\":{\"sloImpact\":1}}           | field \"impact.sloImpact\": expected true or false",
        "{\"type\":\"x\",\"impact\":{\"customerFacing\":\"y\"}}  | field \"impact.customerFacing\"",
        "{\"type\":\"x\",\"impact\":true}                        | field \"impact\": expected an object",
    })
    void wrongValuesAreRejectedNamingTheField(final String json, final String expected)
    {
        final String m = failure(json);
        assertTrue(m.startsWith(expected), () -> "for " + json + " got: " + m);
    }

    @Test
    void aBadRelatedIdIsNamedByItsIndex()
    {
        assertEquals("field \"correlation.related[3]\": expected 16 hex digits", failure("{\"type\":\"x\","
            + "\"correlation\":{\"id\":\"0000000000000077\",\"related\":[\"0000000000000001\",\"0000000000000002\","
            + "\"0000000000000003\",\"12\",\"0000000000000005\"]}}"));
    }

    @Test
    void moreThanSixteenRelatedIdsAreRejectedAtTheSeventeenth()
    {
        final StringBuilder json = new StringBuilder("{\"type\":\"x\",\"correlation\":{\"related\":[");
        for (int i = 1; i <= 17; i++)
        {
            json.append(i == 1 ? "" : ",").append('"').append(String.format("%016x", i)).append('"');
        }
        json.append("]}}");
        assertEquals("field \"correlation.related[16]\": more than 16 related event ids", failure(json.toString()));
    }

    @Test
    void timeMessageQuotesTheOffendingValue()
    {
        final String m = failure("{\"type\":\"x\",\"time\":\"yesterday\"}");
        assertTrue(m.contains("\"yesterday\""), m);
    }

    @Test
    void unknownSeverityMessageListsTheKnownOnes()
    {
        final String m = failure("{\"type\":\"x\",\"severity\":\"loud\"}");
        assertTrue(m.endsWith("(expected one of debug, info, warning, error, critical)"), m);
    }

    @Test
    void unknownSourceMessageListsTheKnownOnes()
    {
        final String m = failure("{\"type\":\"x\",\"source\":\"k8s\"}");
        assertTrue(m.endsWith("(expected one of kernel, kubernetes, systemd, cni, file, grpc, synthetic)"), m);
    }

    @Test
    void aRejectedEventLeavesTheReaderUsable() throws Exception
    {
        failure("{\"type\":\"x\",\"pid\":\"nope\"}");
        reader.read("{\"type\":\"k8s.pod.running\",\"pid\":7}", draft);
        assertEquals(7, draft.pid);
    }
}
