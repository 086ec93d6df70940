package dev.tapio.tools;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** `tapio run` with a kubernetes source and no cluster: one clear line about it, and the rest runs. */
@Timeout(120)
class RunKubernetesTest extends CapturedConsole
{
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @Test
    void withoutAReachableClusterTheKubernetesSourceFailsAtStartSayingWhyAndTheOthersRun() throws Exception
    {
        final int port;
        try (ServerSocket s = new ServerSocket(0))
        {
            port = s.getLocalPort();
        }
        final Path kubeconfig = dir.resolve("kubeconfig");
        Files.writeString(kubeconfig, "apiVersion: v1\nkind: Config\ncurrent-context: c\n" +
            "clusters:\n- name: c\n  cluster:\n    server: https://127.0.0.1:" + port + "\n" +
            "contexts:\n- name: c\n  context:\n    cluster: c\n    user: u\nusers:\n- name: u\n  user:\n    token: t\n");
        final Path cfg = dir.resolve("tapio.yaml");
        Files.writeString(cfg, String.join("\n",
            "sources:",
            "  synthetic:",
            "    rate: 20000/s",
            "    events: 5000",
            "  kubernetes:",
            "    kubeconfig: " + kubeconfig,
            "    namespaces: [shop]",
            "    startTimeout: 5s",
            "sinks:",
            "  discard: {}",
            "pipeline:",
            "  sources: [synthetic, kubernetes]",
            "  sinks: [discard]",
            ""));
        assertEquals(0, TapioCli.execute("run", "--config", cfg.toString(), "--duration", "60s"), err());
        final JsonNode summary = JSON.readTree(out().trim());
        assertEquals(5000, summary.at("/events/in").asLong(), summary.toString());
        final String line = "source kubernetes unavailable: cannot reach the API server at https://127.0.0.1:" + port + "/: ";
        assertEquals(1, err().lines().filter(l -> l.contains(line)).count(), err());
        assertTrue(err().toLowerCase(java.util.Locale.ROOT).contains("connection refused"), err());
    }
}
