package dev.tapio.tools.e2e;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tapio.codecs.json.JsonEventWriter;
import dev.tapio.codecs.json.JsonGroupWriter;
import dev.tapio.collectors.cni.CniCollector;
import dev.tapio.collectors.cni.CniPlugins;
import dev.tapio.collectors.cni.CniSettings;
import dev.tapio.collectors.kubernetes.KubernetesCollector;
import dev.tapio.collectors.kubernetes.KubernetesSettings;
import dev.tapio.collectors.kubernetes.MockCluster;
import dev.tapio.collectors.systemd.DbusDaemon;
import dev.tapio.collectors.systemd.FakeSystemd;
import dev.tapio.collectors.systemd.SystemdCollector;
import dev.tapio.collectors.systemd.SystemdSettings;
import dev.tapio.engine.Engine;
import dev.tapio.engine.ThreadingMode;
import dev.tapio.engine.collect.CollectorState;
import dev.tapio.engine.collect.CollectorStatus;
import dev.tapio.engine.collect.RestartPolicy;
import dev.tapio.engine.correlate.CorrelationSettings;
import dev.tapio.engine.correlate.RulesLoader;
import dev.tapio.engine.ring.BackpressurePolicy;
import dev.tapio.engine.spi.EventView;
import dev.tapio.engine.spi.GroupView;
import dev.tapio.engine.spi.Sink;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.client.KubernetesClient;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

/**
 * The original design's pod startup timeline, end to end: a real {@link Engine} with the built-in rules runs the
 * three real collectors under its CollectorManager, and each is driven by its own module's test source, in the
 * timeline's order:
 * <pre>
 *  FakeSystemd on a real dbus-daemon ──► SystemdCollector ──┐
 *    containerd.service started (node-level)                │
 *  real bridge + host-local CNI plugins ──► CniCollector ───┼──► Engine (node-1) ──► pod-startup group
 *    the sandbox's IP, pod from K8S_POD_* CNI args          │      [node, pod]       systemd → cni → k8s
 *  fabric8 mock API server ──► KubernetesCollector ─────────┘
 *    pod created, scheduled to node-1, running
 * </pre>
 * Nothing touches the host: the bus is the test's own dbus-daemon, the IPAM state and the CNI result cache are temp
 * directories, the namespace and bridge are the test's and are deleted at the end. Needs root, dbus-daemon, the CNI
 * plugins and {@code ip netns}; without any of them the test is skipped, saying which is missing.
 */
@Timeout(120)
class PodStartupEndToEndTest
{
    private static final Duration DEADLINE = Duration.ofSeconds(30);
    private static final String NODE = "node-1";
    private static final String NAMESPACE = "shop";
    private static final String POD = "web-7c5d8f9b6-x2x1k";
    private static final String RUNTIME = "containerd.service";

    @TempDir
    Path tmp;

    @BeforeEach
    void needsRootDbusDaemonAndTheCniPlugins() throws Exception
    {
        CniPlugins.assumeUsable();
        Assumptions.assumeTrue(DbusDaemon.executable() != null,
            "dbus-daemon is not installed (Debian package dbus-daemon): the systemd side of the timeline needs it");
    }

