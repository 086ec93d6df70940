package dev.tapio.bench.cep;

import dev.tapio.codecs.EventDraft;
import dev.tapio.codecs.EventTypes;
import dev.tapio.codecs.sbe.EventEncoder;
import dev.tapio.codecs.sbe.EventType;
import dev.tapio.codecs.sbe.Severity;
import dev.tapio.codecs.sbe.Source;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The stream both sides of {@link CepPatternBenchmark} process: {@code events} pre-generated events over
 * {@code containers} containers, deterministic for a seed, replayed in a loop. Event {@code i} of replay
 * {@code r} happens at {@link #timeMillis(long, int)}: event time advances exactly 1 ms per event, and
 * each replay starts {@link #LOOP_GAP_MILLIS} after the previous one ended, so no pattern instance spans
 * two replays and every replay produces the same matches.
 *
 * <h2>The two patterns (same semantics for every engine)</h2>
 * <ul>
 *   <li><b>crash-loop</b>: at least 3 {@code k8s.pod.restarted} of the same container within 5 minutes.</li>
 *   <li><b>oom-kill</b>: {@code kernel.container.oom_kill} → {@code kernel.process.exit} with exit code 137 →
 *       {@code k8s.pod.restarted} with attribute {@code reason=OOMKilled}, same container, in that order,
 *       the last within 5 minutes of the first (other events may come between).</li>
 * </ul>
 *
 * <h2>Composition</h2>
 * Pattern events come only from planted <em>scenarios</em>, one container each ({@link Scenario}): complete
 * crash-loops and OOM kills, and near misses (two restarts; three restarts spread over more than 5 minutes;
 * a single restart; an OOM kill with no exit, or no restart, or a restart after more than 5 minutes; an exit
 * 137 with no OOM kill, as a liveness-probe kill gives). Every other event is noise on a random container:
 * process exec, process exits with codes 0/1/143 (the exit type of the oom-kill pattern, filtered out by
 * its exit code), TCP retransmits and resets, warning events, pod running, CNI allocations. Noise never is
 * a restart, an OOM kill or an exit 137.
 *
 * <p>Scenarios of the same container are isolated: the next one starts at least {@link #ISOLATION_MILLIS}
 * (5.5 min) after the previous one's last event. So no match ever mixes two scenarios, and every semantics
 * for "a match" agrees on this workload (a match per completing event as Siddhi's {@code every} pattern
 * emits it, a sliding count per key, or a correlation group per incident as Tapio forms it): each replay
 * has exactly {@link #plantedCrashLoops()} crash-loop and {@link #plantedOomKills()} oom-kill matches.
 * For Tapio's correlator to count the same, run it with {@link #TAPIO_RULES_YAML} and a complete-group
 * retention shorter than the isolation (e.g. 5 min): with the default 30 min, a container's next crash-loop
 * joins the retained group instead of opening one.
 *
 * <p>Forms: per-event accessors (type, container, exit code, reason), Siddhi rows ({@link #siddhiRows()})
 * and SBE-encoded events in one off-heap buffer ({@link #sbe()}, what Tapio's engine consumes). Immutable
 * once built, except that {@link SbeEvents} timestamps can be moved to a replay.
 */
public final class PatternWorkload
{
    /** Event time of event 0 of replay 0. */
    public static final long START_EPOCH_MILLIS = Instant.parse("2025-11-03T09:00:00Z").toEpochMilli();
    public static final long WINDOW_MILLIS = 5 * 60_000L;
    /** Least event time between the last event of a scenario and the first of the next on the same container. */
    public static final long ISOLATION_MILLIS = 330_000L;
    /** Event time between the last event of a replay and the first of the next. */
    public static final long LOOP_GAP_MILLIS = 360_000L;
    /** The fewest events a workload can have: the longest scenario (about 400 s at 1 ms per event) must fit. */
    public static final int MIN_EVENTS = 450_000;

    public static final String RESTARTED = EventTypes.name(EventType.K8S_POD_RESTARTED);
    public static final String PROCESS_EXIT = EventTypes.name(EventType.KERNEL_PROCESS_EXIT);
    public static final String OOM_KILL = EventTypes.name(EventType.KERNEL_CONTAINER_OOM_KILL);
    public static final int OOM_EXIT_CODE = 137;
    public static final String REASON_OOM_KILLED = "OOMKilled";
    /** The attribute key of the restart reason. */
    public static final String REASON_KEY = "reason";

    /**
     * Rules for Tapio's correlator that give it this workload's semantics: only the crash-loop and oom-kill
     * patterns (the other built-ins would react to the noise), and crash-loop without the built-in's
     * optional "non-zero exits" evidence step. With that step, the noise's exits with codes 1 and 143 join
     * open crash-loop groups and keep them alive up to their 15 min max-span, so a container's earlier
     * near miss swallows its next crash-loop (checked: 97 of 134 crash-loops found instead of 134).
     */
    public static final String TAPIO_RULES_YAML =
        "patterns:\n" +
        "  - name: crash-loop\n" +
        "    id: 3\n" +
        "    outcome: container-crash-loop\n" +
        "    priority: 20\n" +
        "    key: [container]\n" +
        "    order: any\n" +
        "    max-span: 15m\n" +
        "    max-gap: 5m\n" +
        "    severity: error\n" +
        "    steps:\n" +
        "      - name: restarts\n" +
        "        type: k8s.pod.restarted\n" +
        "        count: 3\n" +
        "        within: 5m\n" +
        "disable: [cascade-failure, node-pressure, pod-startup, network-degradation]\n";

    /** Value of {@link #exitCode(int)} for an event with no exit code (the SBE null value). */
    public static final int NO_EXIT_CODE = EventDraft.EXIT_CODE_NULL;

    private static final String[] REASONS = { null, REASON_OOM_KILLED, "Error", "Unhealthy" };
    private static final byte NO_REASON = 0;
    private static final byte OOM_KILLED = 1;
    private static final byte ERROR = 2;
    private static final byte UNHEALTHY = 3;

    /** Slack (ms) a scenario's events may be pushed later when their index is taken by another scenario. */
    private static final int SLACK = 1_000;

    /** What a planted scenario is; the weights are per mille of scenarios. */
    public enum Scenario
    {
        /** 3 restarts (after exits with code 1), 10-100 s apart: completes crash-loop. */
        CRASH_LOOP(120, true, false),
        /** 2 restarts, 10-100 s apart. */
        TWO_RESTARTS(120, false, false),
        /** 3 restarts 160-200 s apart: the first and third are more than 5 min apart. */
        SLOW_RESTARTS(80, false, false),
        /** 1 restart after an exit with code 1. */
        SINGLE_RESTART(200, false, false),
        /** OOM kill, exit 137 within 50 ms, restart OOMKilled within 100 s: completes oom-kill. */
        OOM_KILL(120, false, true),
        /** OOM kill of a child process: the container lives on. */
        OOM_KILL_ONLY(120, false, false),
        /** OOM kill and exit 137, no restart (the pod was deleted). */
        OOM_KILL_NO_RESTART(80, false, false),
        /** OOM kill, exit 137, restart OOMKilled 305-360 s after the kill. */
        OOM_KILL_LATE_RESTART(80, false, false),
        /** Exit 137 and restart with reason Error, no OOM kill (a liveness probe killed it). */
        LIVENESS_KILL(80, false, false);

        final int weight;
        final boolean crashLoop;
        final boolean oomKill;

        Scenario(final int weight, final boolean crashLoop, final boolean oomKill)
        {
            this.weight = weight;
            this.crashLoop = crashLoop;
            this.oomKill = oomKill;
        }
    }

    private final int events;
    private final int containers;
    private final long seed;

    private final EventType[] type;
    private final int[] container;
    private final int[] exitCode;
    private final byte[] reason;

    private final String[] node;
    private final String[] namespace;
    private final String[] pod;
    private final String[] containerName;
    private final String[] containerId;
    private final String[] containerKey;

    private final int[] scenarioCounts = new int[Scenario.values().length];
    private int plantedCrashLoops;
    private int plantedOomKills;
    private int scenarioEvents;

    private Object[][] siddhiRows;
    private SbeEvents sbe;

    /**
     * @param events      events per replay, at least {@link #MIN_EVENTS}.
     * @param containers  distinct containers the events are spread over.
     * @param scenarios   planted scenarios (complete and partial) per replay. Isolation bounds it: on 1 ms per
     *                    event a container holds about two scenarios per 1,000,000 events, so 1,000
     *                    containers take about 1,900 (the benchmark's default, 1,000, fits every
     *                    container count from 1,000 up).
     * @param seed        the generator's seed: the same arguments give the same stream.
     * @throws IllegalArgumentException when the scenarios cannot all be placed isolated on that many containers.
     */
    public PatternWorkload(final int events, final int containers, final int scenarios, final long seed)
    {
        if (events < MIN_EVENTS)
        {
            throw new IllegalArgumentException("events must be at least " + MIN_EVENTS + ": " + events);
        }
        if (containers < 1 || scenarios < 0)
        {
            throw new IllegalArgumentException("containers " + containers + ", scenarios " + scenarios);
        }
        this.events = events;
        this.containers = containers;
        this.seed = seed;
        type = new EventType[events];
        container = new int[events];
        exitCode = new int[events];
        reason = new byte[events];
        node = new String[containers];
        namespace = new String[containers];
        pod = new String[containers];
        containerName = new String[containers];
        containerId = new String[containers];
        containerKey = new String[containers];

        final SplittableRandom random = new SplittableRandom(seed);
        nameContainers(random);
        plant(random, scenarios);
        fillNoise(random);
    }

    public int events()
    {
        return events;
    }

    public int containers()
    {
        return containers;
    }

    public long seed()
    {
        return seed;
    }

    /** Event time (epoch ms) of event {@code i} in replay {@code loop} (0 for the first pass). */
    public long timeMillis(final long loop, final int i)
    {
        return START_EPOCH_MILLIS + loop * loopSpanMillis() + i;
    }

    /** Event time from one replay's event 0 to the next replay's event 0. */
    public long loopSpanMillis()
    {
        return events + LOOP_GAP_MILLIS;
    }

    public EventType type(final int i)
    {
        return type[i];
    }

    public String typeName(final int i)
    {
        return EventTypes.name(type[i]);
    }

    /** The container index (0 .. containers - 1) of event {@code i}. */
    public int container(final int i)
    {
        return container[i];
    }

    /** The exit code of event {@code i}, or {@link #NO_EXIT_CODE}. */
    public int exitCode(final int i)
    {
        return exitCode[i];
    }

    /** The {@code reason} attribute of event {@code i}, or null. */
    public String reason(final int i)
    {
        return REASONS[reason[i]];
    }

    /** {@code namespace/pod/container}: the container entity Tapio keys on, and Siddhi's partition key. */
    public String containerKey(final int c)
    {
        return containerKey[c];
    }

    public String node(final int c)
    {
        return node[c];
    }

    public String namespace(final int c)
    {
        return namespace[c];
    }

    public String pod(final int c)
    {
        return pod[c];
    }

    public String containerName(final int c)
    {
        return containerName[c];
    }

    public String containerId(final int c)
    {
        return containerId[c];
    }

    /** Complete crash-loops planted per replay: the crash-loop matches each replay must give. */
    public int plantedCrashLoops()
    {
        return plantedCrashLoops;
    }

    /** Complete OOM kill sequences planted per replay: the oom-kill matches each replay must give. */
    public int plantedOomKills()
    {
        return plantedOomKills;
    }

    public int scenarioCount(final Scenario s)
    {
        return scenarioCounts[s.ordinal()];
    }

    /** Events that belong to a scenario (the rest is noise). */
    public int scenarioEvents()
    {
        return scenarioEvents;
    }

    public String describe()
    {
        int scenarios = 0;
        for (final int n : scenarioCounts)
        {
            scenarios += n;
        }
        return String.format(
            "%,d events over %,d containers (seed %d): %,d scenarios, %,d scenario events (%.2f%%), " +
            "%,d crash-loop and %,d oom-kill matches per replay",
            events, containers, seed, scenarios, scenarioEvents, 100.0 * scenarioEvents / events,
            plantedCrashLoops, plantedOomKills);
    }

    /**
     * The events as Siddhi rows of {@code Events (type string, container string, exitCode int, reason string)},
     * built once and shared: Siddhi copies row values into its own events and never writes the arrays. An
     * absent exit code or reason is null. The event time is not in the row (it is the Siddhi event's
     * timestamp, {@link #timeMillis(long, int)}).
     */
    public synchronized Object[][] siddhiRows()
    {
        if (siddhiRows == null)
        {
            final Integer[] boxed = new Integer[256];
            final Object[][] rows = new Object[events][];
            for (int i = 0; i < events; i++)
            {
                final int code = exitCode[i];
                final Integer exit = code == NO_EXIT_CODE ? null :
                    (code >= 0 && code < boxed.length ? box(boxed, code) : Integer.valueOf(code));
                rows[i] = new Object[] { typeName(i), containerKey[container[i]], exit, REASONS[reason[i]] };
            }
            siddhiRows = rows;
        }
        return siddhiRows;
    }

    private static Integer box(final Integer[] cache, final int code)
    {
        if (cache[code] == null)
        {
            cache[code] = code;
        }
        return cache[code];
    }

    /** The events SBE-encoded (built on first call, ~300 bytes per event off-heap). */
    public synchronized SbeEvents sbe()
    {
        if (sbe == null)
        {
            sbe = new SbeEvents(this);
        }
        return sbe;
    }

    /**
     * Every event encoded with {@link EventDraft} into one direct buffer, 8-byte aligned, in stream order:
     * type, timestamp (= ingest timestamp), source, severity, node, namespace, pod, container, container id,
     * exit code, and attribute {@code reason} when the event has one. Event ids are {@code i + 1}.
     * {@link #moveToLoop(long)} rewrites the timestamps in place for a later replay.
     */
    public static final class SbeEvents
    {
        private final PatternWorkload workload;
        private final UnsafeBuffer buffer;
        private final int[] offset;
        private final int[] length;
        private final EventEncoder encoder = new EventEncoder();
        private long loop;

        SbeEvents(final PatternWorkload w)
        {
            workload = w;
            final int n = w.events;
            offset = new int[n];
            length = new int[n];
            final EventDraft draft = new EventDraft();
            long total = 0;
            for (int i = 0; i < n; i++)
            {
                w.draft(i, 0, draft);
                offset[i] = (int)total;
                length[i] = draft.encodedLength();
                total = align8(total + length[i]);
                if (total > Integer.MAX_VALUE)
                {
                    throw new IllegalArgumentException("too many events for one buffer: " + n);
                }
            }
            buffer = new UnsafeBuffer(ByteBuffer.allocateDirect((int)total));
            for (int i = 0; i < n; i++)
            {
                w.draft(i, 0, draft);
                final long time = w.timeMillis(0, i) * 1_000_000L;
                final int written = draft.encode(buffer, offset[i], length[i], time, i + 1L, Source.SYNTHETIC);
                if (written != length[i])
                {
                    throw new IllegalStateException("event " + i + " encoded to " + written + " not " + length[i]);
                }
            }
        }

        public UnsafeBuffer buffer()
        {
            return buffer;
        }

        public int count()
        {
            return offset.length;
        }

        /** Where event {@code i} starts in {@link #buffer()} (its message header). */
        public int offset(final int i)
        {
            return offset[i];
        }

        /** Encoded length of event {@code i}, header included. */
        public int length(final int i)
        {
            return length[i];
        }

        /** The replay whose event times the buffer holds now. */
        public long loop()
        {
            return loop;
        }

        /** Rewrites every event's timestamp and ingest timestamp to its time in replay {@code loop}. */
        public void moveToLoop(final long loop)
        {
            for (int i = 0; i < offset.length; i++)
            {
                final long nanos = workload.timeMillis(loop, i) * 1_000_000L;
                encoder.wrap(buffer, offset[i] + dev.tapio.codecs.EventFrames.HEADER_LENGTH)
                    .timestamp(nanos)
                    .ingestTimestamp(nanos);
            }
            this.loop = loop;
        }

        private static long align8(final long n)
        {
            return (n + 7) & ~7L;
        }
    }

    /** Fills {@code draft} with event {@code i} as it is in replay {@code loop}. */
    public EventDraft draft(final int i, final long loop, final EventDraft draft)
    {
        draft.reset();
        final EventType t = type[i];
        final int c = container[i];
        draft.hasEventId = true;
        draft.eventId = i + 1L;
        draft.timestamp = timeMillis(loop, i) * 1_000_000L;
        draft.type = t;
        draft.source = sourceOf(t);
        draft.severity = severityOf(t, exitCode[i]);
        draft.exitCode = exitCode[i];
        draft.text(EventDraft.NODE).set(node[c]);
        draft.text(EventDraft.NAMESPACE).set(namespace[c]);
        draft.text(EventDraft.POD).set(pod[c]);
        draft.text(EventDraft.CONTAINER).set(containerName[c]);
        draft.text(EventDraft.CONTAINER_ID).set(containerId[c]);
        if (reason[i] != NO_REASON)
        {
            draft.addAttribute(REASON_KEY, REASONS[reason[i]]);
        }
        return draft;
    }

    private static Source sourceOf(final EventType t)
    {
        switch (t)
        {
            case KERNEL_PROCESS_EXEC:
            case KERNEL_PROCESS_EXIT:
            case KERNEL_CONTAINER_OOM_KILL:
            case KERNEL_NETWORK_RETRANSMIT:
            case KERNEL_NETWORK_RESET:
                return Source.KERNEL;
            case CNI_IP_ALLOCATED:
                return Source.CNI;
            default:
                return Source.KUBERNETES;
        }
    }

    private static Severity severityOf(final EventType t, final int exitCode)
    {
        switch (t)
        {
            case KERNEL_CONTAINER_OOM_KILL:
                return Severity.ERROR;
            case K8S_POD_RESTARTED:
            case K8S_EVENT_WARNING:
            case KERNEL_NETWORK_RESET:
                return Severity.WARNING;
            case KERNEL_PROCESS_EXIT:
                return exitCode == 0 ? Severity.INFO : Severity.WARNING;
            default:
                return Severity.INFO;
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Generation
    // ---------------------------------------------------------------------------------------------

    private static final String[] NAMESPACES = {
        "payments-prod", "checkout-prod", "search-prod", "identity-prod", "catalog-prod", "ledger-prod",
        "notify-prod", "media-prod", "ingest-prod", "billing-prod", "kube-system", "monitoring" };
    private static final String[] SERVICES = {
        "checkout-api", "cart", "search", "auth", "catalog", "ledger", "mailer", "thumbnailer", "collector",
        "invoicer", "coredns", "prometheus", "gateway", "recommender", "inventory", "pricing" };
    private static final String[] CONTAINER_NAMES = { "app", "app", "app", "istio-proxy", "worker" };
    private static final String ALPHABET = "bcdfghjklmnpqrstvwxz2456789";
    private static final int CONTAINERS_PER_NODE = 50;

    private void nameContainers(final SplittableRandom random)
    {
        final int nodes = Math.max(1, (containers + CONTAINERS_PER_NODE - 1) / CONTAINERS_PER_NODE);
        for (int c = 0; c < containers; c++)
        {
            final String service = SERVICES[random.nextInt(SERVICES.length)];
            namespace[c] = NAMESPACES[random.nextInt(NAMESPACES.length)];
            // The index in the pod name's hash part keeps every container key unique.
            pod[c] = service + "-" + Integer.toHexString(0x10000000 + c) + "-" + word(random, 5);
            containerName[c] = CONTAINER_NAMES[random.nextInt(CONTAINER_NAMES.length)];
            containerId[c] = "containerd://" + hex64(random);
            node[c] = String.format("node-%04d", random.nextInt(nodes));
            containerKey[c] = namespace[c] + "/" + pod[c] + "/" + containerName[c];
        }
    }

    private static String word(final SplittableRandom random, final int length)
    {
        final char[] c = new char[length];
        for (int i = 0; i < length; i++)
        {
            c[i] = ALPHABET.charAt(random.nextInt(ALPHABET.length()));
        }
        return new String(c);
    }

    private static String hex64(final SplittableRandom random)
    {
        final StringBuilder sb = new StringBuilder(64);
        for (int i = 0; i < 4; i++)
        {
            final String h = Long.toHexString(random.nextLong());
            sb.append("0".repeat(16 - h.length())).append(h);
        }
        return sb.toString();
    }

    /** One planned event of a scenario: offset (ms after the scenario's start), type, exit code, reason. */
    private static final class Step
    {
        final long offset;
        final EventType type;
        final int exitCode;
        final byte reason;

        Step(final long offset, final EventType type, final int exitCode, final byte reason)
        {
            this.offset = offset;
            this.type = type;
            this.exitCode = exitCode;
            this.reason = reason;
        }
    }

    private void plant(final SplittableRandom random, final int scenarios)
    {
        final Scenario[] kinds = Scenario.values();
        int totalWeight = 0;
        for (final Scenario s : kinds)
        {
            totalWeight += s.weight;
        }
        final boolean[] taken = new boolean[events];
        // Per container: the [first, last + SLACK] index intervals of its scenarios, as pairs.
        final long[][] busy = new long[containers][];
        final int[] busyCount = new int[containers];
        final List<Step> steps = new ArrayList<>();
        for (int s = 0; s < scenarios; s++)
        {
            int pick = random.nextInt(totalWeight);
            Scenario kind = kinds[0];
            for (final Scenario k : kinds)
            {
                if (pick < k.weight)
                {
                    kind = k;
                    break;
                }
                pick -= k.weight;
            }
            steps.clear();
            steps(kind, random, steps);
            final long span = steps.get(steps.size() - 1).offset + SLACK;
            boolean placed = false;
            for (int attempt = 0; attempt < 10_000 && !placed; attempt++)
            {
                final int c = random.nextInt(containers);
                final long start = random.nextLong(events - span);
                if (isolated(busy[c], busyCount[c], start, start + span))
                {
                    busy[c] = add(busy[c], busyCount[c]++, start, start + span);
                    place(c, start, steps, taken);
                    placed = true;
                }
            }
            if (!placed)
            {
                throw new IllegalArgumentException("cannot place " + scenarios + " isolated scenarios in " + events +
                    " events over " + containers + " containers (placed " + s + "): use fewer scenarios or more " +
                    "containers");
            }
            scenarioCounts[kind.ordinal()]++;
            plantedCrashLoops += kind.crashLoop ? 1 : 0;
            plantedOomKills += kind.oomKill ? 1 : 0;
            scenarioEvents += steps.size();
        }
    }

    private static boolean isolated(final long[] busy, final int count, final long first, final long last)
    {
        for (int i = 0; i < count; i++)
        {
            final long otherFirst = busy[2 * i];
            final long otherLast = busy[2 * i + 1];
            if (first - otherLast < ISOLATION_MILLIS && otherFirst - last < ISOLATION_MILLIS)
            {
                return false;
            }
        }
        return true;
    }

    private static long[] add(final long[] busy, final int count, final long first, final long last)
    {
        final long[] b = busy == null ? new long[4] :
            (2 * count + 2 > busy.length ? Arrays.copyOf(busy, 4 * count) : busy);
        b[2 * count] = first;
        b[2 * count + 1] = last;
        return b;
    }

    private void place(final int c, final long start, final List<Step> steps, final boolean[] taken)
    {
        int previous = -1;
        for (final Step step : steps)
        {
            int i = (int)Math.max(start + step.offset, previous + 1);
            while (i < events && taken[i])
            {
                i++;
            }
            if (i >= events || i > start + step.offset + SLACK)
            {
                throw new IllegalStateException("scenario step pushed beyond its slack at " + i);
            }
            taken[i] = true;
            type[i] = step.type;
            container[i] = c;
            exitCode[i] = step.exitCode;
            reason[i] = step.reason;
            previous = i;
        }
    }

    private static void steps(final Scenario kind, final SplittableRandom r, final List<Step> out)
    {
        switch (kind)
        {
            case CRASH_LOOP:
                crashes(r, out, 3, 10_000, 100_000);
                break;
            case TWO_RESTARTS:
                crashes(r, out, 2, 10_000, 100_000);
                break;
            case SLOW_RESTARTS:
                crashes(r, out, 3, 160_000, 200_000);
                break;
            case SINGLE_RESTART:
                crashes(r, out, 1, 0, 0);
                break;
            case OOM_KILL:
                oom(r, out, true, true, 1_000, 100_000);
                break;
            case OOM_KILL_ONLY:
                oom(r, out, false, false, 0, 0);
                break;
            case OOM_KILL_NO_RESTART:
                oom(r, out, true, false, 0, 0);
                break;
            case OOM_KILL_LATE_RESTART:
                oom(r, out, true, true, 305_000, 360_000);
                break;
            case LIVENESS_KILL:
            {
                out.add(new Step(0, EventType.KERNEL_PROCESS_EXIT, OOM_EXIT_CODE, NO_REASON));
                out.add(new Step(between(r, 200, 2_000), EventType.K8S_POD_RESTARTED, NO_EXIT_CODE, ERROR));
                break;
            }
            default:
                throw new IllegalStateException(kind.name());
        }
    }

    /** {@code restarts} times: an exit with code 1 or 2, then a restart (reason Error) 0.2-2 s later. */
    private static void crashes(
        final SplittableRandom r, final List<Step> out, final int restarts, final long minApart, final long maxApart)
    {
        long t = 0;
        for (int k = 0; k < restarts; k++)
        {
            if (k > 0)
            {
                t += between(r, minApart, maxApart);
            }
            out.add(new Step(t, EventType.KERNEL_PROCESS_EXIT, 1 + r.nextInt(2), NO_REASON));
            out.add(new Step(t + between(r, 200, 2_000), EventType.K8S_POD_RESTARTED, NO_EXIT_CODE, ERROR));
        }
    }

    /** An OOM kill; then optionally exit 137 within 50 ms; then optionally a restart OOMKilled. */
    private static void oom(
        final SplittableRandom r, final List<Step> out, final boolean exit, final boolean restart,
        final long minRestart, final long maxRestart)
    {
        out.add(new Step(0, EventType.KERNEL_CONTAINER_OOM_KILL, NO_EXIT_CODE, NO_REASON));
        if (exit)
        {
            out.add(new Step(between(r, 1, 50), EventType.KERNEL_PROCESS_EXIT, OOM_EXIT_CODE, NO_REASON));
        }
        if (restart)
        {
            out.add(new Step(between(r, minRestart, maxRestart), EventType.K8S_POD_RESTARTED, NO_EXIT_CODE,
                OOM_KILLED));
        }
    }

    private static long between(final SplittableRandom r, final long min, final long max)
    {
        return min >= max ? min : min + r.nextLong(max - min + 1);
    }

    /** Noise types and their weights (per mille). */
    private static final EventType[] NOISE_TYPES = {
        EventType.KERNEL_PROCESS_EXEC, EventType.KERNEL_PROCESS_EXIT, EventType.KERNEL_NETWORK_RETRANSMIT,
        EventType.KERNEL_NETWORK_RESET, EventType.K8S_EVENT_WARNING, EventType.K8S_POD_RUNNING,
        EventType.CNI_IP_ALLOCATED };
    private static final int[] NOISE_WEIGHTS = { 300, 320, 180, 50, 50, 50, 50 };

    private void fillNoise(final SplittableRandom random)
    {
        for (int i = 0; i < events; i++)
        {
            if (type[i] != null)
            {
                continue;
            }
            int pick = random.nextInt(1000);
            int k = 0;
            while (pick >= NOISE_WEIGHTS[k])
            {
                pick -= NOISE_WEIGHTS[k++];
            }
            final EventType t = NOISE_TYPES[k];
            type[i] = t;
            container[i] = random.nextInt(containers);
            exitCode[i] = NO_EXIT_CODE;
            reason[i] = NO_REASON;
            if (t == EventType.KERNEL_PROCESS_EXIT)
            {
                final int p = random.nextInt(100);
                exitCode[i] = p < 75 ? 0 : (p < 95 ? 1 : 143);
            }
            else if (t == EventType.K8S_EVENT_WARNING)
            {
                reason[i] = UNHEALTHY;
            }
        }
    }
}
