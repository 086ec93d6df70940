package dev.tapio.collectors.systemd;

import dev.tapio.codecs.EventDraft;
import dev.tapio.engine.Engine;
import dev.tapio.engine.collect.CollectorState;
import dev.tapio.engine.collect.CollectorStatus;
import dev.tapio.engine.collect.RestartPolicy;
import dev.tapio.engine.ring.BackpressurePolicy;
import dev.tapio.engine.source.SyntheticSource;
import dev.tapio.engine.spi.EventView;
import dev.tapio.engine.spi.Sink;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import java.util.concurrent.locks.LockSupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The systemd collector against a real dbus-daemon started by the test, with {@link FakeSystemd} playing
 * systemd on it: the events, their order and fields, the unit filters, an unreachable bus, and a dropped bus
 * connection that the collector manager restarts without losing or repeating a state change.
 */
class SystemdCollectorTest
{
    private static final Duration WAIT = Duration.ofSeconds(20);

    @TempDir
    Path dir;

    private final ByteArrayOutputStream errors = new ByteArrayOutputStream();
    private final List<AutoCloseable> closing = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception
    {
        for (int i = closing.size() - 1; i >= 0; i--)
        {
            closing.get(i).close();
        }
    }

    /** One decoded event: its summary line and attributes. */
    record Seen(String line, Map<String, String> attributes, long timestamp)
    {
    }

    /** Keeps a decoded copy of every event (on the fan-out thread; read from the test thread). */
    static final class Events implements Sink
    {
        private final EventDraft draft = new EventDraft();
        private final List<Seen> seen = new ArrayList<>();

        @Override
        public String name()
        {
            return "events";
        }

        @Override
        public void onEvent(final EventView event)
        {
            final EventDraft d = draft.from(event.decoder());
            final Map<String, String> attrs = new LinkedHashMap<>();
            for (int i = 0; i < d.attributeCount(); i++)
            {
                attrs.put(d.attributeKey(i).toString(), d.attributeValue(i).toString());
            }
            final String line = d.type + " " + d.text(EventDraft.UNIT) + " " + d.severity + " exit=" +
                (d.exitCode == EventDraft.EXIT_CODE_NULL ? "-" : Integer.toString(d.exitCode)) + " node=" +
                d.text(EventDraft.NODE) + " | " + d.text(EventDraft.MESSAGE);
            synchronized (seen)
            {
                seen.add(new Seen(line, attrs, d.timestamp));
            }
        }

        List<Seen> all()
        {
            synchronized (seen)
            {
                return new ArrayList<>(seen);
            }
        }

        List<String> lines()
        {
            final List<String> out = new ArrayList<>();
            for (final Seen s : all())
            {
                out.add(s.line());
            }
            return out;
        }
    }

    private static void await(final BooleanSupplier condition, final Supplier<String> what)
    {
        final long deadline = System.nanoTime() + WAIT.toNanos();
        while (!condition.getAsBoolean())
        {
            if (System.nanoTime() - deadline > 0)
            {
                throw new AssertionError("timed out after " + WAIT + " waiting for " + what.get());
            }
            LockSupport.parkNanos(1_000_000L);
        }
    }

    private static CollectorStatus status(final Engine engine, final String name)
    {
        for (final CollectorStatus s : engine.collectors())
        {
            if (s.name().equals(name))
            {
                return s;
            }
        }
        throw new AssertionError("no collector " + name);
    }

    private Engine engine(final SystemdCollector collector, final RestartPolicy policy, final Sink sink)
    {
        final Engine e = Engine.builder()
            .ringSize(1024)
            .nodeName("node-1")
            .errorStream(new PrintStream(errors, true, StandardCharsets.UTF_8))
            .source(collector, BackpressurePolicy.BLOCK, policy)
            .sink(sink)
            .build()
            .start();
        closing.add(e);
        return e;
    }

    private static FakeSystemd.Unit unit(final String name, final String active, final String sub)
    {
        return new FakeSystemd.Unit(name, "The " + name.substring(0, name.indexOf('.')) + " unit", active, sub);
    }

