package dev.tapio.collectors.cni;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tapio.codecs.sbe.EventType;
import dev.tapio.collectors.cni.CniTestSupport.Recording;
import dev.tapio.collectors.cni.CniTestSupport.Seen;
import dev.tapio.engine.Engine;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The collector watching what the real CNI plugins do: Debian's {@code containernetworking-plugins}
 * {@code bridge} with {@code host-local} IPAM, invoked the way a runtime invokes them (the CNI
 * environment protocol, the network config on stdin) against network namespaces this test creates with
 * {@code ip netns add} ({@link CniPlugins}). The IPAM {@code dataDir} and the result cache are temp directories, so nothing
 * touches the host's /var/lib/cni; the test writes the result cache entry as libcni would after ADD.
 * Needs root and the plugins (CI installs them); otherwise every test is skipped, saying which is missing.
 */
@Timeout(120)
@SuppressWarnings("try") // try-with-resources stops the engine; the body need not name it
class CniPluginTest
{
    @TempDir
    Path tmp;

    private final ObjectMapper mapper = new ObjectMapper();

    @BeforeEach
    void needsRootAndThePlugins() throws Exception
    {
        CniPlugins.assumeUsable();
    }

    /** The IPAM dataDir: host-local keeps its state here, the collector watches it. */
    private Path dataDir() throws IOException
    {
        return Files.createDirectories(tmp.resolve("networks"));
    }

    /** Where the test writes the result cache entries libcni would. */
    private Path resultsDir() throws IOException
    {
        return Files.createDirectories(tmp.resolve("results"));
    }

    private static String newContainerId()
    {
        return "tapio" + Long.toHexString(System.nanoTime());
    }

    /** Runs the bridge plugin's ADD, which must succeed; its CNI result. */
    private JsonNode add(final CniPlugins plugins, final String containerId, final String ns) throws Exception
    {
        final CniPlugins.Ran add = plugins.plugin("ADD", containerId, ns);
        assertEquals(0, add.exit(), () -> "bridge ADD: " + add.stdout() + add.stderr());
        return mapper.readTree(add.stdout());
    }

    /** Runs the bridge plugin's DEL, which must succeed. */
    private static void del(final CniPlugins plugins, final String containerId, final String ns) throws Exception
    {
        final CniPlugins.Ran del = plugins.plugin("DEL", containerId, ns);
        assertEquals(0, del.exit(), () -> "bridge DEL: " + del.stdout() + del.stderr());
    }

    /** The first address of a CNI result, with its prefix length ({@code 10.1.2.3/24}). */
    private static String address(final JsonNode result)
    {
        return result.get("ips").get(0).get("address").asText();
    }

    /** The IP of an address with its prefix length. */
    private static String ip(final String address)
    {
        return address.substring(0, address.indexOf('/'));
    }

    @Test
    void bridgeWithHostLocalAddAndDelAreAllocatedAndReleased() throws Exception
    {
        final Path dataDir = dataDir();
        final Path results = resultsDir();
        final String network = "tapio-test";
        final CniPlugins plugins = new CniPlugins(network, dataDir);
        final CniCollector cni = new CniCollector("cni", CniSettings.defaults().withNetworksDir(dataDir)
            .withResultsDir(results).withResultWait(Duration.ofSeconds(10)).withRescanInterval(Duration.ofSeconds(1)));
        final Recording sink = new Recording();
        final String containerId = newContainerId();
        try (plugins; Engine engine = CniTestSupport.startHealthy(cni, sink))
        {
            final String ns = plugins.newNamespace();
            final JsonNode result = add(plugins, containerId, ns);
            final String address = address(result);
            final String ip = ip(address);
            final String gateway = result.get("ips").get(0).get("gateway").asText();
            assertTrue(Files.exists(dataDir.resolve(network).resolve(ip)), "host-local keeps its state in the temp dataDir");
            plugins.cacheResult(results, containerId, ns, "shop", "web-1", "uid-web-1", result);

            final Seen allocated = sink.await(EventType.CNI_IP_ALLOCATED, ip);
            assertEquals(containerId, allocated.containerId());
            assertEquals(network, allocated.attribute("network.name"));
            assertEquals("eth0", allocated.attribute("network.interface.name"));
            assertEquals(address, allocated.attribute("network.ip.prefix"));
            assertEquals(gateway, allocated.attribute("network.gateway"));
            assertEquals("/var/run/netns/" + ns, allocated.attribute("cni.sandbox"));
            assertEquals("web-1", allocated.pod());
            assertEquals("shop", allocated.namespace());

            del(plugins, containerId, ns);
            Files.deleteIfExists(results.resolve(network + "-" + containerId + "-eth0")); // as libcni does after DEL
            final Seen released = sink.await(EventType.CNI_IP_RELEASED, ip);
            assertEquals(containerId, released.containerId());
            assertEquals("web-1", released.pod());
            assertEquals(List.of(), sink.of(EventType.CNI_ERROR));
        }
    }

