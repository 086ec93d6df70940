package dev.tapio.exporters.otel;

import dev.tapio.codecs.sbe.BooleanType;
import dev.tapio.codecs.sbe.EventEncoder;
import dev.tapio.codecs.sbe.EventType;
import dev.tapio.codecs.sbe.GroupEncoder;
import dev.tapio.codecs.sbe.GroupStatus;
import dev.tapio.codecs.sbe.MessageHeaderEncoder;
import dev.tapio.codecs.sbe.Severity;
import dev.tapio.codecs.sbe.Source;
import dev.tapio.journal.JournalRecords;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.SpanId;
import io.opentelemetry.api.trace.TraceId;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.data.StatusData;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The mapping of hand-encoded Event and Group records to spans: timing, status, missing members, cause links, sampling. */
class OtelTraceMapperTest
{
    private static final long T0 = 1_700_000_000_000_000_000L;
    private final UnsafeBuffer buffer = new UnsafeBuffer(new byte[4096]);
    private final MessageHeaderEncoder header = new MessageHeaderEncoder();
    private final EventEncoder event = new EventEncoder();
    private final GroupEncoder group = new GroupEncoder();
    private long index;

    private void event(final TraceMapper mapper, final long id, final long time, final EventType type, final Severity severity,
        final int exitCode, final long correlationId, final long traceLo)
    {
        event.wrapAndApplyHeader(buffer, 0, header)
            .eventId(id).nodeId(1).timestamp(time).ingestTimestamp(time)
            .eventType(type).source(Source.KERNEL).severity(severity)
            .pid(4242).ppid(1).uid(EventEncoder.uidNullValue()).cgroupId(0).exitCode(exitCode);
        event.traceId().hi(0x1111L).lo(traceLo);
        event.spanId(0x5000 + id).parentSpanId(0).correlationId(correlationId).patternId(1);
        event.impact().business(0f).customerFacing(BooleanType.F).sloImpact(BooleanType.F);
        event.attributesCount(1).next().key("reason").value("OOMKilled");
        event.relatedCount(0);
        event.nodeName("worker-1").namespaceName("shop").pod("cart-1").podUid("uid-1").containerName("cart")
            .containerId("containerd://abc").unit("").comm("java").message("m").typeName("");
        final int length = MessageHeaderEncoder.ENCODED_LENGTH + event.encodedLength();
        mapper.onRecord(++index, JournalRecords.EVENT, buffer, 0, length);
    }

    private void group(final TraceMapper mapper, final long groupId, final long traceLo, final long rootCause, final long... members)
    {
        group.wrapAndApplyHeader(buffer, 0, header)
            .groupId(groupId).nodeId(1).patternId(1).status(GroupStatus.COMPLETE);
        group.traceId().hi(0x2222L).lo(traceLo);
        group.rootSpanId(0x9000 + groupId).start(T0).end(T0 + 3_000).rootCauseEventId(rootCause)
            .confidence(0.9f).memberCount(members.length);
        group.impact().business(0.5f).customerFacing(BooleanType.T).sloImpact(BooleanType.F);
        final GroupEncoder.MembersEncoder m = group.membersCount(members.length);
        for (int i = 0; i < members.length; i++)
        {
            m.next().eventId(members[i]).timestamp(T0 + 1_000L * i).step((short)i);
        }
        group.actionsCount(1).next().text("raise the memory limit");
        group.patternName("oom-kill").outcome("oom").groupKey("pod=shop/cart-1").rootCauseSummary("out of memory");
        final int length = MessageHeaderEncoder.ENCODED_LENGTH + group.encodedLength();
        mapper.onRecord(++index, JournalRecords.GROUP, buffer, 0, length);
    }

    private static TraceMapper mapper(final double sample)
    {
        return new TraceMapper(OtelSettings.builder().sampleUncorrelated(sample).build(), Resource.empty());
    }

    private static SpanData span(final List<SpanData> spans, final long spanId)
    {
        return spans.stream().filter(s -> s.getSpanId().equals(SpanId.fromLong(spanId))).findFirst().orElseThrow();
    }

