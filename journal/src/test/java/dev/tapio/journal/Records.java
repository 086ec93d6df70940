package dev.tapio.journal;

import dev.tapio.codecs.EventDraft;
import dev.tapio.codecs.sbe.EventType;
import dev.tapio.codecs.sbe.GroupEncoder;
import dev.tapio.codecs.sbe.GroupStatus;
import dev.tapio.codecs.sbe.MessageHeaderEncoder;
import dev.tapio.codecs.sbe.Source;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteBuffer;
import java.util.Arrays;

/** Encoded events and group records for journal tests, and byte-exact copies of what was read. */
final class Records
{
    /** 2024-05-01T12:00:00Z in epoch nanoseconds. */
    static final long TIME = 1_714_564_800_000_000_000L;

    private Records()
    {
    }

    /** An event with id {@code id} and event time {@code time}, encoded into a direct buffer. */
    static byte[] event(final long id, final long time)
    {
        final EventDraft d = new EventDraft();
        d.hasEventId = true;
        d.eventId = id;
        d.timestamp = time;
        d.type = EventType.K8S_POD_RESTARTED;
        d.source = Source.KUBERNETES;
        d.text(EventDraft.NAMESPACE).set("shop");
        d.text(EventDraft.POD).set("web-" + id);
        d.text(EventDraft.MESSAGE).set("Back-off restarting failed container " + id);
        d.addAttribute("k8s.container.restart_count", Long.toString(id));
        final UnsafeBuffer b = new UnsafeBuffer(ByteBuffer.allocateDirect(2048));
        final int n = d.encode(b, 0, 2048, time, id, Source.KUBERNETES);
        final byte[] out = new byte[n];
        b.getBytes(0, out);
        return out;
    }

    /** A group record with id {@code id} whose latest member happened at {@code end}. */
    static byte[] group(final long id, final long end)
    {
        final ExpandableArrayBuffer b = new ExpandableArrayBuffer(1024);
        final GroupEncoder g = new GroupEncoder().wrapAndApplyHeader(b, 0, new MessageHeaderEncoder());
        g.groupId(id).nodeId(7).patternId(3).status(GroupStatus.COMPLETE).rootSpanId(11)
            .start(end - 1_000_000_000L).end(end).rootCauseEventId(id * 10).confidence(0.9f).memberCount(2);
        g.membersCount(2).next().eventId(id * 10).timestamp(end - 1_000_000_000L).step((short)0)
            .next().eventId(id * 10 + 1).timestamp(end).step((short)1);
        g.actionsCount(1).next().text("kubectl describe pod web-" + id);
        final int n = MessageHeaderEncoder.ENCODED_LENGTH + g.encodedLength();
        return Arrays.copyOf(b.byteArray(), n);
    }

    /** The bytes in a direct buffer at an offset, as the ring's slots hold them. */
    static DirectBuffer direct(final byte[] bytes, final int offset)
    {
        final UnsafeBuffer b = new UnsafeBuffer(ByteBuffer.allocateDirect(bytes.length + offset));
        b.putBytes(offset, bytes);
        return b;
    }

    static byte[] copy(final DirectBuffer buffer, final int offset, final int length)
    {
        final byte[] out = new byte[length];
        buffer.getBytes(offset, out);
        return out;
    }

    static void put(final MutableDirectBuffer b, final byte[] bytes)
    {
        b.putBytes(0, bytes);
    }
}
