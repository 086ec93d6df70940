package dev.tapio.tools.scenario;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Writes the suite's large scenario, {@value #NAME}: three hours of a 12-node cluster in which
 * {@value #INCIDENTS} incidents (crash loops, OOM kills, service cascades, node pressure, network
 * degradation, pod startups and a few crash loops that never complete) happen among a few thousand
 * routine events in the <em>same</em> namespaces and on the same nodes, so that grouping by namespace and
 * time window mixes them up. Deterministic: a fixed seed and {@link Random}'s specified algorithm give
 * the same files on every JDK; a test checks the committed files against a fresh run.
 *
 * <p>The expected groups follow from construction, and construction keeps incidents from interfering
 * under docs/CORRELATION.md: every incident has its own container, pod, service name and network peer;
 * node pressure and runtime restarts get nodes of their own; noise never repeats a key that a pattern
 * could group (each noise restart, unit failure, retransmit, IP allocation and running event has its
 * own container, unit, peer or pod), never evicts or fails a pod, and its non-zero exits carry no
 * container. Every incident ends at least 30 minutes before the last event, so every group has
 * completed or expired by event time.
 *
 * <p>Run {@code java -cp tools/target/tapio.jar dev.tapio.tools.scenario.ScenarioGenerator scenarios} to
 * rewrite the files.
 */
public final class ScenarioGenerator
{
    /** The scenario's name: {@code <NAME>.jsonl} and {@code <NAME>.expected.json}. */
    public static final String NAME = "mixed-generated";
    /** Number of labelled incidents. */
    public static final int INCIDENTS = 51;

    private static final long SEED = 20_261_122L;
    private static final long SECOND = 1_000L;
    private static final long MINUTE = 60 * SECOND;
    private static final long START = Instant.parse("2026-11-22T08:00:00Z").toEpochMilli();
    private static final long LENGTH = 180 * MINUTE;
    private static final int NOISE = 2_400;
    private static final String[] NAMESPACES = { "shop", "payments", "search", "batch" };
    private static final String[] WORDS = { "cart", "checkout", "ledger", "catalog", "pricing", "reviews", "billing",
        "invoice", "session", "report", "export", "ingest", "resize", "render", "feed", "rank", "geo", "notify", "quote",
        "stock", "coupon", "wishlist", "loyalty", "tax", "ship", "label", "refund", "fraud", "score", "audit" };
    private static final String[] CASCADE_SERVICES = { "gateway", "memcached", "varnish", "haproxy" };
    private static final String[] RUNTIMES = { "containerd.service", "docker.service", "crio.service" };
    private static final String[] WARNINGS = { "BackOff", "Unhealthy", "FailedMount", "FailedScheduling", "ProbeWarning" };
    private static final String[] COMMS = { "java", "python3", "node", "envoy", "sh", "nginx", "ruby" };
    private static final String[] NOISE_SERVICES = { "frontend", "api", "search-api", "graphql" };
    private static final String[] HOST_UNITS = { "kubelet.service", "cron.service", "sshd.service", "node-exporter.service" };
    private static final int NODES = 12;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Random random = new Random(SEED);
    private final List<Draft> drafts = new ArrayList<>();
    private final List<Expected> expected = new ArrayList<>();
    private final List<String> noiseContainerIds = new ArrayList<>();
    private int unique;

    private ScenarioGenerator()
    {
    }

    /** The generated files' contents. */
    public static final class Output
    {
        /** The events file, one JSON object per line. */
        public final String events;
        /** The expected-groups file. */
        public final String expected;
        /** Number of events. */
        public final int eventCount;

        Output(final String events, final String expected, final int eventCount)
        {
            this.events = events;
            this.expected = expected;
            this.eventCount = eventCount;
        }
    }

