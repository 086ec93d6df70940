package dev.tapio.engine.stage;

import dev.tapio.codecs.EventFrames;
import dev.tapio.engine.metrics.EngineCounters;
import dev.tapio.engine.metrics.ErrorLog;
import dev.tapio.engine.ring.Slot;
import org.agrona.concurrent.status.AtomicCounter;

/**
 * First stage: checks that each slot holds one well-formed Event (header, schema id and version,
 * block length, every length in bounds, enum values) before any flyweight reads it. Bad bytes are
 * counted as dropped{reason="malformed"} and the slot is passed over by the later stages.
 */
public final class DecodeStage implements Stage
{
    private final AtomicCounter malformed;
    private final ErrorLog errorLog;

    public DecodeStage(final EngineCounters counters, final ErrorLog errorLog)
    {
        this.malformed = counters.dropped(EngineCounters.REASON_MALFORMED);
        this.errorLog = errorLog;
    }

    @Override
    public String name()
    {
        return "decode";
    }

    @Override
    public void onSlot(final Slot slot, final long sequence)
    {
        if (slot.status != Slot.OK)
        {
            return;
        }
        final int code = EventFrames.validate(slot.buffer, 0, slot.length);
        if (code != EventFrames.OK)
        {
            slot.status = Slot.VOID_MALFORMED;
            malformed.increment();
            errorLog.record("decode: " + EventFrames.reason(code),
                "decode: dropped malformed event at ring sequence " + sequence + " (" + slot.length + " bytes): " +
                EventFrames.reason(code));
        }
    }
}
