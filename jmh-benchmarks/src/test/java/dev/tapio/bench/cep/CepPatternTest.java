package dev.tapio.bench.cep;

import dev.tapio.codecs.EventFrames;
import dev.tapio.codecs.sbe.EventDecoder;
import dev.tapio.codecs.sbe.EventType;
import dev.tapio.codecs.sbe.MessageHeaderDecoder;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The CEP side of {@link CepPatternBenchmark} finds what it should: Siddhi's match counts equal those of a
 * brute-force reference written here from the pattern definitions alone (not from the generator's
 * bookkeeping), on hand-made edge cases and on a small generated workload replayed twice; and on the
 * workload both equal the number of complete scenarios the generator planted.
 */
class CepPatternTest
{
    private static final long W = PatternWorkload.WINDOW_MILLIS;

    private static PatternWorkload workload;

    @BeforeAll
    static void generate()
    {
        workload = new PatternWorkload(600_000, 2_000, 1_200, 7);
    }

    @AfterAll
    static void release()
    {
        workload = null;
    }

    /** One event as the reference sees it. */
    private record Ev(long time, String type, String container, Integer exitCode, String reason)
    {
        Object[] row()
        {
            return new Object[] { type, container, exitCode, reason };
        }
    }

    /** {crash-loop matches, oom-kill matches} by brute force, for events in time order. */
    private static long[] reference(final List<Ev> events)
    {
        final Map<String, List<Ev>> byContainer = new HashMap<>();
        for (final Ev e : events)
        {
            byContainer.computeIfAbsent(e.container, k -> new ArrayList<>()).add(e);
        }
        long crashLoops = 0;
        long oomKills = 0;
        for (final List<Ev> es : byContainer.values())
        {
            // crash-loop: a restart with two earlier restarts of the container at most 5 min before it.
            final List<Long> restarts = new ArrayList<>();
            for (final Ev e : es)
            {
                if (e.type.equals(PatternWorkload.RESTARTED))
                {
                    restarts.add(e.time);
                }
            }
            for (int j = 2; j < restarts.size(); j++)
            {
                if (restarts.get(j) - restarts.get(j - 2) <= W)
                {
                    crashLoops++;
                }
            }
            // oom-kill: an OOM kill, the first exit 137 after it, the first OOMKilled restart after that,
            // the restart at most 5 min after the kill.
            for (int a = 0; a < es.size(); a++)
            {
                if (!es.get(a).type.equals(PatternWorkload.OOM_KILL))
                {
                    continue;
                }
                int b = a + 1;
                while (b < es.size() && !isExit137(es.get(b)))
                {
                    b++;
                }
                int c = b + 1;
                while (c < es.size() && !isOomKilledRestart(es.get(c)))
                {
                    c++;
                }
                if (c < es.size() && es.get(c).time - es.get(a).time <= W)
                {
                    oomKills++;
                }
            }
        }
        return new long[] { crashLoops, oomKills };
    }

    private static boolean isExit137(final Ev e)
    {
        return e.type.equals(PatternWorkload.PROCESS_EXIT) && e.exitCode != null && e.exitCode == 137;
    }

    private static boolean isOomKilledRestart(final Ev e)
    {
        return e.type.equals(PatternWorkload.RESTARTED) && PatternWorkload.REASON_OOM_KILLED.equals(e.reason);
    }

    private static long[] siddhi(final List<Ev> events, final boolean latencyTracking)
    {
        try (SiddhiPatterns s = new SiddhiPatterns(latencyTracking))
        {
            for (final Ev e : events)
            {
                s.send(e.time, e.row());
            }
            return new long[] { s.crashLoops(), s.oomKills() };
        }
    }

    private static List<Ev> replay(final PatternWorkload w, final long loop)
    {
        final List<Ev> events = new ArrayList<>(w.events());
        for (int i = 0; i < w.events(); i++)
        {
            final int code = w.exitCode(i);
            events.add(new Ev(w.timeMillis(loop, i), w.typeName(i), w.containerKey(w.container(i)),
                code == PatternWorkload.NO_EXIT_CODE ? null : code, w.reason(i)));
        }
        return events;
    }

