package dev.tapio.bridge.journal;

import dev.tapio.journal.delivery.CircuitBreaker;
import dev.tapio.bridge.ClientCounters;
import dev.tapio.bridge.ServerBridge;
import dev.tapio.bridge.config.BridgeConfig;
import dev.tapio.engine.metrics.EngineCounters;
import dev.tapio.journal.JournalSettings;

import java.io.IOException;
import java.io.PrintStream;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The node's bridge as one unit, for hosts such as {@code tapio run}: the journal tailer
 * {@value JournalRecordSource#DEFAULT_TAILER} as a {@link JournalRecordSource}, a {@link ServerBridge}
 * over it configured from {@code bridge:}, its counters in the engine's registry, and a bounded drain
 * on stop.
 *
 * <pre>
 *   engine ─► journal sink ─► journal dir ◄─ tailer "bridge" ─► ServerBridge ─► tapio server
 *   start():  after the engine, so the journal exists; resumes after the position acked by the last run
 *   stop:     engine.stop() (the ring drains into the journal) → drain(timeout) → close()
 * </pre>
 *
 * <p>Threading: the bridge runs on its own thread; {@link #drain}, {@link #caughtUp} and the getters may
 * be called from any thread, {@link #close} once.
 */
public final class JournalBridge implements AutoCloseable
{
    private final JournalRecordSource source;
    private final ServerBridge bridge;
    private final String nodeId;
    private final BridgeConfig config;

    private JournalBridge(final JournalRecordSource source, final ServerBridge bridge, final String nodeId,
        final BridgeConfig config)
    {
        this.source = source;
        this.bridge = bridge;
        this.nodeId = nodeId;
        this.config = config;
    }

    /**
     * Opens the tailer on the journal and starts the bridge.
     *
     * @param engineNodeName the node id when {@code bridge.nodeId} is not set
     * @throws IOException when the tailer cannot be opened (e.g. another process has it open)
     */
    public static JournalBridge start(final JournalSettings journal, final BridgeConfig config, final String engineNodeName,
        final EngineCounters counters, final PrintStream errors) throws IOException
    {
        final JournalRecordSource source = JournalRecordSource.open(journal, JournalRecordSource.DEFAULT_TAILER);
        final ServerBridge bridge;
        try
        {
            bridge = config.applyTo(ServerBridge.builder(), engineNodeName)
                .source(source)
                .counters(counters)
                .errorLog(errors, 5)
                .build();
        }
        catch (final RuntimeException e)
        {
            source.close();
            throw e;
        }
        bridge.start();
        return new JournalBridge(source, bridge, config.nodeIdOr(engineNodeName), config);
    }

    /**
     * Keeps delivering until the server has acked everything journaled so far, or {@code timeout} passed.
     * Meant for after the engine stopped (nothing more is appended). Polls a flag every millisecond.
     *
     * @return true when caught up.
     */
    public boolean drain(final Duration timeout)
    {
        final long deadline = System.nanoTime() + timeout.toNanos();
        while (!source.caughtUp())
        {
            if (System.nanoTime() - deadline >= 0 || Thread.currentThread().isInterrupted())
            {
                return source.caughtUp();
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
        }
        return true;
    }

    /** Whether the server has acked every record journaled so far (as of the bridge's last poll). */
    public boolean caughtUp()
    {
        return source.caughtUp();
    }

    public CircuitBreaker.State breakerState()
    {
        return bridge.breakerState();
    }

    public ClientCounters counters()
    {
        return bridge.counters();
    }

    public JournalRecordSource source()
    {
        return source;
    }

    public String nodeId()
    {
        return nodeId;
    }

    public BridgeConfig config()
    {
        return config;
    }

    /** Stops the bridge (unacked records stay in the journal for the next run), then closes the tailer. */
    @Override
    public void close()
    {
        try
        {
            bridge.close();
        }
        finally
        {
            source.close();
        }
    }
}