    @Test
    void reportsStartsStopsAndFailuresInOrderWithResultExitStatusAndSeverity() throws Exception
    {
        final DbusDaemon daemon = DbusDaemon.start(dir);
        closing.add(daemon);
        final FakeSystemd systemd = new FakeSystemd(daemon.address(),
            unit("nginx.service", "inactive", "dead"),
            unit("cron.service", "active", "running"),
            unit("crashy.service", "active", "running"),
            unit("sshd.service", "active", "running"),
            unit("dev-sda.device", "active", "plugged"),
            unit("postgres.service", "inactive", "dead"));
        closing.add(systemd);
        final SystemdCollector collector = new SystemdCollector("systemd",
            new SystemdSettings(daemon.address(), List.of("*.service", "*.device"), List.of("sshd*", "dev-*"), 64, Duration.ofSeconds(5)));
        final Events events = new Events();
        final Engine engine = engine(collector, RestartPolicy.DEFAULT, events);
        await(() -> systemd.subscribes() == 1 && collector.connections() == 1, () -> "the collector to subscribe");
        assertEquals(CollectorState.HEALTHY, status(engine, "systemd").state());

        systemd.state("nginx.service", "activating", "start");
        systemd.state("nginx.service", "active", "running");
        systemd.state("sshd.service", "failed", "failed");           // excluded
        systemd.state("dev-sda.device", "inactive", "dead");         // excluded
        systemd.state("cron.service", "deactivating", "stop-sigterm");
        systemd.service("cron.service", "success", 1, 0, true);
        systemd.state("cron.service", "inactive", "dead");
        // The Unit's PropertiesChanged first, the Service's after it: the collector reads the result itself.
        systemd.service("nginx.service", "exit-code", 1, 1, false);
        systemd.state("nginx.service", "failed", "failed");
        systemd.service("nginx.service", "exit-code", 1, 1, true);
        systemd.service("crashy.service", "core-dump", 3, 11, true);
        systemd.state("crashy.service", "failed", "failed");
        systemd.jobRemoved(41, "postgres.service", "dependency");
        systemd.jobRemoved(42, "sshd.service", "dependency");         // excluded
        systemd.state("nginx.service", "inactive", "dead");           // reset-failed: no event
        systemd.state("nginx.service", "active", "running");

        await(() -> events.all().size() >= 6, () -> "six events, got " + events.lines());
        assertEquals(List.of(
            "SYSTEMD_UNIT_STARTED nginx.service INFO exit=- node=node-1 | Started The nginx unit",
            "SYSTEMD_UNIT_STOPPED cron.service INFO exit=0 node=node-1 | Stopped The cron unit",
            "SYSTEMD_UNIT_FAILED nginx.service ERROR exit=1 node=node-1 | nginx.service: Failed with result 'exit-code', status=1",
            "SYSTEMD_UNIT_FAILED crashy.service CRITICAL exit=- node=node-1 | crashy.service: Failed with result 'core-dump', signal=11",
            "SYSTEMD_UNIT_FAILED postgres.service ERROR exit=- node=node-1 | postgres.service: Failed with result 'dependency'",
            "SYSTEMD_UNIT_STARTED nginx.service INFO exit=- node=node-1 | Started The nginx unit"),
            events.lines());
        final List<Seen> all = events.all();
        assertEquals(Map.of("systemd.unit.active_state", "active", "systemd.unit.sub_state", "running",
            "systemd.unit.previous_state", "activating"), all.get(0).attributes());
        assertEquals("exit-code", all.get(2).attributes().get("systemd.service.result"));
        assertEquals("active", all.get(2).attributes().get("systemd.unit.previous_state"));
        assertEquals("11", all.get(3).attributes().get("process.exit.signal"));
        assertEquals("dependency", all.get(4).attributes().get("systemd.job.result"));
        // Event time is systemd's StateChangeTimestamp (µs) of the PropertiesChanged that reported the change.
        assertEquals(1_764_000_002_000_000_000L, all.get(0).timestamp());
        assertEquals(6, events.all().size(), "no event from excluded units or from a reset of a failed unit");
        assertEquals(6, status(engine, "systemd").events());
        assertEquals(0, status(engine, "systemd").errors());
    }

