package dev.tapio.tools.server;

import dev.tapio.engine.Engine;
import dev.tapio.engine.ProducerMode;
import dev.tapio.engine.config.TapioConfig;
import dev.tapio.engine.correlate.CorrelationSettings;
import dev.tapio.engine.ring.BackpressurePolicy;
import dev.tapio.journal.JournalSettings;
import dev.tapio.journal.JournalSink;

import java.io.IOException;
import java.io.PrintStream;

/**
 * Cross-node correlation on the central server: an {@link Engine} in event time (as {@code tapio correlate})
 * fed by the tailer {@value #TAILER} of the server journal, writing its group records to a journal of their
 * own (by default {@code groups} beside the server journal).
 *
 * <pre>
 *  ingest thread ─► server journal ◄─ tailer "correlate" ─► ring ─► decode ─► correlate ─► enrich ─► fan-out
 *        │ acks after append                                                                     │ groups only
 *        ▼                                                                                       ▼
 *      nodes                                                                           groups journal
 * </pre>
 *
 * It only reads the journal the ingest thread writes, on threads of its own: a slow correlator falls
 * behind (its tailer lags) and never delays an ack. The server journal stays exactly what the nodes sent,
 * and the groups can be recomputed from it.
 */
public final class ServerCorrelator implements AutoCloseable
{
    public static final String TAILER = "correlate";

    private final Engine engine;
    private final JournalEventSource source;
    private final JournalSettings groups;

    private ServerCorrelator(final Engine engine, final JournalEventSource source, final JournalSettings groups)
    {
        this.engine = engine;
        this.source = source;
        this.groups = groups;
    }

    /**
     * Builds and starts the engine with the config's node, engine and correlation settings, the clock forced
     * to event time.
     */
    public static ServerCorrelator start(final TapioConfig config, final JournalSettings serverJournal,
        final JournalSettings groups, final PrintStream err) throws IOException
    {
        final JournalEventSource source = new JournalEventSource("journal/" + TAILER, serverJournal, TAILER);
        final Engine engine;
        try
        {
            engine = config.settingsBuilder()
                .producers(ProducerMode.SINGLE)
                .correlation(config.correlation().toBuilder().clock(CorrelationSettings.Clock.EVENT).build())
                .errorStream(err)
                .source(source, BackpressurePolicy.BLOCK)
                .sink(new JournalSink("groups", groups, err).records(false, true))
                .build();
        }
        catch (final RuntimeException e)
        {
            source.close();
            throw e;
        }
        engine.start();
        return new ServerCorrelator(engine, source, groups);
    }

    public Engine engine()
    {
        return engine;
    }

    /** Events handed to the correlator so far. */
    public long eventsIn()
    {
        return source.published();
    }

    public JournalSettings groups()
    {
        return groups;
    }

    /** Stops reading, drains the ring, writes the groups still open, closes the groups journal. */
    @Override
    public void close()
    {
        engine.stop();
    }
}
