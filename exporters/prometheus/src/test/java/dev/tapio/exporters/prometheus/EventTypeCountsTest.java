package dev.tapio.exporters.prometheus;

import dev.tapio.codecs.EventDraft;
import dev.tapio.codecs.EventFrames;
import dev.tapio.codecs.sbe.EventType;
import dev.tapio.codecs.sbe.Severity;
import dev.tapio.codecs.sbe.Source;
import dev.tapio.engine.spi.EventView;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The events-by-type sink: one cell per (type, severity), bounded labels, and no allocation per event. */
class EventTypeCountsTest
{
    private final UnsafeBuffer buffer = new UnsafeBuffer(new byte[1024]);
    private final EventView view = new EventView();
    private final EventDraft draft = new EventDraft();

    private EventView encode(final EventType type, final Severity severity)
    {
        return encode(type, severity, "");
    }

    private EventView encode(final EventType type, final Severity severity, final String namespace)
    {
        draft.reset();
        draft.type = type;
        draft.severity = severity;
        draft.text(EventDraft.NAMESPACE).set(namespace);
        final int length = draft.encode(buffer, 0, buffer.capacity(), 1L, 1L, Source.SYNTHETIC);
        assertTrue(length > 0);
        return view.wrap(buffer, 0, length, 0);
    }

    @Test
    void countsEachTypeAndSeverityInItsOwnCellUnderItsDottedName()
    {
        final EventTypeCounts c = new EventTypeCounts();
        c.onEvent(encode(EventType.KERNEL_PROCESS_EXEC, Severity.INFO));
        c.onEvent(encode(EventType.KERNEL_PROCESS_EXEC, Severity.INFO));
        c.onEvent(encode(EventType.KERNEL_PROCESS_EXEC, Severity.ERROR));
        c.onEvent(encode(EventType.HTTP_ERROR_RATE, Severity.CRITICAL));
        c.onEvent(encode(EventType.OTHER, Severity.DEBUG));
        assertEquals(2, c.count("kernel.process.exec", "info"));
        assertEquals(1, c.count("kernel.process.exec", "error"));
        assertEquals(1, c.count("http.error_rate", "critical"));
        assertEquals(1, c.count("other", "debug"));
        assertEquals(0, c.count("k8s.pod.running", "info"));
    }

    @Test
    void rawValuesTheSchemaDoesNotKnowCountAsOtherAndUnknown()
    {
        final EventTypeCounts c = new EventTypeCounts();
        final EventView v = encode(EventType.K8S_POD_FAILED, Severity.ERROR);
        // Overwrite the enum fields in place with values beyond the schema's (a newer producer's).
        final int block = EventFrames.HEADER_LENGTH;
        final dev.tapio.codecs.sbe.EventEncoder e = new dev.tapio.codecs.sbe.EventEncoder().wrap(buffer, block);
        e.eventType(EventType.NULL_VAL);
        buffer.putByte(block + dev.tapio.codecs.sbe.EventEncoder.severityEncodingOffset(), (byte)200);
        c.onEvent(v);
        assertEquals(1, c.count("other", "unknown"));
    }

    @Test
    void namespacesGetSeriesUpToTheCapAndTheRestAreCountedAsOverflow()
    {
        final EventTypeCounts c = new EventTypeCounts("prometheus", 2);
        c.onEvent(encode(EventType.K8S_POD_RUNNING, Severity.INFO, "shop"));
        c.onEvent(encode(EventType.K8S_POD_FAILED, Severity.ERROR, "shop"));
        c.onEvent(encode(EventType.K8S_POD_RUNNING, Severity.INFO, "kube-system"));
        c.onEvent(encode(EventType.K8S_POD_RUNNING, Severity.INFO, "billing"));      // a third: over the cap
        c.onEvent(encode(EventType.K8S_POD_RUNNING, Severity.INFO, "billing"));
        c.onEvent(encode(EventType.K8S_POD_RUNNING, Severity.INFO, "shop"));
        c.onEvent(encode(EventType.KERNEL_PROCESS_EXEC, Severity.INFO, ""));         // no namespace: neither
        assertEquals(3, c.countNamespace("shop"));
        assertEquals(1, c.countNamespace("kube-system"));
        assertEquals(0, c.countNamespace("billing"));
        assertEquals(2, c.namespaceOverflow());
        assertEquals("shop", c.namespace(0));
        assertEquals(1, c.namespaceCount(0, Severity.ERROR.value()));
        assertEquals(2, c.namespaceCount(0, Severity.INFO.value()));

        final EventTypeCounts off = new EventTypeCounts("prometheus", 0);
        off.onEvent(encode(EventType.K8S_POD_RUNNING, Severity.INFO, "shop"));
        assertEquals(0, off.countNamespace("shop"));
        assertEquals(0, off.namespaceOverflow());
        assertEquals(1, off.count("k8s.pod.running", "info"));
    }

    @Test
    void countingAllocatesNothingPerEvent()
    {
        final EventTypeCounts c = new EventTypeCounts();
        final EventView v = encode(EventType.K8S_POD_RESTARTED, Severity.WARNING, "shop");
        for (int i = 0; i < 200_000; i++)
        {
            c.onEvent(v);
        }
        final com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean)ManagementFactory.getThreadMXBean();
        final long tid = Thread.currentThread().getId();
        final long before = threads.getThreadAllocatedBytes(tid);
        for (int i = 0; i < 1_000_000; i++)
        {
            c.onEvent(v);
        }
        final long allocated = threads.getThreadAllocatedBytes(tid) - before;
        assertTrue(allocated < 10_000, "allocated " + allocated + " bytes for 1,000,000 events");
        assertEquals(1_200_000, c.count("k8s.pod.restarted", "warning"));
        assertEquals(1_200_000, c.countNamespace("shop"));
    }
}
