package dev.tapio.tools;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tapio.bridge.server.RecordKeys;
import dev.tapio.journal.JournalReader;
import org.agrona.collections.Long2ObjectHashMap;
import org.agrona.collections.LongHashSet;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The bridge with real failures, as processes: a {@code tapio server} and a {@code tapio run} node, each a
 * child JVM started from the test class path with the same JVM flags as this one (the root pom's
 * {@code tapio.jvm.flags}), talking over 127.0.0.1.
 *
 * <pre>
 *  server S1 up ── node N1: 1,000,000 synthetic events at 40k/s, journal + bridge ───────────────────────
 *        │ 100k acked                                                                                    │
 *  S1 SIGTERM ── N1's breaker opens, N1 keeps journaling (backlog) ──                                    │
 *  S2 on the same port and journal (dedup window rebuilt from it) ── N1's breaker closes, backlog drains │
 *        │ N1 has journaled ≥ 500k                                                                       │
 *  kill -9 N1 (mid-stream: batches in flight) ── N2 on N1's journal: the remaining events, then drains ──┘
 *  S2 SIGTERM;  compare ids: every event N1 and N2 journaled is in S2's journal, no (node, id) twice
 * </pre>
 *
 * Synchronisation is by polling the children's stats lines and exit with deadlines.
 */
class NodeServerProcessTest
{
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int EVENTS = 1_000_000;
    /** A JVM stopped by SIGTERM exits with 128 + 15 once its shutdown hooks (the graceful stop) are done. */
    private static final int SIGTERM_EXIT = 143;
    private static final Pattern NODE_STATS = Pattern.compile(
        "tapio: +[0-9.]+s in=(\\d+) out=(\\d+) .* journaled=(\\d+) bridge=(\\w+) sent=(\\d+) acked=(\\d+) resent=(\\d+) failures=(\\d+)");
    private static final Pattern SERVER_STATS = Pattern.compile("tapio server: +[0-9.]+s batches=\\d+ accepted=(\\d+) duplicates=(\\d+)");
    private static final Pattern SEEDED = Pattern.compile("seeded from (\\d+) records");

    @TempDir
    Path dir;

    private final List<Child> children = new ArrayList<>();

    @AfterEach
    void killLeftovers()
    {
        for (final Child c : children)
        {
            c.process.destroyForcibly();
        }
    }