    public static void main(final String[] args) throws IOException
    {
        final Path dir = Path.of(args.length > 0 ? args[0] : "scenarios");
        final Output out = generate();
        Files.createDirectories(dir);
        Files.writeString(dir.resolve(NAME + ScenarioSuite.EVENTS_SUFFIX), out.events, StandardCharsets.UTF_8);
        Files.writeString(dir.resolve(NAME + ScenarioSuite.EXPECTED_SUFFIX), out.expected, StandardCharsets.UTF_8);
        System.out.println("wrote " + dir.resolve(NAME + ScenarioSuite.EVENTS_SUFFIX) + " (" + out.eventCount + " events)");
    }

    /** Generates the scenario in memory. */
    public static Output generate()
    {
        return new ScenarioGenerator().build();
    }

    private Output build()
    {
        final List<Integer> nodes = new ArrayList<>();
        for (int n = 1; n <= NODES; n++)
        {
            nodes.add(n);
        }
        Collections.shuffle(nodes, random);
        int incidents = 0;
        for (int i = 0; i < 12; i++, incidents++)
        {
            crashLoop(incidentStart(), true);
        }
        for (int i = 0; i < 3; i++, incidents++)
        {
            crashLoop(incidentStart(), false);
        }
        for (int i = 0; i < 10; i++, incidents++)
        {
            oomKill(incidentStart());
        }
        for (int i = 0; i < CASCADE_SERVICES.length; i++, incidents++)
        {
            cascade(incidentStart(), CASCADE_SERVICES[i]);
        }
        for (int i = 0; i < 4; i++, incidents++)
        {
            nodePressure(incidentStart(), node(nodes.get(i)));
        }
        for (int i = 0; i < 8; i++, incidents++)
        {
            network(incidentStart(), i);
        }
        for (int i = 0; i < 10; i++, incidents++)
        {
            podStartup(incidentStart(), i < RUNTIMES.length ? i : -1);
        }
        if (incidents != INCIDENTS)
        {
            throw new IllegalStateException("INCIDENTS is " + INCIDENTS + ", built " + incidents);
        }
        for (int i = 0; i < NOISE; i++)
        {
            noise(START + (long)(random.nextDouble() * LENGTH));
        }

        // Arrival order is event-time order (stable); ids are assigned in that order.
        final List<Draft> byTime = new ArrayList<>(drafts);
        byTime.sort(Comparator.comparingLong(d -> d.time));
        final StringBuilder events = new StringBuilder();
        for (int i = 0; i < byTime.size(); i++)
        {
            final Draft d = byTime.get(i);
            d.id = String.format("c%07x", i + 1);
            final Map<String, Object> o = new LinkedHashMap<>();
            o.put("id", d.id);
            o.put("time", Instant.ofEpochMilli(d.time).toString());
            o.putAll(d.fields);
            events.append(json(o)).append('\n');
        }
        final StringBuilder exp = new StringBuilder();
        exp.append("{\n  \"description\": ").append(json(description(byTime.size()))).append(",\n  \"groups\": [\n");
        for (int i = 0; i < expected.size(); i++)
        {
            final Expected g = expected.get(i);
            exp.append("    {\"pattern\": ").append(json(g.pattern)).append(", \"status\": ").append(json(g.status))
                .append(",\n     \"note\": ").append(json(g.note)).append(",\n     \"events\": [");
            for (int m = 0; m < g.members.size(); m++)
            {
                exp.append(m == 0 ? "" : ",").append(json(g.members.get(m).id));
            }
            exp.append("]}").append(i + 1 < expected.size() ? ",\n" : "\n");
        }
        exp.append("  ]\n}\n");
        return new Output(events.toString(), exp.toString(), byTime.size());
    }

    private static String description(final int events)
    {
        return "Generated by dev.tapio.tools.scenario.ScenarioGenerator (fixed seed): " + events + " events over three " +
            "hours on 12 nodes and 3 new ones, " + INCIDENTS + " incidents (12 crash loops, 3 crash loops that stop " +
            "after 2 restarts, 10 OOM kills, 4 service cascades, 4 node-pressure evictions, 8 network degradations, " +
            "10 pod startups of which 3 on new nodes after their runtime starts) among " + NOISE + " routine events in " +
            "the same 4 namespaces and on the same nodes. Grouping by namespace and a 5-minute window mixes incidents " +
            "with each other and with the noise.";
    }

