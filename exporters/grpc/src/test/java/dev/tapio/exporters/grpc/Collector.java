package dev.tapio.exporters.grpc;

import dev.tapio.codecs.api.Event;
import dev.tapio.codecs.api.Record;
import dev.tapio.codecs.api.SubscribeRequest;
import dev.tapio.codecs.api.SubscribeResponse;
import dev.tapio.codecs.sbe.EventDecoder;
import io.grpc.Status;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A Subscribe client that checks, as records arrive, that each source's ids (the pod field, hex ids)
 * come once and in order, counting events, order violations and records from the journal and live. With
 * {@code slow}, it asks for one response message and never for another: a reader that stopped reading.
 */
final class Collector implements ClientResponseObserver<SubscribeRequest, SubscribeResponse>
{
    final boolean slow;
    final AtomicLong events = new AtomicLong();
    final AtomicLong groups = new AtomicLong();
    /** Group ids of SBE group records, and how many came a second time. */
    final java.util.Set<Long> groupIds = java.util.concurrent.ConcurrentHashMap.newKeySet();
    final AtomicLong duplicateGroups = new AtomicLong();
    final AtomicLong replayed = new AtomicLong();
    final AtomicLong outOfOrder = new AtomicLong();
    final CountDownLatch ended = new CountDownLatch(1);
    volatile Status status;
    volatile String firstViolation;
    private final Map<String, Long> lastId = new HashMap<>();
    private final Map<String, Long> firstExpected;
    private ClientCallStreamObserver<SubscribeRequest> call;

    /** @param firstExpected per source, the id expected first (null: whatever comes first). */
    Collector(final boolean slow, final Map<String, Long> firstExpected)
    {
        this.slow = slow;
        this.firstExpected = firstExpected;
    }

    @Override
    public void beforeStart(final ClientCallStreamObserver<SubscribeRequest> requestStream)
    {
        call = requestStream;
        if (slow)
        {
            requestStream.disableAutoRequestWithInitial(1);
        }
    }

    @Override
    public void onNext(final SubscribeResponse response)
    {
        if (slow)
        {
            // A reader that takes 20 ms per message: ask for the next one later.
            SLOW_READER.schedule(() -> call.request(1), 20, java.util.concurrent.TimeUnit.MILLISECONDS);
        }
        if (response.getRecordCount() > 0)
        {
            sbe(response);
            return;
        }
        for (final Record r : response.getRecordsList())
        {
            if (r.hasGroup())
            {
                groups.incrementAndGet();
                continue;
            }
            if (r.getPosition() != 0)
            {
                replayed.incrementAndGet();
            }
            final Event e = r.getEvent();
            seen(e.getPod(), Long.parseUnsignedLong(e.getId(), 16));
        }
    }

    private void seen(final String pod, final long id)
    {
        final Long last = lastId.get(pod);
        final long expected = last != null ? last + 1 :
            firstExpected != null && firstExpected.containsKey(pod) ? firstExpected.get(pod) : id;
        if (id != expected)
        {
            if (firstViolation == null)
            {
                firstViolation = pod + ": expected id " + expected + ", got " + id + " after " + events.get();
            }
            outOfOrder.incrementAndGet();
        }
        lastId.put(pod, id);
        events.incrementAndGet();
    }

    /** SBE frames: | int32 LE length | header + Event or Group |. */
    private void sbe(final SubscribeResponse response)
    {
        final org.agrona.concurrent.UnsafeBuffer b = new org.agrona.concurrent.UnsafeBuffer(response.getSbeRecords().toByteArray());
        int at = 0;
        for (int i = 0; i < response.getRecordCount(); i++)
        {
            final int length = b.getInt(at, java.nio.ByteOrder.LITTLE_ENDIAN);
            header.wrap(b, at + 4);
            if (header.templateId() == dev.tapio.codecs.EventFrames.TEMPLATE_ID)
            {
                decoder.wrap(b, at + 4 + header.encodedLength(), header.blockLength(), header.version());
                final long id = decoder.eventId();
                final EventDecoder.AttributesDecoder a = decoder.attributes();
                while (a.hasNext())
                {
                    a.next();
                    a.skipKey();
                    a.skipValue();
                }
                final EventDecoder.RelatedDecoder rel = decoder.related();
                while (rel.hasNext())
                {
                    rel.next();
                }
                decoder.skipNodeName();
                decoder.skipNamespaceName();
                seen(decoder.pod(), id);
            }
            else
            {
                groupDecoder.wrap(b, at + 4 + header.encodedLength(), header.blockLength(), header.version());
                if (!groupIds.add(groupDecoder.groupId()))
                {
                    duplicateGroups.incrementAndGet();
                }
                groups.incrementAndGet();
            }
            at += 4 + length;
        }
    }

    private static final java.util.concurrent.ScheduledExecutorService SLOW_READER =
        java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r ->
        {
            final Thread t = new Thread(r, "test-slow-reader");
            t.setDaemon(true);
            return t;
        });
    private final dev.tapio.codecs.sbe.MessageHeaderDecoder header = new dev.tapio.codecs.sbe.MessageHeaderDecoder();
    private final EventDecoder decoder = new EventDecoder();
    private final dev.tapio.codecs.sbe.GroupDecoder groupDecoder = new dev.tapio.codecs.sbe.GroupDecoder();

    @Override
    public String toString()
    {
        return "events=" + events + " replayed=" + replayed + " status=" + status + " firstViolation=" + firstViolation;
    }

    @Override
    public void onError(final Throwable t)
    {
        status = Status.fromThrowable(t);
        ended.countDown();
    }

    @Override
    public void onCompleted()
    {
        status = Status.OK;
        ended.countDown();
    }

    void cancel()
    {
        call.cancel("test done", null);
    }
}
