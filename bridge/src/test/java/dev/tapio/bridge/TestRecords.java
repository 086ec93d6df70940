package dev.tapio.bridge;

import dev.tapio.codecs.EventDraft;
import dev.tapio.codecs.EventFrames;
import dev.tapio.codecs.sbe.EventDecoder;
import dev.tapio.codecs.sbe.EventType;
import dev.tapio.codecs.sbe.Severity;
import dev.tapio.codecs.sbe.Source;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteOrder;

/** SBE Event records for the bridge tests: one realistic encoded template, its event id patched per record. */
public final class TestRecords
{
    public static final int EVENT_ID_OFFSET = EventFrames.HEADER_LENGTH + EventDecoder.eventIdEncodingOffset();
    public static final int NODE_ID_OFFSET = EventFrames.HEADER_LENGTH + EventDecoder.nodeIdEncodingOffset();
    private static final UnsafeBuffer TEMPLATE;

    static
    {
        final EventDraft d = new EventDraft();
        d.type = EventType.K8S_POD_RUNNING;
        d.severity = Severity.INFO;
        d.text(EventDraft.NODE).set("node-1");
        d.text(EventDraft.NAMESPACE).set("shop");
        d.text(EventDraft.POD).set("web-7d9c4b6f5-x2x9z");
        d.text(EventDraft.CONTAINER).set("web");
        d.text(EventDraft.MESSAGE).set("pod reached phase Running");
        d.addAttribute("k8s.deployment.name", "web");
        final UnsafeBuffer b = new UnsafeBuffer(new byte[1024]);
        final int length = d.encode(b, 0, 1024, 1_700_000_000_000_000_000L, 1, Source.KUBERNETES);
        TEMPLATE = new UnsafeBuffer(new byte[length]);
        TEMPLATE.putBytes(0, b, 0, length);
    }

    private TestRecords()
    {
    }

    /** Bytes of one record. */
    public static int length()
    {
        return TEMPLATE.capacity();
    }

    /** Writes the record with {@code eventId} at {@code offset}. */
    public static void write(final MutableDirectBuffer to, final int offset, final long eventId)
    {
        to.putBytes(offset, TEMPLATE, 0, TEMPLATE.capacity());
        to.putLong(offset + EVENT_ID_OFFSET, eventId, ByteOrder.LITTLE_ENDIAN);
    }

    public static byte[] record(final long eventId)
    {
        final UnsafeBuffer b = new UnsafeBuffer(new byte[length()]);
        write(b, 0, eventId);
        return b.byteArray();
    }

    /** The record with {@code eventId} as produced by the node whose numeric id is {@code nodeId}. */
    public static byte[] record(final long eventId, final long nodeId)
    {
        final UnsafeBuffer b = new UnsafeBuffer(record(eventId));
        b.putLong(NODE_ID_OFFSET, nodeId, ByteOrder.LITTLE_ENDIAN);
        return b.byteArray();
    }

    public static long eventId(final DirectBuffer buffer, final int offset)
    {
        return buffer.getLong(offset + EVENT_ID_OFFSET, ByteOrder.LITTLE_ENDIAN);
    }
}
