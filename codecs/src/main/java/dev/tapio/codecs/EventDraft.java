package dev.tapio.codecs;

import dev.tapio.codecs.sbe.EventDecoder;
import dev.tapio.codecs.sbe.EventEncoder;
import dev.tapio.codecs.sbe.EventType;
import dev.tapio.codecs.sbe.MessageHeaderEncoder;
import dev.tapio.codecs.sbe.Severity;
import dev.tapio.codecs.sbe.Source;
import org.agrona.MutableDirectBuffer;

/**
 * A reusable, mutable event being built from a foreign format (JSON, a gRPC message, a kernel
 * record) before it is encoded into a ring slot. Knows its encoded length before encoding, so an
 * event that does not fit a slot is rejected before a slot is claimed. Not thread-safe: one per
 * producer thread, {@link #reset()} between events.
 */
public final class EventDraft
{
    public static final int NODE = 0;
    public static final int NAMESPACE = 1;
    public static final int POD = 2;
    public static final int POD_UID = 3;
    public static final int CONTAINER = 4;
    public static final int CONTAINER_ID = 5;
    public static final int UNIT = 6;
    public static final int COMM = 7;
    public static final int MESSAGE = 8;
    public static final int TYPE_NAME = 9;

    public static final int PID_NULL = EventEncoder.pidNullValue();
    public static final long UID_NULL = EventEncoder.uidNullValue();
    public static final int EXIT_CODE_NULL = EventEncoder.exitCodeNullValue();

    public boolean hasEventId;
    public long eventId;
    /** Epoch nanoseconds; 0 means "use the ingest time". */
    public long timestamp;
    public EventType type = EventType.OTHER;
    /** Null means "the ingesting source's own". */
    public Source source;
    public Severity severity = Severity.INFO;
    public int pid = PID_NULL;
    public int ppid = PID_NULL;
    public long uid = UID_NULL;
    public long cgroupId;
    public int exitCode = EXIT_CODE_NULL;
    public long traceIdHi;
    public long traceIdLo;
    public long spanId;
    public long parentSpanId;
    public long correlationId;
    public int patternId;
    /** Ids of related events (the {@code related} group); the first {@link #relatedCount} are used. */
    public final long[] related = new long[EventFrames.MAX_RELATED];
    public int relatedCount;
    public float businessImpact;
    public boolean customerFacing;
    public boolean sloImpact;

    private final Utf8Text[] vars = new Utf8Text[EventFrames.VAR_FIELDS];
    private Utf8Text[] keys = new Utf8Text[8];
    private Utf8Text[] values = new Utf8Text[8];
    private int attributeCount;

    private final MessageHeaderEncoder headerEncoder = new MessageHeaderEncoder();
    private final EventEncoder encoder = new EventEncoder();

    public EventDraft()
    {
        for (int i = 0; i < vars.length; i++)
        {
            vars[i] = new Utf8Text();
        }
        for (int i = 0; i < keys.length; i++)
        {
            keys[i] = new Utf8Text(32);
            values[i] = new Utf8Text(32);
        }
    }

    public EventDraft reset()
    {
        hasEventId = false;
        eventId = 0;
        timestamp = 0;
        type = EventType.OTHER;
        source = null;
        severity = Severity.INFO;
        pid = PID_NULL;
        ppid = PID_NULL;
        uid = UID_NULL;
        cgroupId = 0;
        exitCode = EXIT_CODE_NULL;
        traceIdHi = 0;
        traceIdLo = 0;
        spanId = 0;
        parentSpanId = 0;
        correlationId = 0;
        patternId = 0;
        relatedCount = 0;
        businessImpact = 0f;
        customerFacing = false;
        sloImpact = false;
        for (final Utf8Text v : vars)
        {
            v.clear();
        }
        attributeCount = 0;
        return this;
    }

    /** The var-data field at one of the indices {@link #NODE} .. {@link #TYPE_NAME}. */
    public Utf8Text text(final int field)
    {
        return vars[field];
    }

    public int attributeCount()
    {
        return attributeCount;
    }

    public Utf8Text attributeKey(final int i)
    {
        return keys[i];
    }

    public Utf8Text attributeValue(final int i)
    {
        return values[i];
    }