    // ---------------------------------------------------------------------------------------------------
    // Incidents

    /** Incidents start 25..140 minutes in: seeds fit before, and every deadline passes before the end. */
    private long incidentStart()
    {
        return START + 25 * MINUTE + (long)(random.nextDouble() * 115 * MINUTE);
    }

    private void crashLoop(final long t, final boolean complete)
    {
        final Pod p = newPod();
        final String node = node(1 + random.nextInt(NODES));
        running(t - between(2 * MINUTE, 20 * MINUTE), node, p, p.cid(0));
        // The exit of the first run comes before any crash-loop group exists: exits never open one.
        exit(t - between(3 * SECOND, 10 * SECOND), node, p.cid(0), p.container, crashCode());
        final Draft r1 = restarted(t, node, p, 1, "Error", p.cid(1));
        final long t2 = t + between(40 * SECOND, 100 * SECOND);
        final Draft e1 = exit(t2 - between(5 * SECOND, 20 * SECOND), node, p.cid(1), p.container, crashCode());
        final Draft r2 = restarted(t2, node, p, 2, "Error", p.cid(2));
        if (!complete)
        {
            expect("crash-loop", "expired", "2 restarts of " + p, r1, e1, r2);
            return;
        }
        final long t3 = t2 + between(40 * SECOND, 100 * SECOND);
        final Draft e2 = exit(t3 - between(5 * SECOND, 20 * SECOND), node, p.cid(2), p.container, crashCode());
        final Draft r3 = restarted(t3, node, p, 3, "Error", p.cid(3));
        expect("crash-loop", "complete", "crash loop of " + p, r1, e1, r2, e2, r3);
    }

    private void oomKill(final long t)
    {
        final Pod p = newPod();
        final String node = node(1 + random.nextInt(NODES));
        running(t - between(2 * MINUTE, 20 * MINUTE), node, p, p.cid(0));
        final int pid = 1000 + random.nextInt(30000);
        final Draft oom = add(t, "kernel.container.oom_kill", "kernel", "critical", node,
            "containerId", p.cid(0), "comm", p.container, "pid", pid,
            "message", "Memory cgroup out of memory: Killed process " + pid + " (" + p.container + ")");
        final Draft exit = add(t + between(50, 400), "kernel.process.exit", "kernel", "error", node,
            "containerId", p.cid(0), "comm", p.container, "pid", pid, "exitCode", 137);
        final Draft restart = restarted(t + between(2 * SECOND, 8 * SECOND), node, p, 1, "OOMKilled", p.cid(1));
        if (random.nextBoolean())
        {
            // The service's users notice; no cascade-failure group exists for it, so this joins nothing.
            add(t + between(10 * SECOND, 60 * SECOND), "http.error_rate", "grpc", "error", null, "namespace", p.namespace,
                "message", "HTTP 5xx ratio over 1m", "attributes", Map.of("service.name", p.container, "http.error_ratio", 0.2));
        }
        expect("oom-kill", "complete", "OOM kill of " + p, oom, exit, restart);
    }

    private void cascade(final long t, final String service)
    {
        final Pod p = new Pod(NAMESPACES[random.nextInt(NAMESPACES.length)], service, hash(9), hash(5), ++unique);
        final String node = node(1 + random.nextInt(NODES));
        final Draft failed = add(t, "systemd.unit.failed", "systemd", "error", node, "unit", service + ".service",
            "exitCode", 1, "message", service + ".service: Main process exited, code=exited, status=1/FAILURE");
        final long t1 = t + between(20 * SECOND, 60 * SECOND);
        final Draft r1 = restarted(t1, node, p, 1, "Error", null);
        final long t2 = t1 + between(30 * SECOND, 90 * SECOND);
        final Draft r2 = restarted(t2, node, p, 2, "Error", null);
        final Draft errors = add(t2 + between(10 * SECOND, 60 * SECOND), "http.error_rate", "grpc", "error", null,
            "namespace", p.namespace, "message", "HTTP 5xx ratio over 1m",
            "attributes", Map.of("service.name", service, "http.error_ratio", 0.5));
        expect("cascade-failure", "complete", "cascade of service " + service, failed, r1, r2, errors);
    }

