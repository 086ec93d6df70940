package dev.tapio.tools.server;

import dev.tapio.engine.metrics.EngineCounters;
import dev.tapio.engine.spi.EventView;
import dev.tapio.engine.spi.GroupView;
import dev.tapio.engine.spi.Sink;
import dev.tapio.journal.Journal;
import dev.tapio.journal.JournalSettings;

import java.io.PrintStream;

/**
 * The server correlator's sink: appends every group record (and nothing else: the events are already in
 * the server journal) to a journal of its own. Like the journal sink, a record the journal refuses is
 * counted by the journal and never thrown into the engine.
 *
 * <p>Threading: the fan-out thread, then the stopping thread (last group records and close).
 */
public final class GroupJournalSink implements Sink
{
    private final String name;
    private final JournalSettings settings;
    private final PrintStream log;
    private EngineCounters counters;
    private Journal journal;

    public GroupJournalSink(final String name, final JournalSettings settings, final PrintStream log)
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

    @Override
    public void onEvent(final EventView event)
    {
    }

    @Override
    public void onGroup(final GroupView group)
    {
        journal.append(group.buffer(), group.offset(), group.length());
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
