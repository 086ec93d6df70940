package dev.tapio.collectors.kubernetes;

import dev.tapio.engine.spi.MetadataResolver;
import dev.tapio.engine.spi.WorkloadMetadata;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import org.agrona.DirectBuffer;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Pod metadata for enrichment: pod uid → pod (namespace, name, node, labels, workload) and container id →
 * (pod, container name), so the enrich stage can name the pod of a kernel event that only carries a
 * container id or pod uid. Bounded: at most {@code maxPods} pods; adding one more evicts the pod that has
 * gone longest without an update (counted). Kept current by the pod informer (adds, updates, deletes, and its
 * periodic resync) and by the re-list after a watch expires ({@link #retainOnly}).
 *
 * <pre>
 *  informer threads ──upsert/remove (synchronized)──► byUid, byContainer (ConcurrentHashMap) ◄── get(probe) ── enrich thread
 * </pre>
 *
 * <p>Threading: writers (the informers' threads) serialize on this object; readers never lock. Entries are
 * immutable and published through {@link ConcurrentHashMap}, so a reader sees a whole entry or none. Each
 * reading thread uses its own {@link MetadataResolver.Lookup}: a reusable probe key that it fills from the
 * event's bytes, so a lookup allocates nothing, hit or miss.
 */
public final class PodMetadataCache implements MetadataResolver
{
    private static final int MAX_KEY_LENGTH = 256;

    /** One pod as the enrich stage needs it; immutable once published. */
    public static final class PodEntry
    {
        final String uid;
        final byte[] uidBytes;
        final byte[] namespace;
        final byte[] name;
        final byte[] node;
        final byte[] workloadKey;
        final byte[] workloadName;
        final Map<String, String> labels;
        /** container id → container name. */
        final Map<String, String> containers;

        PodEntry(final String uid, final String namespace, final String name, final String node, final Workloads.Workload workload,
            final Map<String, String> labels, final Map<String, String> containers)
        {
            this.uid = uid;
            this.uidBytes = utf8(uid);
            this.namespace = utf8(namespace);
            this.name = utf8(name);
            this.node = utf8(node);
            this.workloadKey = workload == null ? new byte[0] : utf8(workload.attributeKey());
            this.workloadName = workload == null ? new byte[0] : utf8(workload.name());
            this.labels = Map.copyOf(labels);
            this.containers = Map.copyOf(containers);
        }

        public String uid()
        {
            return uid;
        }

        public String namespace()
        {
            return text(namespace);
        }

        public String name()
        {
            return text(name);
        }

        public String node()
        {
            return text(node);
        }

        /** The workload attribute key, e.g. {@code k8s.deployment.name}; empty when the pod has no controller. */
        public String workloadKey()
        {
            return text(workloadKey);
        }

        public String workloadName()
        {
            return text(workloadName);
        }

        public Map<String, String> labels()
        {
            return labels;
        }

        /** Container id (without the runtime prefix) → container name. */
        public Map<String, String> containers()
        {
            return containers;
        }

        void fill(final WorkloadMetadata into)
        {
            into.namespace = namespace;
            into.pod = name;
            into.podUid = uidBytes;
            into.node = node;
            into.workloadKey = workloadKey;
            into.workloadName = workloadName;
        }
    }

    private static final class ContainerEntry
    {
        final PodEntry pod;
        final byte[] name;

        ContainerEntry(final PodEntry pod, final String name)
        {
            this.pod = pod;
            this.name = utf8(name);
        }
    }

    /** UTF-8 bytes with their hash; stored keys are exact, a probe reuses its array. */
    static final class Key
    {
        byte[] bytes;
        int length;
        int hash;

        Key(final byte[] bytes)
        {
            this.bytes = bytes;
            this.length = bytes.length;
            this.hash = hash(bytes, length);
        }

        static Key of(final String s)
        {
            return new Key(utf8(s));
        }

        boolean set(final DirectBuffer buffer, final int offset, final int length)
        {
            if (length > bytes.length)
            {
                return false;
            }
            buffer.getBytes(offset, bytes, 0, length);
            this.length = length;
            this.hash = hash(bytes, length);
            return true;
        }

        private static int hash(final byte[] b, final int length)
        {
            int h = 1;
            for (int i = 0; i < length; i++)
            {
                h = 31 * h + b[i];
            }
            return h;
        }

        @Override
        public int hashCode()
        {
            return hash;
        }

        @Override
        public boolean equals(final Object o)
        {
            return o instanceof Key && ((Key)o).hash == hash &&
                Arrays.equals(bytes, 0, length, ((Key)o).bytes, 0, ((Key)o).length);
        }
    }

    private final int maxPods;
    private final Workloads workloads;
    private final ConcurrentHashMap<Key, PodEntry> byUid = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<Key, ContainerEntry> byContainer = new ConcurrentHashMap<>();
    /** Writers only (under this): uid → entry in insertion order, for eviction. */
    private final LinkedHashMap<String, PodEntry> order = new LinkedHashMap<>();
    private final CopyOnWriteArrayList<ResolverLookup> lookups = new CopyOnWriteArrayList<>();
    private final AtomicLong evictions = new AtomicLong();

    public PodMetadataCache(final int maxPods, final Workloads workloads)
    {
        if (maxPods < 1)
        {
            throw new IllegalArgumentException("maxPods must be at least 1");
        }
        this.maxPods = maxPods;
        this.workloads = workloads;
    }

    /** Adds or replaces a pod (informer threads). */
    public synchronized void upsert(final Pod pod)
    {
        final String uid = pod.getMetadata().getUid();
        if (uid == null || uid.isEmpty())
        {
            return;
        }
        final Map<String, String> containers = new LinkedHashMap<>();
        if (pod.getStatus() != null)
        {
            addContainers(containers, pod.getStatus().getInitContainerStatuses());
            addContainers(containers, pod.getStatus().getContainerStatuses());
            addContainers(containers, pod.getStatus().getEphemeralContainerStatuses());
        }
        final Map<String, String> labels = pod.getMetadata().getLabels() != null ? pod.getMetadata().getLabels() : Map.of();
        final PodEntry entry = new PodEntry(uid, nonNull(pod.getMetadata().getNamespace()), nonNull(pod.getMetadata().getName()),
            pod.getSpec() != null ? nonNull(pod.getSpec().getNodeName()) : "", workloads.of(pod), labels, containers);
        final PodEntry old = order.remove(uid);
        if (old == null)
        {
            while (order.size() >= maxPods)
            {
                final Iterator<PodEntry> eldest = order.values().iterator();
                final PodEntry evicted = eldest.next();
                eldest.remove();
                unpublish(evicted, null);
                evictions.incrementAndGet();
            }
        }
        order.put(uid, entry);
        for (final Map.Entry<String, String> c : containers.entrySet())
        {
            byContainer.put(Key.of(c.getKey()), new ContainerEntry(entry, c.getValue()));
        }
        byUid.put(new Key(entry.uidBytes), entry);
        if (old != null)
        {
            unpublish(old, containers.keySet());
        }
    }

    /** Forgets a deleted pod (informer threads). */
    public synchronized void remove(final String uid)
    {
        final PodEntry old = order.remove(uid);
        if (old != null)
        {
            unpublish(old, null);
            byUid.remove(new Key(old.uidBytes));
        }
    }

    /** After a re-list: forgets every pod not in {@code uids}. */
    public synchronized void retainOnly(final Set<String> uids)
    {
        final List<String> gone = new ArrayList<>();
        for (final String uid : order.keySet())
        {
            if (!uids.contains(uid))
            {
                gone.add(uid);
            }
        }
        for (final String uid : gone)
        {
            remove(uid);
        }
    }

    /** Removes the container keys of {@code old} that {@code keep} does not list (null: all). */
    private void unpublish(final PodEntry old, final Set<String> keep)
    {
        for (final String id : old.containers.keySet())
        {
            if (keep == null || !keep.contains(id))
            {
                final Key k = Key.of(id);
                final ContainerEntry e = byContainer.get(k);
                if (e != null && e.pod.uid.equals(old.uid))
                {
                    byContainer.remove(k);
                }
            }
        }
        if (keep == null)
        {
            final Key k = new Key(old.uidBytes);
            final PodEntry e = byUid.get(k);
            if (e == old)
            {
                byUid.remove(k);
            }
        }
    }

    private static void addContainers(final Map<String, String> into, final List<ContainerStatus> statuses)
    {
        if (statuses == null)
        {
            return;
        }
        for (final ContainerStatus s : statuses)
        {
            final String id = containerId(s.getContainerID());
            if (!id.isEmpty())
            {
                into.put(id, s.getName());
            }
            if (s.getLastState() != null && s.getLastState().getTerminated() != null)
            {
                // The previous run's id: its last kernel events may still be in flight.
                final String last = containerId(s.getLastState().getTerminated().getContainerID());
                if (!last.isEmpty())
                {
                    into.putIfAbsent(last, s.getName());
                }
            }
        }
    }

    /** {@code containerd://3f4e…} → {@code 3f4e…}; null → empty. */
    static String containerId(final String runtimeId)
    {
        if (runtimeId == null)
        {
            return "";
        }
        final int at = runtimeId.indexOf("://");
        return at >= 0 ? runtimeId.substring(at + 3) : runtimeId;
    }

    /** The pod with this uid, or null (any thread; for tests and other collectors). */
    public PodEntry pod(final String uid)
    {
        return byUid.get(Key.of(uid));
    }

    /** The pod running the container with this id (without the runtime prefix), or null. */
    public PodEntry podOfContainer(final String containerId)
    {
        final ContainerEntry e = byContainer.get(Key.of(containerId));
        return e == null ? null : e.pod;
    }

    public int size()
    {
        return byUid.size();
    }

    public long hits()
    {
        long n = 0;
        for (final ResolverLookup l : lookups)
        {
            n += l.hits.get();
        }
        return n;
    }

    public long misses()
    {
        long n = 0;
        for (final ResolverLookup l : lookups)
        {
            n += l.misses.get();
        }
        return n;
    }

    public long evictions()
    {
        return evictions.get();
    }

    @Override
    public Lookup newLookup()
    {
        final ResolverLookup l = new ResolverLookup();
        lookups.add(l);
        return l;
    }

    /** One reading thread's lookup: its own probe and its own single-writer counters. */
    private final class ResolverLookup implements Lookup
    {
        private final Key probe = new Key(new byte[MAX_KEY_LENGTH]);
        final AtomicLong hits = new AtomicLong();
        final AtomicLong misses = new AtomicLong();

        @Override
        public boolean byContainerId(final DirectBuffer buffer, final int offset, final int length, final WorkloadMetadata into)
        {
            final ContainerEntry e = probe.set(buffer, offset, length) ? byContainer.get(probe) : null;
            if (e == null)
            {
                misses.setRelease(misses.getPlain() + 1);
                return false;
            }
            e.pod.fill(into);
            into.container = e.name;
            hits.setRelease(hits.getPlain() + 1);
            return true;
        }

        @Override
        public boolean byPodUid(final DirectBuffer buffer, final int offset, final int length, final WorkloadMetadata into)
        {
            final PodEntry e = probe.set(buffer, offset, length) ? byUid.get(probe) : null;
            if (e == null)
            {
                misses.setRelease(misses.getPlain() + 1);
                return false;
            }
            e.fill(into);
            hits.setRelease(hits.getPlain() + 1);
            return true;
        }
    }

    static byte[] utf8(final String s)
    {
        return s == null ? new byte[0] : s.getBytes(StandardCharsets.UTF_8);
    }

    private static String text(final byte[] b)
    {
        return new String(b, StandardCharsets.UTF_8);
    }

    private static String nonNull(final String s)
    {
        return s == null ? "" : s;
    }
}