    @Test
    void unitGlobsDecideWhatIsReported()
    {
        final UnitFilter f = new UnitFilter(List.of("*.service", "nginx.socket", "getty@tty[1-3].service"), List.of("systemd-*"));
        assertTrue(f.matches("nginx.service"));
        assertTrue(f.matches("nginx.socket"));
        assertTrue(!f.matches("docker.socket"));
        assertTrue(!f.matches("systemd-journald.service"));
        assertTrue(!f.matches("dev-sda.device"));
        final UnitFilter sets = new UnitFilter(List.of("getty@tty[1-3].service", "k?belet.service"), List.of());
        assertTrue(sets.matches("getty@tty2.service"));
        assertTrue(!sets.matches("getty@tty4.service"));
        assertTrue(sets.matches("kubelet.service"));
        assertTrue(!sets.matches("kuubelet.service"));
        assertEquals("/org/freedesktop/systemd1/unit/nginx_2eservice", UnitPaths.escape("nginx.service"));
        assertEquals("/org/freedesktop/systemd1/unit/getty_40tty1_2eservice", UnitPaths.escape("getty@tty1.service"));
        assertEquals("/org/freedesktop/systemd1/unit/_31_2dboot_2emount", UnitPaths.escape("1-boot.mount"));
        for (final String u : List.of("nginx.service", "getty@tty1.service", "1-boot.mount", "a_b-c\\x2d.slice"))
        {
            assertEquals(u, UnitPaths.unescape(UnitPaths.escape(u)));
        }
    }

    @Test
    void anUnreachableBusMakesTheCollectorUnavailableWithTheReasonWhileTheRestRuns() throws Exception
    {
        final String address = "unix:path=" + dir.resolve("no-such-bus");
        final SystemdCollector collector = new SystemdCollector("systemd", SystemdSettings.defaults(address));
        final SyntheticSource synthetic = new SyntheticSource("synthetic", 0, 200, 64, SyntheticSource.Pacing.COARSE,
            42, 5, 50);
        final Events events = new Events();
        final Engine e = Engine.builder()
            .ringSize(1024)
            .slotSize(1024)
            .errorStream(new PrintStream(errors, true, StandardCharsets.UTF_8))
            .source(collector, BackpressurePolicy.BLOCK, RestartPolicy.DEFAULT)
            .source(synthetic, BackpressurePolicy.BLOCK, RestartPolicy.DEFAULT)
            .sink(events)
            .build()
            .start();
        closing.add(e);
        assertTrue(e.awaitSources(WAIT));
        final CollectorStatus s = status(e, "systemd");
        assertEquals(CollectorState.UNAVAILABLE, s.state());
        assertEquals("no D-Bus socket at " + dir.resolve("no-such-bus") + " (no D-Bus daemon on this machine, or " +
            "sources.systemd.address names another bus)", s.reason());
        assertEquals(0, s.restarts());
        assertEquals("failed: " + s.reason(), e.sourceStates().get("systemd"));
        assertEquals(CollectorState.DONE, status(e, "synthetic").state());
        await(() -> events.all().size() == 200, () -> "the synthetic events");
        final String log = errors.toString(StandardCharsets.UTF_8);
        assertTrue(log.contains("source systemd unavailable: no D-Bus socket at " + dir.resolve("no-such-bus")), log);
    }

    @Test
    void aSocketNobodyListensOnMakesTheCollectorUnavailableWithinTheConnectTimeout() throws Exception
    {
        final DbusDaemon daemon = DbusDaemon.start(dir);
        closing.add(daemon);
        daemon.kill(); // the socket file stays behind, refusing connections
        final SystemdCollector collector = new SystemdCollector("systemd", new SystemdSettings(daemon.address(),
            SystemdSettings.DEFAULT_UNITS, List.of(), 64, Duration.ofMillis(200)));
        final Engine e = engine(collector, RestartPolicy.DEFAULT, new Events());
        assertTrue(e.awaitSources(Duration.ofSeconds(5)), "the connect timeout bounds the attempt");
        final CollectorStatus s = status(e, "systemd");
        assertEquals(CollectorState.UNAVAILABLE, s.state());
        assertTrue(s.reason().startsWith("cannot connect to the D-Bus bus at " + daemon.address() + ": "), s.reason());
        assertTrue(s.reason().contains("Connection refused"), s.reason());
    }

