package dev.tapio.exporters.webhooks;

import dev.tapio.engine.correlate.RuleSet;
import dev.tapio.engine.metrics.EngineCounters;
import dev.tapio.journal.JournalSettings;
import dev.tapio.journal.JournalTailer;
import dev.tapio.journal.delivery.Backoff;
import dev.tapio.journal.delivery.CircuitBreaker;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.status.AtomicCounter;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Clock;
import java.util.EnumMap;
import java.util.Map;
import java.util.function.LongSupplier;
import java.util.concurrent.locks.LockSupport;
import java.util.random.RandomGenerator;

/**
 * Delivers the journal to one endpoint, on a thread of its own ({@code tapio-webhook-<name>}) with its own
 * HTTP client, tailer ({@code webhook-<name>}), backoff and circuit breaker, so one endpoint's failures never
 * delay another's.
 *
 * <pre>
 *  tailer.poll(1) ─► decode ─► filter ──no──► ack
 *                                 │yes
 *                                 ▼
 *        ┌──► breaker open? wait ─► send (sign, POST, timeout) ─► 2xx ───────────────► ack
 *        │                                    ├─ 410 ─► write .gone marker, stop this endpoint (not acked)
 *        │                                    ├─ 429/5xx/timeout/connection: breaker.onFailure
 *        │                                    └─ other 4xx
 *        └── wait max(backoff with full jitter, Retry-After) ◄── attempts left?  ── no ─► dead letter ─► ack
 * </pre>
 *
 * Records are delivered one at a time, in journal order; the durable position moves past a record only once
 * it was delivered or dead-lettered, so a crash or stop mid-retry sends it again on the next run, with the
 * same {@code webhook-id} (derived from the record). The attempt count starts again after a restart.
 *
 * <p>Threading: its own thread; the accessors may be read from any thread.
 */
final class EndpointDelivery
{
    static final String DELIVERIES = "tapio_webhook_deliveries_total";
    static final String ATTEMPTS = "tapio_webhook_attempts_total";
    static final String SKIPPED = "tapio_webhook_records_skipped_total";
    static final String BREAKER_TRANSITIONS = "tapio_webhook_breaker_transitions_total";
    static final String BREAKER_STATE = "tapio_webhook_breaker_state";
    static final String DISABLED = "tapio_webhook_endpoint_disabled";

    private static final long IDLE_NANOS = 2_000_000L;

    private final EndpointSettings settings;
    private final WebhookSender sender;
    private final JournalTailer tailer;
    private final RecordDecoder decoder;
    private final CircuitBreaker breaker;
    private final Backoff backoff;
    private final Pacer pacer;
    private final DeadLetters deadLetters;
    private final PrintStream log;
    private final Thread thread;

    private final AtomicCounter delivered;
    private final AtomicCounter deadLettered;
    private final AtomicCounter gone;
    private final AtomicCounter filtered;
    private final AtomicCounter undecodable;
    private final AtomicCounter breakerState;
    private final AtomicCounter disabledGauge;
    private final Map<WebhookSender.Outcome, AtomicCounter> attempts = new EnumMap<>(WebhookSender.Outcome.class);
    private final Map<CircuitBreaker.State, AtomicCounter> transitions = new EnumMap<>(CircuitBreaker.State.class);

    private volatile boolean running = true;
    private volatile long drainDeadline = Long.MAX_VALUE;
    private volatile boolean caughtUp;
    private volatile boolean disabled;
    private volatile long ackedIndex;
    private volatile Throwable failure;
    private long failures;
    private WebhookRecord pending;
    private final dev.tapio.journal.RecordHandler handler = this::onRecord;
    private boolean started;

