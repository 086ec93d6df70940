package dev.tapio.engine.correlate;

import dev.tapio.engine.config.ConfigException;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Rules load with the built-ins underneath; every error names the file, line and key. */
class RulesLoaderTest
{
    @Test
    void builtinPatternsCarryTheirContractNames() throws Exception
    {
        final RuleSet rules = RulesLoader.builtin();
        for (final String name : new String[]{ "pod-startup", "cascade-failure", "crash-loop", "oom-kill",
            "network-degradation", "node-pressure" })
        {
            assertNotNull(rules.byName(name), name);
        }
        assertEquals("pod-deployment-success", rules.byName("pod-startup").outcome());
        assertEquals("cascade-failure", rules.patterns().get(0).name(), "highest priority first");
    }

    @Test
    void aRulesFileDisablesOverridesAndAdds() throws Exception
    {
        final RuleSet rules = RulesLoader.parse("rules.yaml", String.join("\n",
            "disable: [network-degradation]",
            "patterns:",
            "  - name: crash-loop",
            "    key: [container]",
            "    steps:",
            "      - {name: restarts, type: k8s.pod.restarted, count: 5, within: 10m}",
            "    max-span: 30m",
            "  - name: disk-full",
            "    key: [node]",
            "    steps:",
            "      - {type: custom.disk.full}",
            "      - {type: k8s.pod.failed, where: {attributes.reason: Evicted}}"));
        assertNull(rules.byName("network-degradation"));
        assertEquals(3, rules.byName("crash-loop").id(), "an override keeps the built-in id");
        assertEquals(5, rules.byName("crash-loop").steps().get(0).count());
        assertEquals(RulesLoader.FIRST_USER_ID, rules.byName("disk-full").id());
        assertEquals("rules.yaml", rules.byName("disk-full").source());
    }

    @Test
    void errorsNameFileLineAndKey()
    {
        assertError("rules.yaml:5: patterns[0].steps[0].type", "patterns:\n  - name: x\n    key: [pod]\n    steps:\n      - {name: a}");
        assertError("rules.yaml:3: patterns[0].key: unknown entity \"pods\"", "patterns:\n  - name: x\n    key: [pods]\n    steps: [{type: k8s.pod.failed}]");
        assertError("rules.yaml:6: patterns[0].steps[0].count: a count needs a window",
            "patterns:\n  - name: x\n    key: [pod]\n    steps:\n      - type: k8s.pod.failed\n        count: 3");
        assertError("rules.yaml:1: disable: no pattern named \"nope\"", "disable: [nope]");
        assertError("rules.yaml:6: patterns[0].steps[0].where.exitCode", "patterns:\n  - name: x\n    key: [pod]\n    steps:\n" +
            "      - type: k8s.pod.failed\n        where: {exitCode: lots}");
        assertError("rules.yaml:5: patterns[0].root-cause.summary: unknown placeholder {podname}",
            "patterns:\n  - name: x\n    key: [pod]\n    steps: [{type: k8s.pod.failed}]\n    root-cause: {summary: \"{podname} died\"}");
        assertError("rules.yaml:4: patterns[0].typo: unknown key", "patterns:\n  - name: x\n    key: [pod]\n    typo: 1\n    steps: [{type: k8s.pod.failed}]");
        assertError("have the same id 4", "patterns:\n  - name: x\n    id: 4\n    key: [pod]\n    steps: [{type: k8s.pod.failed}]");
        assertError("rules.yaml:4: patterns[0].steps[0].join: \"peer\" is not in the pattern's key",
            "patterns:\n  - name: x\n    key: [pod]\n    steps: [{type: k8s.pod.failed, join: [peer]}]".replace("key: [pod]\n    steps", "key: [pod]\n    steps"));
    }

    private static void assertError(final String expected, final String yaml)
    {
        final ConfigException e = assertThrows(ConfigException.class, () -> RulesLoader.parse("rules.yaml", yaml));
        assertTrue(e.getMessage().contains(expected), "expected <" + expected + "> in <" + e.getMessage() + ">");
    }
}
