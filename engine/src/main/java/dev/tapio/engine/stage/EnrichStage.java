package dev.tapio.engine.stage;

import dev.tapio.codecs.EventDraft;
import dev.tapio.codecs.EventFrames;
import dev.tapio.codecs.sbe.EventEncoder;
import dev.tapio.engine.metrics.EngineCounters;
import dev.tapio.engine.ring.Slot;
import dev.tapio.engine.spi.MetadataResolver;
import dev.tapio.engine.spi.WorkloadMetadata;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.status.AtomicCounter;

import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * Third stage: stamps node identity and, with a {@link MetadataResolver}, names the pod of events that
 * only identify it. Sets the numeric node id on every event and, when an event carries no node name
 * (kernel and synthetic events do not know it), inserts this node's name into the {@code nodeName} var
 * data. When an event carries a container id or a pod uid but no pod name or namespace, asks the
 * resolver (by container id first, then by pod uid) and inserts the namespace, pod, pod uid and
 * container name it knows, plus the workload as one attribute ({@code k8s.deployment.name=web}):
 *
 * <pre>
 *  header | block | attributes (+ workload entry) | related | nodeName | namespace | pod | podUid | container | ...
 *                                   ^ inserted last              ^ inserted back to front, so earlier offsets hold
 * </pre>
 *
 * Each insertion moves the later bytes along within the slot (through a scratch array: no allocation).
 * When the slot has no room, the event keeps going without the metadata (then without the node name)
 * and {@code tapio_enrich_overflow_total} counts it. Threading: the enrich thread only.
 */
public final class EnrichStage implements Stage
{
    private static final int VARS = EventFrames.VAR_FIELDS;

    private final long nodeId;
    private final byte[] nodeName;
    private final byte[] scratch;
    private final int slotSize;
    private final AtomicCounter overflow;
    private final EventEncoder encoder = new EventEncoder();
    private final MetadataResolver.Lookup lookup;
    private final WorkloadMetadata metadata = new WorkloadMetadata();
    private final int[] varAt = new int[VARS];
    private final int[] varLength = new int[VARS];

    public EnrichStage(final long nodeId, final String nodeName, final int slotSize, final EngineCounters counters)
    {
        this(nodeId, nodeName, slotSize, counters, null);
    }

    /** @param resolver names pods by container id or pod uid; null: none. */
    public EnrichStage(final long nodeId, final String nodeName, final int slotSize, final EngineCounters counters,
        final MetadataResolver resolver)
    {
        this.nodeId = nodeId;
        this.nodeName = nodeName.getBytes(StandardCharsets.UTF_8);
        this.slotSize = slotSize;
        this.scratch = new byte[slotSize];
        this.overflow = counters.counter(EngineCounters.ENRICH_OVERFLOW);
        this.lookup = resolver != null ? resolver.newLookup() : null;
    }

    @Override
    public String name()
    {
        return "enrich";
    }

