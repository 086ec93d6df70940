package dev.tapio.collectors.kubernetes;

import io.fabric8.kubernetes.api.model.Pod;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.List;

import static dev.tapio.collectors.kubernetes.MockCluster.containerId;
import static dev.tapio.collectors.kubernetes.MockCluster.pod;
import static dev.tapio.collectors.kubernetes.MockCluster.running;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Watches break: the API server restarts, or a watch resumes from a resourceVersion the server no longer
 * has (410 Gone) and the informer re-lists. Neither may lose a change nor report one twice.
 */
@Timeout(90)
class WatchRecoveryTest extends MockClusterFixture
{
    private Harness started()
    {
        return Harness.started(collector(shopOnly()));
    }

    private void createRunning(final Harness h, final String name, final char container)
    {
        final Pod p = pod("shop", name);
        p.getSpec().setNodeName("worker-1");
        k8s.pods().inNamespace("shop").resource(p).create();
        editStatus("shop", name, s -> running(s, containerId(container), 0, null, null, null));
        h.awaitEvents(e -> e.pod().equals(name) && e.type().equals("k8s.pod.running"), 1);
    }

    @Test
    void anApiServerRestartDuplicatesNothingAndLaterChangesStillArrive() throws Exception
    {
        try (Harness h = started())
        {
            createRunning(h, "web-1", 'a');
            final int before = h.published().size();
            final int watchesBefore = cluster.watches();

            cluster.stop();
            h.await(() -> h.collector.health().startsWith("degraded"), () -> "the collector to notice the lost watch");
            cluster.start();
            h.await(() -> cluster.watches() >= watchesBefore + 5 && "healthy".equals(h.collector.health()),
                () -> "every informer to watch again (" + cluster.watches() + " watches), health " + h.collector.health());

            editStatus("shop", "web-1", s -> running(s, containerId('b'), 1, "OOMKilled", 137, containerId('a')));
            createRunning(h, "web-2", 'c');
            h.awaitEvents(e -> e.type().equals("k8s.pod.restarted"), 1);

            assertEquals(List.of("k8s.pod.created", "k8s.pod.scheduled", "k8s.pod.running", "k8s.pod.restarted"), h.typesOf("web-1"));
            assertEquals(List.of("k8s.pod.created", "k8s.pod.scheduled", "k8s.pod.running"), h.typesOf("web-2"));
            assertEquals(before + 4, h.published().size(), "exactly the new events: " + h.published());
        }
    }

    @Test
    void aReListAfter410GoneReportsWhatChangedMeanwhileOnceAndRepeatsNothing() throws Exception
    {
        try (Harness h = started())
        {
            createRunning(h, "web-1", 'a');
            createRunning(h, "web-2", 'b');
            createRunning(h, "web-3", 'c');
            final int before = h.published().size();

            // Watches now resume only into 410 Gone; the restart drops the current ones.
            cluster.watchesGone(true);
            cluster.stop();
            cluster.start();
            h.await(() -> cluster.goneAnswers() >= 1, () -> "a watch answered 410 Gone");

            // Changes no watch can deliver: only the informers' re-list sees them.
            editStatus("shop", "web-1", s -> running(s, containerId('d'), 1, "OOMKilled", 137, containerId('a')));
            k8s.pods().inNamespace("shop").withName("web-2").delete();
            createRunning0("web-4");

            cluster.watchesGone(false);
            h.awaitEvents(e -> e.type().equals("k8s.pod.restarted"), 1);
            h.awaitEvents(e -> e.type().equals("k8s.pod.deleted"), 1);
            h.awaitEvents(e -> e.pod().equals("web-4"), 1);
            h.await(() -> "healthy".equals(h.collector.health()), () -> "watching again");
            // A change after recovery: the watches deliver again, and it comes last.
            editStatus("shop", "web-3", s -> running(s, containerId('e'), 1, "Error", 1, containerId('c')));
            h.awaitEvents(e -> e.pod().equals("web-3") && e.type().equals("k8s.pod.restarted"), 1);

            final List<Harness.Published> after = h.published().subList(before, h.published().size());
            assertEquals(List.of("k8s.pod.created", "k8s.pod.scheduled", "k8s.pod.running", "k8s.pod.restarted"), h.typesOf("web-1"));
            assertEquals(List.of("k8s.pod.created", "k8s.pod.scheduled", "k8s.pod.running", "k8s.pod.deleted"), h.typesOf("web-2"));
            assertEquals(List.of("k8s.pod.created", "k8s.pod.scheduled"), h.typesOf("web-4"));
            assertEquals("OOMKilled", h.matching(e -> e.pod().equals("web-1") && e.type().equals("k8s.pod.restarted")).get(0)
                .attribute("reason"));
            assertEquals(5, after.size(), "restarted, deleted, created + scheduled, restarted: " + after);
            assertTrue(h.collector.metadata().pod(h.matching(e -> e.pod().equals("web-2")).get(0).podUid()) == null,
                "the pod deleted during the gap left the cache");
        }
    }

    @Test
    void aSecondRunOfTheSameCollectorReportsOnlyWhatChangedWhileItWasStopped() throws Exception
    {
        final KubernetesCollector collector = collector(shopOnly());
        try (Harness h = Harness.started(collector))
        {
            createRunning(h, "web-1", 'a');
            createRunning(h, "web-2", 'b');
        }
        // Stopped (as a collector manager stops a collector it will restart): the cluster moves on.
        editStatus("shop", "web-1", s -> running(s, containerId('c'), 1, "OOMKilled", 137, containerId('a')));
        k8s.pods().inNamespace("shop").withName("web-2").delete();
        createRunning0("web-3");
        try (Harness h = Harness.started(collector))
        {
            h.awaitEvents(e -> e.pod().equals("web-3") && e.type().equals("k8s.pod.scheduled"), 1);
            k8s.pods().inNamespace("shop").resource(pod("shop", "marker")).create();
            h.awaitEvents(e -> e.pod().equals("marker"), 1);
            assertEquals(List.of("k8s.pod.restarted"), h.typesOf("web-1"));
            assertEquals(List.of("k8s.pod.deleted"), h.typesOf("web-2"));
            assertEquals(List.of("k8s.pod.created", "k8s.pod.scheduled"), h.typesOf("web-3"));
            assertEquals(4 + 1, h.published().size(), "nothing else: " + h.published());
        }
    }

    private void createRunning0(final String name)
    {
        final Pod p = pod("shop", name);
        p.getSpec().setNodeName("worker-1");
        k8s.pods().inNamespace("shop").resource(p).create();
    }
}
