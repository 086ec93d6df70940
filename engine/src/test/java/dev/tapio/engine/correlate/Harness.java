package dev.tapio.engine.correlate;

import dev.tapio.codecs.EventDraft;
import dev.tapio.codecs.json.JsonEventReader;
import dev.tapio.codecs.sbe.GroupDecoder;
import dev.tapio.codecs.sbe.MessageHeaderDecoder;
import dev.tapio.codecs.sbe.Source;
import dev.tapio.engine.metrics.EngineCounters;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** Runs a Correlator over JSON event lines and keeps the group records and per-event verdicts. */
final class Harness
{
    /** A decoded group record. */
    static final class Group
    {
        String pattern;
        String status;
        String key;
        long id;
        long traceHi;
        long traceLo;
        long rootSpan;
        final List<Long> events = new ArrayList<>();
        long rootCause;
        String summary;
        final List<String> actions = new ArrayList<>();
        float confidence;
        float business;
        boolean customerFacing;
        boolean slo;
        int memberCount;
    }

    /** What the correlator said about one event. */
    static final class Verdict
    {
        long eventId;
        int result;
        long traceHi;
        long traceLo;
        long spanId;
        long parentSpanId;
        long correlationId;
        int patternId;
        long[] related;
    }

    final EngineCounters engineCounters = new EngineCounters();
    final List<Group> groups = new ArrayList<>();
    final List<Verdict> verdicts = new ArrayList<>();
    final Correlator correlator;
    private final JsonEventReader reader = new JsonEventReader();
    private final EventDraft draft = new EventDraft();
    private final UnsafeBuffer buffer = new UnsafeBuffer(new byte[4096]);
    private final EventFields fields = new EventFields();

    Harness(final RuleSet rules, final CorrelationSettings settings)
    {
        correlator = new Correlator(rules, settings, new CorrelationCounters(engineCounters), this::onGroup);
    }

    Harness() throws Exception
    {
        this(RulesLoader.builtin(), CorrelationSettings.builder().nodeName("node-local").build());
    }

    Verdict feed(final String json) throws Exception
    {
        reader.read(json, draft);
        final int length = draft.encode(buffer, 0, buffer.capacity(), 1L, 0, Source.FILE);
        fields.wrap(buffer, 0, length);
        final Verdict v = new Verdict();
        v.eventId = fields.eventId();
        v.result = correlator.process(fields);
        v.traceHi = correlator.outTraceHi;
        v.traceLo = correlator.outTraceLo;
        v.spanId = correlator.outSpanId;
        v.parentSpanId = correlator.outParentSpanId;
        v.correlationId = correlator.outCorrelationId;
        v.patternId = correlator.outPatternId;
        v.related = java.util.Arrays.copyOf(correlator.outRelated, correlator.outRelatedCount);
        verdicts.add(v);
        return v;
    }

    void feedAll(final String lines) throws Exception
    {
        for (final String line : lines.split("\n"))
        {
            if (!line.isBlank())
            {
                feed(line);
            }
        }
    }

    Group only(final String pattern)
    {
        Group found = null;
        for (final Group g : groups)
        {
            if (g.pattern.equals(pattern))
            {
                if (found != null)
                {
                    throw new AssertionError("more than one " + pattern + " group");
                }
                found = g;
            }
        }
        if (found == null)
        {
            throw new AssertionError("no " + pattern + " group among " + groups.size());
        }
        return found;
    }

    Verdict verdict(final long eventId)
    {
        for (final Verdict v : verdicts)
        {
            if (v.eventId == eventId)
            {
                return v;
            }
        }
        throw new AssertionError("no event " + Long.toHexString(eventId));
    }

    private void onGroup(final org.agrona.DirectBuffer b, final int offset, final int length)
    {
        final MessageHeaderDecoder h = new MessageHeaderDecoder().wrap(b, offset);
        final GroupDecoder d = new GroupDecoder().wrap(b, offset + MessageHeaderDecoder.ENCODED_LENGTH, h.blockLength(), h.version());
        final Group g = new Group();
        g.id = d.groupId();
        g.status = d.status().name().toLowerCase();
        g.traceHi = d.traceId().hi();
        g.traceLo = d.traceId().lo();
        g.rootSpan = d.rootSpanId();
        g.rootCause = d.rootCauseEventId();
        g.confidence = d.confidence();
        g.business = d.impact().business();
        g.customerFacing = d.impact().customerFacing() == dev.tapio.codecs.sbe.BooleanType.T;
        g.slo = d.impact().sloImpact() == dev.tapio.codecs.sbe.BooleanType.T;
        g.memberCount = d.memberCount();
        for (final GroupDecoder.MembersDecoder m : d.members())
        {
            g.events.add(m.eventId());
        }
        for (final GroupDecoder.ActionsDecoder a : d.actions())
        {
            g.actions.add(a.text());
        }
        g.pattern = d.patternName();
        d.outcome();
        g.key = d.groupKey();
        g.summary = d.rootCauseSummary();
        groups.add(g);
    }

    static String utf8(final byte[] b)
    {
        return new String(b, StandardCharsets.UTF_8);
    }
}
