package dev.tapio.exporters.grpc;

import dev.tapio.codecs.EventDraft;
import dev.tapio.codecs.EventFrames;
import dev.tapio.codecs.EventTypes;
import dev.tapio.codecs.Hex;
import dev.tapio.codecs.Rfc3339;
import dev.tapio.codecs.Utf8Text;
import dev.tapio.codecs.api.Attribute;
import dev.tapio.codecs.api.Correlation;
import dev.tapio.codecs.api.Event;
import dev.tapio.codecs.api.Group;
import dev.tapio.codecs.api.Impact;
import dev.tapio.codecs.sbe.BooleanType;
import dev.tapio.codecs.sbe.EventDecoder;
import dev.tapio.codecs.sbe.EventType;
import dev.tapio.codecs.sbe.GroupDecoder;
import dev.tapio.codecs.sbe.GroupStatus;
import dev.tapio.codecs.sbe.Severity;
import dev.tapio.codecs.sbe.Source;

import java.util.function.IntFunction;

/**
 * The mapping between the API's protobuf {@link Event} and Tapio's SBE event, with the JSON event format's
 * rules (docs/EVENT-FORMAT.md §1): {@link #toDraft} for ingest (validating, naming the field at fault) and
 * {@link #event}/{@link #group} for subscribers. Not thread-safe: one per stream (it keeps scratch arrays),
 * so filling a draft allocates nothing beyond what protobuf parsing already did.
 */
final class ProtoEvents
{
    static final String SOURCE_ID_ATTRIBUTE = "source.id";

    private char[] chars = new char[64];
    private final IntFunction<String> patternNames;

    ProtoEvents(final IntFunction<String> patternNames)
    {
        this.patternNames = patternNames;
    }