    EndpointDelivery(final JournalSettings journal, final EndpointSettings settings, final Path deadLetterDir,
        final EngineCounters counters, final PrintStream log, final Clock clock, final LongSupplier nanoClock, final Pacer pacer,
        final RandomGenerator random, final RuleSet rules) throws IOException
    {
        this.settings = settings;
        this.log = log;
        this.pacer = pacer;
        final String ep = "endpoint=\"" + settings.name() + "\"";
        delivered = counters.counter(DELIVERIES + "{" + ep + ",outcome=\"delivered\"}");
        deadLettered = counters.counter(DELIVERIES + "{" + ep + ",outcome=\"dead_lettered\"}");
        gone = counters.counter(DELIVERIES + "{" + ep + ",outcome=\"gone\"}");
        filtered = counters.counter(SKIPPED + "{" + ep + ",reason=\"filtered\"}");
        undecodable = counters.counter(SKIPPED + "{" + ep + ",reason=\"undecodable\"}");
        for (final WebhookSender.Outcome o : WebhookSender.Outcome.values())
        {
            attempts.put(o, counters.counter(ATTEMPTS + "{" + ep + ",result=\"" + o.label + "\"}"));
        }
        for (final CircuitBreaker.State s : CircuitBreaker.State.values())
        {
            transitions.put(s, counters.counter(BREAKER_TRANSITIONS + "{" + ep + ",state=\"" + s.label() + "\"}"));
        }
        breakerState = counters.counter(BREAKER_STATE + "{" + ep + "}");
        disabledGauge = counters.counter(DISABLED + "{" + ep + "}");
        deadLetters = new DeadLetters(deadLetterDir, settings.name(), clock);
        breaker = new CircuitBreaker(settings.breakerFailures(), settings.breakerOpen(), settings.breakerTrials(),
            nanoClock, this::onTransition);
        backoff = new Backoff(settings.minBackoff(), settings.maxBackoff(), random);
        decoder = new RecordDecoder(rules);
        thread = new Thread(this::run, "tapio-webhook-" + settings.name());
        thread.setDaemon(true);
        if (deadLetters.isGone())
        {
            disabled = true;
            disabledGauge.setRelease(1);
            tailer = null;
            sender = null;
            log.println("tapio webhooks: endpoint " + settings.name() + " stays disabled: it answered 410 Gone before (" +
                deadLetters.goneMarker() + "; delete that file to deliver to it again)");
            return;
        }
        // A new endpoint starts at the end of the journal (or its start, as configured) and makes that place
        // durable at once; one opened before that has acked nothing started on an empty journal: from the start.
        final boolean fresh = !JournalTailer.exists(journal, settings.tailerName());
        tailer = JournalTailer.open(journal, settings.tailerName(), fresh ? settings.startFrom() : JournalTailer.StartFrom.EARLIEST);
        if (fresh && settings.startFrom() == JournalTailer.StartFrom.LATEST)
        {
            tailer.ackStart();
        }
        ackedIndex = tailer.ackedIndex();
        sender = new WebhookSender(settings, clock);
    }

    void start()
    {
        if (!disabled)
        {
            started = true;
            thread.start();
        }
    }

    /** Asks the thread to stop once caught up or at {@code deadlineNanos} (System.nanoTime), whichever is first. */
    void requestStop(final long deadlineNanos)
    {
        drainDeadline = deadlineNanos;
        running = false;
        LockSupport.unpark(thread);
    }

    /**
     * Waits for the thread until {@code deadlineNanos} (System.nanoTime); then interrupts it, cutting an HTTP
     * exchange short (the record stays un-acked), without waiting for it to end: see {@link #awaitEnd}.
     */
    void awaitStop(final long deadlineNanos)
    {
        if (!started)
        {
            return;
        }
        try
        {
            final long millis = (deadlineNanos - System.nanoTime()) / 1_000_000;
            if (millis > 0)
            {
                thread.join(millis);
            }
        }
        catch (final InterruptedException e)
        {
            Thread.currentThread().interrupt();
        }
        if (thread.isAlive())
        {
            thread.interrupt();
        }
    }

