package dev.tapio.tools.scenario;

import com.fasterxml.jackson.databind.JsonNode;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.regex.Matcher;

/**
 * An executable reading of docs/CORRELATION.md with the six built-in patterns hard-coded, used only to
 * check the suite's hand-written labels (a second derivation of every expected group). It is not the
 * engine and makes no claim to its performance; it is deliberately plain.
 *
 * <p>Two points the document leaves open are options, so the labels can be checked under both
 * readings: whether a group whose deadline the new event's time passes expires before that event is
 * placed ({@code expireFirst}), and whether rule 1 (join an existing group) is applied across all
 * matching patterns before rule 3 (open), or pattern by pattern ({@code perPattern}).
 */
final class ReferenceCorrelator implements Function<Path, List<ScenarioGroup>>
{
    private static final long SECOND = 1_000_000_000L;
    private static final long MINUTE = 60 * SECOND;
    private static final long RETENTION = 30 * MINUTE;
    private static final List<Pattern> BUILTIN = builtins();

    private final boolean expireFirst;
    private final boolean perPattern;

    /** Groups with at least min-events members still open when the input ended (flushed as expired). */
    int flushedAtEnd;

    ReferenceCorrelator(final boolean expireFirst, final boolean perPattern)
    {
        this.expireFirst = expireFirst;
        this.perPattern = perPattern;
    }

    @Override
    public List<ScenarioGroup> apply(final Path file)
    {
        try
        {
            return run(ScenarioEvents.read(file));
        }
        catch (final IOException e)
        {
            throw new UncheckedIOException(e);
        }
    }

    List<ScenarioGroup> run(final List<ScenarioEvent> events)
    {
        final Run r = new Run();
        for (final ScenarioEvent e : events)
        {
            r.learn(e);
            r.watermark = Math.max(r.watermark, e.timeNanos());
            if (expireFirst)
            {
                r.expire();
            }
            r.place(e);
            if (!expireFirst)
            {
                r.expire();
            }
        }
        r.watermark = Long.MAX_VALUE;
        for (final Group g : new ArrayList<>(r.groups))
        {
            if (!g.complete && g.members.size() >= 2)
            {
                flushedAtEnd++;
            }
        }
        r.expire();
        return r.written;
    }

    // ---------------------------------------------------------------------------------------------------

    /** The state of one pass over a file. */
    private final class Run
    {
        long watermark = Long.MIN_VALUE;
        final List<Group> groups = new ArrayList<>();
        final List<ScenarioGroup> written = new ArrayList<>();
        final Map<String, String[]> byContainerId = new HashMap<>();
        final Map<String, String> containerIdByCgroup = new HashMap<>();
        final Map<String, String[]> podByCgroup = new HashMap<>();

        void learn(final ScenarioEvent e)
        {
            final String cid = e.text("containerId");
            final String pod = e.text("pod");
            final String cg = e.text("cgroupId");
            if (!cid.isEmpty() && !pod.isEmpty())
            {
                byContainerId.put(cid, new String[]{ e.namespace(), pod, e.text("container"), e.node() });
            }
            if (!cg.isEmpty() && !"0".equals(cg))
            {
                if (!cid.isEmpty())
                {
                    containerIdByCgroup.put(cg, cid);
                }
                if (!pod.isEmpty())
                {
                    podByCgroup.put(cg, new String[]{ e.namespace(), pod, e.text("container"), e.node() });
                }
            }
        }

        String[] resolve(final ScenarioEvent e)
        {
            final String cid = e.text("containerId");
            if (!cid.isEmpty() && byContainerId.containsKey(cid))
            {
                return byContainerId.get(cid);
            }
            final String cg = e.text("cgroupId");
            if (!cg.isEmpty())
            {
                final String viaCg = containerIdByCgroup.get(cg);
                if (viaCg != null && byContainerId.containsKey(viaCg))
                {
                    return byContainerId.get(viaCg);
                }
                return podByCgroup.get(cg);
            }
            return null;
        }

