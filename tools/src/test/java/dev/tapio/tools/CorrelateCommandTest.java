package dev.tapio.tools;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code tapio correlate} and {@code tapio rules check} as a user meets them: a file written by hand
 * (no ids, times as RFC 3339), a rules file with a mistake, and the JSON group record's contract.
 */
class CorrelateCommandTest extends CapturedConsole
{
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;


    /** The nginx cascade of the original design, typed the way a user would: no ids, a malformed line. */
    private Path handWritten() throws Exception
    {
        final Path input = dir.resolve("incident.jsonl");
        Files.writeString(input, String.join("\n",
            "{\"time\":\"2026-11-21T09:10:00Z\",\"type\":\"systemd.unit.failed\",\"severity\":\"error\",\"node\":\"worker-2\"," +
                "\"unit\":\"nginx.service\",\"exitCode\":1}",
            "{\"time\":\"2026-11-21T09:10:05Z\",\"type\":\"k8s.pod.restarted\",\"node\":\"worker-2\",\"namespace\":\"web\"," +
                "\"pod\":\"nginx-1\",\"container\":\"nginx\"}",
            "this line is not JSON",
            "{\"time\":\"2026-11-21T09:10:35Z\",\"type\":\"k8s.pod.restarted\",\"node\":\"worker-2\",\"namespace\":\"web\"," +
                "\"pod\":\"nginx-1\",\"container\":\"nginx\"}",
            "{\"time\":\"2026-11-21T09:11:00Z\",\"type\":\"http.error_rate\",\"node\":\"worker-2\",\"namespace\":\"web\"," +
                "\"attributes\":{\"service.name\":\"nginx\",\"rate\":\"0.4\"}}",
            "{\"time\":\"2026-11-21T09:11:30Z\",\"type\":\"kernel.process.exec\",\"node\":\"worker-9\",\"comm\":\"sh\"}",
            ""));
        return input;
    }

    private static List<JsonNode> lines(final Path file) throws Exception
    {
        final List<JsonNode> list = new ArrayList<>();
        for (final String l : Files.readAllLines(file))
        {
            if (!l.isBlank())
            {
                list.add(JSON.readTree(l));
            }
        }
        return list;
    }

    @Test
    void correlatesAHandWrittenFileIntoOneExplainedGroupAndNamesTheBadLine() throws Exception
    {
        final Path groups = dir.resolve("groups.jsonl");
        final Path events = dir.resolve("events.jsonl");
        assertEquals(0, TapioCli.execute("correlate", "--input", handWritten().toString(), "--output", groups.toString(),
            "--events-output", events.toString()), err());

        final List<JsonNode> records = lines(groups);
        assertEquals(1, records.size(), records.toString());
        final JsonNode g = records.get(0);
        assertEquals("group", g.get("kind").asText());
        assertEquals("cascade-failure", g.get("pattern").asText());
        assertEquals("service-failure-cascade", g.get("outcome").asText());
        assertEquals("complete", g.get("status").asText());
        assertEquals(4, g.get("events").size(), g.toString());
        assertTrue(g.get("traceId").asText().matches("[0-9a-f]{32}"), g.toString());
        assertTrue(g.at("/impact/business").asDouble() > 0, g.toString());
        assertTrue(g.at("/rootCause/summary").asText().contains("nginx.service failed on worker-2"), g.toString());
        assertTrue(g.get("actions").toString().contains("restart nginx.service on worker-2"), g.toString());
        assertTrue(g.get("confidence").asDouble() > 0 && g.get("confidence").asDouble() <= 1, g.toString());

        // Enriched events: the four members carry the group's trace id and correlation; the exec does not.
        final List<JsonNode> enriched = lines(events);
        assertEquals(5, enriched.size(), enriched.toString());
        int members = 0;
        for (final JsonNode e : enriched)
        {
            if (e.path("correlation").has("pattern"))
            {
                members++;
                assertEquals(g.get("traceId").asText(), e.path("traceId").asText(""), e.toString());
                assertEquals("cascade-failure", e.at("/correlation/pattern").asText(), e.toString());
            }
            else
            {
                assertFalse(g.get("traceId").asText().equals(e.path("traceId").asText("")), e.toString());
            }
        }
        assertEquals(4, members);
        assertTrue(err().contains("incident.jsonl:3: malformed JSON"), err());
        assertTrue(err().contains("6 events in, 4 grouped (0 late), 1 ungrouped, 1 dropped"), err());
    }

    @Test
    void sameInputGivesTheSameIdsOnEveryRun() throws Exception
    {
        final Path input = handWritten();
        final Path a = dir.resolve("a.jsonl");
        final Path b = dir.resolve("b.jsonl");
        assertEquals(0, TapioCli.execute("correlate", "--quiet", "--input", input.toString(), "--output", a.toString()));
        assertEquals(0, TapioCli.execute("correlate", "--quiet", "--input", input.toString(), "--output", b.toString()));
        assertEquals(Files.readString(a), Files.readString(b));
    }

    @Test
    void badRulesExitWithTwoNamingFileLineAndKey() throws Exception
    {
        final Path rules = dir.resolve("rules.yaml");
        Files.writeString(rules, String.join("\n",
            "patterns:",
            "  - name: disk-full",
            "    key: [node]",
            "    steps:",
            "      - name: full",
            "        type: node.disk.full",
            "        severty: error",
            ""));
        assertEquals(2, TapioCli.execute("rules", "check", rules.toString()));
        assertTrue(err().contains(rules + ":7"), err());
        assertTrue(err().contains("severty"), err());

        assertEquals(2, TapioCli.execute("correlate", "--input", handWritten().toString(), "--rules", rules.toString()));
        assertTrue(err().contains("tapio correlate: " + rules + ":7"), err());
    }

    @Test
    void rulesCheckPrintsEveryBuiltInPatternAndAUserPattern() throws Exception
    {
        final Path rules = dir.resolve("rules.yaml");
        Files.writeString(rules, String.join("\n",
            "disable: [network-degradation]",
            "patterns:",
            "  - name: disk-full",
            "    key: [node]",
            "    root-cause: {step: full, summary: \"disk full on {node}\"}",
            "    steps:",
            "      - name: full",
            "        type: node.disk.full",
            "      - name: evicted",
            "        type: k8s.pod.evicted",
            ""));
        assertEquals(0, TapioCli.execute("rules", "check", rules.toString()), err());
        final String o = out.toString(StandardCharsets.UTF_8);
        for (final String name : new String[] {"cascade-failure", "oom-kill", "node-pressure", "crash-loop", "pod-startup",
            "disk-full"})
        {
            assertTrue(o.contains("\n" + name + " (id "), name + " in\n" + o);
        }
        assertTrue(o.contains("disabled: network-degradation"), o);
        assertTrue(o.contains("1. full: node.disk.full"), o);
    }
}
