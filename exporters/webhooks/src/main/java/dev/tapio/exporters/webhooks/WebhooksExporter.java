package dev.tapio.exporters.webhooks;

import dev.tapio.engine.correlate.RuleSet;
import dev.tapio.engine.correlate.RulesLoader;
import dev.tapio.engine.config.ConfigException;
import dev.tapio.engine.metrics.EngineCounters;
import dev.tapio.journal.JournalSettings;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.function.LongSupplier;
import java.util.random.RandomGenerator;

/**
 * Signed webhooks from the journal: one {@link EndpointDelivery} per configured endpoint, each reading the
 * journal through its own durable tailer {@code webhook-<name>} on its own thread, so a slow, failing or
 * hanging endpoint never stalls the engine or another endpoint, and a restart resumes at each endpoint's
 * last delivered record.
 *
 * <pre>
 *                      ┌─► tailer webhook-pager ─► thread tapio-webhook-pager ─► HttpClient ─► https://pager…
 *   journal (Chronicle)├─► tailer webhook-audit ─► thread tapio-webhook-audit ─► HttpClient ─► https://audit…
 *                      └─► …                       (filter, CloudEvents/template, sign, retry, breaker, dead letters)
 * </pre>
 *
 * <p>Counters (in the engine's {@link EngineCounters}, per endpoint): {@code tapio_webhook_deliveries_total
 * {endpoint,outcome=delivered|dead_lettered|gone}}, {@code tapio_webhook_attempts_total{endpoint,result=success|
 * gone|rate_limited|server_error|client_error|timeout|connection_error}}, {@code
 * tapio_webhook_records_skipped_total{endpoint,reason=filtered|undecodable}}, {@code
 * tapio_webhook_breaker_transitions_total{endpoint,state}}, and the gauges {@code
 * tapio_webhook_breaker_state{endpoint}} (0 closed, 1 open, 2 half-open) and {@code
 * tapio_webhook_endpoint_disabled{endpoint}}.
 *
 * <p>Threading: {@link #start()} and {@link #stop(Duration)} from the host's thread; accessors from any.
 */
public final class WebhooksExporter implements AutoCloseable
{
    private final WebhooksSettings settings;
    private final Map<String, EndpointDelivery> endpoints = new LinkedHashMap<>();
    private boolean stopped;

    private WebhooksExporter(final WebhooksSettings settings)
    {
        this.settings = settings;
    }

    /** An exporter for every endpoint of {@code settings}, counting into {@code counters}; not started. */
    public static WebhooksExporter create(final JournalSettings journal, final WebhooksSettings settings,
        final EngineCounters counters, final PrintStream log) throws IOException
    {
        return create(journal, settings, counters, log, new Context());
    }

    /**
     * As {@link #create(JournalSettings, WebhooksSettings, EngineCounters, PrintStream)} with the clocks, pacer,
     * random source and rules of {@code context} (tests inject virtual time through it).
     */
    public static WebhooksExporter create(final JournalSettings journal, final WebhooksSettings settings,
        final EngineCounters counters, final PrintStream log, final Context context) throws IOException
    {
        Objects.requireNonNull(journal, "journal");
        final RuleSet names;
        try
        {
            names = context.rules != null ? context.rules : RulesLoader.builtin();
        }
        catch (final ConfigException e)
        {
            throw new IOException("built-in rules: " + e.getMessage(), e);
        }
        final WebhooksExporter exporter = new WebhooksExporter(settings);
        final Path deadLetters = settings.deadLetterDir(journal.dir());
        final List<EndpointDelivery> opened = new ArrayList<>();
        try
        {
            for (final EndpointSettings e : settings.endpoints())
            {
                final EndpointDelivery d = new EndpointDelivery(journal, e, deadLetters, counters, log, context.clock,
                    context.nanoClock, context.pacer, context.random, names);
                opened.add(d);
                exporter.endpoints.put(e.name(), d);
            }
        }
        catch (final IOException | RuntimeException e)
        {
            for (final EndpointDelivery d : opened)
            {
                d.awaitEnd(0);
            }
            throw e;
        }
        return exporter;
    }

    /**
     * What code (not config) sets: the wall clock that stamps {@code webhook-timestamp} and reads Retry-After
     * dates, the monotonic clock of the circuit breakers, the pacer that waits between attempts, the random
     * source of the jitter, and the rules whose pattern names correlated events carry (null: the built-in ones).
     */
    public static final class Context
    {
        private Clock clock = Clock.systemUTC();
        private LongSupplier nanoClock = System::nanoTime;
        private Pacer pacer = Pacer.PARKING;
        private RandomGenerator random = new SplittableRandom();
        private RuleSet rules;

