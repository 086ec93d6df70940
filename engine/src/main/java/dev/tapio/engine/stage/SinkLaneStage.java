package dev.tapio.engine.stage;

import dev.tapio.engine.EngineClock;
import dev.tapio.engine.metrics.EngineCounters;
import dev.tapio.engine.metrics.ErrorLog;
import dev.tapio.engine.metrics.LatencyRecorder;
import dev.tapio.engine.ring.Slot;
import dev.tapio.engine.spi.EventView;
import dev.tapio.engine.spi.GroupView;
import dev.tapio.engine.spi.Sink;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.status.AtomicCounter;

/**
 * One sink on a thread of its own ({@link Sink#dedicatedThread()}): a ring consumer gated behind
 * fan-out, so a stall in this sink (a journal's page fault that the kernel or the hypervisor takes
 * milliseconds to serve) never delays fan-out or the other sinks; the ring absorbs it, and only when
 * the ring is full does the stall reach the producers (as back-pressure, counted by their policy).
 *
 * <pre>
 *   ring ─► [decode → correlate → enrich → fanout] ─► inline sinks
 *                                        │  (gated behind fan-out's sequence)
 *                                        └──► [sink-journal] ─► journal          (own thread)
 *            group records: fanout ──(copy, {@link SequencedRecords})──► sink-journal
 * </pre>
 *
 * Group records reach the lane through a buffer that fan-out fills when it delivers them, each tagged
 * with the ring sequence fan-out had just handed to its sinks; the lane writes a group record right
 * after the event with that sequence, so the sink sees events and groups in exactly the order fan-out's
 * inline sinks do (a journal reads the same whichever thread wrote it). A full buffer drops the group record for this sink only,
 * counted as {@code tapio_sink_dropped_total{sink=...,reason="group_buffer_full"}} and logged.
 * Latency from ingest to this sink's batch end is recorded apart from the engine's added latency.
 *
 * <p>Threading: {@link #onSlot}, {@link #onBatchEnd}, {@link #onIdle} on the lane's thread;
 * {@link #offerGroup} on the fan-out thread; after {@link #detach()} everything on the stopping thread.
 */
public final class SinkLaneStage implements Stage
{
    public static final String DROPPED = "tapio_sink_dropped_total";
    public static final String REASON_GROUP_BUFFER_FULL = "group_buffer_full";

    private final Sink sink;
    private final AtomicCounter errors;
    private final AtomicCounter groupsDropped;
    private final LatencyRecorder latency = new LatencyRecorder();
    private final EngineClock clock;
    private final ErrorLog errorLog;
    private final EventView view = new EventView();
    private final GroupView groupView = new GroupView();
    private final SequencedRecords groups;
    private final SequencedRecords.Delivery delivery = this::deliver;
    private long lastSequence = -1;
    private final long[] origins;
    private int inBatch;
    private volatile boolean detached;

    public SinkLaneStage(
        final Sink sink,
        final EngineCounters counters,
        final EngineClock clock,
        final ErrorLog errorLog,
        final int ringSize,
        final int groupBufferBytes)
    {
        this.sink = sink;
        this.errors = counters.sinkErrors(sink.name());
        this.groupsDropped = counters.counter(
            DROPPED + "{sink=\"" + sink.name() + "\",reason=\"" + REASON_GROUP_BUFFER_FULL + "\"}");
        this.clock = clock;
        this.errorLog = errorLog;
        this.origins = new long[ringSize];
        this.groups = new SequencedRecords(groupBufferBytes);
    }

    public Sink sink()
    {
        return sink;
    }

    /** Ingest → this sink's batch end, in nanoseconds (for a journal: how long until an event is journaled). */
    public LatencyRecorder latency()
    {
        return latency;
    }

    @Override
    public String name()
    {
        return "sink-" + sink.name();
    }

    @Override
    public void onStart()
    {
        try
        {
            sink.open();
        }
        catch (final Exception e)
        {
            failed("open", e);
        }
    }

    @Override
    public void onSlot(final Slot slot, final long sequence)
    {
        lastSequence = sequence;
        if (slot.status != Slot.OK)
        {
            groups.drainUpTo(sequence, delivery);
            return;
        }
        try
        {
            sink.onEvent(view.wrap(slot.buffer, 0, slot.length, sequence));
        }
        catch (final Exception e)
        {
            failed("onEvent", e);
        }
        if (inBatch < origins.length)
        {
            origins[inBatch++] = slot.originNanos;
        }
        groups.drainUpTo(sequence, delivery);
    }

    @Override
    public void onBatchEnd()
    {
        try
        {
            sink.onBatchEnd();
        }
        catch (final Exception e)
        {
            failed("onBatchEnd", e);
        }
        if (inBatch > 0)
        {
            final long now = clock.nanoTime();
            for (int i = 0; i < inBatch; i++)
            {
                latency.record(now - origins[i]);
            }
            inBatch = 0;
        }
    }

    /**
     * An idle ring: group records fan-out wrote on its own idle tick (tagged with a sequence this lane
     * has passed) reach the sink.
     */
    @Override
    public void onIdle()
    {
        if (!groups.isEmpty())
        {
            groups.drainUpTo(lastSequence, delivery);
            onBatchEnd();
        }
    }

    /**
     * A group record for this sink (fan-out thread), delivered by fan-out right after the event with ring
     * sequence {@code afterSequence}: copied into the lane's buffer with that tag, or, once the lane has
     * stopped ({@link #detach()}), handed to the sink at once.
     */
    public void offerGroup(final long afterSequence, final DirectBuffer buffer, final int offset, final int length)
    {
        if (detached)
        {
            deliver(buffer, offset, length);
            return;
        }
        if (!groups.offer(afterSequence, buffer, offset, length))
        {
            groupsDropped.increment();
            errorLog.record("sink " + sink.name() + " group buffer full",
                "sink " + sink.name() + ": group buffer full (" + groups.capacity() + " bytes); a group record was " +
                "dropped for this sink, counted as " + DROPPED + "{reason=\"" + REASON_GROUP_BUFFER_FULL + "\"}");
        }
    }

    /**
     * The lane's thread has stopped (the ring drained): delivers what waits in the buffer, and from now on
     * group records go straight to the sink on the calling (stopping) thread.
     */
    public void detach()
    {
        groups.drainAll(delivery);
        detached = true;
    }

    private void deliver(final DirectBuffer buffer, final int offset, final int length)
    {
        try
        {
            sink.onGroup(groupView.wrap(buffer, offset, length));
        }
        catch (final Exception e)
        {
            failed("onGroup", e);
        }
    }

    private void failed(final String op, final Exception e)
    {
        errors.increment();
        errorLog.record("sink " + sink.name() + " " + op + ": " + e.getClass().getSimpleName(),
            "sink " + sink.name() + ": " + op + " failed: " + e);
    }
}
