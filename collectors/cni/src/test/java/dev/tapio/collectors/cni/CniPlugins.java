package dev.tapio.collectors.cni;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Debian's real {@code containernetworking-plugins} run the way a runtime runs them: {@code bridge} with
 * {@code host-local} IPAM, the CNI environment protocol, the network config on stdin, against network namespaces
 * made with {@code ip netns add}. One network per instance, with a random bridge name and /24; the IPAM
 * {@code dataDir} is a directory the test gives (a temp dir), so nothing touches the host's /var/lib/cni.
 * {@link #cacheResult} writes the result cache entry libcni writes after ADD (the plugins do not write it).
 * {@link #close()} runs DEL for every ADD, deletes the namespaces and the bridge. Used from the test thread only.
 * Public, in the module's test-jar, for the end-to-end tests in tools.
 */
public final class CniPlugins implements AutoCloseable
{
    /** Debian's plugin directory; elsewhere (e.g. /opt/cni/bin) set -Dtapio.cni.plugins. */
    public static final Path PLUGINS = Path.of(System.getProperty("tapio.cni.plugins", "/usr/lib/cni"));
    public static final Duration PLUGIN_TIMEOUT = Duration.ofSeconds(30);

    /** One command's exit status and output. */
    public record Ran(int exit, String stdout, String stderr)
    {
    }

    private final ObjectMapper mapper = new ObjectMapper();
    private final String network;
    private final String bridge;
    private final String config;
    private final List<String> namespaces = new ArrayList<>();
    private final Map<String, String> added = new LinkedHashMap<>();

    /** A bridge + host-local network named {@code network}, its IPAM state under {@code dataDir}. */
    public CniPlugins(final String network, final Path dataDir)
    {
        this.network = network;
        this.bridge = "tpcni" + Integer.toHexString(ThreadLocalRandom.current().nextInt(0x100000, 0xFFFFFF));
        final int third = ThreadLocalRandom.current().nextInt(1, 250);
        this.config = "{\"cniVersion\":\"1.0.0\",\"name\":\"" + network + "\",\"type\":\"bridge\",\"bridge\":\"" + bridge +
            "\",\"isGateway\":true,\"ipMasq\":false,\"ipam\":{\"type\":\"host-local\",\"subnet\":\"10.254." + third +
            ".0/24\",\"dataDir\":\"" + dataDir + "\"}}";
    }

    /**
     * Skips the calling test, saying which is missing, unless the plugins are installed, this is root (namespaces and
     * bridges need it) and {@code ip netns} works.
     */
    public static void assumeUsable() throws IOException, InterruptedException
    {
        for (final String plugin : List.of("bridge", "host-local"))
        {
            Assumptions.assumeTrue(Files.isExecutable(PLUGINS.resolve(plugin)),
                () -> "no CNI plugin " + PLUGINS.resolve(plugin) + ": apt-get install containernetworking-plugins");
        }
        final int uid = (Integer)Files.getAttribute(Path.of("/proc/self"), "unix:uid");
        Assumptions.assumeTrue(uid == 0, "creating network namespaces and bridges needs root; uid is " + uid);
        Ran ip;
        try
        {
            ip = run(List.of("ip", "netns", "list"), Map.of(), null);
        }
        catch (final IOException e)
        {
            ip = new Ran(-1, "", e.toString());
        }
        final Ran r = ip;
        Assumptions.assumeTrue(r.exit == 0,
            () -> "`ip netns` does not work here (iproute2 missing or no network namespaces): " + r.stderr.trim());
    }

    /** Runs a command with extra environment and stdin, failing the test if it outlives {@link #PLUGIN_TIMEOUT}. */
    public static Ran run(final List<String> command, final Map<String, String> env, final String stdin)
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

    public String network()
    {
        return network;
    }

    /** The network configuration given to the plugins on stdin. */
    public String config()
    {
        return config;
    }

    public String bridge()
    {
        return bridge;
    }

    /** A new network namespace (deleted by {@link #close()}); its name. */
    public String newNamespace() throws IOException, InterruptedException
    {
        final String ns = "tapio-cni-" + Long.toHexString(ThreadLocalRandom.current().nextLong() & 0xFFFFFFL);
        final Ran r = run(List.of("ip", "netns", "add", ns), Map.of(), null);
        assertEquals(0, r.exit, () -> "ip netns add " + ns + ": " + r.stderr);
        namespaces.add(ns);
        return ns;
    }

    /** Runs the bridge plugin: {@code CNI_COMMAND=command} for the container's eth0 in {@code /var/run/netns/<ns>}. */
    public Ran plugin(final String command, final String containerId, final String ns) throws IOException, InterruptedException
    {
        return plugin(command, containerId, ns, Map.of());
    }

    /**
     * Runs the bridge plugin with {@code CNI_ARGS} built from {@code args} (as a CRI runtime passes
     * {@code K8S_POD_NAMESPACE}, {@code K8S_POD_NAME}, … with {@code IgnoreUnknown=1}); an ADD is undone by
     * {@link #close()}.
     */
    public Ran plugin(final String command, final String containerId, final String ns, final Map<String, String> args)
        throws IOException, InterruptedException
    {
        final Map<String, String> env = new HashMap<>(Map.of(
            "CNI_COMMAND", command,
            "CNI_CONTAINERID", containerId,
            "CNI_NETNS", "/var/run/netns/" + ns,
            "CNI_IFNAME", "eth0",
            "CNI_PATH", PLUGINS.toString()));
        if (!args.isEmpty())
        {
            final StringBuilder cniArgs = new StringBuilder("IgnoreUnknown=1");
            args.forEach((k, v) -> cniArgs.append(';').append(k).append('=').append(v));
            env.put("CNI_ARGS", cniArgs.toString());
        }
        if ("ADD".equals(command))
        {
            added.put(containerId, ns);
        }
        return run(List.of(PLUGINS.resolve("bridge").toString()), env, config);
    }

    /**
     * What libcni writes to {@code <results>/<network>-<containerId>-eth0} after a successful ADD: the config, the
     * namespace, the CNI args a Kubernetes runtime passes ({@code K8S_POD_NAMESPACE}, {@code K8S_POD_NAME},
     * {@code K8S_POD_UID}) and the plugin's result. Returns the entry's path.
     */
    public Path cacheResult(final Path results, final String containerId, final String ns, final String podNamespace,
        final String pod, final String podUid, final JsonNode result) throws IOException
    {
        final ObjectNode entry = mapper.createObjectNode();
        entry.put("kind", "cniCacheV1");
        entry.put("containerId", containerId);
        entry.put("config", Base64.getEncoder().encodeToString(config.getBytes(StandardCharsets.UTF_8)));
        entry.put("ifName", "eth0");
        entry.put("networkName", network);
        entry.put("netns", "/var/run/netns/" + ns);
        final var args = entry.putArray("cniArgs");
        args.addArray().add("K8S_POD_NAMESPACE").add(podNamespace);
        args.addArray().add("K8S_POD_NAME").add(pod);
        args.addArray().add("K8S_POD_UID").add(podUid);
        entry.set("result", result);
        final Path file = Files.createDirectories(results).resolve(network + "-" + containerId + "-eth0");
        Files.write(file, mapper.writeValueAsBytes(entry));
        return file;
    }

    /** DEL for every ADD (DEL is idempotent), then the namespaces and the bridge go; errors are ignored. */
    @Override
    public void close() throws IOException, InterruptedException
    {
        for (final Map.Entry<String, String> a : added.entrySet())
        {
            plugin("DEL", a.getKey(), a.getValue());
        }
        for (final String ns : namespaces)
        {
            run(List.of("ip", "netns", "del", ns), Map.of(), null);
        }
        run(List.of("ip", "link", "del", bridge), Map.of(), null);
    }
}
