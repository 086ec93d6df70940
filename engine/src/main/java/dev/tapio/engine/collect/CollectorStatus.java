package dev.tapio.engine.collect;

/**
 * One collector's health and statistics at one instant, as {@link CollectorManager#statuses()} reports it.
 *
 * @param name     the source's configured name.
 * @param state    its health.
 * @param reason   why it is degraded, unavailable or failed (one line); null when healthy, new or done.
 * @param events   events it offered to the ring (accepted or not), over all its runs.
 * @param errors   crashes, hangs and unavailable attempts counted against it.
 * @param restarts times it was started again after a crash or a hang.
 */
public record CollectorStatus(String name, CollectorState state, String reason, long events, long errors, long restarts)
{
    /** {@code healthy}, or the state and its reason ({@code failed: needs CAP_BPF …}). */
    @Override
    public String toString()
    {
        return reason == null ? state.label() : state.label() + ": " + reason;
    }
}