    /**
     * Fills {@code d} (reset first) from {@code e}.
     *
     * @return null when the event is valid, else the reason naming the field.
     */
    String toDraft(final Event e, final EventDraft d)
    {
        d.reset();
        final String type = e.getType();
        if (type.isEmpty())
        {
            return "missing required field \"type\"";
        }
        final int tn = toChars(type);
        d.type = EventTypes.typeOf(chars, 0, tn);
        if (d.type == EventType.OTHER)
        {
            setText(d.text(EventDraft.TYPE_NAME), e.getType());
        }
        final String id = e.getId();
        if (!id.isEmpty())
        {
            final int n = toChars(id);
            d.hasEventId = true;
            if (Hex.isHex64(chars, 0, n))
            {
                d.eventId = Hex.parse(chars, 0, n);
            }
            else
            {
                long h = 0xcbf29ce484222325L;
                for (int i = 0; i < n; i++)
                {
                    h ^= chars[i];
                    h *= 0x100000001b3L;
                }
                d.eventId = h;
                final int a = d.addAttribute();
                d.attributeKey(a).set(SOURCE_ID_ATTRIBUTE);
                setText(d.attributeValue(a), e.getId());
            }
        }
        if (e.getTimeUnixNano() != 0)
        {
            d.timestamp = e.getTimeUnixNano();
        }
        else if (!e.getTime().isEmpty())
        {
            final int n = toChars(e.getTime());
            try
            {
                d.timestamp = Rfc3339.parse(chars, 0, n);
            }
            catch (final RuntimeException ex)
            {
                return "field \"time\": not RFC 3339: " + e.getTime();
            }
        }
        if (!e.getSource().isEmpty())
        {
            final int n = toChars(e.getSource());
            d.source = EventTypes.sourceOf(chars, 0, n);
            if (d.source == null)
            {
                return "field \"source\": expected one of " + EventTypes.sourceNames();
            }
        }
        if (!e.getSeverity().isEmpty())
        {
            final int n = toChars(e.getSeverity());
            final Severity s = EventTypes.severityOf(chars, 0, n);
            if (s == null)
            {
                return "field \"severity\": expected one of " + EventTypes.severityNames();
            }
            d.severity = s;
        }
        setText(d.text(EventDraft.NODE), e.getNode());
        setText(d.text(EventDraft.NAMESPACE), e.getNamespace());
        setText(d.text(EventDraft.POD), e.getPod());
        setText(d.text(EventDraft.POD_UID), e.getPodUid());
        setText(d.text(EventDraft.CONTAINER), e.getContainer());
        setText(d.text(EventDraft.CONTAINER_ID), e.getContainerId());
        setText(d.text(EventDraft.UNIT), e.getUnit());
        setText(d.text(EventDraft.COMM), e.getComm());
        setText(d.text(EventDraft.MESSAGE), e.getMessage());
        if (e.hasPid())
        {
            if (e.getPid() < 0)
            {
                return "field \"pid\": out of range";
            }
            d.pid = e.getPid();
        }
        if (e.hasPpid())
        {
            if (e.getPpid() < 0)
            {
                return "field \"ppid\": out of range";
            }
            d.ppid = e.getPpid();
        }
        if (e.hasUid())
        {
            final long uid = Integer.toUnsignedLong(e.getUid());
            if (uid == EventDraft.UID_NULL)
            {
                return "field \"uid\": out of range";
            }
            d.uid = uid;
        }
        if (e.hasExitCode())
        {
            if (e.getExitCode() == EventDraft.EXIT_CODE_NULL)
            {
                return "field \"exitCode\": out of range";
            }
            d.exitCode = e.getExitCode();
        }
        if (e.getCgroupId() < 0)
        {
            return "field \"cgroupId\": out of range";
        }
        d.cgroupId = e.getCgroupId();
        for (int i = 0, n = e.getAttributesCount(); i < n; i++)
        {
            final Attribute a = e.getAttributes(i);
            final int k = d.addAttribute();
            setText(d.attributeKey(k), a.getKey());
            setText(d.attributeValue(k), a.getValue());
        }
        if (!e.getTraceId().isEmpty())
        {
            final int n = toChars(e.getTraceId());
            if (n != 32 || !Hex.isHex64(chars, 0, 16) || !Hex.isHex64(chars, 16, 16))
            {
                return "field \"traceId\": expected 32 hex digits";
            }
            d.traceIdHi = Hex.parse(chars, 0, 16);
            d.traceIdLo = Hex.parse(chars, 16, 16);
        }
        if (!e.getSpanId().isEmpty())
        {
            final int n = toChars(e.getSpanId());
            if (n != 16 || !Hex.isHex64(chars, 0, n))
            {
                return "field \"spanId\": expected 16 hex digits";
            }
            d.spanId = Hex.parse(chars, 0, n);
        }
        if (!e.getParentSpanId().isEmpty())
        {
            final int n = toChars(e.getParentSpanId());
            if (n != 16 || !Hex.isHex64(chars, 0, n))
            {
                return "field \"parentSpanId\": expected 16 hex digits";
            }
            d.parentSpanId = Hex.parse(chars, 0, n);
        }
        if (e.hasCorrelation())
        {
            final Correlation c = e.getCorrelation();
            if (!c.getId().isEmpty())
            {
                final int n = toChars(c.getId());
                if (n != 16 || !Hex.isHex64(chars, 0, n))
                {
                    return "field \"correlation.id\": expected 16 hex digits";
                }
                d.correlationId = Hex.parse(chars, 0, n);
            }
            if (c.getRelatedCount() > EventFrames.MAX_RELATED)
            {
                return "field \"correlation.related[16]\": more than 16 related event ids";
            }
            for (int i = 0; i < c.getRelatedCount(); i++)
            {
                final int n = toChars(c.getRelated(i));
                if (n != 16 || !Hex.isHex64(chars, 0, n))
                {
                    return "field \"correlation.related[" + i + "]\": expected 16 hex digits";
                }
                d.related[d.relatedCount++] = Hex.parse(chars, 0, n);
            }
        }
        if (e.hasImpact())
        {
            final float b = e.getImpact().getBusiness();
            if (!(b >= 0f && b <= 1f))
            {
                return "field \"impact.business\": expected a number in 0..1";
            }
            d.businessImpact = b;
            d.customerFacing = e.getImpact().getCustomerFacing();
            d.sloImpact = e.getImpact().getSloImpact();
        }
        if (d.exceedsFieldLimits())
        {
            return "a string longer than 65534 bytes, or too many attributes";
        }
        return null;
    }

