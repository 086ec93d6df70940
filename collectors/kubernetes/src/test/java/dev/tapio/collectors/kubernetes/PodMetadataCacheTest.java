package dev.tapio.collectors.kubernetes;

import dev.tapio.engine.spi.MetadataResolver;
import dev.tapio.engine.spi.WorkloadMetadata;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodStatus;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;

import static dev.tapio.collectors.kubernetes.MockCluster.containerId;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PodMetadataCacheTest
{
    private static Pod pod(final String name, final String uid, final char container, final String ownerKind, final String owner)
    {
        final Pod p = MockCluster.pod("shop", name);
        p.getMetadata().setUid(uid);
        p.getSpec().setNodeName("worker-1");
        if (ownerKind != null)
        {
            p.getMetadata().setOwnerReferences(List.of(new OwnerReferenceBuilder().withKind(ownerKind).withName(owner)
                .withController(true).build()));
        }
        p.setStatus(new PodStatus());
        MockCluster.running(p, containerId(container), 0, null, null, null);
        return p;
    }

    private static boolean lookup(final MetadataResolver.Lookup l, final String containerId, final WorkloadMetadata into)
    {
        final byte[] b = ("xx" + containerId).getBytes(StandardCharsets.UTF_8);
        return l.byContainerId(new UnsafeBuffer(b), 2, b.length - 2, into);
    }

    private static String s(final byte[] b)
    {
        return new String(b, StandardCharsets.UTF_8);
    }

    @Test
    void findsPodsByContainerIdAndUidAndCountsHitsAndMisses()
    {
        final PodMetadataCache cache = new PodMetadataCache(10, new Workloads(10));
        final Pod p = pod("db-0", "uid-0", 'a', "StatefulSet", "db");
        p.getMetadata().getLabels().put("tier", "data");
        cache.upsert(p);
        final MetadataResolver.Lookup l = cache.newLookup();
        final WorkloadMetadata m = new WorkloadMetadata();
        assertTrue(lookup(l, containerId('a'), m));
        assertEquals("db-0", s(m.pod));
        assertEquals("shop", s(m.namespace));
        assertEquals("app", s(m.container));
        assertEquals("k8s.statefulset.name", s(m.workloadKey));
        assertEquals("db", s(m.workloadName));
        assertFalse(lookup(l, containerId('b'), m.clear()));
        final byte[] uid = "uid-0".getBytes(StandardCharsets.UTF_8);
        assertTrue(l.byPodUid(new UnsafeBuffer(uid), 0, uid.length, m.clear()));
        assertEquals("db-0", s(m.pod));
        assertEquals(2, cache.hits());
        assertEquals(1, cache.misses());
        assertEquals("data", cache.pod("uid-0").labels().get("tier"));
    }

    @Test
    void keepsAtMostMaxPodsEvictingTheLeastRecentlyUpdatedAndCountingIt()
    {
        final PodMetadataCache cache = new PodMetadataCache(2, new Workloads(10));
        cache.upsert(pod("a", "uid-a", 'a', null, null));
        cache.upsert(pod("b", "uid-b", 'b', null, null));
        cache.upsert(pod("a", "uid-a", 'a', null, null));   // an update: no eviction, and a is the newest now
        assertEquals(0, cache.evictions());
        cache.upsert(pod("c", "uid-c", 'c', null, null));
        assertEquals(1, cache.evictions());
        assertEquals(2, cache.size());
        assertNull(cache.podOfContainer(containerId('b')), "the least recently updated went, with its containers");
        assertNull(cache.pod("uid-b"));
        assertEquals("a", cache.podOfContainer(containerId('a')).name());
        assertEquals("c", cache.podOfContainer(containerId('c')).name());
        cache.retainOnly(Set.of("uid-c"));
        assertEquals(1, cache.size());
        assertNull(cache.podOfContainer(containerId('a')));
    }

    @Test
    void aNewContainerIdReplacesTheOldOneOfTheSamePodOnlyWhenThePodNoLongerListsIt()
    {
        final PodMetadataCache cache = new PodMetadataCache(10, new Workloads(10));
        cache.upsert(pod("a", "uid-a", 'a', null, null));
        final Pod restarted = pod("a", "uid-a", 'b', null, null);
        cache.upsert(restarted);
        assertNull(cache.podOfContainer(containerId('a')));
        assertEquals("a", cache.podOfContainer(containerId('b')).name());
        cache.remove("uid-a");
        assertNull(cache.podOfContainer(containerId('b')));
        assertNull(cache.pod("uid-a"));
    }

    @Test
    void namesTheWorkloadAlongTheOwnerChain()
    {
        final Workloads w = new Workloads(10);
        final Pod byHash = pod("web-5d4f9-abcde", "u1", 'a', "ReplicaSet", "web-5d4f9");
        byHash.getMetadata().getLabels().put("pod-template-hash", "5d4f9");
        assertEquals(new Workloads.Workload("Deployment", "web"), w.of(byHash));
        assertEquals(new Workloads.Workload("ReplicaSet", "bare-rs"), w.of(pod("p", "u2", 'b', "ReplicaSet", "bare-rs")));
        final Pod job = pod("backup-2901-xyz", "u3", 'c', "Job", "backup-2901");
        assertEquals(new Workloads.Workload("Job", "backup-2901"), w.of(job));
        final io.fabric8.kubernetes.api.model.batch.v1.Job j = new io.fabric8.kubernetes.api.model.batch.v1.JobBuilder()
            .withNewMetadata().withNamespace("shop").withName("backup-2901").addToOwnerReferences(new OwnerReferenceBuilder()
                .withKind("CronJob").withName("backup").withController(true).build()).endMetadata().build();
        w.update("Job", j);
        assertEquals("k8s.cronjob.name", w.of(job).attributeKey());
        assertEquals("backup", w.of(job).name());
        assertEquals(new Workloads.Workload("DaemonSet", "agent"), w.of(pod("agent-x", "u4", 'd', "DaemonSet", "agent")));
        assertNull(w.of(pod("bare", "u5", 'e', null, null)));
    }
}