    @Test
    void siddhiAndTheReferenceAgreeOnEdgeCases()
    {
        final String restart = PatternWorkload.RESTARTED;
        final String oom = PatternWorkload.OOM_KILL;
        final String exit = PatternWorkload.PROCESS_EXIT;
        final String oomKilled = PatternWorkload.REASON_OOM_KILLED;
        final long t0 = PatternWorkload.START_EPOCH_MILLIS;
        final List<Ev> events = new ArrayList<>(List.of(
            // a: third restart exactly 5 min after the first: one match.
            new Ev(t0, restart, "a", null, "Error"),
            new Ev(t0 + 100_000, restart, "a", null, "Error"),
            new Ev(t0 + W, restart, "a", null, "Error"),
            // b: 1 ms more: none.
            new Ev(t0, restart, "b", null, "Error"),
            new Ev(t0 + 100_000, restart, "b", null, "Error"),
            new Ev(t0 + W + 1, restart, "b", null, "Error"),
            // c: four quick restarts: two matches (restarts 3 and 4); other events between are skipped.
            new Ev(t0 + 1, restart, "c", null, "Error"),
            new Ev(t0 + 2, exit, "c", 1, null),
            new Ev(t0 + 3, restart, "c", null, "Error"),
            new Ev(t0 + 4, restart, "c", null, "Error"),
            new Ev(t0 + 5, restart, "c", null, "Error"),
            // d: three restarts of three containers: none.
            new Ev(t0 + 6, restart, "d1", null, "Error"),
            new Ev(t0 + 7, restart, "d2", null, "Error"),
            new Ev(t0 + 8, restart, "d3", null, "Error"),
            // e: oom-kill, restart exactly 5 min after the kill: one match (and one restart: no crash-loop).
            new Ev(t0 + 10, oom, "e", null, null),
            new Ev(t0 + 20, exit, "e", 137, null),
            new Ev(t0 + 10 + W, restart, "e", null, oomKilled),
            // f: 1 ms late: none.
            new Ev(t0 + 10, oom, "f", null, null),
            new Ev(t0 + 20, exit, "f", 137, null),
            new Ev(t0 + 11 + W, restart, "f", null, oomKilled),
            // g: exit code 1, or wrong order, or another reason: none.
            new Ev(t0 + 10, oom, "g", null, null),
            new Ev(t0 + 20, exit, "g", 1, null),
            new Ev(t0 + 30, restart, "g", null, oomKilled),
            new Ev(t0 + 10, oom, "h", null, null),
            new Ev(t0 + 20, restart, "h", null, oomKilled),
            new Ev(t0 + 30, exit, "h", 137, null),
            new Ev(t0 + 10, oom, "i", null, null),
            new Ev(t0 + 20, exit, "i", 137, null),
            new Ev(t0 + 30, restart, "i", null, "Error"),
            // j: unrelated events between the steps, and an Error restart before the OOMKilled one: one match.
            new Ev(t0 + 10, oom, "j", null, null),
            new Ev(t0 + 15, "kernel.process.exec", "j", null, null),
            new Ev(t0 + 20, exit, "j", 137, null),
            new Ev(t0 + 25, restart, "j", null, "Error"),
            new Ev(t0 + 30, restart, "j", null, oomKilled),
            // k: two OOM kills before one exit and restart: every kill starts a match, both complete.
            new Ev(t0 + 10, oom, "k", null, null),
            new Ev(t0 + 12, oom, "k", null, null),
            new Ev(t0 + 20, exit, "k", 137, null),
            new Ev(t0 + 30, restart, "k", null, oomKilled)));
        events.sort((x, y) -> Long.compare(x.time, y.time));

        final long[] expected = { 1 + 2, 1 + 1 + 2 };
        assertArrayEquals(expected, reference(events), "reference");
        assertArrayEquals(expected, siddhi(events, false), "siddhi");
        assertArrayEquals(expected, siddhi(events, true), "siddhi with its latency timers");
    }

