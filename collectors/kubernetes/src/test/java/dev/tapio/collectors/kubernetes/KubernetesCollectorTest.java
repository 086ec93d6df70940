package dev.tapio.collectors.kubernetes;

import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.NodeConditionBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.List;

import static dev.tapio.collectors.kubernetes.MockCluster.containerId;
import static dev.tapio.collectors.kubernetes.MockCluster.pod;
import static dev.tapio.collectors.kubernetes.MockCluster.running;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The collector against fabric8's mock API server in CRUD mode. */
@Timeout(60)
class KubernetesCollectorTest extends MockClusterFixture
{
    @Test
    void aPodsLifeCycleProducesCreatedScheduledRunningFailedDeletedInOrderOnceEach() throws Exception
    {
        try (Harness h = Harness.started(collector(shopOnly())))
        {
            k8s.pods().inNamespace("shop").resource(pod("shop", "web-1")).create();
            k8s.pods().inNamespace("elsewhere").resource(pod("elsewhere", "other")).create();
            h.awaitEvents(p -> p.type().equals("k8s.pod.created"), 1);

            k8s.pods().inNamespace("shop").withName("web-1").edit(p ->
            {
                p.getSpec().setNodeName("worker-2");
                return p;
            });
            h.awaitEvents(p -> p.type().equals("k8s.pod.scheduled"), 1);
            editStatus("shop", "web-1", p ->
            {
                p.getStatus().setConditions(List.of(new PodConditionBuilder().withType("PodScheduled").withStatus("True").build()));
                running(p, containerId('a'), 0, null, null, null);
            });
            h.awaitEvents(p -> p.type().equals("k8s.pod.running"), 1);
            editStatus("shop", "web-1", p ->
            {
                p.getStatus().setPhase("Failed");
                p.getStatus().setReason("Evicted");
                p.getStatus().setMessage("The node was low on resource: memory.");
            });
            h.awaitEvents(p -> p.type().equals("k8s.pod.failed"), 1);
            k8s.pods().inNamespace("shop").withName("web-1").delete();
            h.awaitEvents(p -> p.type().equals("k8s.pod.deleted"), 1);

            assertEquals(List.of("k8s.pod.created", "k8s.pod.scheduled", "k8s.pod.running", "k8s.pod.failed", "k8s.pod.deleted"),
                h.typesOf("web-1"));
            final List<Harness.Published> all = h.published();
            assertTrue(all.stream().allMatch(p -> p.namespace().equals("shop")), "the filter keeps other namespaces out: " + all);
            final Harness.Published failed = h.matching(p -> p.type().equals("k8s.pod.failed")).get(0);
            assertEquals("Evicted", failed.attribute("reason"));
            assertEquals("The node was low on resource: memory.", failed.message());
            assertEquals("worker-2", failed.node());
            assertEquals("worker-2", h.matching(p -> p.type().equals("k8s.pod.scheduled")).get(0).node());
            assertTrue(!h.matching(p -> p.type().equals("k8s.pod.created")).get(0).podUid().isEmpty());
            assertEquals(0, h.collector.metadata().size(), "the deleted pod left the metadata cache");
        }
    }

    @Test
    void withoutANamespaceFilterEveryNamespaceIsWatched() throws Exception
    {
        try (Harness h = Harness.started(collector(KubernetesSettings.defaults())))
        {
            k8s.pods().inNamespace("shop").resource(pod("shop", "a")).create();
            k8s.pods().inNamespace("payments").resource(pod("payments", "b")).create();
            h.awaitEvents(e -> e.type().equals("k8s.pod.created"), 2);
            assertEquals(List.of("k8s.pod.created"), h.typesOf("a"));
            assertEquals("payments", h.matching(e -> e.pod().equals("b")).get(0).namespace());
        }
    }

