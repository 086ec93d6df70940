package dev.tapio.collectors.kubernetes;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.client.KubernetesClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

import java.util.List;
import java.util.function.Consumer;

/**
 * What the collector tests against the mock API server share: a fresh {@link MockCluster} for each test
 * (closed after it), the test's own client, and collectors that reach the cluster through new clients.
 */
abstract class MockClusterFixture
{
    MockCluster cluster;
    KubernetesClient k8s;

    @BeforeEach
    void startCluster()
    {
        cluster = new MockCluster();
        k8s = cluster.client();
    }

    @AfterEach
    void stopCluster()
    {
        cluster.close();
    }

    KubernetesCollector collector(final KubernetesSettings settings)
    {
        return new KubernetesCollector("kubernetes", settings, s -> cluster.newClient());
    }

    static KubernetesSettings shopOnly()
    {
        return KubernetesSettings.defaults().withNamespaces(List.of("shop"));
    }

    /** Changes a pod's status (giving it one first if it has none). */
    void editStatus(final String ns, final String name, final Consumer<Pod> change)
    {
        k8s.pods().inNamespace(ns).withName(name).editStatus(p ->
        {
            if (p.getStatus() == null)
            {
                p.setStatus(new PodStatus());
            }
            change.accept(p);
            return p;
        });
    }
}