    @Override
    public void onSlot(final Slot slot, final long sequence)
    {
        if (slot.status != Slot.OK)
        {
            return;
        }
        final UnsafeBuffer b = slot.buffer;
        encoder.wrap(b, EventFrames.HEADER_LENGTH).nodeId(nodeId);
        final boolean needNode = nodeName.length != 0;
        if (!needNode && lookup == null)
        {
            return;
        }
        final int blockLength = b.getShort(0, ByteOrder.LITTLE_ENDIAN) & 0xFFFF;
        final int attributesAt = EventFrames.HEADER_LENGTH + blockLength;
        int p = attributesAt;
        final int entryBlock = b.getShort(p, ByteOrder.LITTLE_ENDIAN) & 0xFFFF;
        final int count = b.getShort(p + 2, ByteOrder.LITTLE_ENDIAN) & 0xFFFF;
        p += EventFrames.GROUP_HEADER_LENGTH;
        for (int i = 0; i < count; i++)
        {
            p += entryBlock;
            p += EventFrames.VAR_LENGTH_PREFIX + (b.getShort(p, ByteOrder.LITTLE_ENDIAN) & 0xFFFF);
            p += EventFrames.VAR_LENGTH_PREFIX + (b.getShort(p, ByteOrder.LITTLE_ENDIAN) & 0xFFFF);
        }
        final int attributesEnd = p;
        final int relatedBlock = b.getShort(p, ByteOrder.LITTLE_ENDIAN) & 0xFFFF;
        final int relatedCount = b.getShort(p + 2, ByteOrder.LITTLE_ENDIAN) & 0xFFFF;
        p += EventFrames.GROUP_HEADER_LENGTH + relatedBlock * relatedCount;
        for (int i = 0; i < VARS; i++)
        {
            varAt[i] = p;
            varLength[i] = b.getShort(p, ByteOrder.LITTLE_ENDIAN) & 0xFFFF;
            p += EventFrames.VAR_LENGTH_PREFIX + varLength[i];
        }
        final boolean addNode = needNode && varLength[EventDraft.NODE] == 0;
        final int nodeAdd = addNode ? nodeName.length : 0;

        boolean hit = false;
        if (lookup != null && (varLength[EventDraft.NAMESPACE] == 0 || varLength[EventDraft.POD] == 0))
        {
            metadata.clear();
            if (varLength[EventDraft.CONTAINER_ID] != 0)
            {
                hit = lookup.byContainerId(b, varAt[EventDraft.CONTAINER_ID] + EventFrames.VAR_LENGTH_PREFIX,
                    varLength[EventDraft.CONTAINER_ID], metadata);
            }
            if (!hit && varLength[EventDraft.POD_UID] != 0)
            {
                hit = lookup.byPodUid(b, varAt[EventDraft.POD_UID] + EventFrames.VAR_LENGTH_PREFIX,
                    varLength[EventDraft.POD_UID], metadata);
            }
        }
        int metaAdd = 0;
        boolean overflowed = false;
        final boolean addWorkload = hit && metadata.workloadKey.length != 0 && metadata.workloadName.length != 0 &&
            count < EventFrames.MAX_ATTRIBUTES;
        if (hit)
        {
            metaAdd += missing(EventDraft.CONTAINER, metadata.container) + missing(EventDraft.POD_UID, metadata.podUid) +
                missing(EventDraft.POD, metadata.pod) + missing(EventDraft.NAMESPACE, metadata.namespace);
            if (addWorkload)
            {
                metaAdd += entryBlock + 2 * EventFrames.VAR_LENGTH_PREFIX + metadata.workloadKey.length + metadata.workloadName.length;
            }
            if (slot.length + metaAdd + nodeAdd > slotSize)
            {
                overflowed = true;
                hit = false;
            }
        }
        if (hit)
        {
            // Back to front: each insertion moves only what lies after it.
            insertVar(slot, EventDraft.CONTAINER, metadata.container);
            insertVar(slot, EventDraft.POD_UID, metadata.podUid);
            insertVar(slot, EventDraft.POD, metadata.pod);
            insertVar(slot, EventDraft.NAMESPACE, metadata.namespace);
        }
        if (addNode)
        {
            if (slot.length + nodeAdd > slotSize)
            {
                overflowed = true;
            }
            else
            {
                insertVar(slot, EventDraft.NODE, nodeName);
            }
        }
        if (hit && addWorkload)
        {
            insertAttribute(slot, attributesAt, attributesEnd, entryBlock, count, metadata.workloadKey, metadata.workloadName);
        }
        if (overflowed)
        {
            overflow.increment();
        }
    }

    private int missing(final int field, final byte[] value)
    {
        return varLength[field] == 0 ? value.length : 0;
    }

    private void insertVar(final Slot slot, final int field, final byte[] value)
    {
        if (varLength[field] != 0 || value.length == 0)
        {
            return;
        }
        final UnsafeBuffer b = slot.buffer;
        final int prefix = varAt[field];
        final int tail = prefix + EventFrames.VAR_LENGTH_PREFIX;
        final int tailLength = slot.length - tail;
        b.getBytes(tail, scratch, 0, tailLength);
        b.putShort(prefix, (short)value.length, ByteOrder.LITTLE_ENDIAN);
        b.putBytes(tail, value);
        b.putBytes(tail + value.length, scratch, 0, tailLength);
        slot.length += value.length;
    }

    private void insertAttribute(final Slot slot, final int groupAt, final int at, final int entryBlock, final int count,
        final byte[] key, final byte[] value)
    {
        final UnsafeBuffer b = slot.buffer;
        final int tailLength = slot.length - at;
        b.getBytes(at, scratch, 0, tailLength);
        int q = at;
        b.setMemory(q, entryBlock, (byte)0);
        q += entryBlock;
        b.putShort(q, (short)key.length, ByteOrder.LITTLE_ENDIAN);
        b.putBytes(q + EventFrames.VAR_LENGTH_PREFIX, key);
        q += EventFrames.VAR_LENGTH_PREFIX + key.length;
        b.putShort(q, (short)value.length, ByteOrder.LITTLE_ENDIAN);
        b.putBytes(q + EventFrames.VAR_LENGTH_PREFIX, value);
        q += EventFrames.VAR_LENGTH_PREFIX + value.length;
        b.putBytes(q, scratch, 0, tailLength);
        b.putShort(groupAt + 2, (short)(count + 1), ByteOrder.LITTLE_ENDIAN);
        slot.length += q - at;
    }
}
