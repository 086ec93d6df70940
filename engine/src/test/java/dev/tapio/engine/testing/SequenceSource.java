package dev.tapio.engine.testing;

import dev.tapio.codecs.EventDraft;
import dev.tapio.engine.spi.Publisher;
import dev.tapio.engine.spi.Source;
import dev.tapio.engine.spi.SourceContext;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Publishes events whose ids are {@code firstId, firstId + 1, ...}, one {@link Publisher#publish}
 * each, until {@code count} were offered (0: until the engine stops). Counts what the publisher
 * accepted.
 */
public final class SequenceSource implements Source
{
    private final String name;
    private final long firstId;
    private final long count;
    private final AtomicLong offered = new AtomicLong();
    private final AtomicLong accepted = new AtomicLong();
    private volatile SourceContext context;

    public SequenceSource(final String name, final long firstId, final long count)
    {
        this.name = name;
        this.firstId = firstId;
        this.count = count;
    }

    @Override
    public String name()
    {
        return name;
    }

    @Override
    public dev.tapio.codecs.sbe.Source origin()
    {
        return dev.tapio.codecs.sbe.Source.SYNTHETIC;
    }

    @Override
    public void run(final SourceContext context)
    {
        this.context = context;
        final Publisher publisher = context.publisher();
        final EventDraft draft = new EventDraft();
        final long limit = count == 0 ? Long.MAX_VALUE : count;
        for (long i = 0; i < limit && context.running(); i++)
        {
            Drafts.numbered(draft, firstId + i);
            offered.incrementAndGet();
            if (publisher.publish(draft) == Publisher.ACCEPTED)
            {
                accepted.incrementAndGet();
            }
        }
    }

    /** The context the engine runs this source with; null before it started. */
    public SourceContext context()
    {
        return context;
    }

    public long offered()
    {
        return offered.get();
    }

    public long accepted()
    {
        return accepted.get();
    }
}
