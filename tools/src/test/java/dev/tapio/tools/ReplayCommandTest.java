package dev.tapio.tools;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tapio.tools.ForensicJournal.Event;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code tapio replay} over a journal the real engine wrote (see {@link ForensicJournal}): the forensic
 * question "what happened to pod X between 10:00 and 10:05", the filters, both output formats, the
 * time forms, and what-if correlation against {@code tapio correlate}.
 */
class ReplayCommandTest extends CapturedConsole
{
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String FROM = ForensicJournal.DAY + "T10:00:00Z";
    private static final String TO = ForensicJournal.DAY + "T10:05:00Z";

    @TempDir
    Path dir;

    private List<Event> events;
    private Path input;
    private Path journal;

    @BeforeEach
    void setUp() throws Exception
    {
        events = ForensicJournal.events();
        input = ForensicJournal.writeJsonl(dir.resolve("events.jsonl"), events);
        journal = dir.resolve("journal");
        ForensicJournal.journal(input, journal);
        clearConsole();
    }

    private int replay(final String... args)
    {
        out.reset();
        err.reset();
        final String[] all = new String[args.length + 3];
        all[0] = "replay";
        all[1] = "--journal";
        all[2] = journal.toString();
        System.arraycopy(args, 0, all, 3, args.length);
        return TapioCli.execute(all);
    }

    /** Runs replay with a fixed clock (for HH:MM and relative times). */
    private int replayAt(final Instant now, final String... args)
    {
        out.reset();
        err.reset();
        final Clock clock = Clock.fixed(now, ZoneOffset.UTC);
        final CommandLine.IFactory factory = new CommandLine.IFactory()
        {
            @Override
            public <K> K create(final Class<K> cls) throws Exception
            {
                return cls == ReplayCommand.class ? cls.cast(new ReplayCommand(clock)) : CommandLine.defaultFactory().create(cls);
            }
        };
        final String[] all = new String[args.length + 3];
        all[0] = "replay";
        all[1] = "--journal";
        all[2] = journal.toString();
        System.arraycopy(args, 0, all, 3, args.length);
        return new CommandLine(new TapioCli(), factory).execute(all);
    }

    private List<JsonNode> lines() throws Exception
    {
        final List<JsonNode> list = new ArrayList<>();
        for (final String l : out().split("\n"))
        {
            if (!l.isBlank())
            {
                list.add(JSON.readTree(l));
            }
        }
        return list;
    }

    private static List<JsonNode> eventsOf(final List<JsonNode> records)
    {
        return records.stream().filter(r -> !r.has("kind")).collect(Collectors.toList());
    }

    private static List<JsonNode> groupsOf(final List<JsonNode> records)
    {
        return records.stream().filter(r -> r.has("kind")).collect(Collectors.toList());
    }

    private static List<String> ids(final List<JsonNode> records)
    {
        return records.stream().map(r -> r.get("id").asText()).collect(Collectors.toList());
    }

    private List<String> expectedIds(final java.util.function.Predicate<Event> p)
    {
        return events.stream().filter(p).map(Event::id).collect(Collectors.toList());
    }

    private static boolean inWindow(final Event e)
    {
        return !e.time().isBefore(Instant.parse(FROM)) && e.time().isBefore(Instant.parse(TO));
    }

