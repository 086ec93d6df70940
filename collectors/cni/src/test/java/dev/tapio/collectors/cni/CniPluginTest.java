package dev.tapio.collectors.cni;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tapio.codecs.sbe.EventType;
import dev.tapio.collectors.cni.CniTestSupport.Recording;
import dev.tapio.collectors.cni.CniTestSupport.Seen;
import dev.tapio.engine.Engine;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The collector watching what the real CNI plugins do: Debian's {@code containernetworking-plugins}
 * {@code bridge} with {@code host-local} IPAM, invoked the way a runtime invokes them (the CNI
 * environment protocol, the network config on stdin) against network namespaces this test creates with
 * {@code ip netns add}. The IPAM {@code dataDir} and the result cache are temp directories, so nothing
 * touches the host's /var/lib/cni; the test writes the result cache entry as libcni would after ADD.
 * Needs root and the plugins (CI installs them); otherwise every test is skipped, saying which is missing.
 */
@Timeout(120)
@SuppressWarnings("try") // try-with-resources stops the engine; the body need not name it
class CniPluginTest
{
    /** Debian's plugin directory; elsewhere (e.g. /opt/cni/bin) set -Dtapio.cni.plugins. */
    static final Path PLUGINS = Path.of(System.getProperty("tapio.cni.plugins", "/usr/lib/cni"));
    static final Duration PLUGIN_TIMEOUT = Duration.ofSeconds(30);

    @TempDir
    Path tmp;

    private final ObjectMapper mapper = new ObjectMapper();
    private final List<String> namespaces = new ArrayList<>();
    private String bridge;

    @BeforeEach
    void needsRootAndThePlugins() throws Exception
    {
        for (final String plugin : List.of("bridge", "host-local"))
        {
            Assumptions.assumeTrue(Files.isExecutable(PLUGINS.resolve(plugin)),
                () -> "no CNI plugin " + PLUGINS.resolve(plugin) + ": apt-get install containernetworking-plugins");
        }
        final int uid = (Integer)Files.getAttribute(Path.of("/proc/self"), "unix:uid");
        Assumptions.assumeTrue(uid == 0, "creating network namespaces and bridges needs root; uid is " + uid);
        Assumptions.assumeTrue(run(List.of("ip", "netns", "list"), Map.of(), null).exit == 0,
            "`ip netns` does not work here (iproute2 missing or no network namespaces)");
    }

    record Ran(int exit, String stdout, String stderr)
    {
    }