        public Context clock(final Clock clock)
        {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        public Context nanoClock(final LongSupplier nanoClock)
        {
            this.nanoClock = Objects.requireNonNull(nanoClock, "nanoClock");
            return this;
        }

        public Context pacer(final Pacer pacer)
        {
            this.pacer = Objects.requireNonNull(pacer, "pacer");
            return this;
        }

        public Context random(final RandomGenerator random)
        {
            this.random = Objects.requireNonNull(random, "random");
            return this;
        }

        public Context rules(final RuleSet rules)
        {
            this.rules = rules;
            return this;
        }
    }

    public synchronized WebhooksExporter start()
    {
        for (final EndpointDelivery d : endpoints.values())
        {
            d.start();
        }
        return this;
    }

    /**
     * Stops after delivering what the journal holds now, for at most {@code drain}; what was not delivered by
     * then stays after each endpoint's durable position for the next run.
     *
     * @return true when every enabled endpoint caught up.
     */
    public synchronized boolean stop(final Duration drain)
    {
        if (!stopped)
        {
            stopped = true;
            final long deadline = System.nanoTime() + drain.toNanos();
            for (final EndpointDelivery d : endpoints.values())
            {
                d.requestStop(deadline);
            }
            // an exchange in flight at the deadline may take up to its endpoint's timeout; all wait together
            long joinDeadline = deadline;
            for (final EndpointDelivery d : endpoints.values())
            {
                joinDeadline = Math.max(joinDeadline, deadline + d.settings().timeout().toNanos() + 1_000_000_000L);
            }
            for (final EndpointDelivery d : endpoints.values())
            {
                d.awaitStop(joinDeadline);
            }
            for (final EndpointDelivery d : endpoints.values())
            {
                d.awaitEnd(1000);
            }
        }
        return caughtUp();
    }

    @Override
    public void close()
    {
        stop(settings.drainTimeout());
    }

    /** True when every enabled endpoint has delivered (or dead-lettered) everything journaled so far. */
    public boolean caughtUp()
    {
        for (final EndpointDelivery d : endpoints.values())
        {
            if (!d.disabled() && !d.caughtUp())
            {
                return false;
            }
        }
        return true;
    }

    public WebhooksSettings settings()
    {
        return settings;
    }

    /** Names of the endpoints, in config order. */
    public List<String> endpointNames()
    {
        return List.copyOf(endpoints.keySet());
    }

    /** Records delivered (2xx) to {@code endpoint}, as counted in the counters given to {@link #create} (cumulative for them). */
    public long delivered(final String endpoint)
    {
        return get(endpoint).delivered();
    }

    /** Records whose attempts ran out and went to the dead-letter file. */
    public long deadLettered(final String endpoint)
    {
        return get(endpoint).deadLettered();
    }

    /** Attempts that came to {@code outcome}. */
    public long attempts(final String endpoint, final WebhookSender.Outcome outcome)
    {
        return get(endpoint).attempts(outcome);
    }

    /** Records the endpoint's filters passed over. */
    public long filtered(final String endpoint)
    {
        return get(endpoint).filtered();
    }

    /** True once the endpoint answered 410 Gone (or had before, per its marker file). */
    public boolean disabled(final String endpoint)
    {
        return get(endpoint).disabled();
    }

    public boolean caughtUp(final String endpoint)
    {
        return get(endpoint).caughtUp();
    }

    /** The endpoint's durable position (-1: nothing acked yet). */
    public long ackedIndex(final String endpoint)
    {
        return get(endpoint).ackedIndex();
    }

    /** The endpoint's circuit breaker state: closed, open or half_open. */
    public String breakerState(final String endpoint)
    {
        return get(endpoint).breakerState().label();
    }

    public Path deadLetterFile(final String endpoint)
    {
        return get(endpoint).deadLetterFile();
    }

    /** The last error the endpoint's thread recovered from (it waits 1s and resumes after its position), or null. */
    public Throwable failure(final String endpoint)
    {
        return get(endpoint).failure();
    }

    /** A short line for the stats report: per endpoint delivered/dead-lettered and the breaker state. */
    public String stats()
    {
        final StringBuilder sb = new StringBuilder("webhooks{");
        for (final EndpointDelivery d : endpoints.values())
        {
            if (sb.length() > 9)
            {
                sb.append(", ");
            }
            sb.append(d.settings().name()).append('=').append(d.disabled() ? "disabled" : d.breakerState().label())
                .append(" delivered=").append(d.delivered()).append(" deadLettered=").append(d.deadLettered());
        }
        return sb.append('}').toString();
    }

    private EndpointDelivery get(final String endpoint)
    {
        final EndpointDelivery d = endpoints.get(endpoint);
        if (d == null)
        {
            throw new IllegalArgumentException("no endpoint named " + endpoint);
        }
        return d;
    }
}