    @Test
    void siddhiFindsExactlyThePlantedMatchesInEveryReplay()
    {
        final PatternWorkload w = workload;
        final long[] planted = { w.plantedCrashLoops(), w.plantedOomKills() };
        assertTrue(planted[0] > 100 && planted[1] > 100, w.describe());

        final List<Ev> loop0 = replay(w, 0);
        assertArrayEquals(planted, reference(loop0), "reference, replay 0: " + w.describe());
        final List<Ev> twoLoops = new ArrayList<>(loop0);
        twoLoops.addAll(replay(w, 1));
        assertArrayEquals(new long[] { 2 * planted[0], 2 * planted[1] }, reference(twoLoops), "reference, 2 replays");

        // Siddhi through the benchmark's own input path (the shared rows), two replays, counted per replay.
        final Object[][] rows = w.siddhiRows();
        try (SiddhiPatterns s = new SiddhiPatterns())
        {
            for (long loop = 0; loop < 2; loop++)
            {
                final long crashBefore = s.crashLoops();
                final long oomBefore = s.oomKills();
                for (int i = 0; i < w.events(); i++)
                {
                    s.send(w.timeMillis(loop, i), rows[i]);
                }
                assertArrayEquals(planted, new long[] { s.crashLoops() - crashBefore, s.oomKills() - oomBefore },
                    "siddhi, replay " + loop);
            }
        }
    }

    @Test
    void theBenchmarkMethodsDriveSiddhiThroughEveryReplay()
    {
        for (final boolean batched : new boolean[] { false, true })
        {
            final CepPatternBenchmark.WorkloadState state = new CepPatternBenchmark.WorkloadState();
            state.workload = workload;
            final CepPatternBenchmark.SiddhiState siddhi = new CepPatternBenchmark.SiddhiState();
            siddhi.setUp(state);
            try
            {
                final CepPatternBenchmark bench = new CepPatternBenchmark();
                final int invocations = 2 * workload.events() / CepPatternBenchmark.BATCH + 1;
                for (int i = 0; i < invocations; i++)
                {
                    final long matches = batched ? bench.siddhiBatch(siddhi) : bench.siddhi(siddhi);
                    assertTrue(matches >= 0);
                }
                assertEquals(2, siddhi.completedLoops(), "batched " + batched);
                assertEquals(2L * (workload.plantedCrashLoops() + workload.plantedOomKills()),
                    siddhi.matchesInCompletedLoops(), "batched " + batched);
                siddhi.verify();
            }
            finally
            {
                siddhi.tearDown();
            }
        }
    }

    @Test
    void theTapioMethodCompletesExactlyThePlantedGroupsInEveryReplay() throws Exception
    {
        final CepPatternBenchmark.WorkloadState state = new CepPatternBenchmark.WorkloadState();
        state.workload = workload;
        final CepPatternBenchmark.TapioState tapio = new CepPatternBenchmark.TapioState();
        tapio.setUp(state);
        final CepPatternBenchmark bench = new CepPatternBenchmark();
        final int invocations = 3 * workload.events() / CepPatternBenchmark.BATCH;
        for (int i = 0; i < invocations; i++)
        {
            bench.tapio(tapio);
        }
        assertEquals(3, tapio.loop);
        assertEquals(3L * (workload.plantedCrashLoops() + workload.plantedOomKills()), tapio.complete);
        tapio.tearDown();
    }