    @Test
    void runtimeStartIpAllocationAndPodRunningFromTheRealCollectorsAreOnePodStartupGroup() throws Exception
    {
        final Records records = new Records();
        final Path networks = Files.createDirectories(tmp.resolve("networks"));
        final Path results = Files.createDirectories(tmp.resolve("results"));
        final CniPlugins plugins = new CniPlugins("tapio-e2e", networks);
        final String sandbox = sandboxId();
        try (DbusDaemon daemon = DbusDaemon.start(Files.createDirectories(tmp.resolve("dbus")));
             FakeSystemd systemd = new FakeSystemd(daemon.address(),
                 new FakeSystemd.Unit(RUNTIME, "containerd container runtime", "inactive", "dead")).wallClock();
             MockCluster cluster = new MockCluster();
             plugins)
        {
            final SystemdCollector systemdCollector = new SystemdCollector("systemd", SystemdSettings.defaults(daemon.address()));
            final CniCollector cniCollector = new CniCollector("cni", CniSettings.defaults().withNetworksDir(networks)
                .withResultsDir(results).withResultWait(Duration.ofSeconds(10)));
            final KubernetesCollector kubernetesCollector = new KubernetesCollector("kubernetes",
                KubernetesSettings.defaults().withNamespaces(List.of(NAMESPACE)), s -> cluster.newClient());
            try (Engine engine = Engine.builder()
                .threading(ThreadingMode.SHARED)
                .nodeName(NODE)
                .rules(RulesLoader.builtin())
                .correlation(CorrelationSettings.builder().clock(CorrelationSettings.Clock.WALL).build())
                .source(systemdCollector, BackpressurePolicy.BLOCK, RestartPolicy.DEFAULT)
                .source(cniCollector, BackpressurePolicy.BLOCK, RestartPolicy.DEFAULT)
                .source(kubernetesCollector, BackpressurePolicy.BLOCK, RestartPolicy.DEFAULT)
                .sink(records)
                .build()
                .start())
            {
                // Running (the manager's HEALTHY) is not yet ready: wait until each collector says it watches, so
                // the pod is not taken for one that existed before the collector started (recorded, not reported).
                until(() -> engine.collectors().stream().allMatch(c -> c.state() == CollectorState.HEALTHY) &&
                    systemd.subscribes() > 0 && "healthy".equals(cniCollector.health()) &&
                    "healthy".equals(kubernetesCollector.health()), () -> "every collector healthy: " + engine.collectors() +
                    ", cni " + cniCollector.health() + ", kubernetes " + kubernetesCollector.health());

                // 1. The container runtime starts on the node.
                systemd.state(RUNTIME, "activating", "start");
                systemd.state(RUNTIME, "active", "running");
                records.await(e -> "systemd.unit.started".equals(e.path("type").asText()), "systemd.unit.started");

                // 2. The runtime sets up the pod's sandbox network: the real plugins allocate its IP, libcni caches
                //    the result with the pod's CNI args.
                final String netns = plugins.newNamespace();
                final Map<String, String> podArgs = Map.of("K8S_POD_NAMESPACE", NAMESPACE, "K8S_POD_NAME", POD,
                    "K8S_POD_INFRA_CONTAINER_ID", sandbox);
                final CniPlugins.Ran add = plugins.plugin("ADD", sandbox, netns, podArgs);
                assertEquals(0, add.exit(), () -> "bridge ADD: " + add.stdout() + add.stderr());
                final JsonNode result = new ObjectMapper().readTree(add.stdout());
                final String address = result.path("ips").path(0).path("address").asText();
                final String ip = address.substring(0, address.indexOf('/'));
                plugins.cacheResult(results, sandbox, netns, NAMESPACE, POD, "uid-" + POD, result);
                records.await(e -> "cni.ip.allocated".equals(e.path("type").asText()), "cni.ip.allocated");

                // 3. The pod is created, scheduled to this node (its PodScheduled condition, then its nodeName: the
                //    collector stamps scheduled with the condition's time) and runs.
                final KubernetesClient k8s = cluster.client();
                k8s.pods().inNamespace(NAMESPACE).resource(pod()).create();
                k8s.pods().inNamespace(NAMESPACE).withName(POD).editStatus(PodStartupEndToEndTest::scheduled);
                k8s.pods().inNamespace(NAMESPACE).withName(POD).edit(p ->
                {
                    p.getSpec().setNodeName(NODE);
                    return p;
                });
                k8s.pods().inNamespace(NAMESPACE).withName(POD).editStatus(PodStartupEndToEndTest::running);
                records.await(e -> "k8s.pod.running".equals(e.path("type").asText()), "k8s.pod.running");
                records.awaitGroup(g -> "pod-startup".equals(g.path("pattern").asText()), "the pod-startup group record");

                final Map<String, CollectorStatus> statuses = new HashMap<>();
                engine.collectors().forEach(c -> statuses.put(c.name(), c));
                for (final String name : List.of("systemd", "cni", "kubernetes"))
                {
                    assertEquals(0, statuses.get(name).errors(), () -> name + ": " + statuses.get(name));
                }
                final JsonNode allocated = records.event("cni.ip.allocated");
                assertEquals(ip, allocated.at("/attributes/network.ip").asText(), allocated.toString());
                assertEquals(sandbox, allocated.path("containerId").asText(), allocated.toString());
            }

            // The engine has stopped: every group record it will write has been written.
            final List<JsonNode> groups = records.groups();
            assertEquals(1, groups.size(), () -> "one group, pod-startup, and no other: " + groups);
            final JsonNode group = groups.get(0);
            assertEquals("pod-startup", group.path("pattern").asText(), group.toString());
            assertEquals("complete", group.path("status").asText(), group.toString());
            assertEquals("pod-deployment-success", group.path("outcome").asText(), group.toString());
            assertEquals("node=" + NODE + ",pod=" + NAMESPACE + "/" + POD, group.path("key").asText(), group.toString());

            final JsonNode started = records.event("systemd.unit.started");
            final JsonNode allocated = records.event("cni.ip.allocated");
            final JsonNode running = records.event("k8s.pod.running");
            assertEquals(RUNTIME, started.path("unit").asText(), started.toString());
            assertEquals(NODE, started.path("node").asText(), started.toString());
            assertEquals(POD, allocated.path("pod").asText(), allocated.toString());
            assertEquals(NAMESPACE, allocated.path("namespace").asText(), allocated.toString());
            assertEquals(NODE, allocated.path("node").asText(), "the engine names its node on the CNI event: " + allocated);
            assertEquals(NODE, running.path("node").asText(), running.toString());
            assertEquals(List.of("k8s.pod.created", "k8s.pod.scheduled", "k8s.pod.running"), records.events().stream()
                .filter(e -> e.path("source").asText().equals("kubernetes") && POD.equals(e.path("pod").asText()))
                .map(e -> e.path("type").asText()).toList(), () -> "the pod's life from the API server: " + records.events());

            // The three members, in the timeline's order, one per step; the runtime start is the root cause.
            final List<String> members = List.of(started.path("id").asText(), allocated.path("id").asText(),
                running.path("id").asText());
            assertEquals(members, texts(group.path("events")), () -> group + "\n" + records.events());
            assertEquals(List.of("0", "1", "2"), texts(group.path("steps")), group.toString());
            assertEquals(3, group.path("memberCount").asInt(), group.toString());
            assertEquals(members.get(0), group.at("/rootCause/eventId").asText(), group.toString());
            assertEquals("scheduled deployment: pod " + NAMESPACE + "/" + POD + " started on " + NODE,
                group.at("/rootCause/summary").asText(), group.toString());
            assertEquals(1.0, group.path("confidence").asDouble(), 1e-6, "every step, in event-time order: " + group);

            // One trace: each member carries the group's trace id, its correlation id, and the root span as parent.
            final String traceId = group.path("traceId").asText();
            assertEquals(32, traceId.length(), group.toString());
            for (final JsonNode member : List.of(started, allocated, running))
            {
                assertEquals(traceId, member.path("traceId").asText(), member.toString());
                assertEquals(group.path("id").asText(), member.at("/correlation/id").asText(), member.toString());
                assertEquals(group.path("rootSpanId").asText(), member.path("parentSpanId").asText(), member.toString());
            }
            assertNotEquals(started.path("spanId").asText(), running.path("spanId").asText(), "a span per member");
        }
    }

