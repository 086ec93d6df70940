package dev.tapio.engine.stage;

import dev.tapio.codecs.EventFrames;
import dev.tapio.codecs.sbe.BooleanType;
import dev.tapio.codecs.sbe.EventEncoder;
import dev.tapio.engine.correlate.CorrelationCounters;
import dev.tapio.engine.correlate.CorrelationSettings;
import dev.tapio.engine.correlate.Correlator;
import dev.tapio.engine.correlate.EventFields;
import dev.tapio.engine.correlate.RuleSet;
import dev.tapio.engine.metrics.ErrorLog;
import dev.tapio.engine.ring.Slot;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteOrder;

/**
 * Second stage: semantic correlation. Runs the {@link Correlator} over each event and writes its
 * verdict into the slot in place: W3C trace id, span and parent span, correlation id, pattern id,
 * impact, and the related event ids (inserted into the {@code related} group, moving the var data
 * along within the slot; what does not fit is counted). Group records go into a one-to-one ring
 * buffer ({@link SequencedRecords}, tagged with the event that closed or expired the group) that the
 * fan-out stage drains to the sinks after that event; a full buffer drops the record, counted as
 * {@code tapio_groups_dropped_total{reason="backpressure"}}.
 *
 * <p>Fallback: if correlation throws on an event, the event passes uncorrelated (keeping or getting
 * its own trace id), counted as {@code tapio_correlation_events_total{result="error"}}.
 */
public final class CorrelateStage implements Stage, Correlator.GroupListener
{
    private final Correlator correlator;
    private final CorrelationCounters counters;
    private final ErrorLog errorLog;
    private final EventFields fields = new EventFields();
    private final EventEncoder encoder = new EventEncoder();
    private final SequencedRecords groups;
    private final byte[] scratch;
    private final int slotSize;
    private final boolean wallClock;
    private final long latenessNanos;
    private final dev.tapio.engine.EngineClock clock;
    private Correlator.GroupListener direct;
    /** The ring sequence being (or last) processed: group records emitted now follow that event. */
    private long sequence = -1;

    public CorrelateStage(final RuleSet rules, final CorrelationSettings settings, final CorrelationCounters counters,
        final ErrorLog errorLog, final int slotSize, final int groupBufferBytes, final dev.tapio.engine.EngineClock clock)
    {
        this.correlator = new Correlator(rules, settings, counters, this);
        this.counters = counters;
        this.errorLog = errorLog;
        this.slotSize = slotSize;
        this.scratch = new byte[slotSize];
        this.groups = new SequencedRecords(groupBufferBytes);
        this.wallClock = settings.clock() == CorrelationSettings.Clock.WALL;
        this.latenessNanos = settings.lateness().toNanos();
        this.clock = clock;
    }

    @Override
    public String name()
    {
        return "correlate";
    }

    /** The group records on their way to fan-out. */
    public SequencedRecords groupBuffer()
    {
        return groups;
    }

    public Correlator correlator()
    {
        return correlator;
    }

    @Override
    public void onSlot(final Slot slot, final long sequence)
    {
        this.sequence = sequence;
        if (slot.status != Slot.OK)
        {
            return;
        }
        final UnsafeBuffer b = slot.buffer;
        fields.wrap(b, 0, slot.length);
        try
        {
            correlator.process(fields);
        }
        catch (final RuntimeException e)
        {
            counters.errors.increment();
            errorLog.record("correlate: " + e.getClass().getSimpleName(),
                "correlate: correlation failed on an event (it passes uncorrelated): " + e);
            fallback(b);
            return;
        }
        encoder.wrap(b, EventFrames.HEADER_LENGTH);
        if (!correlator.outKeepTrace)
        {
            encoder.traceId().hi(correlator.outTraceHi).lo(correlator.outTraceLo);
        }
        encoder.spanId(correlator.outSpanId);
        if (correlator.outCorrelationId != 0)
        {
            encoder.parentSpanId(correlator.outParentSpanId)
                .correlationId(correlator.outCorrelationId)
                .patternId(correlator.outPatternId);
            encoder.impact().business(correlator.outBusiness)
                .customerFacing(correlator.outCustomerFacing ? BooleanType.T : BooleanType.F)
                .sloImpact(correlator.outSloImpact ? BooleanType.T : BooleanType.F);
        }
        if (correlator.outRelatedCount > 0 && fields.relatedCount() == 0)
        {
            insertRelated(slot);
        }
    }

    @Override
    public void onBatchEnd()
    {
        if (wallClock)
        {
            correlator.advanceTo(clock.toEpochNanos(clock.nanoTime()) - latenessNanos);
        }
    }

    /** An idle ring: the wall clock still moves, so groups past their deadline expire and are written. */
    @Override
    public void onIdle()
    {
        onBatchEnd();
    }

    /** Closes every group (end of run), handing records straight to {@code listener}; call only when the ring is halted. */
    public void flush(final Correlator.GroupListener listener)
    {
        direct = listener;
        try
        {
            correlator.flush();
        }
        finally
        {
            direct = null;
        }
    }

    @Override
    public void onGroup(final DirectBuffer buffer, final int offset, final int length)
    {
        if (direct != null)
        {
            direct.onGroup(buffer, offset, length);
            return;
        }
        if (!groups.offer(sequence, buffer, offset, length))
        {
            counters.groupsDropped.increment();
            errorLog.record("correlate: group buffer full", "correlate: the group record buffer is full; " +
                "a group record was dropped (fan-out is behind)");
        }
    }

    private void fallback(final UnsafeBuffer b)
    {
        encoder.wrap(b, EventFrames.HEADER_LENGTH);
        final long id = encoder.buffer().getLong(EventFrames.HEADER_LENGTH, ByteOrder.LITTLE_ENDIAN);
        if ((fields.traceIdHi() | fields.traceIdLo()) == 0)
        {
            final long hi = org.agrona.collections.Hashing.hash(id) | 1L;
            encoder.traceId().hi(hi).lo(Long.rotateLeft(hi, 29) ^ id);
        }
        if (fields.spanId() == 0)
        {
            encoder.spanId(Long.rotateLeft(id, 17) ^ 0x2545F4914F6CDD1DL | 1L);
        }
    }

    private void insertRelated(final Slot slot)
    {
        final UnsafeBuffer b = slot.buffer;
        final int header = fields.relatedHeaderOffset();
        int n = correlator.outRelatedCount;
        final int room = (slotSize - slot.length) / EventFrames.RELATED_ENTRY_LENGTH;
        if (n > room)
        {
            counters.relatedTruncated.increment();
            n = room;
        }
        if (n <= 0)
        {
            return;
        }
        final int tail = header + EventFrames.GROUP_HEADER_LENGTH;
        final int tailLength = slot.length - tail;
        final int add = n * EventFrames.RELATED_ENTRY_LENGTH;
        b.getBytes(tail, scratch, 0, tailLength);
        b.putShort(header, (short)EventFrames.RELATED_ENTRY_LENGTH, ByteOrder.LITTLE_ENDIAN);
        b.putShort(header + 2, (short)n, ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < n; i++)
        {
            b.putLong(tail + i * EventFrames.RELATED_ENTRY_LENGTH, correlator.outRelated[i], ByteOrder.LITTLE_ENDIAN);
        }
        b.putBytes(tail + add, scratch, 0, tailLength);
        slot.length += add;
    }
}
