package dev.tapio.journal.delivery;

import java.time.Duration;
import java.util.function.LongSupplier;

/**
 * A circuit breaker for a journal consumer's calls to its destination (the bridge's server, a webhook
 * endpoint), as a pure state machine over an injected
 * clock (a {@code nanoTime} supplier): no threads, no timers.
 *
 * <pre>
 *            failureThreshold consecutive failures
 *   CLOSED ───────────────────────────────────────► OPEN
 *     ▲                                              │ openDuration elapsed, at the next tryAcquire
 *     │ halfOpenTrials successes                     ▼
 *     └──────────────────────────────────────── HALF_OPEN ──── any failure ───► OPEN
 * </pre>
 *
 * <ul>
 *   <li>CLOSED: every call is permitted; a success resets the failure count.</li>
 *   <li>OPEN: no call is permitted until {@code openDuration} has passed since it opened.</li>
 *   <li>HALF_OPEN: at most {@code halfOpenTrials} calls are permitted; when that many have succeeded
 *       the breaker closes, and the first failure opens it again.</li>
 * </ul>
 *
 * <p>For the bridge a "call" is one batch sent, a success is its ack, and a failure is the loss of the
 * stream (error status, connection loss, ack timeout), counted once however many batches were in flight.
 *
 * <p>The state is readable as a gauge ({@link #stateCode()}: 0 closed, 1 open, 2 half-open) with a
 * count of transitions into each state. Not thread-safe: one owner; {@link #stateCode()} and the
 * counts may be read from any thread (they are volatile or single-writer longs read racily for display).
 */
public final class CircuitBreaker
{
    public static final int DEFAULT_FAILURE_THRESHOLD = 5;
    public static final long DEFAULT_OPEN_MS = 5_000;
    public static final int DEFAULT_HALF_OPEN_TRIALS = 2;

    /** The three states; {@link #code} is the gauge value. */
    public enum State
    {
        CLOSED(0), OPEN(1), HALF_OPEN(2);

        public final int code;

        State(final int code)
        {
            this.code = code;
        }

        /** The state's name as a metric label value: closed, open, half_open. */
        public String label()
        {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** Told of every transition, on the owner's thread, after the state changed. */
    @FunctionalInterface
    public interface Listener
    {
        void onTransition(State from, State to);
    }

    private static final Listener NO_LISTENER = (from, to) -> {};

    private final int failureThreshold;
    private final long openNanos;
    private final int halfOpenTrials;
    private final LongSupplier nanoClock;
    private final Listener listener;

    private volatile State state = State.CLOSED;
    private int consecutiveFailures;
    private long openedAtNanos;
    private int trialsPermitted;
    private int trialSuccesses;
    private volatile long openedCount;
    private volatile long halfOpenedCount;
    private volatile long closedCount;

    public CircuitBreaker(
        final int failureThreshold,
        final Duration openDuration,
        final int halfOpenTrials,
        final LongSupplier nanoClock,
        final Listener listener)
    {
        if (failureThreshold < 1 || halfOpenTrials < 1 || openDuration.isNegative())
        {
            throw new IllegalArgumentException("circuit breaker needs failureThreshold >= 1, halfOpenTrials >= 1 " +
                "and openDuration >= 0, got " + failureThreshold + ", " + halfOpenTrials + ", " + openDuration);
        }
        this.failureThreshold = failureThreshold;
        this.openNanos = openDuration.toNanos();
        this.halfOpenTrials = halfOpenTrials;
        this.nanoClock = nanoClock;
        this.listener = listener == null ? NO_LISTENER : listener;
    }

    public CircuitBreaker(final int failureThreshold, final Duration openDuration, final int halfOpenTrials,
        final LongSupplier nanoClock)
    {
        this(failureThreshold, openDuration, halfOpenTrials, nanoClock, null);
    }

    /**
     * Whether a call may start now. In OPEN, once {@code openDuration} has passed, moves to HALF_OPEN and
     * permits the first trial. Each {@code true} in HALF_OPEN uses up one of its trials.
     */
    public boolean tryAcquire()
    {
        switch (state)
        {
            case CLOSED:
                return true;
            case OPEN:
                if (nanoClock.getAsLong() - openedAtNanos < openNanos)
                {
                    return false;
                }
                transition(State.HALF_OPEN);
                trialsPermitted = 1;
                trialSuccesses = 0;
                return true;
            default:
                if (trialsPermitted < halfOpenTrials)
                {
                    trialsPermitted++;
                    return true;
                }
                return false;
        }
    }

    /** Whether a call would be permitted now, without using up a half-open trial or changing state. */
    public boolean wouldPermit()
    {
        switch (state)
        {
            case CLOSED:
                return true;
            case OPEN:
                return nanoClock.getAsLong() - openedAtNanos >= openNanos;
            default:
                return trialsPermitted < halfOpenTrials;
        }
    }

    /** A permitted call succeeded. */
    public void onSuccess()
    {
        switch (state)
        {
            case CLOSED:
                consecutiveFailures = 0;
                break;
            case HALF_OPEN:
                if (++trialSuccesses >= halfOpenTrials)
                {
                    consecutiveFailures = 0;
                    transition(State.CLOSED);
                }
                break;
            default:
                break; // a late success while open (a call from before it opened): no evidence either way
        }
    }

    /** A call failed (or the connection it ran on was lost). */
    public void onFailure()
    {
        switch (state)
        {
            case CLOSED:
                if (++consecutiveFailures >= failureThreshold)
                {
                    open();
                }
                break;
            case HALF_OPEN:
                open();
                break;
            default:
                break; // already open: the open period is not extended by late failures
        }
    }

    /** Nanoseconds until a call may be tried again: 0 unless OPEN. */
    public long remainingOpenNanos()
    {
        if (state != State.OPEN)
        {
            return 0;
        }
        return Math.max(0, openNanos - (nanoClock.getAsLong() - openedAtNanos));
    }

    private void open()
    {
        openedAtNanos = nanoClock.getAsLong();
        transition(State.OPEN);
    }

    private void transition(final State to)
    {
        final State from = state;
        state = to;
        switch (to)
        {
            case OPEN:
                openedCount++;
                break;
            case HALF_OPEN:
                halfOpenedCount++;
                break;
            default:
                closedCount++;
                break;
        }
        listener.onTransition(from, to);
    }

    public State state()
    {
        return state;
    }

    /** The gauge value: 0 closed, 1 open, 2 half-open. */
    public int stateCode()
    {
        return state.code;
    }

    /** How many times the breaker entered {@code s}. */
    public long transitionsTo(final State s)
    {
        switch (s)
        {
            case OPEN:
                return openedCount;
            case HALF_OPEN:
                return halfOpenedCount;
            default:
                return closedCount;
        }
    }

    public int consecutiveFailures()
    {
        return consecutiveFailures;
    }

    public int failureThreshold()
    {
        return failureThreshold;
    }

    public long openNanos()
    {
        return openNanos;
    }

    public int halfOpenTrials()
    {
        return halfOpenTrials;
    }
}
