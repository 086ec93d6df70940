package dev.tapio.engine.testing;

import dev.tapio.codecs.EventDraft;
import dev.tapio.codecs.EventFrames;
import dev.tapio.codecs.sbe.EventDecoder;
import dev.tapio.codecs.sbe.EventType;
import dev.tapio.codecs.sbe.MessageHeaderDecoder;
import dev.tapio.codecs.sbe.Severity;
import dev.tapio.codecs.sbe.Source;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Building events for tests, and reading encoded ones back into plain, comparable values. */
public final class Drafts
{
    /** A fixed event time: 2024-05-01T12:00:00Z in epoch nanoseconds. */
    public static final long TIME = 1_714_564_800_000_000_000L;

    private Drafts()
    {
    }

    /** A small pod event with the given id and nothing else that varies. */
    public static EventDraft numbered(final EventDraft d, final long id)
    {
        d.reset();
        d.hasEventId = true;
        d.eventId = id;
        d.timestamp = TIME;
        d.type = EventType.K8S_POD_RUNNING;
        d.source = Source.KUBERNETES;
        d.text(EventDraft.NAMESPACE).set("shop");
        d.text(EventDraft.POD).set("web-1");
        return d;
    }

    /** An event that uses every kind of field: fixed ones, attributes and most var data. */
    public static EventDraft rich(final long id, final String pod, final String message)
    {
        final EventDraft d = new EventDraft();
        d.hasEventId = true;
        d.eventId = id;
        d.timestamp = TIME + id;
        d.type = EventType.K8S_POD_RESTARTED;
        d.source = Source.KUBERNETES;
        d.severity = Severity.WARNING;
        d.pid = 4242;
        d.ppid = 1;
        d.uid = 1000;
        d.cgroupId = 77;
        d.exitCode = 137;
        d.parentSpanId = 0x1122334455667788L;
        d.correlationId = 0x0102030405060708L;
        d.patternId = 9;
        d.businessImpact = 0.5f;
        d.customerFacing = true;
        d.text(EventDraft.NAMESPACE).set("shop");
        d.text(EventDraft.POD).set(pod);
        d.text(EventDraft.POD_UID).set("5eed0000-0000-4000-8000-000000000001");
        d.text(EventDraft.CONTAINER).set("checkout");
        d.text(EventDraft.CONTAINER_ID).set("c0ffee");
        d.text(EventDraft.COMM).set("java");
        d.text(EventDraft.MESSAGE).set(message);
        d.addAttribute("k8s.restart.count", "3");
        d.addAttribute("reason", "OOMKilled — café ☕");
        return d;
    }

    /** Encodes a draft on its own (as a host would before publishRaw). */
    public static byte[] encode(final EventDraft d)
    {
        final UnsafeBuffer b = new UnsafeBuffer(new byte[d.encodedLength()]);
        final int n = d.encode(b, 0, b.capacity(), TIME, 1, Source.GRPC);
        if (n != b.capacity())
        {
            throw new IllegalStateException("encoded " + n + " bytes, expected " + b.capacity());
        }
        return b.byteArray();
    }

    public static Map<String, Object> decode(final byte[] event)
    {
        return decode(new UnsafeBuffer(event), 0);
    }

    /** Every field of the event at {@code offset} (header first), by name, var data as strings. */
    public static Map<String, Object> decode(final DirectBuffer buffer, final int offset)
    {
        final MessageHeaderDecoder h = new MessageHeaderDecoder().wrap(buffer, offset);
        final EventDecoder d = new EventDecoder()
            .wrap(buffer, offset + EventFrames.HEADER_LENGTH, h.blockLength(), h.version());
        final Map<String, Object> m = new LinkedHashMap<>();
        m.put("eventId", d.eventId());
        m.put("nodeId", d.nodeId());
        m.put("timestamp", d.timestamp());
        m.put("ingestTimestamp", d.ingestTimestamp());
        m.put("eventType", d.eventType());
        m.put("source", d.source());
        m.put("severity", d.severity());
        m.put("pid", d.pid());
        m.put("ppid", d.ppid());
        m.put("uid", d.uid());
        m.put("cgroupId", d.cgroupId());
        m.put("exitCode", d.exitCode());
        m.put("traceIdHi", d.traceId().hi());
        m.put("traceIdLo", d.traceId().lo());
        m.put("spanId", d.spanId());
        m.put("parentSpanId", d.parentSpanId());
        m.put("correlationId", d.correlationId());
        m.put("patternId", d.patternId());
        m.put("business", d.impact().business());
        m.put("customerFacing", d.impact().customerFacing());
        m.put("sloImpact", d.impact().sloImpact());
        final List<String> attributes = new ArrayList<>();
        for (final EventDecoder.AttributesDecoder a : d.attributes())
        {
            final byte[] k = new byte[a.keyLength()];
            a.getKey(k, 0, k.length);
            final byte[] v = new byte[a.valueLength()];
            a.getValue(v, 0, v.length);
            attributes.add(utf8(k) + "=" + utf8(v));
        }
        m.put("attributes", attributes);
        final List<Long> related = new ArrayList<>();
        for (final EventDecoder.RelatedDecoder r : d.related())
        {
            related.add(r.eventId());
        }
        m.put("related", related);
        m.put("nodeName", d.nodeName());
        m.put("namespaceName", d.namespaceName());
        m.put("pod", d.pod());
        m.put("podUid", d.podUid());
        m.put("containerName", d.containerName());
        m.put("containerId", d.containerId());
        m.put("unit", d.unit());
        m.put("comm", d.comm());
        m.put("message", d.message());
        m.put("typeName", d.typeName());
        m.put("encodedLength", EventFrames.HEADER_LENGTH + d.encodedLength());
        return m;
    }

    private static String utf8(final byte[] b)
    {
        return new String(b, StandardCharsets.UTF_8);
    }
}
