package dev.tapio.engine.correlate;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The correlator's progress series: {@code tapio_correlation_open_groups{pattern,matched}} follows each open
 * group as it matches required steps, and {@code tapio_correlation_progress_total{pattern,matched,outcome}}
 * counts, at every point a group passed, how it ended: what a completion probability per open group is
 * estimated from.
 */
class ProgressCountersTest
{
    private static final String RULES = String.join("\n",
        "patterns:",
        "  - name: rollout",
        "    key: [pod]",
        "    order: sequence",
        "    max-span: 10m",
        "    max-gap: 1m",
        "    min-events: 1",
        "    steps:",
        "      - {name: created, type: k8s.pod.created}",
        "      - {name: note, type: k8s.event.warning, optional: true}",
        "      - {name: scheduled, type: k8s.pod.scheduled}",
        "      - {name: running, type: k8s.pod.running}");

    private static String event(final String id, final String time, final String type, final String pod)
    {
        return "{\"id\":\"" + id + "\",\"time\":\"2026-11-23T10:" + time + "Z\",\"type\":\"" + type +
            "\",\"source\":\"kubernetes\",\"node\":\"n1\",\"namespace\":\"shop\",\"pod\":\"" + pod + "\"}";
    }

    private static long value(final Harness h, final String label)
    {
        final Map<String, Long> s = h.engineCounters.snapshot();
        final Long v = s.get(label);
        if (v == null)
        {
            throw new AssertionError("no series " + label + " among " + s.keySet());
        }
        return v;
    }

    private static long open(final Harness h, final int matched)
    {
        return value(h, "tapio_correlation_open_groups{pattern=\"rollout\",matched=\"" + matched + "\"}");
    }

    private static long ended(final Harness h, final int matched, final String outcome)
    {
        return value(h, "tapio_correlation_progress_total{pattern=\"rollout\",matched=\"" + matched +
            "\",outcome=\"" + outcome + "\"}");
    }

    @Test
    void openGroupsMoveThroughMatchedCountsAndEndedGroupsCountAtEveryPointTheyPassed() throws Exception
    {
        final Harness h = new Harness(RulesLoader.parse("rules.yaml", RULES),
            CorrelationSettings.builder().nodeName("n1").build());

        h.feed(event("a1", "00:00", "k8s.pod.created", "a"));
        h.feed(event("b1", "00:01", "k8s.pod.created", "b"));
        h.feed(event("c1", "00:02", "k8s.pod.created", "c"));
        assertEquals(3, open(h, 1));
        assertEquals(0, open(h, 0));

        h.feed(event("a2", "00:03", "k8s.event.warning", "a"));          // optional: progress unchanged
        assertEquals(3, open(h, 1));
        h.feed(event("a3", "00:04", "k8s.pod.scheduled", "a"));
        h.feed(event("b3", "00:05", "k8s.pod.scheduled", "b"));
        assertEquals(1, open(h, 1));
        assertEquals(2, open(h, 2));

        h.feed(event("a4", "00:06", "k8s.pod.running", "a"));            // a completes
        assertEquals(1, open(h, 2));
        assertEquals(1, ended(h, 0, "complete"));
        assertEquals(1, ended(h, 1, "complete"));
        assertEquals(1, ended(h, 2, "complete"));

        h.correlator.advanceTo(java.time.Instant.parse("2026-11-23T10:30:00Z").getEpochSecond() * 1_000_000_000L);
        assertEquals(0, open(h, 1), "c expired");
        assertEquals(0, open(h, 2), "b expired");
        assertEquals(2, ended(h, 0, "expired"), "b and c passed 0 and 1 matched");
        assertEquals(2, ended(h, 1, "expired"));
        assertEquals(1, ended(h, 2, "expired"), "only b reached 2 matched");
        assertEquals(1, ended(h, 2, "complete"));
        assertEquals(1, value(h, "tapio_correlation_pattern_groups_total{pattern=\"rollout\",status=\"complete\"}"));
        assertEquals(2, value(h, "tapio_correlation_pattern_groups_total{pattern=\"rollout\",status=\"expired\"}"));
    }

    @Test
    void flushedOpenGroupsLeaveTheGaugeWithoutAnOutcome() throws Exception
    {
        final Harness h = new Harness(RulesLoader.parse("rules.yaml", RULES),
            CorrelationSettings.builder().nodeName("n1").build());
        h.feed(event("a1", "00:00", "k8s.pod.created", "a"));
        h.feed(event("a3", "00:01", "k8s.pod.scheduled", "a"));
        assertEquals(1, open(h, 2));
        h.correlator.flush();
        assertEquals(0, open(h, 2));
        assertEquals(0, ended(h, 0, "expired"));
        assertEquals(0, ended(h, 0, "complete"));
    }
}
