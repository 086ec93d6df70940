package dev.tapio.engine.stage;

import dev.tapio.engine.EngineClock;
import dev.tapio.engine.metrics.EngineCounters;
import dev.tapio.engine.metrics.ErrorLog;
import dev.tapio.engine.metrics.LatencyRecorder;
import dev.tapio.engine.ring.Slot;
import dev.tapio.engine.spi.EventView;
import dev.tapio.engine.spi.GroupView;
import dev.tapio.engine.spi.Sink;
import org.agrona.concurrent.status.AtomicCounter;

/**
 * Last stage: hands each enriched event to every sink, counts it out, and at the end of each batch
 * records the added latency (origin → now) of every event in the batch with one clock read. A sink
 * that throws is counted per sink and the event still goes to the others. Sinks on threads of their
 * own ({@link SinkLaneStage}) read events from the ring behind this stage; it hands them group records.
 */
public final class FanOutStage implements Stage
{
    private final Sink[] sinks;
    private final SinkLaneStage[] lanes;
    private final AtomicCounter[] sinkErrors;
    private final AtomicCounter out;
    private final LatencyRecorder latency;
    private final EngineClock clock;
    private final ErrorLog errorLog;
    private final EventView view = new EventView();
    private final long[] origins;
    private final GroupView groupView = new GroupView();
    private final SequencedRecords.Delivery groupDelivery = this::deliverGroup;
    private SequencedRecords groups;
    private int inBatch;
    private int outInBatch;
    /** The ring sequence last handed to the sinks: group records delivered now follow it (for sink lanes). */
    private long lastSequence = -1;

    public FanOutStage(
        final Sink[] sinks,
        final EngineCounters counters,
        final LatencyRecorder latency,
        final EngineClock clock,
        final ErrorLog errorLog,
        final int ringSize)
    {
        this(sinks, new SinkLaneStage[0], counters, latency, clock, errorLog, ringSize);
    }

    /**
     * @param sinks the sinks called on the fan-out thread
     * @param lanes the sinks on threads of their own: fan-out hands them group records only (they read
     *              events from the ring behind fan-out)
     */
    public FanOutStage(
        final Sink[] sinks,
        final SinkLaneStage[] lanes,
        final EngineCounters counters,
        final LatencyRecorder latency,
        final EngineClock clock,
        final ErrorLog errorLog,
        final int ringSize)
    {
        this.sinks = sinks.clone();
        this.lanes = lanes.clone();
        this.sinkErrors = new AtomicCounter[sinks.length];
        for (int i = 0; i < sinks.length; i++)
        {
            sinkErrors[i] = counters.sinkErrors(sinks[i].name());
        }
        this.out = counters.eventsOut();
        this.latency = latency;
        this.clock = clock;
        this.errorLog = errorLog;
        this.origins = new long[ringSize];
    }

    /** The buffer the correlate stage writes group records into; drained here to the sinks. */
    public FanOutStage groupsFrom(final SequencedRecords groups)
    {
        this.groups = groups;
        return this;
    }

    /** Hands every group record waiting in the buffer to the sinks (the ring is drained: stop). */
    public void drainGroups()
    {
        if (groups != null)
        {
            groups.drainAll(groupDelivery);
        }
    }

    /** Group records that follow events this stage has handed on. */
    private void drainGroupsUpTo(final long sequence)
    {
        if (groups != null)
        {
            groups.drainUpTo(sequence, groupDelivery);
        }
    }

    /**
     * Hands one group record to every sink (a sink that throws is counted; the others still get it) and
     * to every sink lane's buffer.
     */
    public void deliverGroup(final org.agrona.DirectBuffer buffer, final int offset, final int length)
    {
        for (final SinkLaneStage lane : lanes)
        {
            lane.offerGroup(lastSequence, buffer, offset, length);
        }
        groupView.wrap(buffer, offset, length);
        for (int i = 0; i < sinks.length; i++)
        {
            try
            {
                sinks[i].onGroup(groupView);
            }
            catch (final Exception e)
            {
                sinkFailed(i, "onGroup", e);
            }
        }
    }

    @Override
    public String name()
    {
        return "fanout";
    }

    @Override
    public void onStart()
    {
        for (int i = 0; i < sinks.length; i++)
        {
            try
            {
                sinks[i].open();
            }
            catch (final Exception e)
            {
                sinkFailed(i, "open", e);
            }
        }
    }

    @Override
    public void onSlot(final Slot slot, final long sequence)
    {
        lastSequence = sequence;
        if (slot.status != Slot.OK)
        {
            return;
        }
        final Sink[] sinks = this.sinks;
        for (int i = 0; i < sinks.length; i++)
        {
            try
            {
                sinks[i].onEvent(view.wrap(slot.buffer, 0, slot.length, sequence));
            }
            catch (final Exception e)
            {
                sinkFailed(i, "onEvent", e);
            }
        }
        drainGroupsUpTo(sequence);
        outInBatch++;
        if (inBatch < origins.length)
        {
            origins[inBatch++] = slot.originNanos;
        }
    }

    /** An idle ring: group records the correlate stage wrote on its own idle tick reach the sinks. */
    @Override
    public void onIdle()
    {
        if (groups != null && !groups.isEmpty())
        {
            onBatchEnd();
        }
    }

    @Override
    public void onBatchEnd()
    {
        drainGroupsUpTo(lastSequence);
        for (int i = 0; i < sinks.length; i++)
        {
            try
            {
                sinks[i].onBatchEnd();
            }
            catch (final Exception e)
            {
                sinkFailed(i, "onBatchEnd", e);
            }
        }
        final long now = clock.nanoTime();
        for (int i = 0; i < inBatch; i++)
        {
            latency.record(now - origins[i]);
        }
        inBatch = 0;
        if (outInBatch > 0)
        {
            out.getAndAddRelease(outInBatch);
            outInBatch = 0;
        }
    }

    private void sinkFailed(final int i, final String op, final Exception e)
    {
        sinkErrors[i].increment();
        errorLog.record("sink " + sinks[i].name() + " " + op + ": " + e.getClass().getSimpleName(),
            "sink " + sinks[i].name() + ": " + op + " failed: " + e);
    }
}