    @Test
    void aBusWithoutSystemdMakesTheCollectorUnavailable() throws Exception
    {
        final DbusDaemon daemon = DbusDaemon.start(dir);
        closing.add(daemon);
        final SystemdCollector collector = new SystemdCollector("systemd", SystemdSettings.defaults(daemon.address()));
        final Engine e = engine(collector, RestartPolicy.DEFAULT, new Events());
        assertTrue(e.awaitSources(WAIT));
        assertEquals("unavailable: no systemd on the bus at " + daemon.address() + " (org.freedesktop.systemd1 is not there)",
            status(e, "systemd").toString());
    }

    @Test
    void aDroppedBusConnectionIsReconnectedByTheManagerWithoutLosingOrRepeatingAStateChange() throws Exception
    {
        final DbusDaemon daemon = DbusDaemon.start(dir);
        closing.add(daemon);
        final FakeSystemd first = new FakeSystemd(daemon.address(),
            unit("nginx.service", "inactive", "dead"), unit("cron.service", "active", "running"));
        final SystemdCollector collector = new SystemdCollector("systemd", SystemdSettings.defaults(daemon.address()));
        final Events events = new Events();
        final RestartPolicy policy = RestartPolicy.builder().initialBackoff(Duration.ofMillis(50))
            .maxBackoff(Duration.ofMillis(200)).unavailableRetry(Duration.ofMillis(50)).build();
        final Engine engine = engine(collector, policy, events);
        await(() -> first.subscribes() == 1 && collector.connections() == 1, () -> "the first subscription");
        first.state("nginx.service", "active", "running");
        await(() -> events.all().size() == 1, () -> "the start before the drop");

        // The bus goes away; nginx fails while the collector is disconnected.
        daemon.kill(); // first's connection dies with it (closing it would wait for replies that cannot come)
        await(() -> status(engine, "systemd").state() != CollectorState.HEALTHY,
            () -> "the collector to notice the dropped connection: " + status(engine, "systemd"));
        daemon.start();
        final FakeSystemd.Unit nginx = unit("nginx.service", "failed", "failed");
        nginx.result = "exit-code";
        nginx.execMainCode = 1;
        nginx.execMainStatus = 2;
        final FakeSystemd second = new FakeSystemd(daemon.address(), nginx, unit("cron.service", "active", "running"));
        closing.add(second);
        await(() -> second.subscribes() == 1 && collector.connections() == 2 &&
            status(engine, "systemd").state() == CollectorState.HEALTHY, () -> "the collector to reconnect: " +
            status(engine, "systemd") + ", events " + events.lines());
        // The first change after the reconnect arrives as a signal.
        second.state("cron.service", "inactive", "dead");
        await(() -> events.all().size() >= 3, () -> "three events, got " + events.lines());
        second.state("cron.service", "active", "running");
        await(() -> events.all().size() >= 4, () -> "four events, got " + events.lines());

        assertEquals(List.of(
            "SYSTEMD_UNIT_STARTED nginx.service INFO exit=- node=node-1 | Started The nginx unit",
            "SYSTEMD_UNIT_FAILED nginx.service ERROR exit=2 node=node-1 | nginx.service: Failed with result 'exit-code', status=2",
            "SYSTEMD_UNIT_STOPPED cron.service INFO exit=- node=node-1 | Stopped The cron unit",
            "SYSTEMD_UNIT_STARTED cron.service INFO exit=- node=node-1 | Started The cron unit"),
            events.lines());
        final CollectorStatus s = status(engine, "systemd");
        assertEquals(1, s.restarts(), "one restart after the dropped connection");
        assertEquals(2, collector.connections());
        assertTrue(errors.toString(StandardCharsets.UTF_8).contains("source systemd failed: java.io.IOException: lost the " +
            "connection to the bus at " + daemon.address()), errors.toString(StandardCharsets.UTF_8));
        assertEquals(1, engine.counters().snapshot().get("tapio_collector_restarts_total{collector=\"systemd\"}"));
        assertEquals(1, engine.counters().snapshot().get("tapio_systemd_resyncs_total{source=\"systemd\"}"));
    }
}