        /** An entity's value for an event, or null when it has none. */
        String entity(final ScenarioEvent e, final String name)
        {
            final String ns = e.namespace();
            final String pod = e.text("pod");
            final String container = e.text("container");
            switch (name)
            {
                case "node":
                    return nz(e.node());
                case "namespace":
                    return nz(ns);
                case "pod":
                {
                    if (!pod.isEmpty())
                    {
                        return ns + "/" + pod;
                    }
                    final String[] r = resolve(e);
                    return r == null ? null : r[0] + "/" + r[1];
                }
                case "container":
                {
                    if (!pod.isEmpty() && !container.isEmpty())
                    {
                        return ns + "/" + pod + "/" + container;
                    }
                    final String[] r = resolve(e);
                    if (r != null && !r[2].isEmpty())
                    {
                        return r[0] + "/" + r[1] + "/" + r[2];
                    }
                    if (!e.text("containerId").isEmpty())
                    {
                        return "id:" + e.text("containerId");
                    }
                    return e.text("cgroupId").isEmpty() ? null : "cgroup:" + e.text("cgroupId");
                }
                case "unit":
                    return nz(e.text("unit"));
                case "service":
                {
                    final String unit = e.text("unit");
                    return first(attr(e, "service.name"), unit.endsWith(".service") ?
                            unit.substring(0, unit.length() - ".service".length()) : unit,
                        attr(e, "app.kubernetes.io/name"), attr(e, "app"), container, podBase(pod), e.text("comm"));
                }
                case "peer":
                    return first(attr(e, "network.peer.address"), attr(e, "net.peer.ip"), attr(e, "peer"));
                default:
                    throw new IllegalArgumentException(name);
            }
        }

        /** The key of an event for some entities, or null when one is missing. */
        String key(final ScenarioEvent e, final List<String> entities)
        {
            final StringBuilder b = new StringBuilder();
            for (final String n : entities)
            {
                final String v = entity(e, n);
                if (v == null)
                {
                    return null;
                }
                b.append(b.length() == 0 ? "" : ",").append(n).append('=').append(v);
            }
            return b.toString();
        }

        void place(final ScenarioEvent e)
        {
            final List<Candidate> candidates = new ArrayList<>();
            for (final Pattern p : BUILTIN)
            {
                for (int s = 0; s < p.steps.size(); s++)
                {
                    final Step step = p.steps.get(s);
                    if (step.matches.test(e))
                    {
                        final String full = key(e, p.key);
                        final String partial = step.join == null ? null : key(e, step.join);
                        if (full != null || partial != null)
                        {
                            candidates.add(new Candidate(p, s, full, partial));
                        }
                        break;
                    }
                }
            }
            if (perPattern)
            {
                for (final Candidate c : candidates)
                {
                    if (joinExisting(c, e) || joinUnbound(c, e) || open(c, e))
                    {
                        return;
                    }
                }
                return;
            }
            for (final Candidate c : candidates)
            {
                if (joinExisting(c, e))
                {
                    return;
                }
            }
            for (final Candidate c : candidates)
            {
                if (joinUnbound(c, e))
                {
                    return;
                }
            }
            for (final Candidate c : candidates)
            {
                if (open(c, e))
                {
                    return;
                }
            }
        }

        boolean joinExisting(final Candidate c, final ScenarioEvent e)
        {
            if (c.full == null)
            {
                return false;
            }
            for (final Group g : groups)
            {
                if (g.pattern == c.pattern && g.bound && g.key.equals(c.full))
                {
                    add(g, e, c.step);
                    return true;
                }
            }
            return false;
        }

        boolean joinUnbound(final Candidate c, final ScenarioEvent e)
        {
            final Step step = c.pattern.steps.get(c.step);
            if (c.partial != null && c.full == null)
            {
                for (final Group g : groups)
                {
                    if (g.pattern == c.pattern && !g.bound && g.key.equals(c.partial))
                    {
                        add(g, e, c.step);
                        return true;
                    }
                }
                if (step.opens)
                {
                    final Group g = new Group(c.pattern, c.partial, false);
                    groups.add(g);
                    add(g, e, c.step);
                    return true;
                }
                return false;
            }
            if (c.full != null)
            {
                for (final Group g : groups)
                {
                    if (g.pattern == c.pattern && !g.bound && g.key.equals(projection(c)))
                    {
                        g.bound = true;
                        g.key = c.full;
                        add(g, e, c.step);
                        return true;
                    }
                }
            }
            return false;
        }

        /** The full key projected onto the entities an unbound group of the pattern is keyed by. */
        String projection(final Candidate c)
        {
            for (final Step s : c.pattern.steps)
            {
                if (s.join != null)
                {
                    final StringBuilder b = new StringBuilder();
                    for (final String part : c.full.split(","))
                    {
                        if (s.join.contains(part.substring(0, part.indexOf('='))))
                        {
                            b.append(b.length() == 0 ? "" : ",").append(part);
                        }
                    }
                    return b.toString();
                }
            }
            return null;
        }

