package dev.tapio.journal.delivery;

import dev.tapio.journal.delivery.CircuitBreaker.State;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static dev.tapio.journal.delivery.CircuitBreaker.State.CLOSED;
import static dev.tapio.journal.delivery.CircuitBreaker.State.HALF_OPEN;
import static dev.tapio.journal.delivery.CircuitBreaker.State.OPEN;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CircuitBreakerTest
{
    private long now = 1_000_000_000L;
    private final List<String> transitions = new ArrayList<>();
    private final CircuitBreaker breaker = new CircuitBreaker(3, Duration.ofSeconds(5), 2, () -> now,
        (from, to) -> transitions.add(from + "->" + to));

    @Test
    void staysClosedBelowTheThresholdAndASuccessResetsTheCount()
    {
        breaker.onFailure();
        breaker.onFailure();
        assertEquals(CLOSED, breaker.state());
        breaker.onSuccess();
        breaker.onFailure();
        breaker.onFailure();
        assertEquals(CLOSED, breaker.state());
        assertEquals(2, breaker.consecutiveFailures());
        assertTrue(breaker.tryAcquire());
        assertTrue(transitions.isEmpty());
    }

    @Test
    void opensAtTheThresholdAndRefusesCallsForTheOpenDuration()
    {
        fail(3);
        assertEquals(OPEN, breaker.state());
        assertEquals(1, breaker.stateCode());
        assertFalse(breaker.tryAcquire());
        now += Duration.ofMillis(4_999).toNanos();
        assertFalse(breaker.tryAcquire());
        assertFalse(breaker.wouldPermit());
        assertEquals(Duration.ofMillis(1).toNanos(), breaker.remainingOpenNanos());
        assertEquals(OPEN, breaker.state());
        assertEquals(List.of("CLOSED->OPEN"), transitions);
    }

    @Test
    void halfOpensAfterTheOpenDurationAndPermitsOnlyTheTrials()
    {
        fail(3);
        now += Duration.ofSeconds(5).toNanos();
        assertTrue(breaker.wouldPermit());
        assertEquals(OPEN, breaker.state(), "wouldPermit does not change state");
        assertTrue(breaker.tryAcquire());
        assertEquals(HALF_OPEN, breaker.state());
        assertEquals(2, breaker.stateCode());
        assertTrue(breaker.tryAcquire());
        assertFalse(breaker.tryAcquire(), "only 2 trials in half-open");
        assertFalse(breaker.wouldPermit());
    }

    @Test
    void closesWhenEveryTrialSucceeded()
    {
        fail(3);
        now += Duration.ofSeconds(5).toNanos();
        breaker.tryAcquire();
        breaker.tryAcquire();
        breaker.onSuccess();
        assertEquals(HALF_OPEN, breaker.state());
        breaker.onSuccess();
        assertEquals(CLOSED, breaker.state());
        assertEquals(0, breaker.stateCode());
        assertEquals(0, breaker.consecutiveFailures());
        assertEquals(List.of("CLOSED->OPEN", "OPEN->HALF_OPEN", "HALF_OPEN->CLOSED"), transitions);
        assertEquals(1, breaker.transitionsTo(OPEN));
        assertEquals(1, breaker.transitionsTo(HALF_OPEN));
        assertEquals(1, breaker.transitionsTo(CLOSED));
        // closed again: it takes the full threshold to open once more
        fail(2);
        assertEquals(CLOSED, breaker.state());
    }

    @Test
    void aFailureInHalfOpenReopensForAnotherFullPeriod()
    {
        fail(3);
        now += Duration.ofSeconds(5).toNanos();
        breaker.tryAcquire();
        breaker.onSuccess();
        breaker.onFailure();
        assertEquals(OPEN, breaker.state());
        now += Duration.ofSeconds(4).toNanos();
        assertFalse(breaker.tryAcquire());
        now += Duration.ofSeconds(1).toNanos();
        assertTrue(breaker.tryAcquire());
        assertEquals(List.of("CLOSED->OPEN", "OPEN->HALF_OPEN", "HALF_OPEN->OPEN", "OPEN->HALF_OPEN"), transitions);
        assertEquals(2, breaker.transitionsTo(OPEN));
    }

    @Test
    void lateOutcomesWhileOpenChangeNothing()
    {
        fail(3);
        final long openedAt = now;
        now += Duration.ofSeconds(3).toNanos();
        breaker.onFailure();
        breaker.onSuccess();
        assertEquals(OPEN, breaker.state());
        now = openedAt + Duration.ofSeconds(5).toNanos();
        assertTrue(breaker.tryAcquire(), "a late failure does not extend the open period");
    }

    @Test
    void stateCodesAreTheGaugeValues()
    {
        assertEquals(0, State.CLOSED.code);
        assertEquals(1, State.OPEN.code);
        assertEquals(2, State.HALF_OPEN.code);
        assertEquals("half_open", State.HALF_OPEN.label());
    }

    private void fail(final int n)
    {
        for (int i = 0; i < n; i++)
        {
            breaker.onFailure();
        }
    }
}
