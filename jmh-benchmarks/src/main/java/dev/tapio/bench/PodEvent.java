package dev.tapio.bench;

import dev.tapio.bench.baseline.BaselineEvent;
import dev.tapio.codecs.EventFrames;
import dev.tapio.codecs.EventTypes;
import dev.tapio.codecs.Hex;
import dev.tapio.codecs.Rfc3339;
import dev.tapio.codecs.sbe.BooleanType;
import dev.tapio.codecs.sbe.EventEncoder;
import dev.tapio.codecs.sbe.EventType;
import dev.tapio.codecs.sbe.MessageHeaderEncoder;
import dev.tapio.codecs.sbe.Severity;
import dev.tapio.codecs.sbe.Source;
import dev.tapio.engine.EngineSettings;
import org.agrona.MutableDirectBuffer;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The event every benchmark moves: a Kubernetes "container restarted" event for one pod (namespace,
 * pod, pod uid, container, container id, message, exit code and two attributes), in each of its forms:
 * SBE (encoded with the generated {@link EventEncoder}), the {@link BaselineEvent} POJO, and a JSON line
 * as a collector would send it. Variants differ in pod name and uid, so a pipeline producer can cycle
 * through several.
 *
 * <p>Two shapes: <em>ingest</em> (as it arrives: no node, no trace context) and <em>enriched</em> (as it
 * leaves the engine: node name and id, trace and span ids, ingest time). Immutable; thread-safe.
 */
public final class PodEvent
{
    public static final long EVENT_ID = 0x0a1b2c3d4e5f6071L;
    public static final String TIME = "2025-11-03T09:41:27.123456789Z";
    public static final long TIMESTAMP = Rfc3339.parse(TIME);
    public static final String INGEST_TIME = "2025-11-03T09:41:27.125000512Z";
    public static final long INGEST_TIMESTAMP = Rfc3339.parse(INGEST_TIME);
    public static final EventType TYPE = EventType.K8S_POD_RESTARTED;
    public static final Source SOURCE = Source.KUBERNETES;
    public static final Severity SEVERITY = Severity.WARNING;
    public static final int EXIT_CODE = 137;
    public static final String NODE = "ip-10-0-12-34.eu-west-1.compute.internal";
    public static final long NODE_ID = EngineSettings.nodeIdOf(NODE);
    public static final long TRACE_ID_HI = 0x4bf92f3577b34da6L;
    public static final long TRACE_ID_LO = 0xa3ce929d0e0e4736L;
    public static final long SPAN_ID = 0x00f067aa0ba902b7L;

    private static final String NAMESPACE = "payments-prod";
    private static final String CONTAINER = "checkout-api";
    private static final String[] ATTRIBUTE_KEYS = {
        "k8s.container.restart_count", "k8s.container.last_terminated_reason" };
    private static final String[] ATTRIBUTE_VALUES = { "4", "OOMKilled" };
    private static final byte[] EMPTY = new byte[0];

    public final String namespace;
    public final String pod;
    public final String podUid;
    public final String container;
    public final String containerId;
    public final String message;

    private final byte[] namespaceUtf8;
    private final byte[] podUtf8;
    private final byte[] podUidUtf8;
    private final byte[] containerUtf8;
    private final byte[] containerIdUtf8;
    private final byte[] messageUtf8;
    private final byte[] nodeUtf8 = utf8(NODE);
    private final byte[][] keysUtf8 = new byte[ATTRIBUTE_KEYS.length][];
    private final byte[][] valuesUtf8 = new byte[ATTRIBUTE_KEYS.length][];
    private final Map<String, String> attributes;

    private PodEvent(final int variant)
    {
        final String suffix = suffix(variant);
        namespace = NAMESPACE;
        pod = CONTAINER + "-7d9f8b6c5d-" + suffix;
        podUid = String.format("3f1c2a9e-8b7d-4c6e-9a1f-%012x", 0x2b3c4d5e6f70L + variant);
        container = CONTAINER;
        containerId = "containerd://4b8e1f6c0d2a9e7b3c5f8a1d6e0b2c4f7a9d1e3b5c7f9a2d4e6b8c0f1a3d" +
            String.format("%04x", variant & 0xFFFF);
        message = "Back-off restarting failed container " + container + " in pod " + pod + "_" + namespace +
            "(" + podUid + ")";
        namespaceUtf8 = utf8(namespace);
        podUtf8 = utf8(pod);
        podUidUtf8 = utf8(podUid);
        containerUtf8 = utf8(container);
        containerIdUtf8 = utf8(containerId);
        messageUtf8 = utf8(message);
        final Map<String, String> attrs = new LinkedHashMap<>();
        for (int i = 0; i < ATTRIBUTE_KEYS.length; i++)
        {
            keysUtf8[i] = utf8(ATTRIBUTE_KEYS[i]);
            valuesUtf8[i] = utf8(ATTRIBUTE_VALUES[i]);
            attrs.put(ATTRIBUTE_KEYS[i], ATTRIBUTE_VALUES[i]);
        }
        attributes = java.util.Collections.unmodifiableMap(attrs);
    }

    /** Variant 0 is the event of the codec benchmarks. */
    public static PodEvent variant(final int variant)
    {
        return new PodEvent(variant);
    }

