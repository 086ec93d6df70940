package dev.tapio.engine.spi;

import dev.tapio.codecs.EventDraft;
import org.agrona.DirectBuffer;

/**
 * The producer side of the ring for one thread. Every event offered is counted as in; every one
 * not accepted is counted as dropped with a reason, so {@code out + dropped = in} always holds.
 * Results are return codes, not exceptions (hot path). Not thread-safe: one per producing thread.
 */
public interface Publisher
{
    /** Accepted into the ring. */
    int ACCEPTED = 0;
    /** Ring full under the {@code drop} back-pressure policy; counted as dropped{reason="backpressure"}. */
    int BACK_PRESSURED = -1;
    /** Does not fit in a slot; counted as dropped{reason="too_large"}. */
    int TOO_LARGE = -2;
    /** The engine is stopped. Counted as dropped{reason="stopped"}. */
    int STOPPED = -3;

    /** Encodes a draft into a slot. */
    int publish(EventDraft draft);

    /** Lets {@code writer} encode one event straight into the claimed slot. */
    <A> int publish(SlotWriter<A> writer, A arg);

    /**
     * Claims up to {@code count} slots at once and lets {@code writer} fill each (index 0..count-1).
     * Latency is measured from {@code originNanos + index * originStepNanos} (the intended send time,
     * which corrects for coordinated omission) or from now when {@code originNanos} is 0.
     *
     * @return the number accepted, or a negative code when none was.
     */
    <A> int publishBatch(SlotWriter<A> writer, A arg, int count, long originNanos, long originStepNanos);

    /** Copies already-encoded SBE bytes (untrusted: the decode stage validates them). */
    int publishRaw(DirectBuffer src, int offset, int length);

    /** Counts an event this source took in but could not turn into one (e.g. malformed JSON). */
    void reject(String reason);

    /** The slot size: the largest encoded event this publisher accepts. */
    int maxEventLength();
}
