package dev.tapio.tools;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tapio.engine.Engine;
import dev.tapio.engine.correlate.CorrelationSettings;
import dev.tapio.engine.correlate.RulesLoader;
import dev.tapio.engine.ring.BackpressurePolicy;
import dev.tapio.engine.source.FileSource;
import dev.tapio.journal.JournalSettings;
import dev.tapio.journal.JournalSink;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * Twenty minutes (09:55 to 10:15 UTC on 2026-11-23) of a small cluster, journaled by the real engine:
 * background events of three pods every 10 s; pod shop/cart-7f9c ("X", node worker-2) crash-loops
 * between 10:01 and 10:04 (three restarts, each after an exit 1) and restarts once more at 10:07 (a
 * late member of the complete group); payments/ledger-1 is OOM-killed at 10:03; shop/web-1 crash-loops
 * from 10:08. Correlation runs in event time, so the journal's group records are deterministic.
 */
final class ForensicJournal
{
    static final String DAY = "2026-11-23";
    static final String X_NAMESPACE = "shop";
    static final String X_POD = "cart-7f9c";
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One input event and the fields the tests filter on. */
    record Event(String id, Instant time, String type, String node, String namespace, String pod, String json)
    {
    }

    private final List<Event> events = new ArrayList<>();
    private int next;

    private ForensicJournal()
    {
    }

    static Instant at(final String hhmmss)
    {
        return Instant.parse(DAY + "T" + hhmmss + "Z");
    }

    static List<Event> events()
    {
        final ForensicJournal f = new ForensicJournal();
        final Instant t0 = at("09:55:00");
        for (int i = 0; i < 120; i++)
        {
            final Instant t = t0.plusSeconds(10L * i);
            switch (i % 4)
            {
                case 0 -> f.add(t, "kernel.process.exec", "worker-1", "shop", "web-1", "app", null, null,
                    Map.of("comm", "nginx", "pid", 1000 + i), null);
                case 1 -> f.add(t, "app.request", "worker-2", "payments", "ledger-1", "ledger", null, "GET /balance 200",
                    Map.of(), null);
                case 2 -> f.add(t, "k8s.event.warning", "worker-2", X_NAMESPACE, X_POD, null, "warning",
                    "Readiness probe failed", Map.of(), Map.of("reason", "Unhealthy"));
                default -> f.add(t, "kernel.process.exec", "worker-2", X_NAMESPACE, X_POD, "app", null, null,
                    Map.of("comm", "cart", "pid", 2000 + i), null);
            }
        }
        for (final String exit : new String[] {"10:01:00", "10:02:30", "10:04:00"})
        {
            final Instant t = at(exit);
            f.add(t, "kernel.process.exit", "worker-2", X_NAMESPACE, X_POD, "app", "error", null,
                Map.of("exitCode", 1, "comm", "cart"), null);
            f.add(t.plusSeconds(5), "k8s.pod.restarted", "worker-2", X_NAMESPACE, X_POD, "app", "warning",
                "container app restarted (Error)", Map.of(), Map.of("reason", "Error"));
        }
        f.add(at("10:07:00"), "k8s.pod.restarted", "worker-2", X_NAMESPACE, X_POD, "app", "warning",
            "container app restarted (Error)", Map.of(), Map.of("reason", "Error"));
        f.add(at("09:58:00"), "k8s.pod.running", "worker-2", X_NAMESPACE, X_POD, "app", null, "pod is Running", Map.of(), null);
        f.add(at("10:03:00"), "kernel.container.oom_kill", "worker-2", "payments", "ledger-1", "ledger", "critical",
            "OOM killer chose java", Map.of("comm", "java"), null);
        f.add(at("10:03:01"), "kernel.process.exit", "worker-2", "payments", "ledger-1", "ledger", "error", null,
            Map.of("exitCode", 137, "comm", "java"), null);
        f.add(at("10:03:10"), "k8s.pod.restarted", "worker-2", "payments", "ledger-1", "ledger", "warning",
            "container ledger restarted (OOMKilled)", Map.of(), Map.of("reason", "OOMKilled"));
        for (final String restart : new String[] {"10:08:00", "10:09:00", "10:10:00"})
        {
            f.add(at(restart), "k8s.pod.restarted", "worker-1", "shop", "web-1", "app", "warning",
                "container app restarted (Error)", Map.of(), Map.of("reason", "Error"));
        }
        f.events.sort(Comparator.comparing(Event::time));
        return List.copyOf(f.events);
    }

    private void add(final Instant time, final String type, final String node, final String namespace, final String pod,
        final String container, final String severity, final String message, final Map<String, Object> fields,
        final Map<String, String> attributes)
    {
        final String id = String.format("%016x", 0xe000 + ++next);
        final ObjectNode o = JSON.createObjectNode();
        o.put("id", id);
        o.put("time", time.toString());
        o.put("type", type);
        o.put("node", node);
        o.put("namespace", namespace);
        o.put("pod", pod);
        if (container != null)
        {
            o.put("container", container);
        }
        if (severity != null)
        {
            o.put("severity", severity);
        }
        if (message != null)
        {
            o.put("message", message);
        }
        fields.forEach((k, v) ->
        {
            if (v instanceof Integer n)
            {
                o.put(k, n);
            }
            else
            {
                o.put(k, v.toString());
            }
        });
        if (attributes != null)
        {
            final ObjectNode a = o.putObject("attributes");
            attributes.forEach(a::put);
        }
        events.add(new Event(id, time, type, node, namespace, pod, o.toString()));
    }

    static Path writeJsonl(final Path file, final List<Event> events) throws Exception
    {
        final StringBuilder b = new StringBuilder();
        for (final Event e : events)
        {
            b.append(e.json()).append('\n');
        }
        Files.writeString(file, b);
        return file;
    }

    /**
     * Runs the real engine (offline: event time, built-in rules, one source) over {@code input} with a
     * journal sink writing to {@code journal}: the journal then holds every enriched event and every group record.
     */
    static void journal(final Path input, final Path journal) throws Exception
    {
        final ByteArrayOutputStream log = new ByteArrayOutputStream();
        final Engine engine = CorrelateCommand.offlineEngine(RulesLoader.builtin(), CorrelationSettings.DEFAULT_MAX_GROUPS,
                "node-9", new PrintStream(log, true))
            .source(new FileSource("input", input.toString(), 1 << 20), BackpressurePolicy.BLOCK)
            .sink(new JournalSink("journal", JournalSettings.builder().dir(journal).build(), new PrintStream(log, true)))
            .build()
            .start();
        while (!engine.awaitSources(Duration.ofSeconds(1)))
        {
            // a small file: done in milliseconds
        }
        if (!engine.stop() || engine.counters().totalDropped() != 0)
        {
            throw new AssertionError("journaling engine: " + engine.counters().snapshot() + " " + log);
        }
    }
}
