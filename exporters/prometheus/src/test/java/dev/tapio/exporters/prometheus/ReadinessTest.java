package dev.tapio.exporters.prometheus;

import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Readiness with an injected clock: a ring is stalled only when events wait and none leave for the timeout. */
class ReadinessTest
{
    private static final long SECOND = 1_000_000_000L;

    private long now;
    private long out;
    private long occupancy;
    private final Map<String, String> states = new LinkedHashMap<>();

    private final Readiness readiness = new Readiness(new Readiness.Probe()
    {
        @Override
        public long eventsOut()
        {
            return out;
        }

        @Override
        public long ringOccupancy()
        {
            return occupancy;
        }

        @Override
        public Map<String, String> sourceStates()
        {
            return states;
        }
    }, () -> now, 10 * SECOND);

    @Test
    void waitingEventsWithNoDeliveryForTheTimeoutAreAStall()
    {
        states.put("synthetic", "running");
        occupancy = 5;
        assertTrue(readiness.check().ready);
        now += 9 * SECOND;
        assertTrue(readiness.check().ready, "not yet the timeout");
        now += SECOND;
        final Readiness.Result r = readiness.check();
        assertFalse(r.ready);
        assertTrue(r.stalled);
        assertTrue(r.reasons.get(0).startsWith("ring stalled: 5 events waiting"), r.reasons.toString());

        out = 1;
        assertTrue(readiness.check().ready, "a delivery ends the stall");
        now += 20 * SECOND;
        out = 2;
        assertTrue(readiness.check().ready, "progress since the last check");
    }

    @Test
    void aQuietEmptyRingIsNeverStalled()
    {
        occupancy = 0;
        assertTrue(readiness.check().ready);
        now += 60 * SECOND;
        assertTrue(readiness.check().ready);
        occupancy = 3;
        assertTrue(readiness.check().ready, "the wait starts when events are first seen waiting");
        now += 10 * SECOND;
        assertFalse(readiness.check().ready);
    }

    @Test
    void aFailedSourceIsNotReadyAndNamed()
    {
        states.put("synthetic", "running");
        states.put("kernel", "failed: java.io.IOException: no BTF");
        final Readiness.Result r = readiness.check();
        assertFalse(r.ready);
        assertFalse(r.stalled);
        assertEquals("source kernel failed: java.io.IOException: no BTF", r.reasons.get(0));
    }
}