    /** The event at the decoder's position as a protobuf message (subscriber side; allocates). */
    Event event(final EventDecoder d)
    {
        final Event.Builder b = Event.newBuilder()
            .setId(Hex.toHex(d.eventId()))
            .setTimeUnixNano(d.timestamp())
            .setIngestTimeUnixNano(d.ingestTimestamp());
        final EventType type = EventFrames.typeOf(d.eventTypeRaw());
        final Source source = d.source();
        final Severity severity = d.severity();
        if (type != EventType.OTHER)
        {
            b.setType(EventTypes.name(type));
        }
        if (source != Source.NULL_VAL)
        {
            b.setSource(EventTypes.name(source));
        }
        if (severity != Severity.NULL_VAL)
        {
            b.setSeverity(EventTypes.name(severity));
        }
        if (d.pid() != EventDraft.PID_NULL)
        {
            b.setPid(d.pid());
        }
        if (d.ppid() != EventDraft.PID_NULL)
        {
            b.setPpid(d.ppid());
        }
        if (d.uid() != EventDraft.UID_NULL)
        {
            b.setUid((int)d.uid());
        }
        if (d.exitCode() != EventDraft.EXIT_CODE_NULL)
        {
            b.setExitCode(d.exitCode());
        }
        b.setCgroupId(d.cgroupId());
        final long hi = d.traceId().hi();
        final long lo = d.traceId().lo();
        if (hi != 0 || lo != 0)
        {
            b.setTraceId(Hex.toHex(hi) + Hex.toHex(lo));
        }
        if (d.spanId() != 0)
        {
            b.setSpanId(Hex.toHex(d.spanId()));
        }
        if (d.parentSpanId() != 0)
        {
            b.setParentSpanId(Hex.toHex(d.parentSpanId()));
        }
        final float business = d.impact().business();
        final boolean customer = d.impact().customerFacing() == BooleanType.T;
        final boolean slo = d.impact().sloImpact() == BooleanType.T;
        if (business != 0f || customer || slo || d.correlationId() != 0)
        {
            b.setImpact(Impact.newBuilder().setBusiness(business).setCustomerFacing(customer).setSloImpact(slo));
        }
        final long correlationId = d.correlationId();
        final int patternId = d.patternId();
        for (final EventDecoder.AttributesDecoder a : d.attributes())
        {
            b.addAttributes(Attribute.newBuilder().setKey(a.key()).setValue(a.value()));
        }
        Correlation.Builder c = null;
        if (correlationId != 0)
        {
            final String name = patternNames == null ? null : patternNames.apply(patternId);
            c = Correlation.newBuilder().setId(Hex.toHex(correlationId))
                .setPattern(name != null ? name : Integer.toString(patternId));
        }
        for (final EventDecoder.RelatedDecoder r : d.related())
        {
            if (c != null)
            {
                c.addRelated(Hex.toHex(r.eventId()));
            }
        }
        if (c != null)
        {
            b.setCorrelation(c);
        }
        b.setNode(d.nodeName()).setNamespace(d.namespaceName()).setPod(d.pod()).setPodUid(d.podUid())
            .setContainer(d.containerName()).setContainerId(d.containerId()).setUnit(d.unit()).setComm(d.comm())
            .setMessage(d.message());
        final String typeName = d.typeName();
        if (type == EventType.OTHER)
        {
            b.setType(typeName);
        }
        return b.build();
    }

    /** The group record at the decoder's position as a protobuf message (subscriber side; allocates). */
    static Group group(final GroupDecoder g)
    {
        final Group.Builder b = Group.newBuilder()
            .setId(Hex.toHex(g.groupId()))
            .setStatus(status(g.statusRaw()))
            .setStartUnixNano(g.start())
            .setEndUnixNano(g.end())
            .setRootCauseEventId(g.rootCauseEventId() == 0 ? "" : Hex.toHex(g.rootCauseEventId()))
            .setConfidence(g.confidence())
            .setMemberCount(g.memberCount())
            .setRootSpanId(Hex.toHex(g.rootSpanId()))
            .setTraceId(Hex.toHex(g.traceId().hi()) + Hex.toHex(g.traceId().lo()))
            .setImpact(Impact.newBuilder().setBusiness(g.impact().business())
                .setCustomerFacing(g.impact().customerFacing() == BooleanType.T)
                .setSloImpact(g.impact().sloImpact() == BooleanType.T));
        final int patternId = g.patternId();
        for (final GroupDecoder.MembersDecoder m : g.members())
        {
            b.addMemberIds(Hex.toHex(m.eventId()));
        }
        for (final GroupDecoder.ActionsDecoder a : g.actions())
        {
            b.addActions(a.text());
        }
        final String name = g.patternName();
        b.setPattern(name.isEmpty() ? Integer.toString(patternId) : name);
        b.setOutcome(g.outcome()).setGroupKey(g.groupKey()).setRootCauseSummary(g.rootCauseSummary());
        return b.build();
    }

    private static String status(final short raw)
    {
        if (raw == GroupStatus.OPEN.value())
        {
            return "open";
        }
        if (raw == GroupStatus.COMPLETE.value())
        {
            return "complete";
        }
        if (raw == GroupStatus.EXPIRED.value())
        {
            return "expired";
        }
        return Integer.toString(raw);
    }

    private int toChars(final String s)
    {
        final int n = s.length();
        if (chars.length < n)
        {
            chars = new char[Math.max(n, chars.length * 2)];
        }
        s.getChars(0, n, chars, 0);
        return n;
    }

    /** protobuf-java holds proto3 strings as Strings once parsed: encoding them straight into the draft avoids a ByteString each. */
    private static void setText(final Utf8Text dst, final String src)
    {
        if (src.isEmpty())
        {
            dst.clear();
        }
        else
        {
            dst.set(src);
        }
    }
}