    @Test
    void everyEventTheNodeJournaledReachesTheServerJournalOnceThroughAServerRestartAndAKillDashNine() throws Exception
    {
        final int port = freePort();
        final Path serverJournal = dir.resolve("server/journal");
        final Path nodeJournal = dir.resolve("node/journal");
        final Path serverConfig = write("server.yaml",
            "node:\n  name: central\n" +
            "stats:\n  interval: 100ms\n");

        // 1. server up, node streaming
        final Child s1 = server("s1", serverConfig, port, serverJournal);
        s1.awaitLine(l -> l.contains("listening on 127.0.0.1:" + port), Duration.ofSeconds(60));
        final Child n1 = node("n1", port, nodeJournal, EVENTS, "40k/s");
        await(Duration.ofSeconds(90), () -> n1.nodeAcked() >= 100_000, () -> "n1 acked " + n1.nodeAcked() + n1.tail());

        // 2. the server goes away while the node keeps journaling
        s1.sigterm();
        assertTrue(s1.exited(30), "s1 stopped" + s1.tail());
        assertEquals(SIGTERM_EXIT, s1.process.exitValue(), s1.tail());
        assertTrue(s1.lines.stream().anyMatch(l -> l.startsWith("{\"seconds\"")), "s1 printed its summary" + s1.tail());
        final long outAtOutage = n1.nodeOut();
        await(Duration.ofSeconds(60), () -> "open".equals(n1.nodeBridge()), () -> "breaker never opened" + n1.tail());
        await(Duration.ofSeconds(60), () -> n1.nodeOut() >= outAtOutage + 75_000,
            () -> "n1 did not keep journaling: out " + n1.nodeOut() + n1.tail());
        final long ackedDuringOutage = n1.nodeAcked();

        // 3. a new server on the same port and journal; the node's breaker closes and the backlog drains
        final Child s2 = server("s2", serverConfig, port, serverJournal);
        final String banner = s2.awaitLine(l -> l.contains("listening on"), Duration.ofSeconds(60));
        final Matcher seeded = SEEDED.matcher(banner);
        assertTrue(seeded.find() && Long.parseLong(seeded.group(1)) >= 100_000, "the dedup window was rebuilt: " + banner);
        await(Duration.ofSeconds(60), () -> "closed".equals(n1.nodeBridge()) && n1.nodeAcked() > ackedDuringOutage,
            () -> "breaker never closed again" + n1.tail());
        assertTrue(n1.sawBridgeState("open") < n1.lastBridgeState("closed"), "open, then closed: " + n1.states);

        // 4. kill -9 the node in the middle of the stream
        await(Duration.ofSeconds(60), () -> n1.nodeOut() >= 500_000, () -> "n1 out " + n1.nodeOut() + n1.tail());
        // The journal appends on a thread of its own behind fan-out: what it had appended, not what fan-out passed
        // on (out), is what must be on disk after the kill.
        final long journaledAtKill = n1.nodeJournaled();
        final long ackedAtKill = n1.nodeAcked();
        assertTrue(n1.process.isAlive(), "n1 still running at the kill" + n1.tail());
        n1.process.toHandle().destroyForcibly();            // SIGKILL on Linux
        assertTrue(n1.exited(30));
        assertEquals(128 + 9, n1.process.exitValue(), "killed by SIGKILL");

        final Ids nodeAfterKill = read(nodeJournal);
        final int remaining = EVENTS - nodeAfterKill.events;
        assertTrue(nodeAfterKill.events + nodeAfterKill.groups >= journaledAtKill,
            "the journal holds what n1 reported journaled before the kill");
        assertTrue(ackedAtKill < nodeAfterKill.events + nodeAfterKill.groups, "records were in flight at the kill");

        // 5. the node restarts on its journal: the rest of the events, and the bridge resumes at its acked position
        final Child n2 = node("n2", port, nodeJournal, remaining, "200k/s");    // remaining 0: no source, only the drain
        assertTrue(n2.exited(180), "n2 finished" + n2.tail());
        assertEquals(0, n2.process.exitValue(), n2.tail());
        final JsonNode n2Summary = JSON.readTree(Files.readString(n2.stdout).trim());
        assertTrue(n2Summary.at("/bridge/caughtUp").asBoolean(), n2Summary.toString());
        assertEquals(remaining, n2Summary.at("/events/out").asLong());

        s2.sigterm();
        assertTrue(s2.exited(60), "s2 stopped" + s2.tail());
        assertEquals(SIGTERM_EXIT, s2.process.exitValue(), s2.tail());

        // 6. ids: every record the node journaled is in the server journal, none twice
        final Ids node = read(nodeJournal);
        final Ids server = read(serverJournal);
        assertEquals(EVENTS, node.events, "the node journaled every event once (n1 then n2)");
        assertEquals(0, node.duplicates, "the node journal holds no id twice");
        assertEquals(0, server.duplicates, "the server journal holds no (node, id) twice");
        assertEquals(node.events, server.events, "as many events on the server as on the node");
        assertEquals(node.groups, server.groups, "and the group records too");
        node.forEach((kind, nodeId, id) ->
        {
            if (!server.contains(kind, nodeId, id))
            {
                fail((kind == RecordKeys.KIND_EVENT ? "event " : "group ") + id + " of node " + Long.toHexString(nodeId) +
                    " is in the node's journal but not in the server's");
            }
        });
        final JsonNode s2Summary = s2.summary();
        System.out.printf("node journaled %d events + %d groups; server accepted %d, dropped %d resent duplicates; " +
                "killed n1 at %d journaled / %d acked%n", node.events, node.groups,
            s2Summary.at("/records/accepted").asLong(), s2Summary.at("/records/duplicates").asLong(),
            journaledAtKill, ackedAtKill);
    }

    // ---- children

    private Child server(final String name, final Path config, final int port, final Path journal) throws IOException
    {
        return start(name, "server", "--config", config.toString(), "--listen", "127.0.0.1:" + port,
            "--journal", journal.toString());
    }

