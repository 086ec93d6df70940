package dev.tapio.engine.correlate;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The two timelines of the original design each come out as one group with one trace id. */
class OriginalTimelinesTest
{
    static final String POD_STARTUP =
        "{\"id\":\"a1\",\"time\":\"2026-11-23T10:00:00Z\",\"type\":\"systemd.unit.started\",\"source\":\"systemd\",\"node\":\"node-1\",\"unit\":\"docker.service\"}\n" +
        "{\"id\":\"a2\",\"time\":\"2026-11-23T10:00:01.200Z\",\"type\":\"cni.ip.allocated\",\"source\":\"cni\",\"node\":\"node-1\",\"namespace\":\"shop\",\"pod\":\"web-7c5d8f9b6-x2x1k\",\"containerId\":\"containerd://c1\",\"attributes\":{\"ip\":\"10.1.0.7\"}}\n" +
        "{\"id\":\"a3\",\"time\":\"2026-11-23T10:00:02.300Z\",\"type\":\"k8s.pod.running\",\"source\":\"kubernetes\",\"node\":\"node-1\",\"namespace\":\"shop\",\"pod\":\"web-7c5d8f9b6-x2x1k\",\"container\":\"web\",\"containerId\":\"containerd://c1\"}\n";

    static final String NGINX_CASCADE =
        "{\"id\":\"b1\",\"time\":\"2026-11-23T11:00:00Z\",\"type\":\"systemd.unit.failed\",\"source\":\"systemd\",\"severity\":\"critical\",\"node\":\"node-2\",\"unit\":\"nginx.service\",\"exitCode\":1}\n" +
        "{\"id\":\"b2\",\"time\":\"2026-11-23T11:00:20Z\",\"type\":\"k8s.pod.restarted\",\"source\":\"kubernetes\",\"severity\":\"warning\",\"node\":\"node-2\",\"namespace\":\"edge\",\"pod\":\"nginx-6d4cf56db6-q8r2t\",\"container\":\"nginx\",\"exitCode\":1}\n" +
        "{\"id\":\"b3\",\"time\":\"2026-11-23T11:00:50Z\",\"type\":\"k8s.pod.restarted\",\"source\":\"kubernetes\",\"severity\":\"warning\",\"node\":\"node-2\",\"namespace\":\"edge\",\"pod\":\"nginx-6d4cf56db6-q8r2t\",\"container\":\"nginx\",\"exitCode\":1}\n" +
        "{\"id\":\"b4\",\"time\":\"2026-11-23T11:01:05Z\",\"type\":\"http.error_rate\",\"source\":\"kernel\",\"severity\":\"error\",\"node\":\"node-2\",\"attributes\":{\"service.name\":\"nginx\",\"error_rate\":0.42}}\n";

    @Test
    void podStartupSequenceIsOneGroupWithOneTraceId() throws Exception
    {
        final Harness h = new Harness();
        h.feedAll(POD_STARTUP);
        final Harness.Group g = h.only("pod-startup");
        assertEquals("complete", g.status);
        assertEquals(List.of(0xa1L, 0xa2L, 0xa3L), g.events);
        assertEquals("node=node-1,pod=shop/web-7c5d8f9b6-x2x1k", g.key);
        assertEquals(0xa1L, g.rootCause);
        assertEquals(0.3f, g.business, 1e-6);
        assertEquals(1.0f, g.confidence, 1e-6);
        assertTrue(g.summary.contains("shop/web-7c5d8f9b6-x2x1k"), g.summary);
        for (final long id : new long[]{ 0xa1, 0xa2, 0xa3 })
        {
            final Harness.Verdict v = h.verdict(id);
            assertEquals(g.traceHi, v.traceHi);
            assertEquals(g.traceLo, v.traceLo);
            assertEquals(g.id, v.correlationId);
            assertEquals(g.rootSpan, v.parentSpanId);
            assertEquals(1, v.patternId);
        }
        assertEquals(List.of(0xa2L, 0xa1L), java.util.Arrays.stream(h.verdict(0xa3).related).boxed().toList());
    }

    @Test
    void nginxCascadeIsOneGroupWithRootCauseAndActions() throws Exception
    {
        final Harness h = new Harness();
        h.feedAll(NGINX_CASCADE);
        final Harness.Group g = h.only("cascade-failure");
        assertEquals("complete", g.status);
        assertEquals(List.of(0xb1L, 0xb2L, 0xb3L, 0xb4L), g.events);
        assertEquals("service=nginx", g.key);
        assertEquals(0xb1L, g.rootCause);
        assertEquals(0.9f, g.business, 1e-6);
        assertTrue(g.customerFacing);
        assertTrue(g.slo);
        assertTrue(g.summary.startsWith("nginx.service failed on node-2 (exit code 1)"), g.summary);
        assertEquals("restart nginx.service on node-2", g.actions.get(0));
        final long trace = h.verdict(0xb1).traceHi;
        for (final long id : new long[]{ 0xb2, 0xb3, 0xb4 })
        {
            assertEquals(trace, h.verdict(id).traceHi);
            assertNotEquals(h.verdict(0xb1).spanId, h.verdict(id).spanId);
        }
        assertEquals(1, h.groups.size(), "the restarts must not form a crash-loop group as well");
    }

    @Test
    void replayGivesTheSameIds() throws Exception
    {
        final Harness a = new Harness();
        a.feedAll(POD_STARTUP + NGINX_CASCADE);
        final Harness b = new Harness();
        b.feedAll(POD_STARTUP + NGINX_CASCADE);
        assertEquals(a.groups.size(), b.groups.size());
        for (int i = 0; i < a.groups.size(); i++)
        {
            assertEquals(a.groups.get(i).traceHi, b.groups.get(i).traceHi);
            assertEquals(a.groups.get(i).traceLo, b.groups.get(i).traceLo);
            assertEquals(a.groups.get(i).id, b.groups.get(i).id);
        }
        for (int i = 0; i < a.verdicts.size(); i++)
        {
            assertEquals(a.verdicts.get(i).spanId, b.verdicts.get(i).spanId);
            assertEquals(a.verdicts.get(i).traceLo, b.verdicts.get(i).traceLo);
        }
    }
}
