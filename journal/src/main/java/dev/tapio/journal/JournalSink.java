package dev.tapio.journal;

import dev.tapio.engine.metrics.EngineCounters;
import dev.tapio.engine.spi.EventView;
import dev.tapio.engine.spi.GroupView;
import dev.tapio.engine.spi.Sink;

import java.io.PrintStream;

/**
 * The engine's way into the {@link Journal}: every enriched event and every group record is appended
 * as its SBE bytes. Never throws per record: a record the journal cannot take is counted by the
 * journal (see {@link JournalCounters}) and the event still reaches the other sinks. Opening the queue
 * happens on the appending thread at start; if it fails (directory gone unwritable since the config
 * was checked) the error is logged once and appends retry with back-off.
 *
 * <p>Threading: by default a thread of its own behind fan-out ({@link JournalSettings#ownThread()},
 * {@link Sink#dedicatedThread()}), else the fan-out thread; then the stopping thread (last group
 * records and close).
 */
public final class JournalSink implements Sink
{
    private final String name;
    private final JournalSettings settings;
    private final PrintStream log;
    private EngineCounters counters;
    private Journal journal;
    private boolean events = true;
    private boolean groups = true;

    public JournalSink(final String name, final JournalSettings settings)
    {
        this(name, settings, System.err);
    }

    public JournalSink(final String name, final JournalSettings settings, final PrintStream log)
    {
        this.name = name;
        this.settings = settings;
        this.log = log;
    }

    @Override
    public String name()
    {
        return name;
    }

    @Override
    public boolean dedicatedThread()
    {
        return settings.ownThread();
    }

    @Override
    public void counters(final EngineCounters counters)
    {
        this.counters = counters;
    }

    @Override
    public void open()
    {
        journal = new Journal(settings, counters != null ? counters : new EngineCounters(), log);
        journal.start();
        journal.startHousekeeper();
    }

    /**
     * Which records this sink journals (both by default); e.g. groups only for a correlator whose events
     * are already in another journal. Returns this.
     */
    public JournalSink records(final boolean events, final boolean groups)
    {
        this.events = events;
        this.groups = groups;
        return this;
    }

    @Override
    public void onEvent(final EventView event)
    {
        if (events)
        {
            journal.append(event.buffer(), event.offset(), event.length());
        }
    }

    @Override
    public void onGroup(final GroupView group)
    {
        if (groups)
        {
            journal.append(group.buffer(), group.offset(), group.length());
        }
    }

    /** The journal this sink writes (null before {@link #open()}). */
    public Journal journal()
    {
        return journal;
    }

    public JournalSettings settings()
    {
        return settings;
    }

    @Override
    public void close()
    {
        if (journal != null)
        {
            journal.close();
        }
    }
}