    @Test
    void answersWhatHappenedToPodXBetweenTenAndFivePastWithItsEventsAndItsIncident() throws Exception
    {
        assertEquals(0, replay("--from", FROM, "--to", TO, "--pod", ForensicJournal.X_POD), err());

        final List<JsonNode> records = lines();
        final List<JsonNode> printedEvents = eventsOf(records);
        assertEquals(expectedIds(e -> inWindow(e) && e.pod().equals(ForensicJournal.X_POD)), ids(printedEvents));
        for (final JsonNode e : printedEvents)
        {
            assertEquals("cart-7f9c", e.get("pod").asText(), e.toString());
        }

        // The incident they belong to: X's crash-loop, found although its record lies after the last printed event;
        // not ledger-1's OOM kill (same window, another pod) nor web-1's crash-loop (after the window).
        final List<JsonNode> groups = groupsOf(records);
        assertEquals(1, groups.size(), out());
        final JsonNode g = groups.get(0);
        assertEquals("crash-loop", g.get("pattern").asText());
        assertEquals("complete", g.get("status").asText());
        assertEquals("container=shop/cart-7f9c/app", g.get("key").asText());
        final Set<String> members = new java.util.HashSet<>();
        g.get("events").forEach(m -> members.add(m.asText()));
        int restarts = 0;
        for (final JsonNode e : printedEvents)
        {
            if (e.path("correlation").path("id").asText("").equals(g.get("id").asText()))
            {
                assertTrue(members.contains(e.get("id").asText()), e + " in " + g);
                assertEquals("crash-loop", e.at("/correlation/pattern").asText(), "pattern names in events: " + e);
                restarts += "k8s.pod.restarted".equals(e.get("type").asText()) ? 1 : 0;
            }
        }
        assertEquals(3, restarts, out());
        // Quick: no progress line, only the summary.
        assertEquals(1, err().lines().count(), err());
        assertTrue(err().contains("printed " + printedEvents.size() + " events and 1 group record;"), err());
    }

    @Test
    void aLateMemberBringsTheGroupWrittenBeforeTheRange() throws Exception
    {
        // The 10:07 restart joined X's crash-loop after the group had completed (10:04:05) and been written.
        assertEquals(0, replay("--from", ForensicJournal.DAY + "T10:05:00Z", "--to", ForensicJournal.DAY + "T10:08:00Z",
            "--pod", ForensicJournal.X_POD, "--type", "k8s.pod.restarted"), err());
        final List<JsonNode> records = lines();
        assertEquals(1, eventsOf(records).size(), out());
        final List<JsonNode> groups = groupsOf(records);
        assertEquals(1, groups.size(), out());
        assertEquals(eventsOf(records).get(0).at("/correlation/id").asText(), groups.get(0).get("id").asText());
        assertEquals("container=shop/cart-7f9c/app", groups.get(0).get("key").asText());
    }

    @Test
    void filtersByTypeGlobAndNamespace() throws Exception
    {
        assertEquals(0, replay("--type", "k8s.pod.*", "--namespace", "shop", "--quiet"), err());
        final List<JsonNode> records = lines();
        assertEquals(expectedIds(e -> e.type().startsWith("k8s.pod.") && e.namespace().equals("shop")), ids(eventsOf(records)));
        // X's and web-1's crash-loops, each with printed members; not ledger-1's OOM kill (namespace payments).
        assertEquals(List.of("container=shop/cart-7f9c/app", "container=shop/web-1/app"),
            groupsOf(records).stream().map(g -> g.get("key").asText()).sorted().collect(Collectors.toList()));
        assertEquals("", err(), "--quiet: nothing on stderr");

        assertEquals(0, replay("--type", "kernel.*.oom_kill", "--quiet"), err());
        assertEquals(expectedIds(e -> e.type().equals("kernel.container.oom_kill")), ids(eventsOf(lines())));
        assertEquals("oom-kill", groupsOf(lines()).get(0).get("pattern").asText());

        assertEquals(0, replay("--pod", "web-?", "--node", "worker-1", "--type", "app.*", "--quiet"), err());
        assertEquals(List.of(), lines(), "no app.* events on web-1");
    }

    @Test
    void withoutFiltersPrintsTheWindowAndEveryGroupOverlappingIt() throws Exception
    {
        assertEquals(0, replay("--from", FROM, "--to", TO), err());
        final List<JsonNode> records = lines();
        assertEquals(expectedIds(ReplayCommandTest::inWindow), ids(eventsOf(records)));
        assertEquals(List.of("crash-loop", "oom-kill"),
            groupsOf(records).stream().map(g -> g.get("pattern").asText()).sorted().collect(Collectors.toList()));
    }

