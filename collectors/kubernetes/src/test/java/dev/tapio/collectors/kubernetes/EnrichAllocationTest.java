package dev.tapio.collectors.kubernetes;

import dev.tapio.codecs.EventDraft;
import dev.tapio.codecs.sbe.EventType;
import dev.tapio.engine.metrics.EngineCounters;
import dev.tapio.engine.ring.Slot;
import dev.tapio.engine.ring.SlotRing;
import dev.tapio.engine.stage.EnrichStage;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodStatus;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.util.List;

import static dev.tapio.collectors.kubernetes.MockCluster.containerId;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The enrich stage with the pod cache allocates nothing per event, hit or miss (the hot path). */
class EnrichAllocationTest
{
    private static Slot slotWith(final SlotRing ring, final EventDraft d)
    {
        final Slot slot = ring.newInstance();
        slot.length = d.encode(slot.buffer, 0, ring.slotSize(), 1, 1, dev.tapio.codecs.sbe.Source.KERNEL);
        slot.status = Slot.OK;
        return slot;
    }

    @Test
    void enrichingFromTheCacheAllocatesNothingPerEvent()
    {
        final PodMetadataCache cache = new PodMetadataCache(100, new Workloads(100));
        final Pod p = MockCluster.pod("shop", "checkout-6f7d8-x2x9q");
        p.getMetadata().setUid("5eed0000-0000-4000-8000-000000000001");
        p.getMetadata().setOwnerReferences(List.of(new OwnerReferenceBuilder().withKind("StatefulSet").withName("checkout")
            .withController(true).build()));
        p.setStatus(new PodStatus());
        MockCluster.running(p, containerId('a'), 0, null, null, null);
        cache.upsert(p);

        final EngineCounters counters = new EngineCounters();
        final EnrichStage enrich = new EnrichStage(1, "worker-1", 512, counters, cache);
        final SlotRing ring = new SlotRing(2, 512);
        final EventDraft d = new EventDraft();
        d.type = EventType.KERNEL_PROCESS_EXIT;
        d.text(EventDraft.COMM).set("java");
        d.text(EventDraft.CONTAINER_ID).set(containerId('a'));
        final Slot hit = slotWith(ring, d);
        d.text(EventDraft.CONTAINER_ID).set(containerId('b'));
        final Slot miss = slotWith(ring, d);
        final byte[] hitTemplate = new byte[hit.length];
        hit.buffer.getBytes(0, hitTemplate);
        final int hitLength = hit.length;
        final byte[] missTemplate = new byte[miss.length];
        miss.buffer.getBytes(0, missTemplate);
        final int missLength = miss.length;

        final Runnable round = () ->
        {
            hit.buffer.putBytes(0, hitTemplate);
            hit.length = hitLength;
            enrich.onSlot(hit, 0);
            miss.buffer.putBytes(0, missTemplate);
            miss.length = missLength;
            enrich.onSlot(miss, 1);
        };
        for (int i = 0; i < 100_000; i++)
        {
            round.run();
        }
        final com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean)ManagementFactory.getThreadMXBean();
        final long tid = Thread.currentThread().getId();
        final long before = threads.getThreadAllocatedBytes(tid);
        for (int i = 0; i < 500_000; i++)
        {
            round.run();
        }
        final long allocated = threads.getThreadAllocatedBytes(tid) - before;
        assertTrue(allocated < 10_000, "allocated " + allocated + " bytes for 1,000,000 enriched events");
        assertEquals(600_000, cache.hits());
        assertEquals(600_000, cache.misses());
        assertTrue(hit.length > hitLength, "the hit was enriched");
        assertEquals(missLength + "worker-1".length(), miss.length, "the miss got only the node name");
    }
}
