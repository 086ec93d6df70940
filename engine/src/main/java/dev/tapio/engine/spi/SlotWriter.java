package dev.tapio.engine.spi;

import org.agrona.MutableDirectBuffer;

/**
 * Encodes one event into a claimed slot, in the manner of the Disruptor's non-capturing
 * translators: state comes in through {@code arg}, so no lambda captures per event.
 */
@FunctionalInterface
public interface SlotWriter<A>
{
    /**
     * @param buffer          the slot, offset 0 .. capacity.
     * @param capacity        bytes available.
     * @param ingestTimestamp epoch ns the engine took the event in.
     * @param eventId         a fresh id unique on this node.
     * @param index           index within a batch (0 for single publishes).
     * @return bytes written, or -1 when the event does not fit (the slot is then skipped and counted).
     */
    int write(MutableDirectBuffer buffer, int capacity, long ingestTimestamp, long eventId, int index, A arg);
}
