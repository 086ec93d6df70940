package dev.tapio.engine.spi;

/**
 * Thrown from {@link Source#run} when the source cannot run on this machine at all (a missing capability,
 * socket, directory or library), as opposed to a crash. The collector manager reports the source as
 * {@code unavailable} with this message, counts it once per attempt, and does not restart it in a loop: it
 * tries again only after the source's {@code restart.unavailableRetry} (docs/CONFIG.md). The message is the
 * one line a user reads, e.g. {@code needs CAP_BPF and CAP_PERFMON (run as root)}.
 */
public class SourceUnavailableException extends Exception
{
    private static final long serialVersionUID = 1L;

    public SourceUnavailableException(final String reason)
    {
        super(reason);
    }

    public SourceUnavailableException(final String reason, final Throwable cause)
    {
        super(reason, cause);
    }
}