    @Test
    void theWorkloadIsDeterministicAndIsolatesScenarios()
    {
        final PatternWorkload again = new PatternWorkload(600_000, 2_000, 1_200, 7);
        for (int i = 0; i < workload.events(); i++)
        {
            assertEquals(workload.type(i), again.type(i));
            assertEquals(workload.container(i), again.container(i));
            assertEquals(workload.exitCode(i), again.exitCode(i));
            assertEquals(workload.reason(i), again.reason(i));
        }
        assertEquals(workload.containerKey(17), again.containerKey(17));
        // Pattern events (restarts, OOM kills, exits 137) come from scenarios only: as many as they plant.
        long patternEvents = 0;
        for (int i = 0; i < workload.events(); i++)
        {
            final EventType t = workload.type(i);
            if (t == EventType.K8S_POD_RESTARTED || t == EventType.KERNEL_CONTAINER_OOM_KILL ||
                (t == EventType.KERNEL_PROCESS_EXIT && workload.exitCode(i) == 137))
            {
                patternEvents++;
            }
        }
        final int[] perScenario = { 3, 2, 3, 1, 3, 1, 2, 3, 2 };
        long planted = 0;
        for (final PatternWorkload.Scenario s : PatternWorkload.Scenario.values())
        {
            planted += (long)perScenario[s.ordinal()] * workload.scenarioCount(s);
        }
        assertEquals(planted, patternEvents);
        assertThrows(IllegalArgumentException.class, () -> new PatternWorkload(600_000, 10, 1_200, 7));
    }

    @Test
    void theSbeFormCarriesEveryFieldOfTheEvents()
    {
        final PatternWorkload.SbeEvents sbe = workload.sbe();
        assertEquals(workload.events(), sbe.count());
        final UnsafeBuffer buffer = sbe.buffer();
        final MessageHeaderDecoder header = new MessageHeaderDecoder();
        final EventDecoder d = new EventDecoder();
        int withReason = 0;
        for (int i = 0; i < sbe.count(); i += 97)
        {
            assertEquals(EventFrames.OK, EventFrames.validate(buffer, sbe.offset(i), sbe.length(i)), "event " + i);
            header.wrap(buffer, sbe.offset(i));
            d.wrap(buffer, sbe.offset(i) + EventFrames.HEADER_LENGTH, header.blockLength(), header.version());
            final int c = workload.container(i);
            assertEquals(i + 1L, d.eventId());
            assertEquals(workload.timeMillis(0, i) * 1_000_000L, d.timestamp());
            assertEquals(workload.type(i), d.eventType());
            assertEquals(workload.exitCode(i), d.exitCode());
            final EventDecoder.AttributesDecoder attributes = d.attributes();
            if (workload.reason(i) == null)
            {
                assertEquals(0, attributes.count());
            }
            else
            {
                withReason++;
                assertEquals(1, attributes.count());
                assertEquals(PatternWorkload.REASON_KEY, attributes.next().key());
                assertEquals(workload.reason(i), attributes.value());
            }
            d.related();
            assertEquals(workload.node(c), d.nodeName());
            assertEquals(workload.namespace(c), d.namespaceName());
            assertEquals(workload.pod(c), d.pod());
            d.skipPodUid();
            assertEquals(workload.containerName(c), d.containerName());
            assertEquals(workload.containerId(c), d.containerId());
        }
        assertTrue(withReason > 0);

        sbe.moveToLoop(3);
        header.wrap(buffer, sbe.offset(5));
        d.wrap(buffer, sbe.offset(5) + EventFrames.HEADER_LENGTH, header.blockLength(), header.version());
        assertEquals(workload.timeMillis(3, 5) * 1_000_000L, d.timestamp());
        assertEquals(d.timestamp(), d.ingestTimestamp());
        sbe.moveToLoop(0);
        assertNull(workload.reason(indexOf(EventType.KERNEL_CONTAINER_OOM_KILL)));
    }

    private static int indexOf(final EventType type)
    {
        for (int i = 0; i < workload.events(); i++)
        {
            if (workload.type(i) == type)
            {
                return i;
            }
        }
        throw new AssertionError(type);
    }
}
