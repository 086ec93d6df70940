package dev.tapio.exporters.prometheus;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * Decides {@code /readyz}: the node is ready while no source has failed and the ring is not stalled. The
 * ring is stalled when events have waited in it while fan-out delivered nothing for {@code stallAfter}: each
 * check compares the events-out count with the one at a reference check; the reference moves whenever
 * fan-out progressed or the ring was empty, so a quiet ring is never "stalled". Sampling happens only when
 * someone asks (a probe or a scrape): no timer thread.
 *
 * <p>Threading: any thread; checks are serialized.
 */
final class Readiness
{
    /** What the engine looks like at one instant. */
    interface Probe
    {
        long eventsOut();

        long ringOccupancy();

        /** Source name → state ({@code running}, {@code done}, {@code failed: …}, …). */
        Map<String, String> sourceStates();
    }

    /** The outcome of one check. */
    static final class Result
    {
        final boolean ready;
        final boolean stalled;
        final List<String> reasons;

        Result(final boolean stalled, final List<String> reasons)
        {
            this.ready = reasons.isEmpty();
            this.stalled = stalled;
            this.reasons = List.copyOf(reasons);
        }
    }

    private final Probe probe;
    private final LongSupplier nanoClock;
    private final long stallAfterNanos;
    private boolean haveReference;
    private long referenceOut;
    private long referenceNanos;
    private boolean referencePending;

    Readiness(final Probe probe, final LongSupplier nanoClock, final long stallAfterNanos)
    {
        this.probe = probe;
        this.nanoClock = nanoClock;
        this.stallAfterNanos = stallAfterNanos;
    }

    synchronized Result check()
    {
        final long now = nanoClock.getAsLong();
        final long out = probe.eventsOut();
        final long occupancy = probe.ringOccupancy();
        boolean stalled = false;
        if (!haveReference || out != referenceOut || occupancy == 0 || !referencePending)
        {
            haveReference = true;
            referenceOut = out;
            referenceNanos = now;
            referencePending = occupancy > 0;
        }
        else
        {
            stalled = now - referenceNanos >= stallAfterNanos;
        }
        final List<String> reasons = new ArrayList<>();
        for (final Map.Entry<String, String> e : probe.sourceStates().entrySet())
        {
            if (e.getValue().startsWith("failed"))
            {
                reasons.add("source " + e.getKey() + " " + e.getValue());
            }
        }
        if (stalled)
        {
            reasons.add("ring stalled: " + occupancy + " events waiting and none delivered for " +
                (now - referenceNanos) / 1_000_000 + " ms");
        }
        return new Result(stalled, reasons);
    }
}