    @Test
    void aRestartAfterAnOomKillCarriesTheReasonExitCodeAndTheEndedContainer() throws Exception
    {
        try (Harness h = Harness.started(collector(shopOnly())))
        {
            final Pod p = pod("shop", "checkout-1");
            p.getSpec().setNodeName("worker-1");
            k8s.pods().inNamespace("shop").resource(p).create();
            editStatus("shop", "checkout-1", s -> running(s, containerId('a'), 0, null, null, null));
            h.awaitEvents(e -> e.type().equals("k8s.pod.running"), 1);
            editStatus("shop", "checkout-1", s -> running(s, containerId('b'), 1, "OOMKilled", 137, containerId('a')));
            final Harness.Published restarted = h.awaitEvents(e -> e.type().equals("k8s.pod.restarted"), 1).get(0);

            assertEquals("OOMKilled", restarted.attribute("reason"));
            assertEquals(137, restarted.exitCode());
            assertEquals("app", restarted.container());
            assertEquals(containerId('a'), restarted.containerId(), "the container that was killed");
            assertEquals("1", restarted.attribute("k8s.container.restart_count"));
            assertEquals("worker-1", restarted.node());
            assertEquals("container app restarted (OOMKilled, exit code 137)", restarted.message());

            final PodMetadataCache.PodEntry byNew = h.collector.metadata().podOfContainer(containerId('b'));
            assertNotNull(byNew, "the new container is in the cache");
            assertEquals("checkout-1", byNew.name());
            assertNotNull(h.collector.metadata().podOfContainer(containerId('a')), "so is the one that ended");
            assertEquals(List.of("k8s.pod.created", "k8s.pod.scheduled", "k8s.pod.running", "k8s.pod.restarted"),
                h.typesOf("checkout-1"));
        }
    }

    @Test
    void podsThatExistAtStartAreRecordedNotReportedAndTheirLaterChangesAreReported() throws Exception
    {
        final Pod p = pod("shop", "old-1");
        p.getSpec().setNodeName("worker-1");
        k8s.pods().inNamespace("shop").resource(p).create();
        editStatus("shop", "old-1", s -> running(s, containerId('c'), 2, "Error", 1, containerId('d')));
        try (Harness h = Harness.started(collector(shopOnly())))
        {
            assertEquals("old-1", h.collector.metadata().podOfContainer(containerId('c')).name());
            editStatus("shop", "old-1", s -> running(s, containerId('e'), 3, "Error", 1, containerId('c')));
            h.awaitEvents(e -> e.type().equals("k8s.pod.restarted"), 1);
            assertEquals(List.of("k8s.pod.restarted"), h.typesOf("old-1"));
            assertEquals("3", h.published().get(0).attribute("k8s.container.restart_count"));
        }
    }

    @Test
    void aReplicaSetSeenAfterItsPodsRenamesTheirWorkloadInTheCache() throws Exception
    {
        try (Harness h = Harness.started(collector(shopOnly())))
        {
            final Pod p = pod("shop", "api-x1-abcde");
            p.getMetadata().setOwnerReferences(List.of(new io.fabric8.kubernetes.api.model.OwnerReferenceBuilder()
                .withApiVersion("apps/v1").withKind("ReplicaSet").withName("api-x1").withUid("rs-1").withController(true).build()));
            k8s.pods().inNamespace("shop").resource(p).create();
            h.awaitEvents(e -> e.pod().equals("api-x1-abcde"), 1);
            final String uid = h.published().get(0).podUid();
            assertEquals("k8s.replicaset.name", h.collector.metadata().pod(uid).workloadKey());

            k8s.apps().replicaSets().inNamespace("shop").resource(new io.fabric8.kubernetes.api.model.apps.ReplicaSetBuilder()
                .withNewMetadata().withNamespace("shop").withName("api-x1").addToOwnerReferences(
                    new io.fabric8.kubernetes.api.model.OwnerReferenceBuilder().withApiVersion("apps/v1").withKind("Deployment")
                        .withName("api").withUid("d-1").withController(true).build()).endMetadata().build()).create();
            h.await(() -> "k8s.deployment.name".equals(h.collector.metadata().pod(uid).workloadKey()),
                () -> "the pod named after its Deployment");
            assertEquals("api", h.collector.metadata().pod(uid).workloadName());
        }
    }

