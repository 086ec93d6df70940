package dev.tapio.codecs;

import dev.tapio.codecs.sbe.EventType;
import dev.tapio.codecs.sbe.Severity;
import dev.tapio.codecs.sbe.Source;
import org.agrona.concurrent.UnsafeBuffer;

/** Drafts and encodings shared by the codec tests. */
final class TestEvents
{
    static final long INGEST_NS = 1_795_255_200_000_000_000L; // 2026-11-21T10:00:00Z
    static final long DEFAULT_ID = 0x1111_2222_3333_4444L;

    private TestEvents()
    {
    }

    /** A draft with every fixed field set, two attributes, two related ids and every string non-empty. */
    static EventDraft fullDraft()
    {
        final EventDraft d = new EventDraft();
        d.hasEventId = true;
        d.eventId = 0x0123_4567_89ab_cdefL;
        d.timestamp = INGEST_NS - 5_000;
        d.type = EventType.KERNEL_PROCESS_EXIT;
        d.source = Source.KERNEL;
        d.severity = Severity.ERROR;
        d.pid = 4242;
        d.ppid = 1;
        d.uid = 1000;
        d.cgroupId = 0x1234;
        d.exitCode = 137;
        d.traceIdHi = 0x4bf92f3577b34da6L;
        d.traceIdLo = 0xa3ce929d0e0e4736L;
        d.spanId = 0x00f067aa0ba902b7L;
        d.parentSpanId = 0x1122334455667788L;
        d.correlationId = 0x77L;
        d.patternId = 3;
        d.related[0] = 0x0123_4567_89ab_cd01L;
        d.related[1] = 0xfedc_ba98_7654_3210L;
        d.relatedCount = 2;
        d.businessImpact = 0.75f;
        d.customerFacing = true;
        d.sloImpact = false;
        d.addAttribute("http.route", "/checkout");
        d.addAttribute("team", "payments");
        d.text(EventDraft.NODE).set("node-a");
        d.text(EventDraft.NAMESPACE).set("shop");
        d.text(EventDraft.POD).set("checkout-7d9f");
        d.text(EventDraft.POD_UID).set("6f1c2a9e-0000-4000-8000-000000000001");
        d.text(EventDraft.CONTAINER).set("app");
        d.text(EventDraft.CONTAINER_ID).set("containerd://abc123");
        d.text(EventDraft.UNIT).set("kubelet.service");
        d.text(EventDraft.COMM).set("java");
        d.text(EventDraft.MESSAGE).set("process exited");
        return d;
    }

    /** Encodes a draft at {@code offset} of a buffer with {@code slack} spare bytes after the message. */
    static UnsafeBuffer encode(final EventDraft d, final int offset, final int slack)
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[offset + d.encodedLength() + slack]);
        final int n = d.encode(buffer, offset, d.encodedLength(), INGEST_NS, DEFAULT_ID, Source.FILE);
        if (n != d.encodedLength())
        {
            throw new AssertionError("encode returned " + n + ", expected " + d.encodedLength());
        }
        return buffer;
    }
}