    /** Appends an attribute and returns its index; set its key and value through the accessors. */
    public int addAttribute()
    {
        if (attributeCount == keys.length)
        {
            final int n = keys.length * 2;
            keys = java.util.Arrays.copyOf(keys, n);
            values = java.util.Arrays.copyOf(values, n);
            for (int i = attributeCount; i < n; i++)
            {
                keys[i] = new Utf8Text(32);
                values[i] = new Utf8Text(32);
            }
        }
        keys[attributeCount].clear();
        values[attributeCount].clear();
        return attributeCount++;
    }

    public void addAttribute(final CharSequence key, final CharSequence value)
    {
        final int i = addAttribute();
        keys[i].set(key);
        values[i].set(value);
    }

    /** Bytes this draft takes when encoded, header included. */
    public int encodedLength()
    {
        int n = EventFrames.MIN_ENCODED_LENGTH;
        for (int i = 0; i < attributeCount; i++)
        {
            n += 2 * EventFrames.VAR_LENGTH_PREFIX + keys[i].length() + values[i].length();
        }
        n += relatedCount * EventFrames.RELATED_ENTRY_LENGTH;
        for (final Utf8Text v : vars)
        {
            n += v.length();
        }
        return n;
    }

    /**
     * True when some string is longer than the SBE length prefix can say, there are too many attributes,
     * or {@link #relatedCount} is outside 0..{@link EventFrames#MAX_RELATED}.
     */
    public boolean exceedsFieldLimits()
    {
        if (attributeCount > EventFrames.MAX_ATTRIBUTES || relatedCount < 0 || relatedCount > EventFrames.MAX_RELATED)
        {
            return true;
        }
        for (final Utf8Text v : vars)
        {
            if (v.length() > 65_534)
            {
                return true;
            }
        }
        for (int i = 0; i < attributeCount; i++)
        {
            if (keys[i].length() > 65_534 || values[i].length() > 65_534)
            {
                return true;
            }
        }
        return false;
    }

    /**
     * Encodes this draft into {@code buffer} at {@code offset}.
     *
     * @param capacity          bytes available at offset.
     * @param ingestTimestamp   epoch ns the engine took the event in; also the event time when none is set.
     * @param defaultEventId    id used when the draft has none.
     * @param defaultSource     source used when the draft has none.
     * @return the encoded length, or -1 when the event does not fit in {@code capacity} (nothing written).
     */
    public int encode(
        final MutableDirectBuffer buffer,
        final int offset,
        final int capacity,
        final long ingestTimestamp,
        final long defaultEventId,
        final Source defaultSource)
    {
        final int length = encodedLength();
        if (length > capacity || exceedsFieldLimits())
        {
            return -1;
        }
        final EventEncoder e = encoder.wrapAndApplyHeader(buffer, offset, headerEncoder)
            .eventId(hasEventId ? eventId : defaultEventId)
            .nodeId(0)
            .timestamp(timestamp != 0 ? timestamp : ingestTimestamp)
            .ingestTimestamp(ingestTimestamp)
            .eventType(type)
            .source(source != null ? source : defaultSource)
            .severity(severity)
            .pid(pid)
            .ppid(ppid)
            .uid(uid)
            .cgroupId(cgroupId)
            .exitCode(exitCode)
            .spanId(spanId)
            .parentSpanId(parentSpanId)
            .correlationId(correlationId)
            .patternId(patternId);
        e.traceId().hi(traceIdHi).lo(traceIdLo);
        e.impact().business(businessImpact)
            .customerFacing(customerFacing ? dev.tapio.codecs.sbe.BooleanType.T : dev.tapio.codecs.sbe.BooleanType.F)
            .sloImpact(sloImpact ? dev.tapio.codecs.sbe.BooleanType.T : dev.tapio.codecs.sbe.BooleanType.F);
        final EventEncoder.AttributesEncoder attrs = e.attributesCount(attributeCount);
        for (int i = 0; i < attributeCount; i++)
        {
            attrs.next()
                .putKey(keys[i].bytes(), 0, keys[i].length())
                .putValue(values[i].bytes(), 0, values[i].length());
        }
        final EventEncoder.RelatedEncoder rel = e.relatedCount(relatedCount);
        for (int i = 0; i < relatedCount; i++)
        {
            rel.next().eventId(related[i]);
        }
        e.putNodeName(vars[NODE].bytes(), 0, vars[NODE].length());
        e.putNamespaceName(vars[NAMESPACE].bytes(), 0, vars[NAMESPACE].length());
        e.putPod(vars[POD].bytes(), 0, vars[POD].length());
        e.putPodUid(vars[POD_UID].bytes(), 0, vars[POD_UID].length());
        e.putContainerName(vars[CONTAINER].bytes(), 0, vars[CONTAINER].length());
        e.putContainerId(vars[CONTAINER_ID].bytes(), 0, vars[CONTAINER_ID].length());
        e.putUnit(vars[UNIT].bytes(), 0, vars[UNIT].length());
        e.putComm(vars[COMM].bytes(), 0, vars[COMM].length());
        e.putMessage(vars[MESSAGE].bytes(), 0, vars[MESSAGE].length());
        e.putTypeName(vars[TYPE_NAME].bytes(), 0, vars[TYPE_NAME].length());
        return EventFrames.HEADER_LENGTH + e.encodedLength();
    }

