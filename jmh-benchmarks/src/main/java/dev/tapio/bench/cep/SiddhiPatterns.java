package dev.tapio.bench.cep;

import io.siddhi.core.SiddhiAppRuntime;
import io.siddhi.core.SiddhiManager;
import io.siddhi.core.config.StatisticsConfiguration;
import io.siddhi.core.event.Event;
import io.siddhi.core.stream.input.InputHandler;
import io.siddhi.core.stream.output.StreamCallback;
import io.siddhi.core.util.statistics.LatencyTracker;
import io.siddhi.core.util.statistics.StatisticsManager;
import io.siddhi.core.util.statistics.metrics.SiddhiMetricsFactory;

/**
 * The two patterns of {@link PatternWorkload} as one Siddhi app, run embedded and synchronously: an event
 * sent through {@link #send(long, Object[])} is fully processed, and its matches counted, when the call
 * returns (no {@code @async} stream, so the caller's thread does all the work, as in Tapio's correlate
 * stage).
 *
 * <p>The app ({@link #APP}) is what the Siddhi documentation prescribes for per-key patterns: a filter
 * query keeps only the events a pattern can use (restarts, OOM kills, exits with code 137), a partition
 * by container gives each container its own pattern state, and in it two {@code every} patterns with
 * {@code within 5 min}. {@code @app:playback} makes event timestamps the app's clock.
 *
 * <p>Semantics (Siddhi 5.1, checked against a brute-force reference by {@code CepPatternTest}): {@code every
 * e1 -> e2 -> e3} starts a partial match at every e1; each partial takes the first following e2, then the
 * first following e3; events matching neither are skipped. A partial match dies once an event of its
 * partition arrives more than 5 min after its e1 (so a span of exactly 5 min still matches). So crash-loop
 * emits one match per restart that has two earlier restarts of its container at most 5 min before it, and
 * oom-kill one per OOM kill followed by an exit 137 then an OOMKilled restart at most 5 min after the kill.
 * Not thread-safe: one sending thread.
 */
public final class SiddhiPatterns implements AutoCloseable
{
    public static final String APP =
        "@app:name('tapio-cep-patterns')\n" +
        "@app:playback\n" +
        "define stream Events (type string, container string, exitCode int, reason string);\n" +
        "\n" +
        "@info(name = 'pattern-events')\n" +
        "from Events[type == '" + PatternWorkload.RESTARTED + "'\n" +
        "        or type == '" + PatternWorkload.OOM_KILL + "'\n" +
        "        or (type == '" + PatternWorkload.PROCESS_EXIT + "' and exitCode == " +
        PatternWorkload.OOM_EXIT_CODE + ")]\n" +
        "select type, container, exitCode, reason\n" +
        "insert into PatternEvents;\n" +
        "\n" +
        "partition with (container of PatternEvents)\n" +
        "begin\n" +
        "    @info(name = 'crash-loop')\n" +
        "    from every e1=PatternEvents[type == '" + PatternWorkload.RESTARTED + "']\n" +
        "        -> e2=PatternEvents[type == '" + PatternWorkload.RESTARTED + "']\n" +
        "        -> e3=PatternEvents[type == '" + PatternWorkload.RESTARTED + "']\n" +
        "        within 5 min\n" +
        "    select e1.container as container\n" +
        "    insert into CrashLoops;\n" +
        "\n" +
        "    @info(name = 'oom-kill')\n" +
        "    from every e1=PatternEvents[type == '" + PatternWorkload.OOM_KILL + "']\n" +
        "        -> e2=PatternEvents[type == '" + PatternWorkload.PROCESS_EXIT + "' and exitCode == " +
        PatternWorkload.OOM_EXIT_CODE + "]\n" +
        "        -> e3=PatternEvents[type == '" + PatternWorkload.RESTARTED + "' and reason == '" +
        PatternWorkload.REASON_OOM_KILLED + "']\n" +
        "        within 5 min\n" +
        "    select e1.container as container\n" +
        "    insert into OomKills;\n" +
        "end;\n";

    private final SiddhiManager manager;
    private final SiddhiAppRuntime runtime;
    private final InputHandler input;
    private long crashLoops;
    private long oomKills;

    public SiddhiPatterns()
    {
        this(false);
    }

    /**
     * @param latencyTracking keep Siddhi's default per-query latency metrics (a Dropwizard timer sampled
     *                        around every event each query receives); false runs without them.
     */
    public SiddhiPatterns(final boolean latencyTracking)
    {
        manager = new SiddhiManager();
        if (!latencyTracking)
        {
            // Siddhi's own metrics factory, minus its latency trackers: queries then skip the timer.
            manager.setStatisticsConfiguration(new StatisticsConfiguration(new SiddhiMetricsFactory()
            {
                @Override
                public LatencyTracker createLatencyTracker(final String name, final StatisticsManager statistics)
                {
                    return null;
                }
            }));
        }
        runtime = manager.createSiddhiAppRuntime(APP);
        runtime.addCallback("CrashLoops", new StreamCallback()
        {
            @Override
            public void receive(final Event[] events)
            {
                crashLoops += events.length;
            }
        });
        runtime.addCallback("OomKills", new StreamCallback()
        {
            @Override
            public void receive(final Event[] events)
            {
                oomKills += events.length;
            }
        });
        input = runtime.getInputHandler("Events");
        runtime.start();
    }

    /** Processes one event: a row of {@link PatternWorkload#siddhiRows()} at event time {@code timeMillis}. */
    public void send(final long timeMillis, final Object[] row)
    {
        try
        {
            input.send(timeMillis, row);
        }
        catch (final InterruptedException e)
        {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Siddhi app stopped", e);
        }
    }

    /** Processes a batch of events in order (Siddhi's chunked input path). */
    public void send(final Event[] events)
    {
        try
        {
            input.send(events);
        }
        catch (final InterruptedException e)
        {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Siddhi app stopped", e);
        }
    }

    public long crashLoops()
    {
        return crashLoops;
    }

    public long oomKills()
    {
        return oomKills;
    }

    public long matches()
    {
        return crashLoops + oomKills;
    }

    @Override
    public void close()
    {
        runtime.shutdown();
        manager.shutdown();
    }
}