        boolean open(final Candidate c, final ScenarioEvent e)
        {
            if (c.full == null || !c.pattern.steps.get(c.step).opens)
            {
                return false;
            }
            final Group g = new Group(c.pattern, c.full, true);
            groups.add(g);
            add(g, e, c.step);
            return true;
        }

        void add(final Group g, final ScenarioEvent e, final int step)
        {
            g.members.add(e);
            g.steps.add(step);
            g.minTime = Math.min(g.minTime, e.timeNanos());
            g.maxTime = Math.max(g.maxTime, e.timeNanos());
            if (!g.complete && g.bound && g.satisfied())
            {
                g.complete = true;
                g.completedAt = Math.max(watermark, g.maxTime);
                final List<Long> ids = new ArrayList<>();
                for (final ScenarioEvent m : g.members)
                {
                    ids.add(m.id());
                }
                written.add(new ScenarioGroup(g.pattern.name, "complete", ids));
            }
        }

        void expire()
        {
            for (final Iterator<Group> it = groups.iterator(); it.hasNext(); )
            {
                final Group g = it.next();
                if (g.complete)
                {
                    if (watermark == Long.MAX_VALUE || watermark > g.completedAt + RETENTION)
                    {
                        it.remove();
                    }
                    continue;
                }
                final long deadline = Math.min(g.minTime + g.pattern.maxSpan, g.maxTime + g.pattern.maxGap);
                if (watermark > deadline)
                {
                    it.remove();
                    if (g.members.size() >= g.pattern.minEvents)
                    {
                        final List<Long> ids = new ArrayList<>();
                        for (final ScenarioEvent m : g.members)
                        {
                            ids.add(m.id());
                        }
                        written.add(new ScenarioGroup(g.pattern.name, "expired", ids));
                    }
                }
            }
        }
    }

    /** A pattern a step of which matches the event, with the event's keys for it. */
    private static final class Candidate
    {
        final Pattern pattern;
        final int step;
        final String full;
        final String partial;

        Candidate(final Pattern pattern, final int step, final String full, final String partial)
        {
            this.pattern = pattern;
            this.step = step;
            this.full = full;
            this.partial = partial;
        }
    }

    /** One group in memory. */
    private static final class Group
    {
        final Pattern pattern;
        String key;
        boolean bound;
        boolean complete;
        long completedAt;
        long minTime = Long.MAX_VALUE;
        long maxTime = Long.MIN_VALUE;
        final List<ScenarioEvent> members = new ArrayList<>();
        final List<Integer> steps = new ArrayList<>();

        Group(final Pattern pattern, final String key, final boolean bound)
        {
            this.pattern = pattern;
            this.key = key;
            this.bound = bound;
        }

        /** Every required step satisfied (in event-time order for a sequence pattern). */
        boolean satisfied()
        {
            long after = Long.MIN_VALUE;
            for (int s = 0; s < pattern.steps.size(); s++)
            {
                final Step step = pattern.steps.get(s);
                if (step.optional)
                {
                    continue;
                }
                final List<Long> times = new ArrayList<>();
                for (int i = 0; i < members.size(); i++)
                {
                    if (steps.get(i) == s && (!pattern.sequence || members.get(i).timeNanos() >= after))
                    {
                        times.add(members.get(i).timeNanos());
                    }
                }
                times.sort(Comparator.naturalOrder());
                long end = Long.MIN_VALUE;
                for (int j = 0; j + step.count - 1 < times.size(); j++)
                {
                    if (times.get(j + step.count - 1) - times.get(j) <= step.within)
                    {
                        end = times.get(j + step.count - 1);
                        break;
                    }
                }
                if (end == Long.MIN_VALUE)
                {
                    return false;
                }
                if (pattern.sequence)
                {
                    after = end;
                }
            }
            return true;
        }
    }

    /** A built-in pattern, transcribed from builtin-rules.yaml. */
    private static final class Pattern
    {
        final String name;
        final int priority;
        final List<String> key;
        final boolean sequence;
        final long maxSpan;
        final long maxGap;
        final int minEvents = 2;
        final List<Step> steps;

        Pattern(final String name, final int priority, final List<String> key, final boolean sequence, final long maxSpan,
            final long maxGap, final Step... steps)
        {
            this.name = name;
            this.priority = priority;
            this.key = key;
            this.sequence = sequence;
            this.maxSpan = maxSpan;
            this.maxGap = maxGap;
            this.steps = Arrays.asList(steps);
        }
    }

