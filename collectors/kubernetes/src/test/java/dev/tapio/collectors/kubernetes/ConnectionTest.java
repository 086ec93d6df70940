package dev.tapio.collectors.kubernetes;

import dev.tapio.engine.config.ConfigException;
import dev.tapio.engine.config.ConfigNode;
import dev.tapio.engine.spi.SourceFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.ServiceLoader;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Where the collector connects, and how it says it cannot. */
@Timeout(60)
class ConnectionTest
{
    private static String kubeconfig(final String server, final String context)
    {
        return "apiVersion: v1\nkind: Config\ncurrent-context: " + context + "\n" +
            "clusters:\n- name: c\n  cluster:\n    server: " + server + "\n    insecure-skip-tls-verify: true\n" +
            "contexts:\n- name: " + context + "\n  context:\n    cluster: c\n    user: u\n    namespace: shop\n" +
            "users:\n- name: u\n  user:\n    token: t0k3n\n";
    }

    @Test
    void connectsThroughAKubeconfigFileAndContext(@TempDir final Path dir) throws Exception
    {
        try (MockCluster cluster = new MockCluster())
        {
            final Path file = dir.resolve("config");
            Files.writeString(file, kubeconfig(cluster.url(), "test"));
            final KubernetesSettings settings = KubernetesSettings.defaults().withNamespaces(List.of("shop"))
                .withKubeconfig(file.toString(), "test");
            try (Harness h = Harness.started(new KubernetesCollector("kubernetes", settings)))
            {
                cluster.client().pods().inNamespace("shop").resource(MockCluster.pod("shop", "via-kubeconfig")).create();
                h.awaitEvents(e -> e.pod().equals("via-kubeconfig"), 1);
            }
        }
    }

    @Test
    void anUnreachableApiServerFailsTheStartWithOneClearReason(@TempDir final Path dir) throws Exception
    {
        final int port;
        try (ServerSocket s = new ServerSocket(0))
        {
            port = s.getLocalPort();
        }
        final Path file = dir.resolve("config");
        Files.writeString(file, kubeconfig("https://127.0.0.1:" + port, "gone"));
        final KubernetesSettings settings = KubernetesSettings.defaults().withKubeconfig(file.toString(), "")
            .withStartTimeout(Duration.ofSeconds(3));
        final KubernetesCollector collector = new KubernetesCollector("kubernetes", settings);
        try (Harness h = new Harness(collector))
        {
            final Throwable t = h.awaitFailure();
            assertTrue(t instanceof dev.tapio.engine.spi.SourceUnavailableException, String.valueOf(t));
            assertTrue(t.getMessage().startsWith("cannot reach the API server at https://127.0.0.1:" +
                port), t.getMessage());
            assertTrue(t.getMessage().toLowerCase(java.util.Locale.ROOT).contains("connection refused"), t.getMessage());
            assertTrue(collector.health().startsWith("unavailable: "), collector.health());
            assertTrue(h.published().isEmpty());
        }
    }

    @Test
    void aMissingKubeconfigSaysSo()
    {
        final KubernetesCollector collector = new KubernetesCollector("k8s",
            KubernetesSettings.defaults().withKubeconfig("/nonexistent/kubeconfig", ""));
        try (Harness h = new Harness(collector))
        {
            final Throwable t = h.awaitFailure();
            assertEquals("kubeconfig /nonexistent/kubeconfig is not readable", t.getMessage());
        }
        catch (final Exception e)
        {
            throw new AssertionError(e);
        }
    }

    @Test
    void theFactoryIsFoundByItsTypeAndReadsEveryOption() throws Exception
    {
        SourceFactory factory = null;
        for (final SourceFactory f : ServiceLoader.load(SourceFactory.class))
        {
            if (f.type().equals("kubernetes"))
            {
                factory = f;
            }
        }
        assertTrue(factory != null, "kubernetes is registered");
        final ConfigNode node = ConfigNode.parse("tapio.yaml", "kubeconfig: /etc/kube/config\ncontext: prod\n" +
            "namespaces: [shop, payments]\nwarnings: false\nnodes: false\nworkloads: false\nemitExisting: true\n" +
            "maxPods: 500\nresync: 10m\nqueueCapacity: 1024\nstartTimeout: 5s\n");
        final KubernetesSettings s = KubernetesSettings.fromConfig(node);
        node.checkAllKeysUsed();
        assertEquals(new KubernetesSettings("/etc/kube/config", "prod", List.of("shop", "payments"), false, false, false, true, 500,
            Duration.ofMinutes(10), 1024, Duration.ofSeconds(5)), s);
        assertEquals(KubernetesSettings.defaults(), KubernetesSettings.fromConfig(ConfigNode.parse("tapio.yaml", "{}")));
        final ConfigException bad = assertThrows(ConfigException.class,
            () -> KubernetesSettings.fromConfig(ConfigNode.parse("tapio.yaml", "namespaces: [Shop_1]\n")));
        assertTrue(bad.getMessage().contains("namespaces"), bad.getMessage());
        assertTrue(bad.getMessage().contains("tapio.yaml"), bad.getMessage());
    }
}