    /**
     * The CNI step of the original design's pod startup timeline: the allocation, carrying the pod from the
     * runtime's CNI args, and the pod's {@code k8s.pod.running} (published here as the Kubernetes collector
     * would) end up in one {@code pod-startup} group with one correlation id.
     */
    @Test
    void anAllocationJoinsItsPodsStartupGroup() throws Exception
    {
        final Path dataDir = dataDir();
        final Path results = resultsDir();
        final String network = "tapio-group";
        final CniPlugins plugins = new CniPlugins(network, dataDir);
        final CniCollector cni = new CniCollector("cni", CniSettings.defaults().withNetworksDir(dataDir)
            .withResultsDir(results).withResultWait(Duration.ofSeconds(10)));
        final Recording sink = new Recording();
        final String containerId = newContainerId();
        final Engine engine = Engine.builder().nodeName("cni-test").producers(dev.tapio.engine.ProducerMode.MULTI)
            .source(cni).sink(sink).build().start();
        try
        {
            CniTestSupport.until(() -> CniCollector.HEALTHY.equals(cni.health()), cni::health);
            final String ns = plugins.newNamespace();
            final JsonNode result = add(plugins, containerId, ns);
            final String ip = ip(address(result));
            plugins.cacheResult(results, containerId, ns, "shop", "web-7c5d8f9b6-x2x1k", "uid-web-7c5d8f9b6-x2x1k", result);
            sink.await(EventType.CNI_IP_ALLOCATED, ip);

            final dev.tapio.codecs.EventDraft running = new dev.tapio.codecs.EventDraft();
            running.type = EventType.K8S_POD_RUNNING;
            running.source = dev.tapio.codecs.sbe.Source.KUBERNETES;
            running.text(dev.tapio.codecs.EventDraft.NAMESPACE).set("shop");
            running.text(dev.tapio.codecs.EventDraft.POD).set("web-7c5d8f9b6-x2x1k");
            assertEquals(0, engine.publisher("k8s", dev.tapio.engine.ring.BackpressurePolicy.BLOCK).publish(running));

            final Seen pod = sink.await(e -> e.type() == EventType.K8S_POD_RUNNING, "k8s.pod.running");
            final Seen allocated = sink.of(EventType.CNI_IP_ALLOCATED).get(0);
            assertNotEquals(0L, pod.correlationId(), "the pod's running completes a group");
            assertEquals(pod.correlationId(), allocated.correlationId(), "one group: " + sink.all());
            assertEquals(1, allocated.patternId(), "pod-startup (id 1 in the built-in rules)");
        }
        finally
        {
            engine.close();
            plugins.close();
        }
    }

    @Test
    void anIpLeftAllocatedAfterTheResultCacheEntryWentIsReportedAsLeaked() throws Exception
    {
        final Path dataDir = dataDir();
        final Path results = resultsDir();
        final String network = "tapio-leak";
        final CniPlugins plugins = new CniPlugins(network, dataDir);
        final CniCollector cni = new CniCollector("cni", CniSettings.defaults().withNetworksDir(dataDir)
            .withResultsDir(results).withGrace(Duration.ofMillis(300)));
        final Recording sink = new Recording();
        final String containerId = newContainerId();
        try (plugins; Engine engine = CniTestSupport.startHealthy(cni, sink))
        {
            final String ns = plugins.newNamespace();
            final JsonNode result = add(plugins, containerId, ns);
            final String ip = ip(address(result));
            plugins.cacheResult(results, containerId, ns, "shop", "api-0", "uid-api-0", result);
            sink.await(EventType.CNI_IP_ALLOCATED, ip);
            // The runtime forgets the container (its entry is gone) but the plugins never ran DEL.
            Files.delete(results.resolve(network + "-" + containerId + "-eth0"));
            final Seen leak = sink.await(e -> e.type() == EventType.CNI_ERROR, "the leak");
            assertEquals(CniCollector.ERROR_IP_LEAKED, leak.attribute("error.type"));
            assertEquals(ip, leak.attribute("network.ip"));
            assertEquals(containerId, leak.containerId());
            assertEquals("api-0", leak.pod());
        }
    }

    @Test
    void twoContainersOnOneNetworkGetTheirOwnAddresses() throws Exception
    {
        final Path dataDir = dataDir();
        final String network = "tapio-two";
        final CniPlugins plugins = new CniPlugins(network, dataDir);
        // No result cache: events are published as soon as the state file is read.
        final CniCollector cni = new CniCollector("cni", CniSettings.defaults().withNetworksDir(dataDir).withResultsDir(null));
        final Recording sink = new Recording();
        final String base = newContainerId();
        final List<String> containers = List.of(base + "a", base + "b");
        try (plugins; Engine engine = CniTestSupport.startHealthy(cni, sink))
        {
            final List<String> ips = new ArrayList<>();
            final List<String> namespaces = new ArrayList<>();
            for (final String c : containers)
            {
                final String ns = plugins.newNamespace();
                namespaces.add(ns);
                ips.add(ip(address(add(plugins, c, ns))));
            }
            assertNotEquals(ips.get(0), ips.get(1));
            assertEquals(containers.get(0), sink.await(EventType.CNI_IP_ALLOCATED, ips.get(0)).containerId());
            assertEquals(containers.get(1), sink.await(EventType.CNI_IP_ALLOCATED, ips.get(1)).containerId());

            del(plugins, containers.get(1), namespaces.get(1));
            assertEquals(containers.get(1), sink.await(EventType.CNI_IP_RELEASED, ips.get(1)).containerId());
            assertEquals(List.of(), sink.of(EventType.CNI_IP_RELEASED).stream()
                .filter(e -> ips.get(0).equals(e.attribute("network.ip"))).toList(), "the other keeps its address");
        }
    }
}