    static Ran run(final List<String> command, final Map<String, String> env, final String stdin)
        throws IOException, InterruptedException
    {
        final ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().putAll(env);
        final Path out = Files.createTempFile("cni-out", ".txt");
        final Path err = Files.createTempFile("cni-err", ".txt");
        try
        {
            pb.redirectOutput(out.toFile()).redirectError(err.toFile());
            final Process p = pb.start();
            try (var in = p.getOutputStream())
            {
                if (stdin != null)
                {
                    in.write(stdin.getBytes(StandardCharsets.UTF_8));
                }
            }
            if (!p.waitFor(PLUGIN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS))
            {
                p.destroyForcibly();
                fail(command + " did not finish within " + PLUGIN_TIMEOUT);
            }
            return new Ran(p.exitValue(), Files.readString(out), Files.readString(err));
        }
        finally
        {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    private String newNamespace() throws Exception
    {
        final String ns = "tapio-cni-" + Long.toHexString(ThreadLocalRandom.current().nextLong() & 0xFFFFFFL);
        final Ran r = run(List.of("ip", "netns", "add", ns), Map.of(), null);
        assertEquals(0, r.exit, () -> "ip netns add " + ns + ": " + r.stderr);
        namespaces.add(ns);
        return ns;
    }

    /** A bridge + host-local network config with a random bridge name and /24, its state under {@code dataDir}. */
    private String config(final String network, final Path dataDir)
    {
        bridge = "tpcni" + Integer.toHexString(ThreadLocalRandom.current().nextInt(0x100000, 0xFFFFFF));
        final int third = ThreadLocalRandom.current().nextInt(1, 250);
        return "{\"cniVersion\":\"1.0.0\",\"name\":\"" + network + "\",\"type\":\"bridge\",\"bridge\":\"" + bridge + "\"," +
            "\"isGateway\":true,\"ipMasq\":false,\"ipam\":{\"type\":\"host-local\",\"subnet\":\"10.254." + third +
            ".0/24\",\"dataDir\":\"" + dataDir + "\"}}";
    }

    private Ran plugin(final String command, final String containerId, final String ns, final String config)
        throws Exception
    {
        return run(List.of(PLUGINS.resolve("bridge").toString()), Map.of(
            "CNI_COMMAND", command,
            "CNI_CONTAINERID", containerId,
            "CNI_NETNS", "/var/run/netns/" + ns,
            "CNI_IFNAME", "eth0",
            "CNI_PATH", PLUGINS.toString()), config);
    }

    /** What libcni writes to {@code <resultsDir>/<network>-<containerId>-<ifName>} after a successful ADD. */
    private void cacheResult(final Path results, final String network, final String containerId, final String ns,
        final String config, final String pod, final JsonNode result) throws IOException
    {
        final ObjectNode entry = mapper.createObjectNode();
        entry.put("kind", "cniCacheV1");
        entry.put("containerId", containerId);
        entry.put("config", Base64.getEncoder().encodeToString(config.getBytes(StandardCharsets.UTF_8)));
        entry.put("ifName", "eth0");
        entry.put("networkName", network);
        entry.put("netns", "/var/run/netns/" + ns);
        final var args = entry.putArray("cniArgs");
        args.addArray().add("K8S_POD_NAMESPACE").add("shop");
        args.addArray().add("K8S_POD_NAME").add(pod);
        args.addArray().add("K8S_POD_UID").add("uid-" + pod);
        entry.set("result", result);
        Files.write(Files.createDirectories(results).resolve(network + "-" + containerId + "-eth0"),
            mapper.writeValueAsBytes(entry));
    }

    private void cleanUp(final String config, final List<String> containers) throws Exception
    {
        for (int i = 0; i < containers.size() && i < namespaces.size(); i++)
        {
            plugin("DEL", containers.get(i), namespaces.get(i), config);
        }
        for (final String ns : namespaces)
        {
            run(List.of("ip", "netns", "del", ns), Map.of(), null);
        }
        if (bridge != null)
        {
            run(List.of("ip", "link", "del", bridge), Map.of(), null);
        }
    }

    @Test
    void bridgeWithHostLocalAddAndDelAreAllocatedAndReleased() throws Exception
    {
        final Path dataDir = Files.createDirectories(tmp.resolve("networks"));
        final Path results = Files.createDirectories(tmp.resolve("results"));
        final String network = "tapio-test";
        final String config = config(network, dataDir);
        final CniCollector cni = new CniCollector("cni", CniSettings.defaults().withNetworksDir(dataDir)
            .withResultsDir(results).withResultWait(Duration.ofSeconds(10)).withRescanInterval(Duration.ofSeconds(1)));
        final Recording sink = new Recording();
        final String containerId = "tapio" + Long.toHexString(System.nanoTime());
        final List<String> containers = List.of(containerId);
        try (Engine engine = CniTestSupport.startHealthy(cni, sink))
        {
            final String ns = newNamespace();
            final Ran add = plugin("ADD", containerId, ns, config);
            assertEquals(0, add.exit, () -> "bridge ADD: " + add.stdout + add.stderr);
            final JsonNode result = mapper.readTree(add.stdout);
            final String address = result.get("ips").get(0).get("address").asText();
            final String ip = address.substring(0, address.indexOf('/'));
            final String gateway = result.get("ips").get(0).get("gateway").asText();
            assertTrue(Files.exists(dataDir.resolve(network).resolve(ip)), "host-local keeps its state in the temp dataDir");
            cacheResult(results, network, containerId, ns, config, "web-1", result);

            final Seen allocated = sink.await(EventType.CNI_IP_ALLOCATED, ip);
            assertEquals(containerId, allocated.containerId());
            assertEquals(network, allocated.attribute("network.name"));
            assertEquals("eth0", allocated.attribute("network.interface.name"));
            assertEquals(address, allocated.attribute("network.ip.prefix"));
            assertEquals(gateway, allocated.attribute("network.gateway"));
            assertEquals("/var/run/netns/" + ns, allocated.attribute("cni.sandbox"));
            assertEquals("web-1", allocated.pod());
            assertEquals("shop", allocated.namespace());

            final Ran del = plugin("DEL", containerId, ns, config);
            assertEquals(0, del.exit, () -> "bridge DEL: " + del.stdout + del.stderr);
            Files.deleteIfExists(results.resolve(network + "-" + containerId + "-eth0")); // as libcni does after DEL
            final Seen released = sink.await(EventType.CNI_IP_RELEASED, ip);
            assertEquals(containerId, released.containerId());
            assertEquals("web-1", released.pod());
            assertEquals(List.of(), sink.of(EventType.CNI_ERROR));
        }
        finally
        {
            cleanUp(config, containers);
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
        final Path dataDir = Files.createDirectories(tmp.resolve("networks"));
        final Path results = Files.createDirectories(tmp.resolve("results"));
        final String network = "tapio-group";
        final String config = config(network, dataDir);
        final CniCollector cni = new CniCollector("cni", CniSettings.defaults().withNetworksDir(dataDir)
            .withResultsDir(results).withResultWait(Duration.ofSeconds(10)));
        final Recording sink = new Recording();
        final String containerId = "tapio" + Long.toHexString(System.nanoTime());
        final Engine engine = Engine.builder().nodeName("cni-test").producers(dev.tapio.engine.ProducerMode.MULTI)
            .source(cni).sink(sink).build().start();
        try
        {
            CniTestSupport.until(() -> CniCollector.HEALTHY.equals(cni.health()), cni::health);
            final String ns = newNamespace();
            final Ran add = plugin("ADD", containerId, ns, config);
            assertEquals(0, add.exit, () -> "bridge ADD: " + add.stdout + add.stderr);
            final JsonNode result = mapper.readTree(add.stdout);
            final String address = result.get("ips").get(0).get("address").asText();
            final String ip = address.substring(0, address.indexOf('/'));
            cacheResult(results, network, containerId, ns, config, "web-7c5d8f9b6-x2x1k", result);
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
            cleanUp(config, List.of(containerId));
        }
    }

    @Test
    void anIpLeftAllocatedAfterTheResultCacheEntryWentIsReportedAsLeaked() throws Exception
    {
        final Path dataDir = Files.createDirectories(tmp.resolve("networks"));
        final Path results = Files.createDirectories(tmp.resolve("results"));
        final String network = "tapio-leak";
        final String config = config(network, dataDir);
        final CniCollector cni = new CniCollector("cni", CniSettings.defaults().withNetworksDir(dataDir)
            .withResultsDir(results).withGrace(Duration.ofMillis(300)));
        final Recording sink = new Recording();
        final String containerId = "tapio" + Long.toHexString(System.nanoTime());
        try (Engine engine = CniTestSupport.startHealthy(cni, sink))
        {
            final String ns = newNamespace();
            final Ran add = plugin("ADD", containerId, ns, config);
            assertEquals(0, add.exit, () -> "bridge ADD: " + add.stdout + add.stderr);
            final JsonNode result = mapper.readTree(add.stdout);
            final String address = result.get("ips").get(0).get("address").asText();
            final String ip = address.substring(0, address.indexOf('/'));
            cacheResult(results, network, containerId, ns, config, "api-0", result);
            sink.await(EventType.CNI_IP_ALLOCATED, ip);
            // The runtime forgets the container (its entry is gone) but the plugins never ran DEL.
            Files.delete(results.resolve(network + "-" + containerId + "-eth0"));
            final Seen leak = sink.await(e -> e.type() == EventType.CNI_ERROR, "the leak");
            assertEquals(CniCollector.ERROR_IP_LEAKED, leak.attribute("error.type"));
            assertEquals(ip, leak.attribute("network.ip"));
            assertEquals(containerId, leak.containerId());
            assertEquals("api-0", leak.pod());
        }
        finally
        {
            cleanUp(config, List.of(containerId));
        }
    }

    @Test
    void twoContainersOnOneNetworkGetTheirOwnAddresses() throws Exception
    {
        final Path dataDir = Files.createDirectories(tmp.resolve("networks"));
        final String network = "tapio-two";
        final String config = config(network, dataDir);
        // No result cache: events are published as soon as the state file is read.
        final CniCollector cni = new CniCollector("cni", CniSettings.defaults().withNetworksDir(dataDir).withResultsDir(null));
        final Recording sink = new Recording();
        final String base = "tapio" + Long.toHexString(System.nanoTime());
        final List<String> containers = List.of(base + "a", base + "b");
        try (Engine engine = CniTestSupport.startHealthy(cni, sink))
        {
            final List<String> ips = new ArrayList<>();
            for (final String c : containers)
            {
                final String ns = newNamespace();
                final Ran add = plugin("ADD", c, ns, config);
                assertEquals(0, add.exit, () -> "bridge ADD: " + add.stdout + add.stderr);
                final String address = mapper.readTree(add.stdout).get("ips").get(0).get("address").asText();
                ips.add(address.substring(0, address.indexOf('/')));
            }
            assertNotEquals(ips.get(0), ips.get(1));
            assertEquals(containers.get(0), sink.await(EventType.CNI_IP_ALLOCATED, ips.get(0)).containerId());
            assertEquals(containers.get(1), sink.await(EventType.CNI_IP_ALLOCATED, ips.get(1)).containerId());

            final Ran del = plugin("DEL", containers.get(1), namespaces.get(1), config);
            assertEquals(0, del.exit, () -> "bridge DEL: " + del.stdout + del.stderr);
            assertEquals(containers.get(1), sink.await(EventType.CNI_IP_RELEASED, ips.get(1)).containerId());
            assertEquals(List.of(), sink.of(EventType.CNI_IP_RELEASED).stream()
                .filter(e -> ips.get(0).equals(e.attribute("network.ip"))).toList(), "the other keeps its address");
        }
        finally
        {
            cleanUp(config, containers);
        }
    }
}