    private void nodePressure(final long t, final String node)
    {
        final String condition = new String[]{ "MemoryPressure", "DiskPressure", "PIDPressure" }[random.nextInt(3)];
        final Draft pressure = add(t, "k8s.node.pressure", "kubernetes", "warning", node, "message", condition,
            "attributes", Map.of("condition", condition));
        final Pod victim = newPod();
        final long te = t + between(10 * SECOND, 90 * SECOND);
        final Draft eviction = random.nextBoolean() ?
            add(te, "k8s.event.warning", "kubernetes", "warning", node, "namespace", victim.namespace, "pod", victim.pod,
                "message", "The node was low on resource: " + condition, "attributes", Map.of("reason", "Evicted")) :
            add(te, "k8s.pod.failed", "kubernetes", "error", node, "namespace", victim.namespace, "pod", victim.pod,
                "message", "pod failed: evicted (" + condition + ")");
        expect("node-pressure", "complete", condition + " on " + node, pressure, eviction);
    }

    private void network(final long t, final int index)
    {
        final String node = node(1 + random.nextInt(NODES));
        final String peer = "10.30." + index + "." + (10 + random.nextInt(200));
        final String comm = COMMS[random.nextInt(4)];
        final int pid = 1000 + random.nextInt(30000);
        final long span = between(20 * SECOND, 50 * SECOND);
        final Draft[] members = new Draft[10];
        for (int i = 0; i < 10; i++)
        {
            final long ti = t + span * i / 9;
            members[i] = add(ti, random.nextInt(4) == 0 ? "kernel.network.reset" : "kernel.network.retransmit", "kernel",
                "warning", node, "comm", comm, "pid", pid,
                "attributes", Map.of("network.peer.address", peer, "network.peer.port", 5432));
        }
        expect("network-degradation", "complete", "retransmits from " + node + " to " + peer, members);
    }

    private void podStartup(final long t, final int runtime)
    {
        final Pod p = newPod();
        final String node = runtime >= 0 ? "worker-new-" + (runtime + 1) : node(1 + random.nextInt(NODES));
        final List<Draft> members = new ArrayList<>();
        long tc = t;
        if (runtime >= 0)
        {
            members.add(add(t, "systemd.unit.started", "systemd", "info", node, "unit", RUNTIMES[runtime],
                "message", "Started " + RUNTIMES[runtime]));
            tc = t + between(5 * SECOND, 30 * SECOND);
        }
        members.add(add(tc, "cni.ip.allocated", "cni", "info", node, "namespace", p.namespace, "pod", p.pod,
            "attributes", Map.of("ip", "10.244." + (1 + random.nextInt(250)) + "." + (2 + random.nextInt(250)))));
        members.add(running(tc + between(3 * SECOND, 20 * SECOND), node, p, p.cid(0)));
        expect("pod-startup", "complete", "startup of " + p + " on " + node, members.toArray(new Draft[0]));
    }

    // ---------------------------------------------------------------------------------------------------
    // Noise

