package dev.tapio.engine.stage;

import dev.tapio.codecs.EventFrames;
import dev.tapio.codecs.sbe.EventDecoder;
import dev.tapio.codecs.sbe.EventEncoder;
import dev.tapio.engine.ring.Slot;

import java.util.SplittableRandom;

/**
 * Second stage. In this version it gives every event W3C trace context: a random 16-byte trace id
 * when the event has none, and a random 8-byte span id when it has none (an incoming trace context
 * is kept). Semantic grouping replaces this in the correlation issue. Writes fixed fields in place.
 */
public final class CorrelateStage implements Stage
{
    private static final int BLOCK = EventFrames.HEADER_LENGTH;

    private final EventDecoder decoder = new EventDecoder();
    private final EventEncoder encoder = new EventEncoder();
    private final SplittableRandom random;

    public CorrelateStage(final long seed)
    {
        this.random = new SplittableRandom(seed);
    }

    @Override
    public String name()
    {
        return "correlate";
    }

    @Override
    public void onSlot(final Slot slot, final long sequence)
    {
        if (slot.status != Slot.OK)
        {
            return;
        }
        decoder.wrap(slot.buffer, BLOCK, EventDecoder.BLOCK_LENGTH, EventDecoder.SCHEMA_VERSION);
        encoder.wrap(slot.buffer, BLOCK);
        if ((decoder.traceId().hi() | decoder.traceId().lo()) == 0)
        {
            encoder.traceId().hi(nonZero()).lo(random.nextLong());
        }
        if (decoder.spanId() == 0)
        {
            encoder.spanId(nonZero());
        }
    }

    private long nonZero()
    {
        long v;
        do
        {
            v = random.nextLong();
        }
        while (v == 0);
        return v;
    }
}