    /** Waits at most {@code millis} for an interrupted thread to end, then closes the tailer, client and files. */
    void awaitEnd(final long millis)
    {
        if (started)
        {
            try
            {
                thread.join(Math.max(1, millis));
            }
            catch (final InterruptedException e)
            {
                Thread.currentThread().interrupt();
            }
        }
        if (!thread.isAlive())
        {
            if (tailer != null)
            {
                tailer.close();
            }
            if (sender != null)
            {
                sender.close();
            }
            deadLetters.close();
        }
        else
        {
            log.println("tapio webhooks: endpoint " + settings.name() + ": its thread did not stop; its tailer stays open " +
                "until the process exits");
        }
    }

    private boolean abandoned()
    {
        return !running && System.nanoTime() - drainDeadline > 0;
    }

    private void run()
    {
        long errors = 0;
        while (true)
        {
            try
            {
                deliverAll();
                return;
            }
            catch (final Throwable t)
            {
                // e.g. the dead-letter file could not be written: never end the endpoint for good after startup;
                // wait, then resume after the durable position (what was not acked is sent again)
                caughtUp = false;
                failure = t;
                errors++;
                if (Long.bitCount(errors) == 1)
                {
                    log.println("tapio webhooks: endpoint " + settings.name() + ": delivery failed (" + errors +
                        " times so far): " + t + "; resuming after the last acked record in 1s");
                }
                if (!Pacer.PARKING.pause(1_000_000_000L, () -> !running))
                {
                    return;
                }
                tailer.rewindToAcked();
            }
        }
    }

    /** Delivers until stopped (or disabled); throws on what it cannot handle itself. */
    private void deliverAll() throws IOException
    {
        while (true)
        {
            final boolean stopping = !running;
            pending = null;
            final int n = tailer.poll(handler, 1);
            if (n == 0)
            {
                caughtUp = true;
                if (stopping || abandoned())
                {
                    return;
                }
                LockSupport.parkNanos(IDLE_NANOS);
                continue;
            }
            caughtUp = false;
            final long index = tailer.lastReadIndex();
            if (pending == null)
            {
                ack(index);
                continue;
            }
            final Delivery d = deliver(pending, index);
            if (d != Delivery.DONE)
            {
                return; // stopped (not acked: sent again next run) or gone (disabled)
            }
            ack(index);
            if (abandoned())
            {
                return;
            }
        }
    }

    private void ack(final long index)
    {
        if (tailer.ack(index))
        {
            ackedIndex = index;
        }
    }

    private void onRecord(final long index, final int template, final DirectBuffer buffer, final int offset, final int length)
    {
        final WebhookRecord r;
        try
        {
            if (decoder.rejects(settings.filter(), template, buffer, offset, length))
            {
                filtered.incrementRelease();
                return;
            }
            r = decoder.decode(template, buffer, offset, length);
        }
        catch (final IOException | RuntimeException e)
        {
            undecodable.incrementRelease();
            return;
        }
        if (r == null)
        {
            undecodable.incrementRelease();
        }
        else if (!settings.filter().accepts(r))
        {
            filtered.incrementRelease();
        }
        else
        {
            pending = r;
        }
    }

    private enum Delivery
    {
        DONE, STOPPED, GONE
    }

