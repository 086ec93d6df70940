package dev.tapio.collectors.cni;

import dev.tapio.codecs.EventDraft;
import dev.tapio.codecs.sbe.EventType;
import dev.tapio.codecs.sbe.Severity;
import dev.tapio.engine.Engine;
import dev.tapio.engine.ThreadingMode;
import dev.tapio.engine.ring.BackpressurePolicy;
import dev.tapio.engine.spi.EventView;
import dev.tapio.engine.spi.Sink;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.fail;

/** An engine with one CNI collector, a sink that keeps every event decoded, and polling with a deadline. */
final class CniTestSupport
{
    static final Duration DEADLINE = Duration.ofSeconds(20);

    private CniTestSupport()
    {
    }

    /** An engine whose only source is {@code collector}, started. */
    static Engine start(final CniCollector collector, final Sink sink)
    {
        return Engine.builder()
            .threading(ThreadingMode.SHARED)
            .nodeName("cni-test")
            .source(collector, BackpressurePolicy.BLOCK)
            .sink(sink)
            .build()
            .start();
    }

    /** Starts and waits until the collector watches its directory (or says why not). */
    static Engine startHealthy(final CniCollector collector, final Sink sink) throws InterruptedException
    {
        final Engine engine = start(collector, sink);
        until(() -> CniCollector.HEALTHY.equals(collector.health()), collector::health);
        return engine;
    }

    /** Polls {@code condition} until it holds, failing with {@code what} after {@link #DEADLINE}. */
    static void until(final BooleanSupplier condition, final Supplier<Object> what) throws InterruptedException
    {
        final long deadline = System.nanoTime() + DEADLINE.toNanos();
        while (!condition.getAsBoolean())
        {
            if (System.nanoTime() > deadline)
            {
                fail("not within " + DEADLINE + ": " + what.get());
            }
            Thread.sleep(5); // polling with a deadline
        }
    }

    /** One event as it reached fan-out. */
    record Seen(EventType type, Severity severity, long timestamp, String containerId, String namespace, String pod,
                String podUid, String node, String message, Map<String, String> attributes, long correlationId,
                int patternId)
    {
        String attribute(final String key)
        {
            return attributes.get(key);
        }
    }

    /** Keeps every event that reaches fan-out, decoded (test code: it allocates). */
    static final class Recording implements Sink
    {
        private final ConcurrentLinkedQueue<Seen> seen = new ConcurrentLinkedQueue<>();
        private final EventDraft d = new EventDraft();

        @Override
        public String name()
        {
            return "recording";
        }

        @Override
        public void onEvent(final EventView event)
        {
            d.from(event.decoder());
            final Map<String, String> attributes = new LinkedHashMap<>();
            for (int i = 0; i < d.attributeCount(); i++)
            {
                attributes.put(d.attributeKey(i).toString(), d.attributeValue(i).toString());
            }
            seen.add(new Seen(d.type, d.severity, d.timestamp, d.text(EventDraft.CONTAINER_ID).toString(),
                d.text(EventDraft.NAMESPACE).toString(), d.text(EventDraft.POD).toString(),
                d.text(EventDraft.POD_UID).toString(), d.text(EventDraft.NODE).toString(),
                d.text(EventDraft.MESSAGE).toString(), Map.copyOf(attributes), d.correlationId, d.patternId));
        }

        List<Seen> all()
        {
            return new ArrayList<>(seen);
        }

        List<Seen> of(final EventType type)
        {
            return all().stream().filter(s -> s.type() == type).toList();
        }

        /** Waits for an event that matches, and returns it. */
        Seen await(final Predicate<Seen> match, final String what) throws InterruptedException
        {
            final Seen[] found = new Seen[1];
            until(() -> (found[0] = all().stream().filter(match).findFirst().orElse(null)) != null,
                () -> what + "; seen " + all());
            return found[0];
        }

        Seen await(final EventType type, final String ip) throws InterruptedException
        {
            return await(s -> s.type() == type && ip.equals(s.attribute("network.ip")), type + " for " + ip);
        }
    }
}
