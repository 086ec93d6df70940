package dev.tapio.engine.correlate;

import dev.tapio.codecs.sbe.EventType;

import org.agrona.DirectBuffer;
import org.agrona.collections.Long2LongHashMap;

/**
 * Ties kernel-level identities to Kubernetes ones: {@code containerId → (namespace, pod, container,
 * node)} learnt from events that carry a container id with a pod, and {@code cgroupId →} the same,
 * learnt from events that carry a cgroup id with a pod or a known container id. Bounded: when full,
 * the oldest entry is replaced (counted by the caller through {@link #replaced()}). Learning an entry
 * that is already known allocates nothing; a new or changed entry copies its strings once.
 * Single-threaded (the correlating thread).
 */
final class EntityCache
{
    private final int capacity;
    private final Long2LongHashMap byContainer;
    private final Long2LongHashMap byCgroup;
    private final byte[][] containerId;
    private final long[] containerHash;
    private final long[] cgroup;
    private final byte[][] namespace;
    private final byte[][] pod;
    private final byte[][] container;
    private final byte[][] node;
    private int next;
    private int size;
    private long replaced;

    EntityCache(final int capacity)
    {
        this.capacity = capacity;
        this.byContainer = new Long2LongHashMap(capacity * 2, 0.65f, -1);
        this.byCgroup = new Long2LongHashMap(capacity * 2, 0.65f, -1);
        this.containerId = new byte[capacity][];
        this.containerHash = new long[capacity];
        this.cgroup = new long[capacity];
        this.namespace = new byte[capacity][];
        this.pod = new byte[capacity][];
        this.container = new byte[capacity][];
        this.node = new byte[capacity][];
    }

    long replaced()
    {
        return replaced;
    }

    int size()
    {
        return size;
    }

    /**
     * Learns from an event of the given type. Kubernetes and CNI events, and types this schema does not
     * know, are the authority on which pod a container id or cgroup id belongs to; kernel events only
     * link their cgroup id to a container id already known (the fixed-field check comes first, so a
     * kernel event without a cgroup id costs one load); systemd and HTTP events teach nothing.
     */
    void learn(final EventFields f, final int typeRaw)
    {
        if (typeRaw < TEACHES.length ? TEACHES[typeRaw] : true)
        {
            learn(f);
        }
        else if (typeRaw <= LAST_KERNEL_TYPE)
        {
            final long cg = f.cgroupId();
            if (cg != 0 && byCgroup.get(cg) < 0)
            {
                final int cidLen = f.varLength(EventFields.CONTAINER_ID);
                if (cidLen > 0)
                {
                    final int entry = (int)byContainer.get(hash(f.buffer(), f.varOffset(EventFields.CONTAINER_ID), cidLen));
                    if (entry >= 0)
                    {
                        linkCgroup(entry, cg);
                    }
                }
            }
        }
    }

    private static final boolean[] TEACHES = teaches();
    private static final int LAST_KERNEL_TYPE = EventType.KERNEL_NETWORK_RESET.value();

    private static boolean[] teaches()
    {
        int max = 0;
        for (final EventType t : EventType.values())
        {
            if (t != EventType.NULL_VAL)
            {
                max = Math.max(max, t.value());
            }
        }
        final boolean[] teaches = new boolean[max + 1];
        for (final EventType t : EventType.values())
        {
            if (t != EventType.NULL_VAL)
            {
                final String name = dev.tapio.codecs.EventTypes.name(t);
                teaches[t.value()] = t == EventType.OTHER || name.startsWith("k8s.") || name.startsWith("cni.");
            }
        }
        return teaches;
    }