    private Child node(final String name, final int port, final Path journal, final int events, final String rate)
        throws IOException
    {
        final Path cfg = write(name + ".yaml", String.join("\n",
            "node:",
            "  name: node-proc",
            "sources:",
            "  synthetic:",
            "    rate: " + rate,
            "    events: " + events,
            "pipeline:",
            "  sources: [" + (events > 0 ? "synthetic" : "") + "]",
            "journal:",
            "  enabled: true",
            "  dir: " + journal,
            "bridge:",
            "  enabled: true",
            "  target: 127.0.0.1:" + port,
            "  backoff: { base: 20ms, cap: 200ms }",
            "  breaker: { threshold: 3, open: 300ms, halfOpenTrials: 2 }",
            "  ackTimeout: 10s",
            "  drainTimeout: 120s",
            "stats:",
            "  interval: 100ms",
            ""));
        return start(name, "run", "--config", cfg.toString());
    }

    private Child start(final String name, final String... args) throws IOException
    {
        final List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        for (final String a : ManagementFactory.getRuntimeMXBean().getInputArguments())
        {
            if (!a.startsWith("-agentlib") && !a.startsWith("-javaagent") && !a.startsWith("-Xmx"))
            {
                cmd.add(a);
            }
        }
        cmd.add("-Xmx1g");
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(TapioCli.class.getName());
        cmd.addAll(List.of(args));
        final Path stdout = dir.resolve(name + ".out");
        final Process p = new ProcessBuilder(cmd).directory(dir.toFile())
            .redirectOutput(stdout.toFile()).start();
        // stderr copies outlive the temporary directory, for a look after a failure
        final Path logs = Files.createDirectories(Path.of("target", "node-server-process"));
        Files.writeString(logs.resolve(name + ".cmd"), String.join(" ", cmd));
        final Child c = new Child(name, p, stdout, logs.resolve(name + ".err"));
        children.add(c);
        return c;
    }

    private Path write(final String name, final String content) throws IOException
    {
        return Files.writeString(dir.resolve(name), content);
    }

    private static int freePort() throws IOException
    {
        try (ServerSocket s = new ServerSocket(0))
        {
            return s.getLocalPort();
        }
    }

