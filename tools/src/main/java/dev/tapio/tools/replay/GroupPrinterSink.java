package dev.tapio.tools.replay;

import dev.tapio.engine.spi.EventView;
import dev.tapio.engine.spi.GroupView;
import dev.tapio.engine.spi.Sink;

/**
 * The sink of {@code tapio replay --rules}: prints the group records the what-if correlation forms, in
 * the chosen format, flushing at the end of each ring batch; enriched events are not printed. Runs on
 * the fan-out thread, then on the stopping thread for the groups still open at the end.
 */
public final class GroupPrinterSink implements Sink
{
    private final RecordPrinter printer;
    private long groups;

    public GroupPrinterSink(final RecordPrinter printer)
    {
        this.printer = printer;
    }

    @Override
    public String name()
    {
        return "replay/groups";
    }

    @Override
    public void onEvent(final EventView event)
    {
    }

    @Override
    public void onGroup(final GroupView group) throws Exception
    {
        printer.group(group.buffer(), group.offset(), group.length());
        groups++;
    }

    @Override
    public void onBatchEnd() throws Exception
    {
        printer.flush();
    }

    @Override
    public void close() throws Exception
    {
        printer.flush();
    }

    /** Group records printed (read after the engine stopped). */
    public long groups()
    {
        return groups;
    }
}