    /** Learns from an event; cheap when the event carries nothing to learn or nothing new. */
    void learn(final EventFields f)
    {
        final int cidLen = f.varLength(EventFields.CONTAINER_ID);
        final int podLen = f.varLength(EventFields.POD);
        final long cg = f.cgroupId();
        final DirectBuffer b = f.buffer();
        if (podLen > 0 && (cidLen > 0 || cg != 0))
        {
            int entry = -1;
            long h = 0;
            if (cidLen > 0)
            {
                h = hash(b, f.varOffset(EventFields.CONTAINER_ID), cidLen);
                entry = (int)byContainer.get(h);
            }
            else
            {
                entry = (int)byCgroup.get(cg);
            }
            if (entry >= 0 && same(f, entry))
            {
                if (cg != 0 && cgroup[entry] != cg)
                {
                    linkCgroup(entry, cg);
                }
                return;
            }
            if (entry < 0)
            {
                entry = allocate();
            }
            else
            {
                unlink(entry);
            }
            containerId[entry] = cidLen > 0 ? copy(b, f.varOffset(EventFields.CONTAINER_ID), cidLen) : null;
            containerHash[entry] = h;
            namespace[entry] = copy(b, f.varOffset(EventFields.NAMESPACE), f.varLength(EventFields.NAMESPACE));
            pod[entry] = copy(b, f.varOffset(EventFields.POD), podLen);
            container[entry] = copy(b, f.varOffset(EventFields.CONTAINER), f.varLength(EventFields.CONTAINER));
            node[entry] = copy(b, f.varOffset(EventFields.NODE), f.varLength(EventFields.NODE));
            if (cidLen > 0)
            {
                byContainer.put(h, entry);
            }
            cgroup[entry] = 0;
            if (cg != 0)
            {
                linkCgroup(entry, cg);
            }
        }
        else if (cidLen > 0 && cg != 0 && byCgroup.get(cg) < 0)
        {
            final int entry = (int)byContainer.get(hash(b, f.varOffset(EventFields.CONTAINER_ID), cidLen));
            if (entry >= 0)
            {
                linkCgroup(entry, cg);
            }
        }
    }

    /** The entry for an event without a pod, through its container id, then its cgroup id; -1 when unknown. */
    int resolve(final EventFields f)
    {
        final int cidLen = f.varLength(EventFields.CONTAINER_ID);
        if (cidLen > 0)
        {
            final int e = (int)byContainer.get(hash(f.buffer(), f.varOffset(EventFields.CONTAINER_ID), cidLen));
            if (e >= 0 && containerId[e] != null &&
                Bytes.equals(f.buffer(), f.varOffset(EventFields.CONTAINER_ID), cidLen, containerId[e]))
            {
                return e;
            }
        }
        final long cg = f.cgroupId();
        if (cg != 0)
        {
            final int e = (int)byCgroup.get(cg);
            if (e >= 0)
            {
                return e;
            }
        }
        return -1;
    }

    byte[] namespace(final int entry)
    {
        return namespace[entry];
    }

    byte[] pod(final int entry)
    {
        return pod[entry];
    }

    byte[] container(final int entry)
    {
        return container[entry];
    }

    byte[] node(final int entry)
    {
        return node[entry];
    }

    private void linkCgroup(final int entry, final long cg)
    {
        if (cgroup[entry] != 0 && byCgroup.get(cgroup[entry]) == entry)
        {
            byCgroup.remove(cgroup[entry]);
        }
        cgroup[entry] = cg;
        byCgroup.put(cg, entry);
    }

    private boolean same(final EventFields f, final int e)
    {
        final DirectBuffer b = f.buffer();
        return pod[e] != null &&
            Bytes.equals(b, f.varOffset(EventFields.POD), f.varLength(EventFields.POD), pod[e]) &&
            Bytes.equals(b, f.varOffset(EventFields.NAMESPACE), f.varLength(EventFields.NAMESPACE), namespace[e]) &&
            Bytes.equals(b, f.varOffset(EventFields.CONTAINER), f.varLength(EventFields.CONTAINER), container[e]) &&
            (f.varLength(EventFields.NODE) == 0 ||
                Bytes.equals(b, f.varOffset(EventFields.NODE), f.varLength(EventFields.NODE), node[e]));
    }

    private int allocate()
    {
        final int e = next;
        next = (next + 1) % capacity;
        if (size < capacity)
        {
            size++;
        }
        else
        {
            replaced++;
            unlink(e);
        }
        return e;
    }

    private void unlink(final int e)
    {
        if (containerId[e] != null && byContainer.get(containerHash[e]) == e)
        {
            byContainer.remove(containerHash[e]);
        }
        if (cgroup[e] != 0 && byCgroup.get(cgroup[e]) == e)
        {
            byCgroup.remove(cgroup[e]);
        }
        containerId[e] = null;
        cgroup[e] = 0;
    }

    private static long hash(final DirectBuffer b, final int offset, final int length)
    {
        return Bytes.hash(b, offset, length, 0);
    }

    private static byte[] copy(final DirectBuffer b, final int offset, final int length)
    {
        final byte[] out = new byte[length];
        b.getBytes(offset, out, 0, length);
        return out;
    }
}
