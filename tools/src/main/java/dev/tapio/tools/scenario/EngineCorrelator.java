package dev.tapio.tools.scenario;

import dev.tapio.codecs.sbe.GroupDecoder;
import dev.tapio.engine.Engine;
import dev.tapio.engine.ProducerMode;
import dev.tapio.engine.ThreadingMode;
import dev.tapio.engine.correlate.CorrelationSettings;
import dev.tapio.engine.correlate.RuleSet;
import dev.tapio.engine.ring.BackpressurePolicy;
import dev.tapio.engine.source.FileSource;
import dev.tapio.engine.spi.EventView;
import dev.tapio.engine.spi.GroupView;
import dev.tapio.engine.spi.Sink;

import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;

/**
 * The real engine as the correlator under test for {@code tapio scenarios}: runs one events file through
 * the same offline pipeline as {@code tapio correlate} (event time, shared threading) and returns the
 * group records it writes, complete and expired. Groups still open when the input ends are left out, as
 * scenarios/README.md says no label depends on them. One engine per call; not thread-safe.
 */
public final class EngineCorrelator implements Function<Path, List<ScenarioGroup>>
{
    private final RuleSet rules;
    private final PrintStream err;

    public EngineCorrelator(final RuleSet rules, final PrintStream err)
    {
        this.rules = Objects.requireNonNull(rules, "rules");
        this.err = Objects.requireNonNull(err, "err");
    }

    @Override
    public List<ScenarioGroup> apply(final Path eventsFile)
    {
        final Collector collector = new Collector(rules.namesById());
        final Engine engine = Engine.builder()
            .threading(ThreadingMode.SHARED)
            .producers(ProducerMode.SINGLE)
            .idOrigin(dev.tapio.engine.EngineSettings.FIXED_ID_ORIGIN)
            .nodeName("scenario")
            .rules(rules)
            .correlation(CorrelationSettings.builder().clock(CorrelationSettings.Clock.EVENT).build())
            .errorStream(err)
            .source(new FileSource("input", eventsFile.toString(), 1 << 20), BackpressurePolicy.BLOCK)
            .sink(collector)
            .build();
        engine.start();
        try
        {
            while (!engine.awaitSources(Duration.ofSeconds(1)))
            {
                // a large file takes as long as it takes
            }
        }
        catch (final InterruptedException e)
        {
            Thread.currentThread().interrupt();
            engine.stop();
            throw new IllegalStateException(eventsFile + ": interrupted", e);
        }
        if (!engine.stop())
        {
            throw new IllegalStateException(eventsFile + ": the engine did not drain");
        }
        if (engine.counters().totalDropped() != 0)
        {
            throw new IllegalStateException(eventsFile + ": " + engine.counters().droppedByReason() + " events dropped");
        }
        return collector.groups;
    }

    /** Collects group records (not events) as scenario groups. */
    private static final class Collector implements Sink
    {
        private final java.util.function.IntFunction<String> names;
        final List<ScenarioGroup> groups = new ArrayList<>();

        Collector(final java.util.function.IntFunction<String> names)
        {
            this.names = names;
        }

        @Override
        public String name()
        {
            return "scenario-groups";
        }

        @Override
        public void onEvent(final EventView event)
        {
        }

        @Override
        public void onGroup(final GroupView view)
        {
            final GroupDecoder g = view.decoder();
            final String pattern = names.apply(g.patternId());
            final String status;
            switch (g.status())
            {
                case COMPLETE:
                    status = "complete";
                    break;
                case EXPIRED:
                    status = "expired";
                    break;
                default:
                    return; // still open at the end of the input: no label depends on these
            }
            final List<Long> ids = new ArrayList<>();
            for (final GroupDecoder.MembersDecoder m : g.members())
            {
                ids.add(m.eventId());
            }
            groups.add(new ScenarioGroup(pattern, status, ids));
        }
    }
}
