package dev.tapio.collectors.systemd;

import dev.tapio.codecs.EventDraft;
import dev.tapio.codecs.sbe.EventType;
import dev.tapio.codecs.sbe.Severity;
import dev.tapio.engine.metrics.EngineCounters;
import dev.tapio.engine.spi.Publisher;
import dev.tapio.engine.spi.Source;
import dev.tapio.engine.spi.SourceContext;
import dev.tapio.engine.spi.SourceUnavailableException;
import org.agrona.concurrent.status.AtomicCounter;
import org.freedesktop.dbus.connections.IDisconnectCallback;
import org.freedesktop.dbus.connections.impl.DBusConnection;
import org.freedesktop.dbus.connections.impl.DBusConnectionBuilder;
import org.freedesktop.dbus.exceptions.DBusException;
import org.freedesktop.dbus.exceptions.DBusExecutionException;
import org.freedesktop.dbus.interfaces.DBusSigHandler;
import org.freedesktop.dbus.interfaces.Properties;
import org.freedesktop.dbus.matchrules.DBusMatchRuleBuilder;
import org.freedesktop.dbus.types.UInt64;
import org.freedesktop.dbus.types.Variant;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The systemd collector: unit state changes from systemd's D-Bus API ({@code org.freedesktop.systemd1}) as
 * {@code systemd.unit.started}, {@code systemd.unit.stopped} and {@code systemd.unit.failed} events, with the
 * unit, the node, the service's result and exit status.
 *
 * <pre>
 *   systemd ──PropertiesChanged (Unit: ActiveState/SubState; Service: Result/ExecMain*)──┐
 *           ──JobRemoved (Manager: id, job, unit, result)────────────────────────────────┤ dbus-java signal thread
 *                                                                                       ▼
 *                                                         bounded queue (queueCapacity; overflow → re-read all)
 *                                                                                       ▼
 *   source thread: Subscribe, ListUnits (the baseline) ─► per unit: previous ActiveState → new one
 *                  inactive/activating/failed → active: started · active/… → inactive: stopped · → failed: failed
 *                  ─► EventDraft (reused) ─► ring
 * </pre>
 *
 * Each run connects, subscribes and reads every unit's state ({@code ListUnits}); the states it knows outlive a
 * run, so after a dropped connection (the run fails, the collector manager starts it again after its backoff)
 * the fresh {@code ListUnits} is compared with them and a change made while disconnected is reported once, not
 * lost and not repeated. The first connection only records the baseline. A bus that cannot be reached, or one
 * without systemd on it, makes run throw {@link SourceUnavailableException} with the reason.
 *
 * <p>Threading: {@link #run} on the collector's thread; dbus-java's signal thread only enqueues.
 */
public final class SystemdCollector implements Source
{
    static final String ACTIVE = "active";
    static final String INACTIVE = "inactive";
    static final String FAILED = "failed";
    private static final long POLL_NANOS = 100_000_000L;

    private final String name;
    private final SystemdSettings settings;
    private final UnitFilter filter;
    private final EventDraft draft = new EventDraft();
    /** Known units by name; the collector's thread only, kept across runs. */
    private final Map<String, UnitState> units = new HashMap<>();
    private boolean baselineTaken;
    private AtomicCounter signalsDropped;
    private AtomicCounter reconnects;
    private volatile long connections;

    public SystemdCollector(final String name, final SystemdSettings settings)
    {
        this.name = name;
        this.settings = settings;
        this.filter = new UnitFilter(settings.units(), settings.exclude());
    }

    @Override
    public String name()
    {
        return name;
    }

    @Override
    public dev.tapio.codecs.sbe.Source origin()
    {
        return dev.tapio.codecs.sbe.Source.SYSTEMD;
    }

    public SystemdSettings settings()
    {
        return settings;
    }

    /** Connections made so far (the first, then one per reconnect). */
    public long connections()
    {
        return connections;
    }

    /**
     * {@code tapio_systemd_signals_dropped_total{source}} (the queue was full: the collector re-reads every unit
     * instead) and {@code tapio_systemd_resyncs_total{source}} (states re-read after a reconnect or a drop).
     */
    @Override
    public void counters(final EngineCounters counters)
    {
        signalsDropped = counters.counter("tapio_systemd_signals_dropped_total{source=\"" + name + "\"}");
        reconnects = counters.counter("tapio_systemd_resyncs_total{source=\"" + name + "\"}");
    }

    @Override
    public void run(final SourceContext context) throws Exception
    {
        final Signals signals = new Signals(settings.queueCapacity());
        final DBusConnection bus = connect(signals);
        try
        {
            final SystemdManager manager;
            final List<SystemdManager.UnitStatus> listed;
            try
            {
                // Only unit objects' PropertiesChanged: on a system bus every service sends them.
                final DBusSigHandler<Properties.PropertiesChanged> onProperties = signals::onProperties;
                bus.addSigHandler(DBusMatchRuleBuilder.create()
                    .withType(Properties.PropertiesChanged.class)
                    .withPathNamespace(SystemdManager.UNIT_PATH_PREFIX.substring(0, SystemdManager.UNIT_PATH_PREFIX.length() - 1))
                    .build(), onProperties);
                bus.addSigHandler(SystemdManager.JobRemoved.class, signals::onJobRemoved);
                manager = bus.getRemoteObject(SystemdManager.BUS_NAME, SystemdManager.OBJECT_PATH, SystemdManager.class);
                manager.Subscribe();
                listed = manager.ListUnits();
            }
            catch (final DBusExecutionException e)
            {
                if (e instanceof org.freedesktop.dbus.errors.ServiceUnknown)
                {
                    throw new SourceUnavailableException("no systemd on the bus at " + settings.address() + " (" +
                        SystemdManager.BUS_NAME + " is not there)", e);
                }
                throw new IOException("systemd over " + settings.address() + ": " + e.getMessage(), e);
            }
            connections++;
            final Publisher publisher = context.publisher();
            snapshot(bus, listed, publisher, context.nodeName());
            context.healthy();
            while (context.running())
            {
                context.heartbeat();
                if (signals.overflowed)
                {
                    signals.overflowed = false;
                    signals.queue.clear();
                    context.errors().record("systemd " + name + " overflow", "source " + name + ": more than " +
                        settings.queueCapacity() + " systemd signals waiting; re-reading every unit's state");
                    snapshot(bus, manager.ListUnits(), publisher, context.nodeName());
                }
                final Object signal = signals.queue.poll(POLL_NANOS, TimeUnit.NANOSECONDS);
                if (signal == null)
                {
                    if (!bus.isConnected() || signals.lost != null)
                    {
                        throw new IOException("lost the connection to the bus at " + settings.address() +
                            (signals.lost != null ? ": " + signals.lost : ""));
                    }
                    continue;
                }
                if (signal instanceof Properties.PropertiesChanged)
                {
                    onProperties(bus, (Properties.PropertiesChanged)signal, publisher, context.nodeName());
                }
                else if (signal instanceof SystemdManager.JobRemoved)
                {
                    onJobRemoved((SystemdManager.JobRemoved)signal, publisher, context.nodeName());
                }
            }
        }
        finally
        {
            bus.disconnect();
        }
    }

    private DBusConnection connect(final Signals signals) throws SourceUnavailableException
    {
        final String socket = unixPath(settings.address());
        if (socket != null && !Files.exists(Path.of(socket)))
        {
            throw new SourceUnavailableException("no D-Bus socket at " + socket + " (no D-Bus daemon on this machine, " +
                "or sources." + name + ".address names another bus)");
        }
        try
        {
            return DBusConnectionBuilder.forAddress(settings.address())
                .withShared(false)
                .transportConfig().withTimeout((int)settings.connectTimeout().toMillis()).back()
                .withDisconnectCallback(signals)
                // One signal thread: signals reach the queue in the order systemd sent them.
                .receivingThreadConfig().withSignalThreadCount(1).connectionConfig()
                .build();
        }
        catch (final DBusException | RuntimeException e)
        {
            throw new SourceUnavailableException("cannot connect to the D-Bus bus at " + settings.address() + ": " +
                rootMessage(e), e);
        }
    }

    /** Records every listed unit's state; after the first connection, reports what changed since the last known. */
    private void snapshot(final DBusConnection bus, final List<SystemdManager.UnitStatus> listed, final Publisher publisher,
        final String node)
    {
        final boolean report = baselineTaken;
        if (report && reconnects != null)
        {
            reconnects.increment();
        }
        final Set<String> seen = new HashSet<>();
        for (final SystemdManager.UnitStatus s : listed)
        {
            if (!filter.matches(s.name()))
            {
                continue;
            }
            seen.add(s.name());
            UnitState u = units.get(s.name());
            if (u == null)
            {
                u = new UnitState(s.name());
                units.put(s.name(), u);
            }
            u.description = s.description();
            final String previous = u.activeState;
            u.activeState = s.activeState();
            u.subState = s.subState();
            if (report)
            {
                report(bus, u, previous == null ? INACTIVE : previous, 0, publisher, node);
            }
        }
        if (report)
        {
            // A unit that is no longer loaded is inactive (systemd unloads stopped units).
            for (final UnitState u : units.values())
            {
                if (!seen.contains(u.name) && u.activeState != null && !INACTIVE.equals(u.activeState) &&
                    !FAILED.equals(u.activeState))
                {
                    final String previous = u.activeState;
                    u.activeState = INACTIVE;
                    u.subState = "dead";
                    report(bus, u, previous, 0, publisher, node);
                }
            }
        }
        baselineTaken = true;
    }

    private void onProperties(final DBusConnection bus, final Properties.PropertiesChanged signal, final Publisher publisher,
        final String node)
    {
        final UnitState u = tracked(UnitPaths.unescape(signal.getPath()));
        if (u == null)
        {
            return;
        }
        final Map<String, Variant<?>> changed = signal.getPropertiesChanged();
        if (SystemdManager.SERVICE_INTERFACE.equals(signal.getInterfaceName()))
        {
            u.service(changed);
            return;
        }
        if (!SystemdManager.UNIT_INTERFACE.equals(signal.getInterfaceName()))
        {
            return;
        }
        final String sub = text(changed.get("SubState"));
        if (sub != null)
        {
            u.subState = sub;
        }
        final String active = text(changed.get("ActiveState"));
        if (active == null)
        {
            return;
        }
        final String previous = u.activeState;
        u.activeState = active;
        final Object ts = value(changed.get("StateChangeTimestamp"));
        final long micros = ts instanceof UInt64 ? ((UInt64)ts).longValue() : ts instanceof Number ? ((Number)ts).longValue() : 0;
        report(bus, u, previous == null ? INACTIVE : previous, micros, publisher, node);
    }

    private void onJobRemoved(final SystemdManager.JobRemoved job, final Publisher publisher, final String node)
    {
        final UnitState u = tracked(job.unit());
        if (u == null)
        {
            return;
        }
        u.jobResult = job.result();
        // A start job that failed on a dependency leaves the unit inactive: no ActiveState change will say so.
        if ("dependency".equals(job.result()) && !ACTIVE.equals(u.activeState) && !FAILED.equals(u.activeState))
        {
            publish(EventType.SYSTEMD_UNIT_FAILED, u, u.activeState == null ? INACTIVE : u.activeState, 0, publisher, node);
        }
    }

    /** The known state of a unit the filter keeps (made on first sight); null for no unit or one it drops. */
    private UnitState tracked(final String unit)
    {
        if (unit == null || !filter.matches(unit))
        {
            return null;
        }
        UnitState u = units.get(unit);
        if (u == null)
        {
            u = new UnitState(unit);
            units.put(unit, u);
        }
        return u;
    }

    /** The event for a unit's move from {@code previous} to its current ActiveState, if the move is one. */
    private void report(final DBusConnection bus, final UnitState u, final String previous, final long micros,
        final Publisher publisher, final String node)
    {
        final EventType type = transition(previous, u.activeState);
        if (type == null)
        {
            return;
        }
        if (type != EventType.SYSTEMD_UNIT_STARTED && u.name.endsWith(".service"))
        {
            // The Service interface's own PropertiesChanged may come after the Unit's: read the result now.
            try
            {
                final Properties p = bus.getRemoteObject(SystemdManager.BUS_NAME, UnitPaths.escape(u.name), Properties.class);
                u.service(p.GetAll(SystemdManager.SERVICE_INTERFACE));
            }
            catch (final DBusException | RuntimeException e)
            {
                // Keep what the signals said; the event goes out without a fresher result.
            }
        }
        publish(type, u, previous, micros, publisher, node);
    }

    /**
     * started: into {@code active} from inactive, activating or failed (not from reloading); stopped: into
     * {@code inactive} from active, reloading, activating or deactivating (not from failed: that is a reset);
     * failed: into {@code failed}. Null when the move reports nothing.
     */
    static EventType transition(final String previous, final String next)
    {
        if (next == null || next.equals(previous))
        {
            return null;
        }
        switch (next)
        {
            case ACTIVE:
                return INACTIVE.equals(previous) || "activating".equals(previous) || FAILED.equals(previous) ?
                    EventType.SYSTEMD_UNIT_STARTED : null;
            case INACTIVE:
                return ACTIVE.equals(previous) || "reloading".equals(previous) || "activating".equals(previous) ||
                    "deactivating".equals(previous) ? EventType.SYSTEMD_UNIT_STOPPED : null;
            case FAILED:
                return EventType.SYSTEMD_UNIT_FAILED;
            default:
                return null;
        }
    }

    private void publish(final EventType type, final UnitState u, final String previous, final long micros,
        final Publisher publisher, final String node)
    {
        final EventDraft d = draft.reset();
        d.type = type;
        d.source = dev.tapio.codecs.sbe.Source.SYSTEMD;
        d.timestamp = micros > 0 ? micros * 1_000L : 0;
        d.text(EventDraft.UNIT).set(u.name);
        d.text(EventDraft.NODE).set(node);
        final boolean exited = u.execMainCode == UnitState.CLD_EXITED && u.execMainStatus >= 0;
        final boolean signalled = (u.execMainCode == UnitState.CLD_KILLED || u.execMainCode == UnitState.CLD_DUMPED) &&
            u.execMainStatus > 0;
        if (type == EventType.SYSTEMD_UNIT_STARTED)
        {
            d.severity = Severity.INFO;
            d.text(EventDraft.MESSAGE).set(u.description != null && !u.description.isEmpty() ?
                "Started " + u.description : "Started " + u.name);
        }
        else
        {
            if (exited)
            {
                d.exitCode = u.execMainStatus;
            }
            if (type == EventType.SYSTEMD_UNIT_STOPPED)
            {
                d.severity = Severity.INFO;
                d.text(EventDraft.MESSAGE).set(u.description != null && !u.description.isEmpty() ?
                    "Stopped " + u.description : "Stopped " + u.name);
            }
            else
            {
                d.severity = "core-dump".equals(u.result) || "watchdog".equals(u.result) || "oom-kill".equals(u.result) ||
                    u.execMainCode == UnitState.CLD_DUMPED ? Severity.CRITICAL : Severity.ERROR;
                final String result = u.result != null && !"success".equals(u.result) ? u.result :
                    u.jobResult != null ? u.jobResult : null;
                d.text(EventDraft.MESSAGE).set(u.name + ": Failed" + (result != null ? " with result '" + result + "'" : "") +
                    (exited ? ", status=" + u.execMainStatus : signalled ? ", signal=" + u.execMainStatus : ""));
            }
        }
        d.addAttribute("systemd.unit.active_state", u.activeState != null ? u.activeState : INACTIVE);
        if (u.subState != null)
        {
            d.addAttribute("systemd.unit.sub_state", u.subState);
        }
        d.addAttribute("systemd.unit.previous_state", previous);
        if (u.result != null && type != EventType.SYSTEMD_UNIT_STARTED)
        {
            d.addAttribute("systemd.service.result", u.result);
        }
        if (u.jobResult != null)
        {
            d.addAttribute("systemd.job.result", u.jobResult);
        }
        if (signalled && type != EventType.SYSTEMD_UNIT_STARTED)
        {
            d.addAttribute("process.exit.signal", Integer.toString(u.execMainStatus));
        }
        publisher.publish(d);
        u.jobResult = null;
    }

    /** The socket path of a {@code unix:path=…} address (its first transport), else null. */
    static String unixPath(final String address)
    {
        final String first = address.split(";", 2)[0];
        if (!first.startsWith("unix:"))
        {
            return null;
        }
        for (final String kv : first.substring(5).split(","))
        {
            if (kv.startsWith("path="))
            {
                return kv.substring(5);
            }
        }
        return null;
    }

    private static Object value(final Variant<?> v)
    {
        return v == null ? null : v.getValue();
    }

    private static String text(final Variant<?> v)
    {
        final Object o = value(v);
        return o instanceof String ? (String)o : null;
    }

    private static String rootMessage(final Throwable e)
    {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t)
        {
            t = t.getCause();
        }
        final String m = t.getMessage() != null ? t.getMessage() : t.getClass().getSimpleName();
        return t == e ? m : (e.getMessage() != null && !e.getMessage().equals(m) ? e.getMessage() + ": " : "") + m;
    }

    /** What the collector knows of one unit. */
    static final class UnitState
    {
        /** {@code ExecMainCode}: siginfo's si_code (CLD_EXITED: ExecMainStatus is an exit status; else a signal). */
        static final int CLD_EXITED = 1;
        static final int CLD_KILLED = 2;
        static final int CLD_DUMPED = 3;

        final String name;
        String description;
        String activeState;
        String subState;
        String result;
        int execMainCode = -1;
        int execMainStatus = -1;
        String jobResult;

        UnitState(final String name)
        {
            this.name = name;
        }

        void service(final Map<String, Variant<?>> props)
        {
            final Object r = value(props.get("Result"));
            if (r instanceof String)
            {
                result = (String)r;
            }
            final Object code = value(props.get("ExecMainCode"));
            if (code instanceof Number)
            {
                execMainCode = ((Number)code).intValue();
            }
            final Object status = value(props.get("ExecMainStatus"));
            if (status instanceof Number)
            {
                execMainStatus = ((Number)status).intValue();
            }
        }
    }

    /** dbus-java's side: enqueues signals, notes a lost connection. */
    private final class Signals implements IDisconnectCallback
    {
        final BlockingQueue<Object> queue;
        volatile boolean overflowed;
        volatile String lost;

        Signals(final int capacity)
        {
            queue = new ArrayBlockingQueue<>(capacity);
        }

        void onProperties(final Properties.PropertiesChanged s)
        {
            if (s.getPath() != null && s.getPath().startsWith(SystemdManager.UNIT_PATH_PREFIX))
            {
                offer(s);
            }
        }

        void onJobRemoved(final SystemdManager.JobRemoved s)
        {
            offer(s);
        }

        private void offer(final Object s)
        {
            if (!queue.offer(s))
            {
                overflowed = true;
                if (signalsDropped != null)
                {
                    signalsDropped.increment();
                }
            }
        }

        @Override
        public void disconnectOnError(final IOException e)
        {
            lost = String.valueOf(e.getMessage());
        }

        @Override
        public void exceptionOnTerminate(final IOException e)
        {
            lost = String.valueOf(e.getMessage());
        }
    }
}