    private Delivery deliver(final WebhookRecord record, final long index) throws IOException
    {
        int attempt = 0;
        while (true)
        {
            while (!breaker.tryAcquire())
            {
                if (!pacer.pause(Math.max(1, breaker.remainingOpenNanos()), this::abandoned))
                {
                    return Delivery.STOPPED;
                }
            }
            if (abandoned())
            {
                return Delivery.STOPPED;
            }
            final WebhookSender.Attempt a;
            try
            {
                a = sender.send(record);
            }
            catch (final InterruptedException e)
            {
                return Delivery.STOPPED;
            }
            catch (final RuntimeException e)
            {
                // the payload could not be made (e.g. a template failing on this record): no attempt can succeed
                final WebhookSender.Attempt failed = new WebhookSender.Attempt(WebhookSender.Outcome.CLIENT_ERROR, 0, -1,
                    record.id(), 0, null, new byte[0], null, null, null, "payload: " + e);
                log.println("tapio webhooks: endpoint " + settings.name() + ": " + record.id() + " dead-lettered: payload: " + e);
                deadLetters.write(settings.name(), index, record, attempt, failed);
                deadLettered.incrementRelease();
                return Delivery.DONE;
            }
            attempt++;
            attempts.get(a.outcome()).incrementRelease();
            switch (a.outcome())
            {
                case SUCCESS:
                    breaker.onSuccess();
                    delivered.incrementRelease();
                    return Delivery.DONE;
                case GONE:
                    breaker.onSuccess();
                    gone.incrementRelease();
                    disabled = true;
                    disabledGauge.setRelease(1);
                    deadLetters.markGone("HTTP 410 for " + record.id());
                    log.println("tapio webhooks: endpoint " + settings.name() + " (" + settings.url() + ") answered 410 Gone: " +
                        "disabled; " + deadLetters.goneMarker() + " keeps it disabled until deleted");
                    return Delivery.GONE;
                default:
                    break;
            }
            if (a.outcome().transientFailure)
            {
                breaker.onFailure();
            }
            else
            {
                breaker.onSuccess(); // it answered: the endpoint is up, it refuses this request
            }
            failures++;
            final boolean last = attempt >= settings.maxAttempts();
            if (Long.bitCount(failures) == 1)
            {
                // 1st, 2nd, 4th, 8th … failure: an endpoint that is away for long is not reported per retry.
                log.println("tapio webhooks: endpoint " + settings.name() + ": " + record.id() + " attempt " + attempt + "/" +
                    settings.maxAttempts() + " failed: " + a.describe() + " (" + failures + " failed attempts so far)" +
                    (last ? "; dead-lettered" : "; retrying"));
            }
            if (last)
            {
                deadLetters.write(settings.name(), index, record, attempt, a);
                deadLettered.incrementRelease();
                return Delivery.DONE;
            }
            long delay = backoff.delayNanos(attempt - 1);
            if (a.retryAfterNanos() >= 0)
            {
                delay = Math.max(delay, Math.min(a.retryAfterNanos(), settings.maxRetryAfter().toNanos()));
            }
            if (delay > 0 && !pacer.pause(delay, this::abandoned))
            {
                return Delivery.STOPPED;
            }
        }
    }

    private void onTransition(final CircuitBreaker.State from, final CircuitBreaker.State to)
    {
        transitions.get(to).incrementRelease();
        breakerState.setRelease(to.code);
        if (to == CircuitBreaker.State.OPEN)
        {
            final long opened = transitions.get(to).get();
            if (Long.bitCount(opened) == 1)
            {
                log.println("tapio webhooks: endpoint " + settings.name() + ": circuit breaker open for " +
                    dev.tapio.engine.config.Units.formatDuration(settings.breakerOpen()) + " after " +
                    breaker.failureThreshold() + " failures in a row (" + opened + " times so far)");
            }
        }
    }

    EndpointSettings settings()
    {
        return settings;
    }

    long delivered()
    {
        return delivered.get();
    }

    long deadLettered()
    {
        return deadLettered.get();
    }

    long attempts(final WebhookSender.Outcome outcome)
    {
        return attempts.get(outcome).get();
    }

    long filtered()
    {
        return filtered.get();
    }

    boolean disabled()
    {
        return disabled;
    }

    boolean caughtUp()
    {
        return caughtUp;
    }

    long ackedIndex()
    {
        return ackedIndex;
    }

    CircuitBreaker.State breakerState()
    {
        return breaker.state();
    }

    Throwable failure()
    {
        return failure;
    }

    Path deadLetterFile()
    {
        return deadLetters.file();
    }

    boolean alive()
    {
        return thread.isAlive();
    }
}