    @Test
    void filtersByCorrelationId() throws Exception
    {
        assertEquals(0, replay("--pod", ForensicJournal.X_POD, "--type", "k8s.pod.restarted", "--quiet"), err());
        final String id = groupsOf(lines()).get(0).get("id").asText();

        assertEquals(0, replay("--correlation", id.toUpperCase(java.util.Locale.ROOT), "--quiet"), err());
        final List<JsonNode> records = lines();
        final List<JsonNode> printed = eventsOf(records);
        assertEquals(6, printed.size(), "3 restarts, 2 exits, the late restart: " + out());
        for (final JsonNode e : printed)
        {
            assertEquals(id, e.at("/correlation/id").asText());
        }
        assertEquals(List.of(id), ids(groupsOf(records)));

        // a leading-zero-less id is the same id
        assertEquals(0, replay("--correlation", id.replaceFirst("^0+", ""), "--quiet"), err());
        assertEquals(6, eventsOf(lines()).size());
    }

    @Test
    void printsATableForPeople() throws Exception
    {
        assertEquals(0, replay("--from", FROM, "--to", TO, "--pod", ForensicJournal.X_POD, "--type", "k8s.pod.restarted",
            "--format", "table", "--quiet"), err());
        final List<String> rows = out().lines().collect(Collectors.toList());
        assertEquals(5, rows.size(), out());
        assertTrue(rows.get(0).matches("TIME +TYPE +NODE +NAMESPACE/POD\\[/CONTAINER] +SEVERITY +CORRELATION/PATTERN +MESSAGE"),
            rows.get(0));
        final String first = rows.get(1);
        assertTrue(first.matches("2026-11-23T10:01:05\\.000Z +k8s\\.pod\\.restarted +worker-2 +shop/cart-7f9c/app +warning +" +
            "[0-9a-f]{16}/crash-loop +container app restarted \\(Error\\)"), first);
        final String id = first.replaceAll(".* ([0-9a-f]{16})/crash-loop.*", "$1");
        // columns line up: every row's type starts where the header's TYPE does
        final int typeColumn = rows.get(0).indexOf("TYPE");
        for (final String row : rows.subList(1, rows.size()))
        {
            assertEquals(' ', row.charAt(typeColumn - 1), row);
            assertTrue(Character.isLetter(row.charAt(typeColumn)), row);
        }
        final String group = rows.get(4);
        assertTrue(group.matches("2026-11-23T10:04:05\\.000Z +group +crash-loop complete +key=container=shop/cart-7f9c/app +" +
            "members=5 +id=" + id + " +root cause: container app of shop/cart-7f9c on worker-2 is crash-looping.*"), group);
    }

    @Test
    void acceptsWallTimesOfTodayAndRelativeTimes() throws Exception
    {
        assertEquals(0, replay("--from", FROM, "--to", TO, "--pod", ForensicJournal.X_POD, "--quiet"), err());
        final String rfc = out();
        assertFalse(rfc.isEmpty());

        // 2026-11-23 is "today" for this clock; HH:MM is UTC.
        assertEquals(0, replayAt(Instant.parse(ForensicJournal.DAY + "T18:30:00Z"), "--from", "10:00", "--to", "10:05",
            "--pod", ForensicJournal.X_POD, "--quiet"), err());
        assertEquals(rfc, out());
        assertEquals(0, replayAt(Instant.parse(ForensicJournal.DAY + "T18:30:00Z"), "--from", "10:00:00", "--to", "10:05:00",
            "--pod", ForensicJournal.X_POD, "--quiet"), err());
        assertEquals(rfc, out());
        // now minus 20 and 15 minutes
        assertEquals(0, replayAt(Instant.parse(ForensicJournal.DAY + "T10:20:00Z"), "--from", "-20m", "--to", "-15m",
            "--pod", ForensicJournal.X_POD, "--quiet"), err());
        assertEquals(rfc, out());
    }