    private static void await(final Duration timeout, final BooleanSupplier condition, final Supplier<String> message)
        throws InterruptedException
    {
        final long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean())
        {
            if (System.nanoTime() > deadline)
            {
                fail("timed out after " + timeout + ": " + message.get());
            }
            Thread.sleep(10); // polling with a deadline
        }
    }

    /** A child JVM: its stderr lines kept (and copied to a file), its last stats parsed. */
    private static final class Child
    {
        final String name;
        final Process process;
        final Path stdout;
        final List<String> lines = new CopyOnWriteArrayList<>();
        final List<String> states = new CopyOnWriteArrayList<>();
        private volatile long out;
        private volatile long journaled;
        private volatile long acked;
        private volatile String bridge = "";
        private final Thread pump;

        Child(final String name, final Process process, final Path stdout, final Path errFile) throws IOException
        {
            this.name = name;
            this.process = process;
            this.stdout = stdout;
            final PrintWriter copy = new PrintWriter(Files.newBufferedWriter(errFile, StandardCharsets.UTF_8), true);
            pump = new Thread(() ->
            {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getErrorStream(), StandardCharsets.UTF_8)))
                {
                    String line;
                    while ((line = r.readLine()) != null)
                    {
                        copy.println(line);
                        lines.add(line);
                        final Matcher m = NODE_STATS.matcher(line);
                        if (m.find())
                        {
                            out = Long.parseLong(m.group(2));
                            journaled = Long.parseLong(m.group(3));
                            acked = Long.parseLong(m.group(6));
                            bridge = m.group(4);
                            if (states.isEmpty() || !states.get(states.size() - 1).equals(bridge))
                            {
                                states.add(bridge);
                            }
                        }
                    }
                }
                catch (final IOException ignored)
                {
                    // the child died
                }
                finally
                {
                    copy.close();
                }
            }, "child-" + name);
            pump.setDaemon(true);
            pump.start();
        }

        /**
         * SIGTERM, the graceful stop. Through the ProcessHandle: Process.destroy() would also close our end of
         * the child's stderr, losing what it prints while it stops (its summary).
         */
        void sigterm()
        {
            process.toHandle().destroy();
        }

        /** Waits for the process to exit and for its last stderr lines to be read. */
        boolean exited(final long seconds) throws InterruptedException
        {
            if (!process.waitFor(seconds, TimeUnit.SECONDS))
            {
                return false;
            }
            pump.join(TimeUnit.SECONDS.toMillis(10));
            return !pump.isAlive();
        }

        /** Records (events and groups) the node's journal had appended at its last stats line. */
        long nodeJournaled()
        {
            return journaled;
        }

        long nodeOut()
        {
            return out;
        }

        long nodeAcked()
        {
            return acked;
        }

        String nodeBridge()
        {
            return bridge;
        }

        int sawBridgeState(final String state)
        {
            return states.indexOf(state);
        }

        int lastBridgeState(final String state)
        {
            return states.lastIndexOf(state);
        }

        String awaitLine(final java.util.function.Predicate<String> p, final Duration timeout) throws InterruptedException
        {
            final long deadline = System.nanoTime() + timeout.toNanos();
            while (true)
            {
                for (final String l : lines)
                {
                    if (p.test(l))
                    {
                        return l;
                    }
                }
                if (System.nanoTime() > deadline || !process.isAlive() && lines.stream().noneMatch(p))
                {
                    Thread.sleep(200); // let the pump take the last lines of a child that died
                    for (final String l : lines)
                    {
                        if (p.test(l))
                        {
                            return l;
                        }
                    }
                    fail(name + ": no such line in time" + tail());
                }
                Thread.sleep(10); // polling with a deadline
            }
        }

        JsonNode summary() throws IOException
        {
            for (int i = lines.size() - 1; i >= 0; i--)
            {
                if (lines.get(i).startsWith("{"))
                {
                    return JSON.readTree(lines.get(i));
                }
            }
            throw new AssertionError(name + ": no summary" + tail());
        }

        String tail()
        {
            final int n = lines.size();
            return "\n--- " + name + " stderr (last lines) ---\n" + String.join("\n", lines.subList(Math.max(0, n - 25), n));
        }
    }

    // ---- journal contents

    @FunctionalInterface
    private interface KeyConsumer
    {
        void accept(int kind, long nodeId, long id);
    }

    /** The (kind, node id, id) keys of every record of a journal, with counts and duplicates. */
    private static final class Ids
    {
        final Long2ObjectHashMap<LongHashSet> eventIds = new Long2ObjectHashMap<>();
        final Long2ObjectHashMap<LongHashSet> groupIds = new Long2ObjectHashMap<>();
        int events;
        int groups;
        int duplicates;

        void add(final int kind, final long nodeId, final long id)
        {
            final Long2ObjectHashMap<LongHashSet> map = kind == RecordKeys.KIND_EVENT ? eventIds : groupIds;
            LongHashSet set = map.get(nodeId);
            if (set == null)
            {
                set = new LongHashSet(1 << 20);
                map.put(nodeId, set);
            }
            if (!set.add(id))
            {
                duplicates++;
            }
            if (kind == RecordKeys.KIND_EVENT)
            {
                events++;
            }
            else
            {
                groups++;
            }
        }

        boolean contains(final int kind, final long nodeId, final long id)
        {
            final LongHashSet set = (kind == RecordKeys.KIND_EVENT ? eventIds : groupIds).get(nodeId);
            return set != null && set.contains(id);
        }

        void forEach(final KeyConsumer c)
        {
            eventIds.forEach((node, set) -> set.forEach(id -> c.accept(RecordKeys.KIND_EVENT, node, id)));
            groupIds.forEach((node, set) -> set.forEach(id -> c.accept(RecordKeys.KIND_GROUP, node, id)));
        }
    }

    private static Ids read(final Path journal) throws IOException
    {
        final Ids ids = new Ids();
        try (JournalReader r = JournalReader.open(journal))
        {
            r.seek(Long.MIN_VALUE, Long.MAX_VALUE);
            while (!r.done())
            {
                r.read((index, template, b, o, l) ->
                {
                    final int kind = RecordKeys.kindOf(template);
                    ids.add(kind, RecordKeys.nodeIdOf(b, o, kind), RecordKeys.idOf(b, o, kind));
                }, 65_536);
            }
        }
        return ids;
    }
}