    private static String sandboxId()
    {
        final StringBuilder id = new StringBuilder(64);
        while (id.length() < 64)
        {
            id.append(String.format("%016x", ThreadLocalRandom.current().nextLong()));
        }
        return id.toString();
    }

    private static Pod pod()
    {
        return new PodBuilder().withNewMetadata().withNamespace(NAMESPACE).withName(POD)
            .addToLabels("app", "web").endMetadata()
            .withNewSpec().addNewContainer().withName("web").withImage("shop/web:1").endContainer().endSpec()
            .build();
    }

    /** The condition the scheduler sets when it binds the pod, at the time it does. */
    private static Pod scheduled(final Pod p)
    {
        if (p.getStatus() == null)
        {
            p.setStatus(new PodStatus());
        }
        p.getStatus().setConditions(List.of(new PodConditionBuilder().withType("PodScheduled").withStatus("True")
            .withLastTransitionTime(Instant.now().toString()).build()));
        return p;
    }

    /** The status a kubelet reports once the container runs: started now, after the sandbox got its IP. */
    private static Pod running(final Pod p)
    {
        final String now = Instant.now().toString();
        p.getStatus().setPhase("Running");
        p.getStatus().setStartTime(now);
        p.getStatus().setContainerStatuses(List.of(new ContainerStatusBuilder().withName("web").withReady(true)
            .withRestartCount(0).withContainerID("containerd://" + sandboxId())
            .withNewState().withNewRunning().withStartedAt(now).endRunning().endState().build()));
        return p;
    }