    @Test
    void whatIfRulesGiveTheGroupsTapioCorrelateGivesOnTheSameEvents() throws Exception
    {
        final Path rules = dir.resolve("rules.yaml");
        Files.writeString(rules, String.join("\n",
            "disable: [oom-kill]",
            "patterns:",
            "  - name: probe-failures",
            "    key: [pod]",
            "    max-span: 10m",
            "    max-gap: 2m",
            "    root-cause: {step: unhealthy, summary: \"{namespace}/{pod} fails its probes\"}",
            "    steps:",
            "      - name: unhealthy",
            "        type: k8s.event.warning",
            "        where: {attributes.reason: Unhealthy}",
            "        count: 5",
            "        within: 5m",
            ""));
        final Path expected = dir.resolve("correlate.jsonl");
        assertEquals(0, TapioCli.execute("correlate", "--quiet", "--input", input.toString(), "--rules", rules.toString(),
            "--output", expected.toString()), err());
        final String correlated = Files.readString(expected);
        assertTrue(correlated.contains("\"pattern\":\"probe-failures\""), correlated);
        assertFalse(correlated.contains("\"pattern\":\"oom-kill\""), correlated);

        assertEquals(0, replay("--rules", rules.toString()), err());
        assertEquals(correlated, out(), "the same group records, byte for byte");
        assertTrue(err().contains("what-if with " + rules), err());
        assertTrue(err().contains(events.size() + " events re-correlated"), err());

        // A window: the same as correlate over the window's events.
        final Path window = ForensicJournal.writeJsonl(dir.resolve("window.jsonl"),
            events.stream().filter(ReplayCommandTest::inWindow).collect(Collectors.toList()));
        assertEquals(0, TapioCli.execute("correlate", "--quiet", "--input", window.toString(), "--rules", rules.toString(),
            "--output", expected.toString()), err());
        assertEquals(0, replay("--rules", rules.toString(), "--from", FROM, "--to", TO, "--quiet"), err());
        assertEquals(Files.readString(expected), out());
    }

    @Test
    void badInputExitsWithTwoNamingTheOptionAndTheValue() throws Exception
    {
        final Path file = Files.writeString(dir.resolve("file.txt"), "x");
        final Path empty = Files.createDirectory(dir.resolve("empty"));
        final String[][] cases = {
            {"--journal", dir.resolve("missing").toString(), "--journal", "missing"},
            {"--journal", file.toString(), "--journal", "not a directory"},
            {"--journal", empty.toString(), "--journal", "not a journal"},
            {"--from", "yesterday", "--from", "\"yesterday\""},
            {"--to", "25:00", "--to", "\"25:00\""},
            {"--from", "2026-11-23T10:00:00", "--from", "\"2026-11-23T10:00:00\""},
            {"--from", "-15", "--from", "\"-15\""},
            {"--type", "k8s.[pod", "--type", "\"k8s.[pod\""},
            {"--pod", "web-[]", "--pod", "\"web-[]\""},
            {"--namespace", "", "--namespace", "\"\""},
            {"--correlation", "xyz", "--correlation", "\"xyz\""},
            {"--correlation", "0123456789abcdef0", "--correlation", "\"0123456789abcdef0\""},
            {"--correlation", "0", "--correlation", "\"0\""},
            {"--format", "xml", "--format", "\"xml\""},
            {"--slack", "5", "--slack", "\"5\""},
        };
        for (final String[] c : cases)
        {
            out.reset();
            err.reset();
            final int code = "--journal".equals(c[0]) ?
                TapioCli.execute("replay", c[0], c[1]) :
                TapioCli.execute("replay", "--journal", journal.toString(), c[0], c[1]);
            assertEquals(2, code, String.join(" ", c) + ": " + err());
            assertTrue(err().contains(c[2]) && err().contains(c[3]), String.join(" ", c) + ": " + err());
            assertEquals("", out());
        }
        assertEquals(2, replay("--from", TO, "--to", FROM));
        assertTrue(err().contains("--to") && err().contains(FROM), err());
        final Path rules = Files.writeString(dir.resolve("bad-rules.yaml"), "patterns:\n  - name: Bad Name\n");
        assertEquals(2, replay("--rules", rules.toString()));
        assertTrue(err().contains("--rules") && err().contains(rules.toString()), err());
    }
}
