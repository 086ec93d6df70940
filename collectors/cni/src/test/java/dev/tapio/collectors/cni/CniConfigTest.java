package dev.tapio.collectors.cni;

import dev.tapio.engine.config.ConfigException;
import dev.tapio.engine.config.TapioConfig;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code sources: cni} in tapio.yaml: found by its type name, defaults, and errors naming file, line and key. */
class CniConfigTest
{
    private static TapioConfig parse(final String cni)
        throws ConfigException
    {
        return TapioConfig.parse("tapio.yaml", "sources:\n  cni:\n" + cni + "sinks: { discard: {} }\n" +
            "pipeline: { sources: [cni], sinks: [discard] }\n");
    }

    private static CniSettings settings(final String cni) throws ConfigException
    {
        return ((CniCollector)parse(cni).sources().get(0).source).settings();
    }

    @Test
    void defaultsWatchTheHostsCniDirectories() throws Exception
    {
        final CniSettings s = settings("    {}\n");
        assertEquals(Path.of("/var/lib/cni/networks"), s.networksDir());
        assertEquals(Path.of("/var/lib/cni/results"), s.resultsDir());
        assertEquals(Duration.ofSeconds(10), s.rescanInterval());
        assertEquals(Duration.ofSeconds(2), s.resultWait());
        assertFalse(s.emitExisting());
        assertEquals(CniSettings.MissingDirectory.WAIT, s.missingDirectory());
        assertTrue(s.watches("anything"));
    }

    @Test
    void readsEveryOption() throws Exception
    {
        final CniSettings s = settings("""
                networksDir: /run/ipam
                resultsDir: off
                networks: [k8s-pod-network, "cbr*"]
                rescanInterval: 30s
                resultWait: 0s
                emitExisting: true
                grace: 5s
                missingDirectory: fail
            """);
        assertEquals(Path.of("/run/ipam"), s.networksDir());
        assertNull(s.resultsDir());
        assertEquals(List.of("k8s-pod-network", "cbr*"), s.networks());
        assertTrue(s.watches("k8s-pod-network"));
        assertTrue(s.watches("cbr0"));
        assertFalse(s.watches("podman"));
        assertEquals(Duration.ofSeconds(30), s.rescanInterval());
        assertEquals(Duration.ZERO, s.resultWait());
        assertTrue(s.emitExisting());
        assertEquals(Duration.ofSeconds(5), s.grace());
        assertEquals(CniSettings.MissingDirectory.FAIL, s.missingDirectory());
        assertInstanceOf(CniCollector.class, parse("    {}\n").sources().get(0).source);
    }

    @Test
    void rejectsBadValuesNamingFileLineAndKey()
    {
        assertEquals("tapio.yaml:4: sources.cni.rescanInterval: at least 100ms, got 10ms",
            assertThrows(ConfigException.class, () -> parse("    networksDir: /x\n    rescanInterval: 10ms\n")).getMessage());
        assertTrue(assertThrows(ConfigException.class, () -> parse("    missingDirectory: maybe\n")).getMessage()
            .startsWith("tapio.yaml:3: sources.cni.missingDirectory:"));
        assertTrue(assertThrows(ConfigException.class, () -> parse("    networks: [\"a/b\"]\n")).getMessage()
            .startsWith("tapio.yaml:3: sources.cni.networks"));
        assertTrue(assertThrows(ConfigException.class, () -> parse("    networksDirectory: /x\n")).getMessage()
            .contains("sources.cni.networksDirectory: unknown key"));
    }
}