    @Test
    void membersAreChildrenOfTheRootEndingAtTheNextMemberAndFailuresAreErrors()
    {
        final TraceMapper mapper = mapper(0);
        event(mapper, 1, T0, EventType.KERNEL_CONTAINER_OOM_KILL, Severity.INFO, EventEncoder.exitCodeNullValue(), 77, 1);
        event(mapper, 2, T0 + 1_000, EventType.KERNEL_PROCESS_EXIT, Severity.INFO, 137, 77, 1);
        event(mapper, 3, T0 + 2_000, EventType.K8S_POD_RESTARTED, Severity.WARNING, EventEncoder.exitCodeNullValue(), 77, 1);
        assertTrue(mapper.spans().isEmpty(), "events wait for their group");
        group(mapper, 77, 0x77, 1, 1, 2, 3, 4);

        final List<SpanData> spans = mapper.spans();
        assertEquals(5, spans.size(), "four members (one missing) and the root");
        final SpanData root = span(spans, 0x9000 + 77);
        assertEquals(TraceId.fromLongs(0x2222L, 0x77), root.getTraceId());
        assertEquals("oom-kill", root.getName());
        assertEquals(StatusData.error(), root.getStatus());
        assertEquals(T0, root.getStartEpochNanos());
        assertEquals(T0 + 3_000, root.getEndEpochNanos());
        assertEquals(List.of("raise the memory limit"), root.getAttributes().get(AttributeKey.stringArrayKey("tapio.actions")));

        final SpanData oom = span(spans, 0x5001);
        assertEquals(root.getSpanId(), oom.getParentSpanId());
        assertEquals(root.getTraceId(), oom.getTraceId(), "members take the group's trace id");
        assertEquals(T0, oom.getStartEpochNanos());
        assertEquals(T0 + 1_000, oom.getEndEpochNanos(), "ends where the next member starts");
        assertEquals(StatusData.error(), oom.getStatus(), "an OOM kill is a failure");
        assertEquals("kernel.container.oom_kill", oom.getName());
        assertEquals("cart-1", oom.getAttributes().get(TraceMapper.K8S_POD));
        assertEquals("uid-1", oom.getAttributes().get(TraceMapper.K8S_POD_UID));
        assertEquals("containerd://abc", oom.getAttributes().get(TraceMapper.CONTAINER_ID));
        assertEquals(4242L, oom.getAttributes().get(TraceMapper.PROCESS_PID));
        assertEquals("OOMKilled", oom.getAttributes().get(AttributeKey.stringKey("tapio.attributes.reason")));
        assertNull(oom.getAttributes().get(TraceMapper.SYSTEMD_UNIT), "empty values are left out");

        final SpanData exit = span(spans, 0x5002);
        assertEquals(137L, exit.getAttributes().get(TraceMapper.PROCESS_EXIT_CODE));
        assertEquals(StatusData.error(), exit.getStatus(), "a non-zero exit is a failure");
        final SpanData restart = span(spans, 0x5003);
        assertEquals(StatusData.unset(), restart.getStatus(), "a warning is not");

        final SpanData missing = spans.stream().filter(s -> "tapio.event".equals(s.getName())).findFirst().orElseThrow();
        assertEquals(Boolean.TRUE, missing.getAttributes().get(TraceMapper.MISSING));
        assertEquals("4", missing.getAttributes().get(TraceMapper.EVENT_ID));
        assertEquals(root.getSpanId(), missing.getParentSpanId());
        assertEquals(missing.getStartEpochNanos(), missing.getEndEpochNanos(), "the last member ends where it starts");
        assertEquals(1, mapper.missingMembers());
    }

    @Test
    void aGroupNamingTheSameRootCauseAsAnEarlierOneLinksToItsRoot()
    {
        final TraceMapper mapper = mapper(0);
        group(mapper, 1, 0x1, 42, 42);
        group(mapper, 2, 0x2, 42, 43);
        group(mapper, 3, 0x3, 0, 44);
        final SpanData first = span(mapper.spans(), 0x9001);
        final SpanData second = span(mapper.spans(), 0x9002);
        final SpanData third = span(mapper.spans(), 0x9003);
        assertEquals(0, first.getLinks().size());
        assertEquals(1, second.getLinks().size());
        assertEquals(first.getSpanContext(), second.getLinks().get(0).getSpanContext());
        assertEquals(0, third.getLinks().size(), "no root cause, no link");
    }

    @Test
    void uncorrelatedEventsAreSentOnlyWhenTheRatioPicksTheirTraceId()
    {
        final TraceMapper none = mapper(0);
        final TraceMapper half = mapper(0.5);
        final TraceMapper all = mapper(1);
        for (final TraceMapper m : List.of(none, half, all))
        {
            for (int i = 0; i < 1000; i++)
            {
                event(m, 100 + i, T0, EventType.KERNEL_PROCESS_EXEC, Severity.INFO, EventEncoder.exitCodeNullValue(), 0,
                    0x9E3779B97F4A7C15L * (i + 1));
            }
        }
        assertEquals(0, none.spans().size());
        assertEquals(1000, all.spans().size());
        assertTrue(half.spans().size() > 400 && half.spans().size() < 600, "about half: " + half.spans().size());
        final SpanData single = all.spans().get(0);
        assertEquals(SpanId.fromLong(0x5000 + 100), single.getSpanId());
        assertEquals(TraceId.fromLongs(0x1111L, 0x9E3779B97F4A7C15L), single.getTraceId(), "its own trace id");
        assertTrue(!single.getParentSpanContext().isValid());
    }
}
