package dev.tapio.exporters.webhooks;

import dev.tapio.codecs.EventDraft;
import dev.tapio.codecs.sbe.EventType;
import dev.tapio.codecs.sbe.Severity;
import dev.tapio.codecs.sbe.Source;
import dev.tapio.engine.correlate.RuleSet;
import dev.tapio.engine.correlate.RulesLoader;
import dev.tapio.journal.JournalRecords;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Filters on decoded records, and the SBE pre-filter that spares JSON for refused events never disagreeing with them. */
class RecordFilterTest
{
    private static final List<RecordFilter> FILTERS = List.of(
        RecordFilter.ALL,
        new RecordFilter(RecordFilter.Records.EVENTS, List.of("k8s.pod.*"), List.of(), "warning"),
        new RecordFilter(RecordFilter.Records.BOTH, List.of("kernel.*", "custom.?hing"), List.of("crash-*"), "debug"),
        new RecordFilter(RecordFilter.Records.GROUPS, List.of(), List.of(), "debug"),
        new RecordFilter(RecordFilter.Records.BOTH, List.of(), List.of("oom*"), "error"));

    @Test
    void thePreFilterRefusesOnlyWhatTheFilterRefuses() throws Exception
    {
        final RuleSet rules = RulesLoader.builtin();
        final int crashLoop = rules.byName("crash-loop").id();
        final RecordDecoder decoder = new RecordDecoder(rules);
        final UnsafeBuffer buffer = new UnsafeBuffer(ByteBuffer.allocateDirect(4096));
        final EventDraft d = new EventDraft();
        int refusedEarly = 0;
        int cases = 0;
        for (final EventType type : new EventType[] {EventType.K8S_POD_RESTARTED, EventType.KERNEL_PROCESS_EXIT, EventType.OTHER})
        {
            for (final Severity severity : Severity.values())
            {
                if (severity == Severity.NULL_VAL)
                {
                    continue;
                }
                for (final int pattern : new int[] {-1, crashLoop, 4242})
                {
                    d.reset();
                    d.type = type;
                    if (type == EventType.OTHER)
                    {
                        d.text(EventDraft.TYPE_NAME).set("custom.thing");
                    }
                    d.severity = severity;
                    if (pattern >= 0)
                    {
                        d.correlationId = 0xabc;
                        d.patternId = pattern;
                    }
                    final int n = d.encode(buffer, 0, buffer.capacity(), 1, 7, Source.FILE);
                    final WebhookRecord r = decoder.decode(JournalRecords.EVENT, buffer, 0, n);
                    for (final RecordFilter f : FILTERS)
                    {
                        cases++;
                        if (decoder.rejects(f, JournalRecords.EVENT, buffer, 0, n))
                        {
                            refusedEarly++;
                            assertFalse(f.accepts(r), "pre-filter refused what the filter accepts: " + r.json() + " " + f.types() +
                                f.patterns() + f.minSeverity() + f.records());
                        }
                    }
                }
            }
        }
        assertTrue(refusedEarly > cases / 3, refusedEarly + " of " + cases + " refused before JSON");
    }

    @Test
    void typesAndSeverityApplyToEventsAndPatternsToBoth()
    {
        final RecordFilter f = new RecordFilter(RecordFilter.Records.BOTH, List.of("k8s.pod.*"), List.of("crash-loop"), "warning");
        assertTrue(f.accepts(record(false, "k8s.pod.restarted", "warning", "crash-loop")));
        assertFalse(f.accepts(record(false, "k8s.pod.restarted", "info", "crash-loop")), "below the minimum severity");
        assertFalse(f.accepts(record(false, "k8s.pods", "error", "crash-loop")), "the glob is anchored");
        assertFalse(f.accepts(record(false, "k8s.pod.restarted", "error", null)), "uncorrelated");
        assertTrue(f.accepts(record(true, null, null, "crash-loop")), "types and severity do not apply to groups");
        assertFalse(f.accepts(record(true, null, null, "oom-kill")));
        assertEquals("warning", f.minSeverity());
    }

    private static WebhookRecord record(final boolean group, final String type, final String severity, final String pattern)
    {
        return new WebhookRecord(group, "msg", "0", RecordDecoder.JSON.createObjectNode(), type, severity, pattern, "t", null);
    }
}