    /** Fills this draft from an encoded event (the decoder positioned at the start of the message). */
    public EventDraft from(final EventDecoder d)
    {
        reset();
        hasEventId = true;
        eventId = d.eventId();
        timestamp = d.timestamp();
        type = EventFrames.typeOf(d.eventTypeRaw());
        source = d.source();
        severity = d.severity();
        pid = d.pid();
        ppid = d.ppid();
        uid = d.uid();
        cgroupId = d.cgroupId();
        exitCode = d.exitCode();
        traceIdHi = d.traceId().hi();
        traceIdLo = d.traceId().lo();
        spanId = d.spanId();
        parentSpanId = d.parentSpanId();
        correlationId = d.correlationId();
        patternId = d.patternId();
        businessImpact = d.impact().business();
        customerFacing = d.impact().customerFacing() == dev.tapio.codecs.sbe.BooleanType.T;
        sloImpact = d.impact().sloImpact() == dev.tapio.codecs.sbe.BooleanType.T;
        for (final EventDecoder.AttributesDecoder a : d.attributes())
        {
            final int i = addAttribute();
            ensureScratch(a.keyLength());
            keys[i].set(scratch, 0, a.getKey(scratch, 0, a.keyLength()));
            ensureScratch(a.valueLength());
            values[i].set(scratch, 0, a.getValue(scratch, 0, a.valueLength()));
        }
        for (final EventDecoder.RelatedDecoder r : d.related())
        {
            if (relatedCount < related.length)
            {
                related[relatedCount++] = r.eventId();
            }
        }
        ensureScratch(d.nodeNameLength());
        vars[NODE].set(scratch, 0, d.getNodeName(scratch, 0, d.nodeNameLength()));
        ensureScratch(d.namespaceNameLength());
        vars[NAMESPACE].set(scratch, 0, d.getNamespaceName(scratch, 0, d.namespaceNameLength()));
        ensureScratch(d.podLength());
        vars[POD].set(scratch, 0, d.getPod(scratch, 0, d.podLength()));
        ensureScratch(d.podUidLength());
        vars[POD_UID].set(scratch, 0, d.getPodUid(scratch, 0, d.podUidLength()));
        ensureScratch(d.containerNameLength());
        vars[CONTAINER].set(scratch, 0, d.getContainerName(scratch, 0, d.containerNameLength()));
        ensureScratch(d.containerIdLength());
        vars[CONTAINER_ID].set(scratch, 0, d.getContainerId(scratch, 0, d.containerIdLength()));
        ensureScratch(d.unitLength());
        vars[UNIT].set(scratch, 0, d.getUnit(scratch, 0, d.unitLength()));
        ensureScratch(d.commLength());
        vars[COMM].set(scratch, 0, d.getComm(scratch, 0, d.commLength()));
        ensureScratch(d.messageLength());
        vars[MESSAGE].set(scratch, 0, d.getMessage(scratch, 0, d.messageLength()));
        ensureScratch(d.typeNameLength());
        vars[TYPE_NAME].set(scratch, 0, d.getTypeName(scratch, 0, d.typeNameLength()));
        return this;
    }

    private byte[] scratch = new byte[256];

    private void ensureScratch(final int length)
    {
        if (scratch.length < length)
        {
            scratch = new byte[Math.max(length, scratch.length * 2)];
        }
    }
}
