package dev.tapio.collectors.systemd;

import dev.tapio.engine.config.ConfigException;
import dev.tapio.engine.config.ConfigNode;

import java.time.Duration;
import java.util.List;

/**
 * What {@code sources.systemd} says (collectors/systemd/README.md, docs/CONFIG.md).
 *
 * @param address       the D-Bus address of the bus systemd is on.
 * @param units         globs of the units to report.
 * @param exclude       globs of units not to report, even when {@code units} matches.
 * @param queueCapacity  signals waiting for the collector's thread; beyond, they are dropped, counted, and the
 *                       collector re-reads every unit's state instead.
 * @param connectTimeout how long one connection attempt may retry a refused socket.
 */
public record SystemdSettings(String address, List<String> units, List<String> exclude, int queueCapacity,
    Duration connectTimeout)
{
    public static final String SYSTEM_BUS = "unix:path=/run/dbus/system_bus_socket";
    public static final List<String> DEFAULT_UNITS = List.of("*.service");
    public static final int DEFAULT_QUEUE_CAPACITY = 4096;
    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(5);

    public SystemdSettings
    {
        units = List.copyOf(units);
        exclude = List.copyOf(exclude);
    }

    public static SystemdSettings defaults(final String address)
    {
        return new SystemdSettings(address, DEFAULT_UNITS, List.of(), DEFAULT_QUEUE_CAPACITY, DEFAULT_CONNECT_TIMEOUT);
    }

    static SystemdSettings fromConfig(final ConfigNode c) throws ConfigException
    {
        final String address = c.string("address", SYSTEM_BUS);
        if (address.isBlank() || !address.contains(":"))
        {
            throw c.error("address", "expected a D-Bus address such as " + SYSTEM_BUS + ", got \"" + address + "\"");
        }
        final List<String> units = c.has("units") ? c.stringList("units") : DEFAULT_UNITS;
        if (units.isEmpty())
        {
            throw c.error("units", "lists no unit: give globs such as [\"*.service\"]");
        }
        final List<String> exclude = c.has("exclude") ? c.stringList("exclude") : List.of();
        final int queue = c.intValue("queueCapacity", DEFAULT_QUEUE_CAPACITY, 16, 1 << 20);
        final Duration connectTimeout = c.duration("connectTimeout", DEFAULT_CONNECT_TIMEOUT);
        if (connectTimeout.toMillis() < 1 || connectTimeout.toMillis() > Integer.MAX_VALUE)
        {
            throw c.error("connectTimeout", "must be within 1ms … 24d");
        }
        return new SystemdSettings(address, units, exclude, queue, connectTimeout);
    }
}
