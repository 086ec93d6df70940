package dev.tapio.collectors.systemd;

import org.freedesktop.dbus.DBusPath;
import org.freedesktop.dbus.Struct;
import org.freedesktop.dbus.annotations.DBusInterfaceName;
import org.freedesktop.dbus.annotations.Position;
import org.freedesktop.dbus.exceptions.DBusException;
import org.freedesktop.dbus.interfaces.DBusInterface;
import org.freedesktop.dbus.messages.DBusSignal;
import org.freedesktop.dbus.types.UInt32;

import java.util.List;

/**
 * The part of systemd's {@code org.freedesktop.systemd1.Manager} D-Bus interface (object
 * {@code /org/freedesktop/systemd1}) that the collector uses, as dbus-java declares it. Public so that a test
 * service can export the same shape.
 */
@DBusInterfaceName(SystemdManager.INTERFACE)
public interface SystemdManager extends DBusInterface
{
    String BUS_NAME = "org.freedesktop.systemd1";
    String OBJECT_PATH = "/org/freedesktop/systemd1";
    String INTERFACE = "org.freedesktop.systemd1.Manager";
    String UNIT_INTERFACE = "org.freedesktop.systemd1.Unit";
    String SERVICE_INTERFACE = "org.freedesktop.systemd1.Service";
    /** Unit objects live under this path, named by {@link UnitPaths#escape}. */
    String UNIT_PATH_PREFIX = "/org/freedesktop/systemd1/unit/";

    /** Every loaded unit: {@code a(ssssssouso)}. */
    List<UnitStatus> ListUnits();

    /** The object path of a loaded unit. */
    DBusPath GetUnit(String name);

    /** Asks systemd to send unit and job signals to this client (until it unsubscribes or leaves the bus). */
    void Subscribe();

    /** {@code JobRemoved(u id, o job, s unit, s result)}: a job finished with done, canceled, timeout, failed, dependency or skipped. */
    class JobRemoved extends DBusSignal
    {
        private final UInt32 id;
        private final DBusPath job;
        private final String unit;
        private final String result;

        public JobRemoved(final String path, final UInt32 id, final DBusPath job, final String unit, final String result)
            throws DBusException
        {
            super(path, id, job, unit, result);
            this.id = id;
            this.job = job;
            this.unit = unit;
            this.result = result;
        }

        public UInt32 id()
        {
            return id;
        }

        public DBusPath job()
        {
            return job;
        }

        public String unit()
        {
            return unit;
        }

        public String result()
        {
            return result;
        }
    }

    /** One row of {@link #ListUnits()}. */
    final class UnitStatus extends Struct
    {
        @Position(0)
        private final String name;
        @Position(1)
        private final String description;
        @Position(2)
        private final String loadState;
        @Position(3)
        private final String activeState;
        @Position(4)
        private final String subState;
        @Position(5)
        private final String following;
        @Position(6)
        private final DBusPath unitPath;
        @Position(7)
        private final UInt32 jobId;
        @Position(8)
        private final String jobType;
        @Position(9)
        private final DBusPath jobPath;

        public UnitStatus(final String name, final String description, final String loadState, final String activeState,
            final String subState, final String following, final DBusPath unitPath, final UInt32 jobId,
            final String jobType, final DBusPath jobPath)
        {
            this.name = name;
            this.description = description;
            this.loadState = loadState;
            this.activeState = activeState;
            this.subState = subState;
            this.following = following;
            this.unitPath = unitPath;
            this.jobId = jobId;
            this.jobType = jobType;
            this.jobPath = jobPath;
        }

        public String name()
        {
            return name;
        }

        public String description()
        {
            return description;
        }

        public String loadState()
        {
            return loadState;
        }

        public String activeState()
        {
            return activeState;
        }

        public String subState()
        {
            return subState;
        }

        public String following()
        {
            return following;
        }

        public DBusPath unitPath()
        {
            return unitPath;
        }

        public UInt32 jobId()
        {
            return jobId;
        }

        public String jobType()
        {
            return jobType;
        }

        public DBusPath jobPath()
        {
            return jobPath;
        }
    }
}
