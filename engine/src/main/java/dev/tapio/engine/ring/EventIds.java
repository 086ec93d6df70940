package dev.tapio.engine.ring;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Event ids unique on a node, across restarts: the id space starts at (microseconds since
 * 2020-01-01 at engine start) x 1024, and each publisher takes blocks of 65,536 ids with one atomic
 * add. Ids stay ahead of any earlier run as long as fewer than a billion events a second are taken
 * in. Thread-safe; {@link Block} is per publisher thread.
 */
public final class EventIds
{
    static final long EPOCH_2020_MICROS = 1_577_836_800_000_000L;
    static final int BLOCK = 65_536;

    private final AtomicLong next;

    public EventIds(final long epochNanosNow)
    {
        next = new AtomicLong(Math.max(1, (epochNanosNow / 1000 - EPOCH_2020_MICROS)) << 10);
    }

    public Block newBlock()
    {
        return new Block(this);
    }

    /** A publisher's current block of ids. Not thread-safe. */
    public static final class Block
    {
        private final EventIds ids;
        private long next;
        private long end;

        Block(final EventIds ids)
        {
            this.ids = ids;
        }

        public long next()
        {
            if (next == end)
            {
                next = ids.next.getAndAdd(BLOCK);
                end = next + BLOCK;
            }
            return next++;
        }
    }
}
