package dev.tapio.engine;

import dev.tapio.codecs.EventDraft;
import dev.tapio.codecs.sbe.EventType;
import dev.tapio.engine.metrics.EngineCounters;
import dev.tapio.engine.ring.BackpressurePolicy;
import dev.tapio.engine.spi.MetadataResolver;
import dev.tapio.engine.spi.Publisher;
import dev.tapio.engine.spi.WorkloadMetadata;
import dev.tapio.engine.testing.Drafts;
import dev.tapio.engine.testing.RecordingSink;
import org.agrona.DirectBuffer;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Enrich names the pod of events that carry only a container id or pod uid, through a MetadataResolver. */
@Timeout(10)
class MetadataEnrichTest
{
    private static final String CONTAINER_ID = "3f4e".repeat(16);
    private static final String POD_UID = "5eed0000-0000-4000-8000-000000000001";

    /** Knows one container of one pod; a stand-in for the Kubernetes collector's cache. */
    private static final class OnePod implements MetadataResolver
    {
        @Override
        public Lookup newLookup()
        {
            return new Lookup()
            {
                @Override
                public boolean byContainerId(final DirectBuffer buffer, final int offset, final int length,
                    final WorkloadMetadata into)
                {
                    return matches(buffer, offset, length, CONTAINER_ID) && fill(into, true);
                }

                @Override
                public boolean byPodUid(final DirectBuffer buffer, final int offset, final int length,
                    final WorkloadMetadata into)
                {
                    return matches(buffer, offset, length, POD_UID) && fill(into, false);
                }
            };
        }

        private static boolean matches(final DirectBuffer buffer, final int offset, final int length, final String key)
        {
            return buffer.getStringWithoutLengthAscii(offset, length).equals(key);
        }

        private static boolean fill(final WorkloadMetadata into, final boolean container)
        {
            into.namespace = utf8("shop");
            into.pod = utf8("checkout-7d9c4-x2");
            into.podUid = utf8(POD_UID);
            into.container = container ? utf8("app") : into.container;
            into.workloadKey = utf8("k8s.deployment.name");
            into.workloadName = utf8("checkout");
            return true;
        }
    }

    private static byte[] utf8(final String s)
    {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static EventDraft kernelExit(final long id, final String containerId, final String podUid)
    {
        final EventDraft d = new EventDraft();
        d.hasEventId = true;
        d.eventId = id;
        d.timestamp = Drafts.TIME;
        d.type = EventType.KERNEL_PROCESS_EXIT;
        d.source = dev.tapio.codecs.sbe.Source.KERNEL;
        d.pid = 4242;
        d.exitCode = 137;
        d.text(EventDraft.COMM).set("java");
        d.text(EventDraft.CONTAINER_ID).set(containerId);
        d.text(EventDraft.POD_UID).set(podUid);
        d.addAttribute("process.exit.signal", "9");
        return d;
    }

    @ParameterizedTest
    @EnumSource(value = ThreadingMode.class, names = { "SHARED", "DEDICATED" })
    void fillsPodNamespaceContainerAndWorkloadFromTheResolverAndKeepsTheRest(final ThreadingMode mode) throws Exception
    {
        final RecordingSink sink = new RecordingSink("sink", true);
        final Engine engine = Engine.builder().rules(dev.tapio.engine.correlate.RuleSet.empty())
            .ringSize(64).slotSize(512).threading(mode).producers(ProducerMode.MULTI)
            .nodeName("worker-1").metadata(new OnePod()).sink(sink).build().start();
        final Publisher host = engine.publisher("host", BackpressurePolicy.BLOCK);
        assertEquals(Publisher.ACCEPTED, host.publish(kernelExit(1, CONTAINER_ID, "")));
        assertEquals(Publisher.ACCEPTED, host.publish(kernelExit(2, "unknown", POD_UID)));
        assertEquals(Publisher.ACCEPTED, host.publish(kernelExit(3, "unknown", "")));
        final EventDraft named = kernelExit(4, CONTAINER_ID, "");
        named.text(EventDraft.NAMESPACE).set("other");
        named.text(EventDraft.POD).set("already-named");
        assertEquals(Publisher.ACCEPTED, host.publish(named));
        assertEquals(true, engine.stop());

        final List<byte[]> events = sink.events();
        assertEquals(4, events.size());
        final Map<String, Object> byContainer = Drafts.decode(events.get(0));
        assertEquals("shop", byContainer.get("namespaceName"));
        assertEquals("checkout-7d9c4-x2", byContainer.get("pod"));
        assertEquals(POD_UID, byContainer.get("podUid"));
        assertEquals("app", byContainer.get("containerName"));
        assertEquals(CONTAINER_ID, byContainer.get("containerId"));
        assertEquals("worker-1", byContainer.get("nodeName"));
        assertEquals("java", byContainer.get("comm"));
        assertEquals(137, byContainer.get("exitCode"));
        assertEquals(List.of("process.exit.signal=9", "k8s.deployment.name=checkout"), byContainer.get("attributes"));

        final Map<String, Object> byUid = Drafts.decode(events.get(1));
        assertEquals("checkout-7d9c4-x2", byUid.get("pod"));
        assertEquals("shop", byUid.get("namespaceName"));
        assertEquals("", byUid.get("containerName"));
        assertEquals("unknown", byUid.get("containerId"));

        final Map<String, Object> unknown = Drafts.decode(events.get(2));
        assertEquals("", unknown.get("pod"));
        assertEquals(List.of("process.exit.signal=9"), unknown.get("attributes"));
        assertEquals("worker-1", unknown.get("nodeName"));

        final Map<String, Object> untouched = Drafts.decode(events.get(3));
        assertEquals("already-named", untouched.get("pod"));
        assertEquals("other", untouched.get("namespaceName"));
        assertEquals(List.of("process.exit.signal=9"), untouched.get("attributes"));
        assertEquals(0L, engine.counters().counter(EngineCounters.ENRICH_OVERFLOW).get());
    }

    @ParameterizedTest
    @EnumSource(value = ThreadingMode.class, names = { "SHARED" })
    void withoutRoomKeepsTheEventWithoutMetadataAndCountsTheOverflow(final ThreadingMode mode) throws Exception
    {
        final RecordingSink sink = new RecordingSink("sink", true);
        final Engine engine = Engine.builder().rules(dev.tapio.engine.correlate.RuleSet.empty())
            .ringSize(64).slotSize(256).threading(mode).producers(ProducerMode.MULTI)
            .nodeName("").metadata(new OnePod()).sink(sink).build().start();
        final Publisher host = engine.publisher("host", BackpressurePolicy.BLOCK);
        final EventDraft big = kernelExit(1, CONTAINER_ID, "");
        big.text(EventDraft.MESSAGE).set("x".repeat(256 - big.encodedLength() - 8));
        assertEquals(Publisher.ACCEPTED, host.publish(big));
        assertEquals(true, engine.stop());
        final Map<String, Object> e = Drafts.decode(sink.events().get(0));
        assertEquals("", e.get("pod"));
        assertEquals(CONTAINER_ID, e.get("containerId"));
        assertEquals(1L, engine.counters().counter(EngineCounters.ENRICH_OVERFLOW).get());
    }
}