    private void noise(final long t)
    {
        final String node = node(1 + random.nextInt(NODES));
        final String ns = NAMESPACES[random.nextInt(NAMESPACES.length)];
        final int kind = random.nextInt(100);
        if (kind < 38)
        {
            final String cid = noiseContainerIds.isEmpty() ? null : noiseContainerIds.get(random.nextInt(noiseContainerIds.size()));
            add(t, "kernel.process.exec", "kernel", "info", node, "containerId", cid, "comm", COMMS[random.nextInt(COMMS.length)],
                "pid", 1000 + random.nextInt(30000));
        }
        else if (kind < 46)
        {
            // Clean exits in containers, failed host processes without a container: neither can join a group.
            final boolean clean = random.nextBoolean();
            final String cid = clean && !noiseContainerIds.isEmpty() ?
                noiseContainerIds.get(random.nextInt(noiseContainerIds.size())) : null;
            add(t, "kernel.process.exit", "kernel", clean ? "info" : "error", node, "containerId", cid,
                "comm", COMMS[random.nextInt(COMMS.length)], "pid", 1000 + random.nextInt(30000), "exitCode", clean ? 0 : 1);
        }
        else if (kind < 58)
        {
            final String reason = WARNINGS[random.nextInt(WARNINGS.length)];
            final Pod p = newPod(ns);
            add(t, "k8s.event.warning", "kubernetes", "warning", node, "namespace", ns, "pod", p.pod,
                "message", reason + " for " + p.pod, "attributes", Map.of("reason", reason));
        }
        else if (kind < 64)
        {
            final Pod p = newPod(ns);
            noiseContainerIds.add(p.cid(0));
            running(t, node, p, p.cid(0));
        }
        else if (kind < 67)
        {
            restarted(t, node, newPod(ns), 1, "Error", null);
        }
        else if (kind < 77)
        {
            add(t, random.nextInt(5) == 0 ? "kernel.network.reset" : "kernel.network.retransmit", "kernel", "warning", node,
                "comm", COMMS[random.nextInt(COMMS.length)], "pid", 1000 + random.nextInt(30000),
                "attributes", Map.of("network.peer.address", "10.99." + (unique / 250) + "." + (++unique % 250),
                    "network.peer.port", 443));
        }
        else if (kind < 81)
        {
            add(t, "http.error_rate", "grpc", "warning", null, "namespace", ns, "message", "HTTP 5xx ratio over 1m",
                "attributes", Map.of("service.name", NOISE_SERVICES[random.nextInt(NOISE_SERVICES.length)],
                    "http.error_ratio", 0.01 + random.nextInt(5) / 100.0));
        }
        else if (kind < 84)
        {
            final String u = HOST_UNITS[random.nextInt(HOST_UNITS.length)];
            add(t, random.nextBoolean() ? "systemd.unit.started" : "systemd.unit.stopped", "systemd", "info", node, "unit", u);
        }
        else if (kind < 85)
        {
            add(t, "systemd.unit.failed", "systemd", "error", node, "unit", "backup-" + (++unique) + ".service", "exitCode", 1);
        }
        else if (kind < 94)
        {
            final String[] types = { "k8s.pod.created", "k8s.pod.scheduled", "k8s.pod.deleted" };
            add(t, types[random.nextInt(types.length)], "kubernetes", "info", node, "namespace", ns, "pod", newPod(ns).pod);
        }
        else if (kind < 97)
        {
            add(t, "cni.ip.released", "cni", "info", node, "namespace", ns, "pod", newPod(ns).pod);
        }
        else
        {
            add(t, "cni.ip.allocated", "cni", "info", node, "namespace", ns, "pod", newPod(ns).pod,
                "attributes", Map.of("ip", "10.244." + (1 + random.nextInt(250)) + "." + (2 + random.nextInt(250))));
        }
    }

    // ---------------------------------------------------------------------------------------------------
    // Helpers

    private Draft running(final long t, final String node, final Pod p, final String cid)
    {
        return add(t, "k8s.pod.running", "kubernetes", "info", node, "namespace", p.namespace, "pod", p.pod,
            "container", p.container, "containerId", cid, "message", "pod is Running");
    }

    private Draft restarted(final long t, final String node, final Pod p, final int count, final String reason,
        final String cid)
    {
        return add(t, "k8s.pod.restarted", "kubernetes", "warning", node, "namespace", p.namespace, "pod", p.pod,
            "container", p.container, "containerId", cid, "message", "container " + p.container + " restarted (" + reason + ")",
            "attributes", Map.of("reason", reason, "restartCount", count));
    }

