package dev.tapio.collectors.kubernetes;

import dev.tapio.codecs.EventDraft;
import dev.tapio.codecs.sbe.EventDecoder;
import dev.tapio.codecs.sbe.EventType;
import dev.tapio.engine.Engine;
import dev.tapio.engine.ProducerMode;
import dev.tapio.engine.metrics.EngineCounters;
import dev.tapio.engine.ring.BackpressurePolicy;
import dev.tapio.engine.spi.EventView;
import dev.tapio.engine.spi.Publisher;
import dev.tapio.engine.spi.Sink;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static dev.tapio.collectors.kubernetes.MockCluster.containerId;
import static dev.tapio.collectors.kubernetes.MockCluster.pod;
import static dev.tapio.collectors.kubernetes.MockCluster.running;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A kernel event that carries only a container id leaves the engine with the pod, namespace, container and
 * workload the Kubernetes collector's cache knows: the collector is the engine's MetadataResolver.
 */
@Timeout(60)
class MetadataEnrichmentTest extends MockClusterFixture
{
    /** Keeps each event's fields of interest. */
    private static final class Recorder implements Sink
    {
        final List<Map<String, String>> events = new ArrayList<>();

        @Override
        public String name()
        {
            return "recorder";
        }

        @Override
        public synchronized void onEvent(final EventView view)
        {
            final EventDecoder d = view.decoder();
            final Map<String, String> m = new TreeMap<>();
            m.put("type", d.eventType().name());
            for (final EventDecoder.AttributesDecoder a : d.attributes())
            {
                m.put("attr:" + a.key(), a.value());
            }
            for (final EventDecoder.RelatedDecoder r : d.related())
            {
                r.eventId();
            }
            m.put("node", d.nodeName());
            m.put("namespace", d.namespaceName());
            m.put("pod", d.pod());
            m.put("podUid", d.podUid());
            m.put("container", d.containerName());
            m.put("containerId", d.containerId());
            m.put("unit", d.unit());
            m.put("comm", d.comm());
            events.add(m);
        }

        synchronized boolean has(final String type)
        {
            return events.stream().anyMatch(e -> e.get("type").equals(type));
        }

        synchronized List<Map<String, String>> kernel()
        {
            return events.stream().filter(e -> e.get("type").startsWith("KERNEL")).toList();
        }
    }

    @Test
    void aKernelEventWithOnlyAContainerIdGetsPodNamespaceContainerAndDeploymentThroughEnrich() throws Exception
    {
        k8s.apps().replicaSets().inNamespace("shop").resource(new ReplicaSetBuilder().withNewMetadata().withNamespace("shop")
            .withName("checkout-6f7d8").addToOwnerReferences(new OwnerReferenceBuilder().withApiVersion("apps/v1")
                .withKind("Deployment").withName("checkout").withUid("d-1").withController(true).build())
            .endMetadata().build()).create();
        final KubernetesCollector collector = collector(shopOnly());
        final Recorder sink = new Recorder();
        final Engine engine = Engine.builder().rules(dev.tapio.engine.correlate.RuleSet.empty()).ringSize(64).slotSize(1024)
            .producers(ProducerMode.MULTI).nodeName("worker-1").source(collector).sink(sink).build().start();
        try
        {
            final long started = System.nanoTime() + Harness.DEADLINE.toNanos();
            while (!"healthy".equals(collector.health()))
            {
                assertTrue(System.nanoTime() < started, () -> "the collector started: " + collector.health());
                Thread.sleep(5); // polling with a deadline: the pod below must be news, not the baseline
            }
            final Pod p = pod("shop", "checkout-6f7d8-x2x9q");
            p.getSpec().setNodeName("worker-1");
            p.getMetadata().setOwnerReferences(List.of(new OwnerReferenceBuilder().withApiVersion("apps/v1").withKind("ReplicaSet")
                .withName("checkout-6f7d8").withUid("rs-1").withController(true).build()));
            k8s.pods().inNamespace("shop").resource(p).create();
            k8s.pods().inNamespace("shop").withName("checkout-6f7d8-x2x9q").editStatus(s ->
            {
                s.setStatus(new PodStatus());
                running(s, containerId('f'), 0, null, null, null);
                return s;
            });
            final long deadline = System.nanoTime() + Harness.DEADLINE.toNanos();
            while (collector.metadata().podOfContainer(containerId('f')) == null || !sink.has("K8S_POD_RUNNING"))
            {
                assertTrue(System.nanoTime() < deadline, () -> "the pod reached the cache and its running event the sink: cache " +
                    collector.metadata().size() + ", emitted " + collector.emitted() + ", health " + collector.health() + ", sink " + sink.events);
                Thread.sleep(5); // polling with a deadline
            }

            final Publisher kernel = engine.publisher("kernel-test", BackpressurePolicy.BLOCK);
            final EventDraft d = new EventDraft();
            d.type = EventType.KERNEL_PROCESS_EXIT;
            d.source = dev.tapio.codecs.sbe.Source.KERNEL;
            d.exitCode = 137;
            d.pid = 4242;
            d.text(EventDraft.COMM).set("java");
            d.text(EventDraft.CONTAINER_ID).set(containerId('f'));
            assertEquals(Publisher.ACCEPTED, kernel.publish(d));
            d.reset();
            d.type = EventType.KERNEL_PROCESS_EXEC;
            d.source = dev.tapio.codecs.sbe.Source.KERNEL;
            d.text(EventDraft.CONTAINER_ID).set(containerId('9'));
            assertEquals(Publisher.ACCEPTED, kernel.publish(d));
        }
        finally
        {
            assertTrue(engine.stop());
        }

        final List<Map<String, String>> kernelEvents = sink.kernel();
        assertEquals(2, kernelEvents.size());
        final Map<String, String> e = kernelEvents.get(0);
        assertEquals("shop", e.get("namespace"));
        assertEquals("checkout-6f7d8-x2x9q", e.get("pod"));
        assertEquals("app", e.get("container"));
        assertEquals("checkout", e.get("attr:k8s.deployment.name"));
        assertEquals("worker-1", e.get("node"));
        assertEquals("java", e.get("comm"));
        assertEquals(containerId('f'), e.get("containerId"));
        assertTrue(!e.get("podUid").isEmpty());
        assertEquals("", kernelEvents.get(1).get("pod"), "an unknown container stays unnamed");

        final EngineCounters counters = engine.counters();
        assertEquals(1, counters.counter("tapio_k8s_metadata_hits_total{source=\"kubernetes\"}").get());
        assertEquals(1, counters.counter("tapio_k8s_metadata_misses_total{source=\"kubernetes\"}").get());
        final List<Map<String, String>> podEvents;
        synchronized (sink)
        {
            podEvents = sink.events.stream().filter(x -> x.get("type").equals("K8S_POD_RUNNING")).toList();
        }
        assertEquals("checkout", podEvents.get(0).get("attr:k8s.deployment.name"), "pod events name their workload too");
    }
}
