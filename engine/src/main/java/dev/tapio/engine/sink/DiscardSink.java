package dev.tapio.engine.sink;

import dev.tapio.engine.spi.EventView;
import dev.tapio.engine.spi.Sink;

/** Accepts every event and keeps nothing: for benchmarks and for pipelines that only count. */
public final class DiscardSink implements Sink
{
    private final String name;

    public DiscardSink(final String name)
    {
        this.name = name;
    }

    @Override
    public String name()
    {
        return name;
    }

    @Override
    public void onEvent(final EventView event)
    {
    }
}