    /**
     * Encodes the event with the generated SBE encoder, header first, at {@code offset}: every field
     * set, as a producer does when it claims a slot.
     *
     * @return the encoded length, header included.
     */
    public int encode(
        final MutableDirectBuffer buffer, final int offset, final MessageHeaderEncoder header, final EventEncoder e,
        final boolean enriched, final long eventId, final long ingestTimestamp)
    {
        e.wrapAndApplyHeader(buffer, offset, header)
            .eventId(eventId)
            .nodeId(enriched ? NODE_ID : 0)
            .timestamp(TIMESTAMP)
            .ingestTimestamp(ingestTimestamp)
            .eventType(TYPE)
            .source(SOURCE)
            .severity(SEVERITY)
            .pid(EventEncoder.pidNullValue())
            .ppid(EventEncoder.ppidNullValue())
            .uid(EventEncoder.uidNullValue())
            .cgroupId(0)
            .exitCode(EXIT_CODE)
            .spanId(enriched ? SPAN_ID : 0)
            .parentSpanId(0)
            .correlationId(0)
            .patternId(0);
        e.traceId().hi(enriched ? TRACE_ID_HI : 0).lo(enriched ? TRACE_ID_LO : 0);
        e.impact().business(0f).customerFacing(BooleanType.F).sloImpact(BooleanType.F);
        final EventEncoder.AttributesEncoder a = e.attributesCount(keysUtf8.length);
        for (int i = 0; i < keysUtf8.length; i++)
        {
            a.next()
                .putKey(keysUtf8[i], 0, keysUtf8[i].length)
                .putValue(valuesUtf8[i], 0, valuesUtf8[i].length);
        }
        e.relatedCount(0);
        final byte[] node = enriched ? nodeUtf8 : EMPTY;
        e.putNodeName(node, 0, node.length)
            .putNamespaceName(namespaceUtf8, 0, namespaceUtf8.length)
            .putPod(podUtf8, 0, podUtf8.length)
            .putPodUid(podUidUtf8, 0, podUidUtf8.length)
            .putContainerName(containerUtf8, 0, containerUtf8.length)
            .putContainerId(containerIdUtf8, 0, containerIdUtf8.length)
            .putUnit(EMPTY, 0, 0)
            .putComm(EMPTY, 0, 0)
            .putMessage(messageUtf8, 0, messageUtf8.length)
            .putTypeName(EMPTY, 0, 0);
        return EventFrames.HEADER_LENGTH + e.encodedLength();
    }

    /** The same event as a {@link BaselineEvent}; its attribute map is shared and unmodifiable. */
    public BaselineEvent toPojo(final boolean enriched)
    {
        final BaselineEvent p = new BaselineEvent();
        p.id = Hex.toHex(EVENT_ID);
        p.time = TIME;
        p.type = EventTypes.name(TYPE);
        p.source = EventTypes.name(SOURCE);
        p.severity = EventTypes.name(SEVERITY);
        p.exitCode = EXIT_CODE;
        p.namespace = namespace;
        p.pod = pod;
        p.podUid = podUid;
        p.container = container;
        p.containerId = containerId;
        p.message = message;
        p.attributes = attributes;
        if (enriched)
        {
            p.ingestTime = INGEST_TIME;
            p.node = NODE;
            p.nodeId = NODE_ID;
            p.traceIdHi = TRACE_ID_HI;
            p.traceIdLo = TRACE_ID_LO;
            p.spanIdBits = SPAN_ID;
        }
        return p;
    }

    /**
     * The ingest shape as one JSON line (no trailing newline), as a collector sends it to Tapio: the
     * input of the JSON → SBE benchmarks.
     */
    public byte[] jsonLine()
    {
        final StringBuilder sb = new StringBuilder(512)
            .append("{\"id\":\"").append(Hex.toHex(EVENT_ID))
            .append("\",\"time\":\"").append(TIME)
            .append("\",\"type\":\"").append(EventTypes.name(TYPE))
            .append("\",\"source\":\"").append(EventTypes.name(SOURCE))
            .append("\",\"severity\":\"").append(EventTypes.name(SEVERITY))
            .append("\",\"exitCode\":").append(EXIT_CODE)
            .append(",\"namespace\":\"").append(namespace)
            .append("\",\"pod\":\"").append(pod)
            .append("\",\"podUid\":\"").append(podUid)
            .append("\",\"container\":\"").append(container)
            .append("\",\"containerId\":\"").append(containerId)
            .append("\",\"message\":\"").append(message)
            .append("\",\"attributes\":{");
        for (int i = 0; i < ATTRIBUTE_KEYS.length; i++)
        {
            sb.append(i == 0 ? "" : ",").append('"').append(ATTRIBUTE_KEYS[i]).append("\":\"")
                .append(ATTRIBUTE_VALUES[i]).append('"');
        }
        return utf8(sb.append("}}").toString());
    }

    private static String suffix(final int variant)
    {
        final String alphabet = "bcdfghjklmnpqrstvwxz2456789";
        final char[] c = new char[5];
        int v = variant * 7919 + 12345;
        for (int i = 0; i < c.length; i++)
        {
            c[i] = alphabet.charAt(Math.floorMod(v, alphabet.length()));
            v /= alphabet.length();
            v += 31 * i;
        }
        return new String(c);
    }

    private static byte[] utf8(final String s)
    {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