    private static List<String> texts(final JsonNode array)
    {
        final List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }

    private static void until(final BooleanSupplier condition, final Supplier<String> what)
    {
        final long deadline = System.nanoTime() + DEADLINE.toNanos();
        while (!condition.getAsBoolean())
        {
            if (System.nanoTime() - deadline > 0)
            {
                throw new AssertionError("not within " + DEADLINE + ": " + what.get());
            }
            LockSupport.parkNanos(2_000_000L); // the poll interval of a deadline wait
        }
    }

    /** Every event and group record that reaches fan-out, as the JSON the file sink writes (test code: it allocates). */
    private static final class Records implements Sink
    {
        private final ObjectMapper mapper = new ObjectMapper();
        private final JsonFactory factory = new JsonFactory();
        private final JsonEventWriter eventWriter = new JsonEventWriter();
        private final JsonGroupWriter groupWriter = new JsonGroupWriter();
        private final List<JsonNode> events = new ArrayList<>();
        private final List<JsonNode> groups = new ArrayList<>();

        @Override
        public String name()
        {
            return "records";
        }

        @Override
        public void onEvent(final EventView event) throws IOException
        {
            final StringWriter out = new StringWriter();
            try (JsonGenerator g = factory.createGenerator(out))
            {
                eventWriter.write(event.buffer(), event.offset(), g);
            }
            final JsonNode json = mapper.readTree(out.toString());
            synchronized (this)
            {
                events.add(json);
            }
        }

        @Override
        public void onGroup(final GroupView group) throws IOException
        {
            final StringWriter out = new StringWriter();
            try (JsonGenerator g = factory.createGenerator(out))
            {
                groupWriter.write(group.buffer(), group.offset(), g);
            }
            final JsonNode json = mapper.readTree(out.toString());
            synchronized (this)
            {
                groups.add(json);
            }
        }

        synchronized List<JsonNode> events()
        {
            return new ArrayList<>(events);
        }

        synchronized List<JsonNode> groups()
        {
            return new ArrayList<>(groups);
        }

        /** The only event of this type. */
        JsonNode event(final String type)
        {
            final List<JsonNode> of = events().stream().filter(e -> type.equals(e.path("type").asText())).toList();
            assertEquals(1, of.size(), () -> "one " + type + " event: " + events());
            return of.get(0);
        }

        void await(final Predicate<JsonNode> match, final String what)
        {
            until(() -> events().stream().anyMatch(match), () -> what + "; events so far: " + events());
        }

        void awaitGroup(final Predicate<JsonNode> match, final String what)
        {
            until(() -> groups().stream().anyMatch(match), () -> what + "; groups so far: " + groups() +
                "; events: " + events());
        }
    }
}
