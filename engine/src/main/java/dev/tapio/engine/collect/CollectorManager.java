package dev.tapio.engine.collect;

import dev.tapio.engine.Engine;
import dev.tapio.engine.EngineClock;
import dev.tapio.engine.config.Units;
import dev.tapio.engine.metrics.EngineCounters;
import dev.tapio.engine.metrics.ErrorLog;
import dev.tapio.engine.spi.Publisher;
import dev.tapio.engine.spi.Source;
import dev.tapio.engine.spi.SourceContext;
import dev.tapio.engine.spi.SourceUnavailableException;
import org.agrona.concurrent.status.AtomicCounter;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Starts, supervises and stops the engine's collectors (every {@link Source}, the kernel collector included),
 * each isolated on a thread of its own, so that a crash or a hang in one never touches another.
 *
 * <pre>
 *   tapio-source-&lt;name&gt; (one per collector, for its whole life):
 *     loop: state HEALTHY ─► source.run(ctx)
 *             returned ─────────────────────────► DONE (finite sources are not restarted)
 *             SourceUnavailableException ───────► UNAVAILABLE, retried after restart.unavailableRetry (or never)
 *             threw (crash, or interrupted as hung)
 *               ├─ restarts disabled, or maxFailures crashes within window ─► FAILED (with the reason)
 *               └─ DEGRADED while waiting initialBackoff × multiplier^(k-1) ≤ maxBackoff, then restart
 *                  (tapio_collector_restarts_total{collector})
 *   tapio-collector-watchdog (only when some collector has restart.hangTimeout): a collector that offered no
 *     event and sent no heartbeat for hangTimeout is marked DEGRADED ("no progress") and interrupted.
 * </pre>
 *
 * Statistics per collector come from the engine's counters ({@code tapio_events_in_total{source}},
 * {@code tapio_source_errors_total{source}}, {@code tapio_collector_restarts_total{collector}}); nothing here
 * runs per event. Crash windows are measured with the engine's {@link EngineClock}; backoff waits are real
 * time and end early when the manager stops.
 *
 * <p>Threading: {@link #add} before {@link #start}, lifecycle calls from one controlling thread; the readers
 * ({@link #statuses()}, {@link #sourceStates()}, {@link #settled()}) from any thread.
 */
public final class CollectorManager
{
    /** Prefix of each collector's restart counter; the collector's name and {@code "}} follow. */
    public static final String RESTARTS = "tapio_collector_restarts_total";

    private final EngineCounters counters;
    private final ErrorLog errorLog;
    private final EngineClock clock;
    private final String nodeName;
    private final List<Supervised> collectors = new ArrayList<>();
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private volatile boolean running;
    private Thread watchdog;

    public CollectorManager(final EngineCounters counters, final ErrorLog errorLog, final EngineClock clock,
        final String nodeName)
    {
        this.counters = counters;
        this.errorLog = errorLog;
        this.clock = clock;
        this.nodeName = nodeName;
    }

    /** Adds a collector publishing through {@code publisher}, supervised under {@code policy}. Before start. */
    public void add(final Source source, final Publisher publisher, final RestartPolicy policy)
    {
        if (running)
        {
            throw new IllegalStateException("collectors are added before start");
        }
        collectors.add(new Supervised(source, publisher, policy));
    }

    /** Starts every collector's thread, and the watchdog when some collector has a hang timeout. */
    public void start()
    {
        running = true;
        long watchEvery = Long.MAX_VALUE;
        for (final Supervised s : collectors)
        {
            final long hang = s.policy.hangTimeout().toNanos();
            if (hang > 0)
            {
                watchEvery = Math.min(watchEvery, Math.max(1_000_000L, Math.min(1_000_000_000L, hang / 4)));
            }
        }
        for (final Supervised s : collectors)
        {
            s.thread.start();
        }
        if (watchEvery != Long.MAX_VALUE)
        {
            final long every = watchEvery;
            watchdog = new Thread(() -> watch(every), "tapio-collector-watchdog");
            watchdog.setDaemon(true);
            watchdog.start();
        }
    }

    /** False once {@link #stop} was called: collectors finish the event in hand and return. */
    public boolean running()
    {
        return running;
    }

    /**
     * Stops every collector: no restart begins any more, backoff waits end, sources that may block in I/O
     * ({@link Engine.InterruptibleSource}) are interrupted, and each thread is awaited until {@code deadlineNanos}
     * ({@link System#nanoTime()}). A thread still running then is reported once in the error log.
     */
    public void stop(final long deadlineNanos)
    {
        lock.lock();
        try
        {
            running = false;
            changed.signalAll();
        }
        finally
        {
            lock.unlock();
        }
        if (watchdog != null)
        {
            watchdog.interrupt();
        }
        for (final Supervised s : collectors)
        {
            if (s.source instanceof Engine.InterruptibleSource)
            {
                // Sources poll running(); a source blocked in I/O (stdin) would never see it.
                s.thread.interrupt();
            }
        }
        for (final Supervised s : collectors)
        {
            s.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadlineNanos - System.nanoTime())));
        }
    }

    /** Closes every source (after {@link #stop}); failures are logged, not thrown. */
    public void closeSources()
    {
        for (final Supervised s : collectors)
        {
            try
            {
                s.source.close();
            }
            catch (final Exception e)
            {
                errorLog.record("source " + s.source.name() + " close", "source " + s.source.name() +
                    ": close failed: " + e);
            }
        }
    }

    /**
     * True when no collector runs or waits to restart after a crash: each is done, failed or unavailable
     * (an unavailable one may still be retried later, but a host waiting for its finite sources does not wait
     * for it).
     */
    public boolean settled()
    {
        for (final Supervised s : collectors)
        {
            if (!s.state.settled())
            {
                return false;
            }
        }
        return true;
    }

    /** Waits until {@link #settled()}. */
    public boolean awaitSettled(final Duration timeout) throws InterruptedException
    {
        long left = timeout.toNanos();
        lock.lock();
        try
        {
            while (!settled())
            {
                if (left <= 0)
                {
                    return false;
                }
                left = changed.awaitNanos(left);
            }
            return true;
        }
        finally
        {
            lock.unlock();
        }
    }

    /** Every collector's health and statistics now, in configuration order. */
    public List<CollectorStatus> statuses()
    {
        final List<CollectorStatus> out = new ArrayList<>(collectors.size());
        for (final Supervised s : collectors)
        {
            out.add(s.status());
        }
        return out;
    }

    /**
     * The older per-source view ({@code Engine.sourceStates()}): {@code new}, {@code running} (healthy or
     * degraded, a restart backoff included), {@code done}, or {@code failed: reason} (failed or unavailable).
     */
    public Map<String, String> sourceStates()
    {
        final Map<String, String> out = new LinkedHashMap<>();
        for (final Supervised s : collectors)
        {
            final CollectorStatus st = s.status();
            final String v;
            switch (st.state())
            {
                case NEW:
                    v = "new";
                    break;
                case HEALTHY:
                case DEGRADED:
                    v = "running";
                    break;
                case DONE:
                    v = "done";
                    break;
                default:
                    v = "failed: " + st.reason();
                    break;
            }
            out.put(st.name(), v);
        }
        return out;
    }

    private void watch(final long everyNanos)
    {
        while (running)
        {
            final long now = clock.nanoTime();
            for (final Supervised s : collectors)
            {
                s.checkProgress(now);
            }
            lock.lock();
            try
            {
                if (running)
                {
                    changed.awaitNanos(everyNanos);
                }
            }
            catch (final InterruptedException e)
            {
                return;
            }
            finally
            {
                lock.unlock();
            }
        }
    }

    /**
     * Waits {@code nanos} of real time; false when the manager stopped meanwhile. An interrupt does not end the
     * wait: collector threads are interrupted only by {@link #stop} (which also clears {@code running}) and by
     * the watchdog, whose interrupt was meant for a run that has already ended.
     */
    private boolean pause(final long nanos)
    {
        final long deadline = System.nanoTime() + nanos;
        lock.lock();
        try
        {
            long left = nanos;
            while (running && left > 0)
            {
                try
                {
                    changed.awaitNanos(left);
                }
                catch (final InterruptedException e)
                {
                    // see above
                }
                left = deadline - System.nanoTime();
            }
            return running;
        }
        finally
        {
            lock.unlock();
        }
    }

    private void signal()
    {
        lock.lock();
        try
        {
            changed.signalAll();
        }
        finally
        {
            lock.unlock();
        }
    }

    /** One collector, its thread and its context. */
    private final class Supervised implements SourceContext, Runnable
    {
        private final Source source;
        private final Publisher publisher;
        private final RestartPolicy policy;
        private final Thread thread;
        private final AtomicCounter events;
        private final AtomicCounter errors;
        private final AtomicCounter restarts;
        /** Crash times within the window (engine clock), oldest first; the collector's thread only. */
        private final ArrayDeque<Long> crashes = new ArrayDeque<>();
        private volatile CollectorState state = CollectorState.NEW;
        private volatile String reason;
        private volatile boolean inRun;
        private volatile boolean hung;
        /** The last unavailable reason logged; the collector's thread only. */
        private String unavailableLogged;
        /** Heartbeats so far; written by the collector's thread only. */
        private volatile long beats;
        /** Under this monitor: events + beats at the watchdog's last check, and when they last moved. */
        private long seenProgress = -1;
        private long progressAt;

        Supervised(final Source source, final Publisher publisher, final RestartPolicy policy)
        {
            this.source = source;
            this.publisher = publisher;
            this.policy = policy;
            this.events = counters.eventsIn(source.name());
            this.errors = counters.sourceErrors(source.name());
            this.restarts = counters.counter(RESTARTS + "{collector=\"" + source.name() + "\"}");
            this.thread = new Thread(this, "tapio-source-" + source.name());
            this.thread.setDaemon(true);
        }

        CollectorStatus status()
        {
            // Read reason before state: a writer sets reason first, so a FAILED state never shows a stale reason.
            final String r = reason;
            final CollectorState s = state;
            return new CollectorStatus(source.name(), s, s == CollectorState.HEALTHY || s == CollectorState.DONE ||
                s == CollectorState.NEW ? null : r, events.get(), errors.get(), restarts.get());
        }

        private void set(final CollectorState s, final String why)
        {
            reason = why;
            state = s;
            signal();
        }

        @Override
        public void run()
        {
            boolean restarting = false;
            while (true)
            {
                if (!running)
                {
                    set(restarting ? CollectorState.FAILED : CollectorState.DONE, restarting ?
                        "stopped while waiting to restart after: " + reason : null);
                    return;
                }
                set(CollectorState.HEALTHY, null);
                Throwable failure = null;
                boolean unavailable = false;
                synchronized (this)
                {
                    hung = false;
                    seenProgress = -1; // a new run starts its hang clock afresh at the watchdog's next check
                    inRun = true;
                }
                try
                {
                    source.run(this);
                }
                catch (final SourceUnavailableException e)
                {
                    unavailable = true;
                    failure = e;
                }
                catch (final InterruptedException e)
                {
                    if (hung)
                    {
                        failure = e;
                    }
                }
                catch (final Throwable t)
                {
                    failure = t;
                }
                finally
                {
                    // Under the monitor the watchdog interrupts with: its interrupt lands within a run, never after it.
                    synchronized (this)
                    {
                        inRun = false;
                        Thread.interrupted();
                    }
                }
                if (failure == null && !hung)
                {
                    set(CollectorState.DONE, null);
                    return;
                }
                final String why = hung ? "hung: no progress for " + Units.formatDuration(policy.hangTimeout()) +
                    (failure != null ? " (then " + failure + ")" : "") : unavailable ? failure.getMessage() :
                    String.valueOf(failure);
                // Count and log before publishing the state: whoever sees it also sees the count.
                errors.increment();
                if (unavailable)
                {
                    // Once per reason, not once per retry: an unavailable collector is retried for as long as the node runs.
                    if (!why.equals(unavailableLogged))
                    {
                        unavailableLogged = why;
                        errorLog.record("source " + source.name() + " unavailable", "source " + source.name() +
                            " unavailable: " + why + (policy.unavailableRetry().isZero() ? "" :
                            " (trying again every " + Units.formatDuration(policy.unavailableRetry()) + ")"));
                    }
                    set(CollectorState.UNAVAILABLE, why);
                    if (policy.unavailableRetry().isZero() || !pause(policy.unavailableRetry().toNanos()))
                    {
                        return;
                    }
                    restarting = false;
                    continue;
                }
                unavailableLogged = null;
                errorLog.record("source " + source.name() + " failed", "source " + source.name() + " failed: " + why);
                if (!policy.enabled() || !running)
                {
                    set(CollectorState.FAILED, why);
                    return;
                }
                final long now = clock.nanoTime();
                final long window = policy.window().toNanos();
                while (!crashes.isEmpty() && now - crashes.peekFirst() >= window)
                {
                    crashes.pollFirst();
                }
                crashes.addLast(now);
                final int recent = crashes.size();
                if (recent >= policy.maxFailures())
                {
                    final String gaveUp = why + " (gave up after " + recent + (recent == 1 ? " crash" : " crashes") +
                        " within " + Units.formatDuration(policy.window()) + ")";
                    errorLog.record("source " + source.name() + " gave up", "source " + source.name() + " failed: " + gaveUp);
                    set(CollectorState.FAILED, gaveUp);
                    return;
                }
                final long backoff = policy.backoffNanos(recent);
                set(CollectorState.DEGRADED, "restarting in " + Units.formatDuration(Duration.ofNanos(backoff)) +
                    " after: " + why);
                if (!pause(backoff))
                {
                    set(CollectorState.FAILED, "stopped while waiting to restart after: " + why);
                    return;
                }
                restarts.increment();
                restarting = true;
            }
        }

        /** Watchdog thread: marks and interrupts a collector that shows no progress for its hang timeout. */
        synchronized void checkProgress(final long now)
        {
            final long timeout = policy.hangTimeout().toNanos();
            if (timeout <= 0 || !inRun || hung)
            {
                seenProgress = -1;
                return;
            }
            final long progress = events.get() + beats;
            if (progress != seenProgress)
            {
                seenProgress = progress;
                progressAt = now;
            }
            if (now - progressAt >= timeout)
            {
                hung = true;
                errorLog.record("source " + source.name() + " hung", "source " + source.name() + ": no event and no " +
                    "heartbeat for " + Units.formatDuration(policy.hangTimeout()) + "; interrupting it");
                set(CollectorState.DEGRADED, "hung: no progress for " + Units.formatDuration(policy.hangTimeout()) +
                    "; interrupted");
                thread.interrupt();
            }
        }

        void join(final long millis)
        {
            try
            {
                thread.join(millis);
            }
            catch (final InterruptedException e)
            {
                Thread.currentThread().interrupt();
            }
            if (thread.isAlive())
            {
                errorLog.record("source " + source.name() + " stop", "source " + source.name() +
                    " did not stop in time; its further events are refused and counted as stopped");
            }
        }

        @Override
        public Publisher publisher()
        {
            return publisher;
        }

        @Override
        public boolean running()
        {
            return running && !hung;
        }

        @Override
        public ErrorLog errors()
        {
            return errorLog;
        }

        @Override
        public String nodeName()
        {
            return nodeName;
        }

        @Override
        public void heartbeat()
        {
            beats = beats + 1; // one writer: the collector's thread
        }

        @Override
        public void degraded(final String why)
        {
            if (inRun && !hung)
            {
                set(CollectorState.DEGRADED, why);
            }
        }

        @Override
        public void healthy()
        {
            if (inRun && !hung)
            {
                set(CollectorState.HEALTHY, null);
            }
        }
    }
}