    /** One step of a pattern. */
    private static final class Step
    {
        final Predicate<ScenarioEvent> matches;
        int count = 1;
        long within = Long.MAX_VALUE;
        boolean optional;
        boolean opens = true;
        List<String> join;

        Step(final Predicate<ScenarioEvent> matches)
        {
            this.matches = matches;
        }

        Step count(final int n, final long w)
        {
            count = n;
            within = w;
            return this;
        }

        Step optional()
        {
            optional = true;
            return this;
        }

        Step noOpen()
        {
            opens = false;
            return this;
        }

        Step join(final String... entities)
        {
            join = List.of(entities);
            return this;
        }
    }

    private static List<Pattern> builtins()
    {
        final List<Pattern> list = new ArrayList<>(List.of(
            new Pattern("cascade-failure", 50, List.of("service"), true, 15 * MINUTE, 10 * MINUTE,
                new Step(type("systemd.unit.failed")),
                new Step(type("k8s.pod.restarted")).count(2, 10 * MINUTE).noOpen(),
                new Step(type("http.error_rate", "kernel.network.reset")).noOpen()),
            new Pattern("oom-kill", 40, List.of("container"), true, 5 * MINUTE, 2 * MINUTE,
                new Step(type("kernel.container.oom_kill")),
                new Step(type("kernel.process.exit").and(e -> exitCode(e) != null && exitCode(e) == 137)).noOpen(),
                new Step(type("k8s.pod.restarted").and(e -> "OOMKilled".equals(attr(e, "reason"))))),
            new Pattern("node-pressure", 30, List.of("node"), true, 10 * MINUTE, 5 * MINUTE,
                new Step(type("k8s.node.pressure")),
                new Step(type("k8s.pod.failed").or(type("k8s.event.warning").and(e -> reasonIsEviction(attr(e, "reason")))))
                    .noOpen()),
            new Pattern("crash-loop", 20, List.of("container"), false, 15 * MINUTE, 5 * MINUTE,
                new Step(type("k8s.pod.restarted")).count(3, 5 * MINUTE),
                new Step(type("kernel.process.exit").and(e -> exitCode(e) != null && exitCode(e) != 0)).optional().noOpen()),
            new Pattern("pod-startup", 10, List.of("node", "pod"), true, 5 * MINUTE, 2 * MINUTE,
                new Step(type("systemd.unit.started").and(e ->
                    List.of("docker.service", "containerd.service", "crio.service").contains(e.text("unit"))))
                    .join("node").optional(),
                new Step(type("cni.ip.allocated")),
                new Step(type("k8s.pod.running"))),
            new Pattern("network-degradation", 10, List.of("node", "peer"), false, 10 * MINUTE, 2 * MINUTE,
                new Step(type("kernel.network.retransmit", "kernel.network.reset")).count(10, MINUTE))));
        list.sort(Comparator.comparingInt((Pattern p) -> -p.priority)); // stable: ties keep file order
        return list;
    }

    private static boolean reasonIsEviction(final String reason)
    {
        return reason != null && ("Evicted".equals(reason) || "Evicting".equals(reason) || reason.contains("Pressure"));
    }

    private static Predicate<ScenarioEvent> type(final String... types)
    {
        final List<String> list = List.of(types);
        return e -> list.contains(e.type());
    }

    private static Integer exitCode(final ScenarioEvent e)
    {
        final JsonNode v = e.json().get("exitCode");
        return v == null || !v.isInt() ? null : v.asInt();
    }

    private static String attr(final ScenarioEvent e, final String key)
    {
        final JsonNode a = e.json().get("attributes");
        final JsonNode v = a == null ? null : a.get(key);
        return v == null || v.isNull() || v.asText().isEmpty() ? null : v.asText();
    }

    private static String nz(final String s)
    {
        return s == null || s.isEmpty() ? null : s;
    }

    private static String first(final String... values)
    {
        for (final String v : values)
        {
            if (v != null && !v.isEmpty())
            {
                return v;
            }
        }
        return null;
    }

    private static final java.util.regex.Pattern POD_HASHES =
        java.util.regex.Pattern.compile("^(.+?)(?:-[a-z0-9]{6,10})?-[a-z0-9]{5}$");

    /** A pod name without its ReplicaSet and pod hash suffixes: nginx-7c5d8f9b6-x2x1k → nginx. */
    private static String podBase(final String pod)
    {
        if (pod.isEmpty())
        {
            return null;
        }
        final Matcher m = POD_HASHES.matcher(pod);
        return m.matches() ? m.group(1) : pod;
    }
}
