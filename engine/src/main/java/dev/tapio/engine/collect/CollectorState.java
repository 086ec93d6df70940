package dev.tapio.engine.collect;

import java.util.Locale;

/**
 * The health of one supervised collector (source), as the {@link CollectorManager} sees it.
 *
 * <pre>
 *   NEW ─► HEALTHY ─(run returns)──────────────────────────► DONE
 *            │  ▲ ─(source says degraded / hangs)─► DEGRADED
 *            │  └──────────── restart after backoff ◄───┐
 *            ├─(run throws)─► DEGRADED (waiting out the backoff) ─(N failures within the window)─► FAILED
 *            └─(SourceUnavailableException)─► UNAVAILABLE ─(after unavailableRetry)─► HEALTHY …
 * </pre>
 */
public enum CollectorState
{
    /** Not started yet. */
    NEW,
    /** Running, nothing wrong known. */
    HEALTHY,
    /** Running but impaired (as the source reported, or no progress), or waiting out a restart backoff. */
    DEGRADED,
    /** Cannot run on this machine (a missing capability, socket, directory); retried only slowly, if at all. */
    UNAVAILABLE,
    /** Gave up: crashed too often within the window, or crashed with restarts disabled. */
    FAILED,
    /** Finished on its own (a finite source) or stopped with the engine. */
    DONE;

    private final String label = name().toLowerCase(Locale.ROOT);

    /** The lower-case name used in metrics and reports ({@code healthy}, {@code degraded}, …). */
    public String label()
    {
        return label;
    }

    /** True when the collector has no thread running its source and none will start without a retry. */
    boolean settled()
    {
        return this == UNAVAILABLE || this == FAILED || this == DONE;
    }
}