    private Draft exit(final long t, final String node, final String cid, final String comm, final int code)
    {
        return add(t, "kernel.process.exit", "kernel", "error", node, "containerId", cid, "comm", comm,
            "pid", 1000 + random.nextInt(30000), "exitCode", code);
    }

    private int crashCode()
    {
        return new int[]{ 1, 2, 139, 143 }[random.nextInt(4)];
    }

    /** An event; {@code kv} are further fields in order, null values left out; attributes sorted by key. */
    private Draft add(final long t, final String type, final String source, final String severity, final String node,
        final Object... kv)
    {
        final Map<String, Object> f = new LinkedHashMap<>();
        f.put("type", type);
        f.put("source", source);
        f.put("severity", severity);
        if (node != null)
        {
            f.put("node", node);
        }
        for (int i = 0; i < kv.length; i += 2)
        {
            if (kv[i + 1] != null)
            {
                f.put((String)kv[i], kv[i + 1] instanceof Map ? sortedMap((Map<?, ?>)kv[i + 1]) : kv[i + 1]);
            }
        }
        final Draft d = new Draft(t, f);
        drafts.add(d);
        return d;
    }

    private static Map<String, Object> sortedMap(final Map<?, ?> m)
    {
        final List<String> keys = new ArrayList<>();
        for (final Object k : m.keySet())
        {
            keys.add((String)k);
        }
        Collections.sort(keys);
        final Map<String, Object> out = new LinkedHashMap<>();
        for (final String k : keys)
        {
            out.put(k, m.get(k));
        }
        return out;
    }

    private void expect(final String pattern, final String status, final String note, final Draft... members)
    {
        expected.add(new Expected(pattern, status, note, List.of(members)));
    }

    private long between(final long lo, final long hi)
    {
        return lo + (long)(random.nextDouble() * (hi - lo));
    }

    private static String node(final int n)
    {
        return String.format("worker-%02d", n);
    }

    /** A pod of a new workload, unique in the scenario (its container name is unique too). */
    private Pod newPod()
    {
        return newPod(NAMESPACES[random.nextInt(NAMESPACES.length)]);
    }

    private Pod newPod(final String namespace)
    {
        final int n = ++unique;
        return new Pod(namespace, WORDS[random.nextInt(WORDS.length)] + n, hash(9), hash(5), n);
    }

    private String hash(final int length)
    {
        final String alphabet = "bcdfghjklmnpqrstvwxz2456789";
        final StringBuilder b = new StringBuilder(length);
        for (int i = 0; i < length; i++)
        {
            b.append(alphabet.charAt(random.nextInt(alphabet.length())));
        }
        return b.toString();
    }

    private static String json(final Object o)
    {
        try
        {
            return JSON.writeValueAsString(o);
        }
        catch (final JsonProcessingException e)
        {
            throw new IllegalStateException(e);
        }
    }

    /** One event before ids are assigned. */
    private static final class Draft
    {
        final long time;
        final Map<String, Object> fields;
        String id;

        Draft(final long time, final Map<String, Object> fields)
        {
            this.time = time;
            this.fields = fields;
        }
    }

    /** One expected group. */
    private static final class Expected
    {
        final String pattern;
        final String status;
        final String note;
        final List<Draft> members;

        Expected(final String pattern, final String status, final String note, final List<Draft> members)
        {
            this.pattern = pattern;
            this.status = status;
            this.note = note;
            this.members = members;
        }
    }

    /** A pod of a Deployment: namespace, name with ReplicaSet and pod hashes, its one container. */
    private static final class Pod
    {
        final String namespace;
        final String container;
        final String pod;
        final int n;

        Pod(final String namespace, final String base, final String rsHash, final String podHash, final int n)
        {
            this.namespace = namespace;
            this.container = base;
            this.pod = base + "-" + rsHash + "-" + podHash;
            this.n = n;
        }

        /** The container id of the k-th run of the container. */
        String cid(final int k)
        {
            return String.format("containerd://%08x%04x", n, k);
        }

        @Override
        public String toString()
        {
            return namespace + "/" + pod + "/" + container;
        }
    }
}
