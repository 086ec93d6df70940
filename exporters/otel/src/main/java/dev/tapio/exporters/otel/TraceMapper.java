package dev.tapio.exporters.otel;

import dev.tapio.codecs.EventTypes;
import dev.tapio.codecs.sbe.EventDecoder;
import dev.tapio.codecs.sbe.EventType;
import dev.tapio.codecs.sbe.GroupDecoder;
import dev.tapio.codecs.sbe.MessageHeaderDecoder;
import dev.tapio.codecs.sbe.Severity;
import dev.tapio.journal.JournalRecords;
import dev.tapio.journal.RecordHandler;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.common.AttributesBuilder;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanId;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceId;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.data.LinkData;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.data.StatusData;
import dev.tapio.engine.metrics.EngineCounters;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.status.AtomicCounter;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Turns journal records into OpenTelemetry spans: each Group record becomes a trace (a root span named
 * after the pattern, one child span per member event), each uncorrelated Event a single-span trace when
 * the sampling ratio picks its trace id. Trace and span ids are the ones correlation gave the records.
 *
 * <pre>
 *   journal:  E1  E2  E7(uncorrelated)  E3  G{members E1,E2,E3}
 *             └─ cached by id ─┘                 └─► root "crash-loop" (trace = G.traceId, span = G.rootSpanId)
 *                                                     ├─ E1 [t1, t2)   parent = root
 *                                                     ├─ E2 [t2, t3)
 *                                                     └─ E3 [t3, t3]
 * </pre>
 *
 * Member events precede their group in the journal, so events of a group are kept in a bounded map by id
 * (insertion order, the oldest evicted and counted); a member no longer there still gets a span, named
 * {@code tapio.event} with only its id, time and step, and is counted as missing. Groups that name the same
 * root-cause event are linked to the first such group's root span.
 *
 * <p>Threading: one thread (the exporter's). Allocates per exported span, off the engine's hot path.
 */
final class TraceMapper implements RecordHandler
{
    static final AttributeKey<String> K8S_NAMESPACE = AttributeKey.stringKey("k8s.namespace.name");
    static final AttributeKey<String> K8S_POD = AttributeKey.stringKey("k8s.pod.name");
    static final AttributeKey<String> K8S_POD_UID = AttributeKey.stringKey("k8s.pod.uid");
    static final AttributeKey<String> K8S_CONTAINER = AttributeKey.stringKey("k8s.container.name");
    static final AttributeKey<String> CONTAINER_ID = AttributeKey.stringKey("container.id");
    static final AttributeKey<String> K8S_NODE = AttributeKey.stringKey("k8s.node.name");
    static final AttributeKey<Long> PROCESS_PID = AttributeKey.longKey("process.pid");
    static final AttributeKey<String> PROCESS_EXECUTABLE = AttributeKey.stringKey("process.executable.name");
    static final AttributeKey<Long> PROCESS_EXIT_CODE = AttributeKey.longKey("process.exit.code");
    static final AttributeKey<String> SYSTEMD_UNIT = AttributeKey.stringKey("tapio.systemd.unit");
    static final AttributeKey<String> EVENT_TYPE = AttributeKey.stringKey("tapio.event.type");
    static final AttributeKey<String> EVENT_ID = AttributeKey.stringKey("tapio.event.id");
    static final AttributeKey<String> SEVERITY = AttributeKey.stringKey("tapio.severity");
    static final AttributeKey<String> MESSAGE = AttributeKey.stringKey("tapio.message");
    static final AttributeKey<Boolean> MISSING = AttributeKey.booleanKey("tapio.event.missing");
    static final AttributeKey<Long> STEP = AttributeKey.longKey("tapio.pattern.step");
    static final AttributeKey<String> PATTERN = AttributeKey.stringKey("tapio.pattern");
    static final AttributeKey<String> GROUP_ID = AttributeKey.stringKey("tapio.group.id");
    static final AttributeKey<String> GROUP_STATUS = AttributeKey.stringKey("tapio.group.status");
    static final AttributeKey<String> GROUP_KEY = AttributeKey.stringKey("tapio.group.key");
    static final AttributeKey<Long> MEMBER_COUNT = AttributeKey.longKey("tapio.group.member_count");
    static final AttributeKey<String> OUTCOME = AttributeKey.stringKey("tapio.outcome");
    static final AttributeKey<String> ROOT_CAUSE_EVENT = AttributeKey.stringKey("tapio.root_cause.event_id");
    static final AttributeKey<String> ROOT_CAUSE_SUMMARY = AttributeKey.stringKey("tapio.root_cause.summary");
    static final AttributeKey<Double> CONFIDENCE = AttributeKey.doubleKey("tapio.confidence");
    static final AttributeKey<Double> IMPACT_BUSINESS = AttributeKey.doubleKey("tapio.impact.business");
    static final AttributeKey<List<String>> ACTIONS = AttributeKey.stringArrayKey("tapio.actions");
    private static final String ATTRIBUTE_PREFIX = "tapio.attributes.";
    private static final int CAUSE_LINKS = 4096;

    /** What is kept of an event until its group arrives. */
    private record Member(long eventId, long timestamp, String type, long traceHi, long traceLo, long spanId,
        boolean failure, Attributes attributes)
    {
    }

    private final MessageHeaderDecoder header = new MessageHeaderDecoder();
    private final EventDecoder event = new EventDecoder();
    private final GroupDecoder group = new GroupDecoder();
    private final Resource resource;
    private final long sampleBound;
    private final Map<Long, Member> members;
    private final Map<Long, SpanContext> causes;
    private final List<SpanData> out = new ArrayList<>();
    private final List<Long> memberIds = new ArrayList<>();
    private final List<Long> memberTimes = new ArrayList<>();
    private final List<Integer> memberSteps = new ArrayList<>();
    private boolean export = true;
    private final AtomicCounter groups;
    private final AtomicCounter missingMembers;
    private final AtomicCounter evictedEvents;
    private final AtomicCounter sampledEvents;

    TraceMapper(final OtelSettings settings, final Resource resource)
    {
        this(settings, resource, new EngineCounters());
    }

    /** Counts into {@code counters} ({@code tapio_otel_*}, see the module's README). */
    TraceMapper(final OtelSettings settings, final Resource resource, final EngineCounters counters)
    {
        this.resource = resource;
        this.groups = counters.counter(OtelExporter.GROUPS_MAPPED);
        this.missingMembers = counters.counter(OtelExporter.MEMBERS_MISSING);
        this.evictedEvents = counters.counter(OtelExporter.EVENTS_EVICTED);
        this.sampledEvents = counters.counter(OtelExporter.EVENTS_SAMPLED);
        final double ratio = settings.sampleUncorrelated();
        this.sampleBound = ratio >= 1 ? Long.MAX_VALUE : (long)(ratio * Long.MAX_VALUE);
        final int capacity = settings.eventCache();
        this.members = new LinkedHashMap<>(Math.min(capacity, 1 << 16) * 2, 0.75f)
        {
            private static final long serialVersionUID = 1L;

            @Override
            protected boolean removeEldestEntry(final Map.Entry<Long, Member> eldest)
            {
                if (size() > capacity)
                {
                    evictedEvents.incrementRelease();
                    return true;
                }
                return false;
            }
        };
        this.causes = new LinkedHashMap<>(CAUSE_LINKS * 2, 0.75f)
        {
            private static final long serialVersionUID = 1L;

            @Override
            protected boolean removeEldestEntry(final Map.Entry<Long, SpanContext> eldest)
            {
                return size() > CAUSE_LINKS;
            }
        };
    }

    /** Spans made since the last {@link #clear()}. */
    List<SpanData> spans()
    {
        return out;
    }

    void clear()
    {
        out.clear();
    }

    /** False while warming up after a restart: records only fill the event cache and the cause links. */
    void export(final boolean export)
    {
        this.export = export;
    }

    long groups()
    {
        return groups.get();
    }

    long missingMembers()
    {
        return missingMembers.get();
    }

    long evictedEvents()
    {
        return evictedEvents.get();
    }

    long sampledEvents()
    {
        return sampledEvents.get();
    }

    @Override
    public void onRecord(final long index, final int templateId, final DirectBuffer buffer, final int offset, final int length)
    {
        if (!JournalRecords.isRecord(buffer, offset, length))
        {
            return;
        }
        header.wrap(buffer, offset);
        if (templateId == JournalRecords.EVENT)
        {
            event.wrap(buffer, offset + MessageHeaderDecoder.ENCODED_LENGTH, header.blockLength(), header.version());
            onEvent();
        }
        else if (templateId == JournalRecords.GROUP)
        {
            group.wrap(buffer, offset + MessageHeaderDecoder.ENCODED_LENGTH, header.blockLength(), header.version());
            onGroup();
        }
    }

    private void onEvent()
    {
        final long correlationId = event.correlationId();
        final long traceHi = event.traceId().hi();
        final long traceLo = event.traceId().lo();
        final boolean sampled = correlationId == 0 && export && sampleBound > 0 &&
            (sampleBound == Long.MAX_VALUE || (traceLo & Long.MAX_VALUE) < sampleBound);
        if (correlationId == 0 && !sampled)
        {
            return;
        }
        final Member m = decodeMember(traceHi, traceLo);
        if (correlationId != 0)
        {
            members.put(m.eventId(), m);
            return;
        }
        sampledEvents.incrementRelease();
        final SpanContext context = context(traceHi, traceLo, m.spanId());
        out.add(new TapioSpanData(m.type(), context, SpanContext.getInvalid(), status(m.failure()), m.timestamp(),
            m.timestamp(), m.attributes(), List.of(), resource));
    }

    private Member decodeMember(final long traceHi, final long traceLo)
    {
        final long eventId = event.eventId();
        final long timestamp = event.timestamp();
        final long spanId = event.spanId();
        final EventType type = event.eventType();
        final Severity severity = event.severity();
        final int pid = event.pid();
        final int exitCode = event.exitCode();
        final AttributesBuilder a = Attributes.builder();
        a.put(EVENT_ID, Long.toHexString(eventId));
        if (severity != null && severity != Severity.NULL_VAL)
        {
            a.put(SEVERITY, EventTypes.name(severity));
        }
        if (pid != EventDecoder.pidNullValue())
        {
            a.put(PROCESS_PID, (long)pid);
        }
        final boolean hasExit = exitCode != EventDecoder.exitCodeNullValue();
        if (hasExit)
        {
            a.put(PROCESS_EXIT_CODE, (long)exitCode);
        }
        for (final EventDecoder.AttributesDecoder attr : event.attributes())
        {
            final String key = attr.key();
            final String value = attr.value();
            a.put(ATTRIBUTE_PREFIX + key, value);
        }
        for (final EventDecoder.RelatedDecoder ignored : event.related())
        {
            // skipped: the group record lists the members
        }
        put(a, K8S_NODE, event.nodeName());
        put(a, K8S_NAMESPACE, event.namespaceName());
        put(a, K8S_POD, event.pod());
        put(a, K8S_POD_UID, event.podUid());
        put(a, K8S_CONTAINER, event.containerName());
        put(a, CONTAINER_ID, event.containerId());
        put(a, SYSTEMD_UNIT, event.unit());
        put(a, PROCESS_EXECUTABLE, event.comm());
        put(a, MESSAGE, event.message());
        final String typeName = event.typeName();
        final String name = type == null || type == EventType.OTHER || type == EventType.NULL_VAL ?
            (typeName.isEmpty() ? "other" : typeName) : EventTypes.name(type);
        a.put(EVENT_TYPE, name);
        final boolean failure = severity == Severity.ERROR || severity == Severity.CRITICAL ||
            hasExit && exitCode != 0 || type == EventType.KERNEL_CONTAINER_OOM_KILL ||
            type == EventType.K8S_POD_FAILED || type == EventType.SYSTEMD_UNIT_FAILED || type == EventType.CNI_ERROR;
        return new Member(eventId, timestamp, name, traceHi, traceLo, spanId, failure, a.build());
    }

    private static void put(final AttributesBuilder a, final AttributeKey<String> key, final String value)
    {
        if (value != null && !value.isEmpty())
        {
            a.put(key, value);
        }
    }

    private void onGroup()
    {
        final long groupId = group.groupId();
        final String status = String.valueOf(group.status()).toLowerCase(Locale.ROOT);
        final long traceHi = group.traceId().hi();
        final long traceLo = group.traceId().lo();
        final long rootSpanId = group.rootSpanId();
        final long start = group.start();
        final long end = group.end();
        final long rootCause = group.rootCauseEventId();
        final float confidence = group.confidence();
        final float business = group.impact().business();
        final int memberCount = group.memberCount();
        memberIds.clear();
        memberTimes.clear();
        memberSteps.clear();
        for (final GroupDecoder.MembersDecoder m : group.members())
        {
            memberIds.add(m.eventId());
            memberTimes.add(m.timestamp());
            memberSteps.add((int)m.step());
        }
        final List<String> actions = new ArrayList<>();
        for (final GroupDecoder.ActionsDecoder action : group.actions())
        {
            actions.add(action.text());
        }
        final String pattern = group.patternName();
        final String outcome = group.outcome();
        final String groupKey = group.groupKey();
        final String summary = group.rootCauseSummary();

        final SpanContext root = context(traceHi, traceLo, rootSpanId);
        final List<LinkData> links = new ArrayList<>(1);
        if (rootCause != 0)
        {
            final SpanContext earlier = causes.get(rootCause);
            if (earlier != null && !earlier.getTraceId().equals(root.getTraceId()))
            {
                links.add(LinkData.create(earlier, Attributes.of(ROOT_CAUSE_EVENT, Long.toHexString(rootCause))));
            }
            else if (earlier == null)
            {
                causes.put(rootCause, root);
            }
        }
        if (!export)
        {
            for (final Long id : memberIds)
            {
                members.remove(id);
            }
            return;
        }
        groups.incrementRelease();
        boolean failed = false;
        final int n = memberIds.size();
        for (int i = 0; i < n; i++)
        {
            final long id = memberIds.get(i);
            final long t = memberTimes.get(i);
            final long next = i + 1 < n ? memberTimes.get(i + 1) : t;
            final Member m = members.remove(id);
            final String name;
            final long spanId;
            final boolean failure;
            final AttributesBuilder a;
            if (m != null)
            {
                name = m.type();
                spanId = m.spanId() != 0 ? m.spanId() : fallbackSpanId(id);
                failure = m.failure();
                a = m.attributes().toBuilder();
            }
            else
            {
                missingMembers.incrementRelease();
                name = "tapio.event";
                spanId = fallbackSpanId(id);
                failure = false;
                a = Attributes.builder().put(EVENT_ID, Long.toHexString(id)).put(MISSING, true);
            }
            a.put(PATTERN, pattern).put(STEP, (long)memberSteps.get(i));
            failed |= failure;
            out.add(new TapioSpanData(name, context(traceHi, traceLo, spanId), root, status(failure),
                m != null ? m.timestamp() : t, Math.max(next, m != null ? m.timestamp() : t), a.build(), List.of(), resource));
        }
        final AttributesBuilder a = Attributes.builder()
            .put(PATTERN, pattern)
            .put(GROUP_ID, Long.toHexString(groupId))
            .put(GROUP_STATUS, status)
            .put(MEMBER_COUNT, (long)memberCount)
            .put(CONFIDENCE, (double)confidence)
            .put(IMPACT_BUSINESS, (double)business);
        put(a, GROUP_KEY, groupKey);
        put(a, OUTCOME, outcome);
        put(a, ROOT_CAUSE_SUMMARY, summary);
        if (rootCause != 0)
        {
            a.put(ROOT_CAUSE_EVENT, Long.toHexString(rootCause));
        }
        if (!actions.isEmpty())
        {
            a.put(ACTIONS, actions);
        }
        out.add(new TapioSpanData(pattern.isEmpty() ? "tapio.group" : pattern, root, SpanContext.getInvalid(),
            status(failed), start, end, a.build(), links, resource));
    }

    private static StatusData status(final boolean failure)
    {
        return failure ? StatusData.error() : StatusData.unset();
    }

    /** The span id the engine gives an event that arrived without one (CorrelateStage), never 0. */
    private static long fallbackSpanId(final long eventId)
    {
        return Long.rotateLeft(eventId, 17) ^ 0x2545F4914F6CDD1DL | 1L;
    }

    private static SpanContext context(final long traceHi, final long traceLo, final long spanId)
    {
        return SpanContext.create(TraceId.fromLongs(traceHi, traceLo), SpanId.fromLong(spanId), TraceFlags.getSampled(),
            TraceState.getDefault());
    }
}
