package dev.tapio.collectors.systemd;

import org.freedesktop.dbus.DBusPath;
import org.freedesktop.dbus.connections.impl.DBusConnection;
import org.freedesktop.dbus.connections.impl.DBusConnectionBuilder;
import org.freedesktop.dbus.exceptions.DBusException;
import org.freedesktop.dbus.interfaces.Properties;
import org.freedesktop.dbus.types.UInt32;
import org.freedesktop.dbus.types.UInt64;
import org.freedesktop.dbus.types.Variant;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A test service that plays systemd on a bus: the Manager object ({@code ListUnits}, {@code GetUnit},
 * {@code Subscribe}) at {@code /org/freedesktop/systemd1}, one object per unit at systemd's escaped path
 * answering {@code org.freedesktop.DBus.Properties} for the Unit and Service interfaces, and the signals systemd
 * sends: {@code PropertiesChanged} on a unit object, {@code JobRemoved} on the Manager. Every object is exported
 * before the name is taken, so a client never sees half a systemd. State changes are stamped by a test clock
 * (1 s apart from a fixed instant) or, after {@link #wallClock()}, by the wall clock as systemd stamps them.
 * Public, in the module's test-jar, for the end-to-end tests in tools.
 */
public final class FakeSystemd implements AutoCloseable
{
    private final DBusConnection bus;
    private final Map<String, Unit> units = new LinkedHashMap<>();
    private final AtomicInteger subscribes = new AtomicInteger();
    private long clockMicros = 1_764_000_000_000_000L;
    private volatile boolean wallClock;

    /** One unit's properties. */
    public static final class Unit implements Properties
    {
        final String name;
        final String description;
        volatile String activeState;
        volatile String subState;
        volatile String result = "success";
        volatile int execMainCode;
        volatile int execMainStatus;

        public Unit(final String name, final String description, final String activeState, final String subState)
        {
            this.name = name;
            this.description = description;
            this.activeState = activeState;
            this.subState = subState;
        }

        @Override
        public String getObjectPath()
        {
            return UnitPaths.escape(name);
        }

        @Override
        @SuppressWarnings("unchecked")
        public <A> A Get(final String iface, final String property)
        {
            final Variant<?> v = GetAll(iface).get(property);
            return v == null ? null : (A)v.getValue();
        }

        @Override
        public <A> void Set(final String iface, final String property, final A value)
        {
            throw new UnsupportedOperationException("read-only");
        }

        @Override
        public Map<String, Variant<?>> GetAll(final String iface)
        {
            final Map<String, Variant<?>> out = new HashMap<>();
            if (SystemdManager.UNIT_INTERFACE.equals(iface))
            {
                out.put("Id", new Variant<>(name));
                out.put("Description", new Variant<>(description));
                out.put("ActiveState", new Variant<>(activeState));
                out.put("SubState", new Variant<>(subState));
            }
            else if (SystemdManager.SERVICE_INTERFACE.equals(iface))
            {
                out.put("Result", new Variant<>(result));
                out.put("ExecMainCode", new Variant<>(execMainCode));
                out.put("ExecMainStatus", new Variant<>(execMainStatus));
            }
            return out;
        }
    }

    private final class Manager implements SystemdManager
    {
        @Override
        public String getObjectPath()
        {
            return OBJECT_PATH;
        }

        @Override
        public List<UnitStatus> ListUnits()
        {
            final List<UnitStatus> out = new ArrayList<>();
            synchronized (units)
            {
                for (final Unit u : units.values())
                {
                    out.add(new UnitStatus(u.name, u.description, "loaded", u.activeState, u.subState, "",
                        new DBusPath(u.getObjectPath()), new UInt32(0), "", new DBusPath("/")));
                }
            }
            return out;
        }

        @Override
        public DBusPath GetUnit(final String name)
        {
            return new DBusPath(UnitPaths.escape(name));
        }

        @Override
        public void Subscribe()
        {
            subscribes.incrementAndGet();
        }
    }

    public FakeSystemd(final String address, final Unit... initial) throws DBusException
    {
        bus = DBusConnectionBuilder.forAddress(address).withShared(false).build();
        for (final Unit u : initial)
        {
            units.put(u.name, u);
            bus.exportObject(u.getObjectPath(), u);
        }
        bus.exportObject(SystemdManager.OBJECT_PATH, new Manager());
        bus.requestBusName(SystemdManager.BUS_NAME);
    }

    /**
     * Stamps every later state change with the wall clock ({@code StateChangeTimestamp} is CLOCK_REALTIME in µs
     * on a real systemd), so its events fall in the same time windows as events from other live sources.
     */
    public FakeSystemd wallClock()
    {
        wallClock = true;
        return this;
    }

    /** Calls of Subscribe so far. */
    public int subscribes()
    {
        return subscribes.get();
    }

    public Unit unit(final String name)
    {
        synchronized (units)
        {
            return units.get(name);
        }
    }

    /** Sets a unit's ActiveState and SubState and sends PropertiesChanged for the Unit interface. */
    public void state(final String name, final String active, final String sub) throws DBusException
    {
        final Unit u = unit(name);
        u.activeState = active;
        u.subState = sub;
        if (wallClock)
        {
            final java.time.Instant now = java.time.Instant.now();
            clockMicros = now.getEpochSecond() * 1_000_000L + now.getNano() / 1_000;
        }
        else
        {
            clockMicros += 1_000_000;
        }
        final Map<String, Variant<?>> changed = new LinkedHashMap<>();
        changed.put("ActiveState", new Variant<>(active));
        changed.put("SubState", new Variant<>(sub));
        changed.put("StateChangeTimestamp", new Variant<>(new UInt64(clockMicros)));
        bus.sendMessage(new Properties.PropertiesChanged(u.getObjectPath(), SystemdManager.UNIT_INTERFACE, changed, List.of()));
    }

    /** Sets a service's Result and main process status; sends PropertiesChanged for the Service interface when told. */
    public void service(final String name, final String result, final int code, final int status, final boolean signal)
        throws DBusException
    {
        final Unit u = unit(name);
        u.result = result;
        u.execMainCode = code;
        u.execMainStatus = status;
        if (signal)
        {
            final Map<String, Variant<?>> changed = new LinkedHashMap<>();
            changed.put("Result", new Variant<>(result));
            changed.put("ExecMainCode", new Variant<>(code));
            changed.put("ExecMainStatus", new Variant<>(status));
            bus.sendMessage(new Properties.PropertiesChanged(u.getObjectPath(), SystemdManager.SERVICE_INTERFACE, changed,
                List.of()));
        }
    }

    /** Sends JobRemoved on the Manager. */
    public void jobRemoved(final long id, final String unit, final String result) throws DBusException
    {
        bus.sendMessage(new SystemdManager.JobRemoved(SystemdManager.OBJECT_PATH, new UInt32(id),
            new DBusPath("/org/freedesktop/systemd1/job/" + id), unit, result));
    }

    @Override
    public void close()
    {
        bus.disconnect();
    }
}