    @Test
    void warningEventsAreReportedOncePerOccurrenceAndNormalOnesNotAtAll() throws Exception
    {
        try (Harness h = Harness.started(collector(shopOnly())))
        {
            k8s.v1().events().inNamespace("shop").resource(new EventBuilder().withNewMetadata().withNamespace("shop")
                .withName("web-1.1").endMetadata().withType("Warning").withReason("BackOff")
                .withMessage("Back-off restarting failed container app").withCount(1)
                .withNewInvolvedObject().withKind("Pod").withNamespace("shop").withName("web-1").withUid("u-1").endInvolvedObject()
                .build()).create();
            k8s.v1().events().inNamespace("shop").resource(new EventBuilder().withNewMetadata().withNamespace("shop")
                .withName("web-1.2").endMetadata().withType("Normal").withReason("Pulled").withMessage("pulled")
                .withNewInvolvedObject().withKind("Pod").withNamespace("shop").withName("web-1").endInvolvedObject()
                .build()).create();
            h.awaitEvents(e -> e.type().equals("k8s.event.warning"), 1);
            k8s.v1().events().inNamespace("shop").withName("web-1.1").edit(e ->
            {
                e.setCount(2);
                return e;
            });
            final List<Harness.Published> warnings = h.awaitEvents(e -> e.type().equals("k8s.event.warning"), 2);
            // Something after the warnings, so that a late duplicate would be seen before it.
            k8s.pods().inNamespace("shop").resource(pod("shop", "marker")).create();
            h.awaitEvents(e -> e.pod().equals("marker"), 1);

            assertEquals(2, h.matching(e -> e.type().equals("k8s.event.warning")).size());
            assertEquals("BackOff", warnings.get(0).attribute("reason"));
            assertEquals("web-1", warnings.get(0).pod());
            assertEquals("Back-off restarting failed container app", warnings.get(0).message());
            assertEquals("2", warnings.get(1).attribute("k8s.event.count"));
        }
    }

    @Test
    void aNodeReportsPressureOnceWhenAConditionTurnsTrue() throws Exception
    {
        k8s.nodes().resource(new NodeBuilder().withNewMetadata().withName("worker-1").endMetadata().withNewStatus()
            .addToConditions(new NodeConditionBuilder().withType("MemoryPressure").withStatus("False").build())
            .addToConditions(new NodeConditionBuilder().withType("Ready").withStatus("True").build())
            .endStatus().build()).create();
        try (Harness h = Harness.started(collector(shopOnly())))
        {
            k8s.nodes().withName("worker-1").editStatus(n ->
            {
                n.getStatus().getConditions().get(0).setStatus("True");
                n.getStatus().getConditions().get(0).setReason("KubeletHasInsufficientMemory");
                n.getStatus().getConditions().get(0).setMessage("kubelet has insufficient memory available");
                return n;
            });
            final Harness.Published pressure = h.awaitEvents(e -> e.type().equals("k8s.node.pressure"), 1).get(0);
            k8s.nodes().withName("worker-1").edit(n ->
            {
                n.getMetadata().getLabels().put("touched", "yes");
                return n;
            });
            k8s.pods().inNamespace("shop").resource(pod("shop", "marker")).create();
            h.awaitEvents(e -> e.pod().equals("marker"), 1);

            assertEquals(1, h.matching(e -> e.type().equals("k8s.node.pressure")).size());
            assertEquals("worker-1", pressure.node());
            assertEquals("MemoryPressure", pressure.attribute("k8s.node.condition"));
            assertEquals("MemoryPressure: kubelet has insufficient memory available", pressure.message());
        }
    }
}
