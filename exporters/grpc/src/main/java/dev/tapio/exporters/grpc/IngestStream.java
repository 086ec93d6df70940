package dev.tapio.exporters.grpc;

import dev.tapio.codecs.EventDraft;
import dev.tapio.codecs.api.IngestAck;
import dev.tapio.codecs.api.IngestRequest;
import dev.tapio.engine.Engine;
import dev.tapio.engine.metrics.EngineCounters;
import dev.tapio.engine.spi.Publisher;
import dev.tapio.engine.spi.SlotWriter;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import org.agrona.MutableDirectBuffer;

import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One Ingest call. gRPC's manual flow control carries the ring's back-pressure: the next request message
 * is asked for ({@code request(1)}) only once every valid event of the current one is in the ring, so a
 * full ring stops reading from the socket and HTTP/2 windows stop the client. Nothing ever waits for the
 * ring: events are published only into room the ring has ({@code ringSize - occupancy}); when it has
 * none, the rest of the request is retried shortly on the retry scheduler.
 *
 * <pre>
 *  IngestRequest{seq, events[n]} ─► validate each into its draft (ProtoEvents) ─► publish the valid ones in chunks that
 *     fit the free slots (one claim per chunk, encoded straight into the slots) ─► IngestAck{seq} ─► request(1)
 *                                    no room: retry in 50 µs … 1 ms (counted)
 * </pre>
 *
 * <p>Threading: gRPC serialises a call's callbacks; a retry runs on the scheduler while no message is
 * outstanding. Both take this object's monitor (never the ring's threads). The publisher is this stream's
 * own (a multi-producer ring).
 */
final class IngestStream implements StreamObserver<IngestRequest>, SlotWriter<IngestStream>
{
    static final String REASON_INVALID = "malformed_grpc";
    static final String REASON_CANCELLED = "grpc_cancelled";

    private final Engine engine;
    private final Publisher publisher;
    private final ServerCallStreamObserver<IngestAck> out;
    private final GrpcCounters counters;
    private final ScheduledExecutorService retries;
    private final AtomicInteger open;
    private final ProtoEvents mapper;
    /** One draft per event of the current request, filled once (validation) and encoded from in the slot. */
    private EventDraft[] drafts = new EventDraft[0];
    private final Runnable retry = this::retry;

    private IngestRequest current;
    private boolean[] valid = new boolean[256];
    private int next;
    private int remaining;
    private int accepted;
    private int rejected;
    private String firstError;
    private long backoffNanos;
    private boolean halfClosed;
    private boolean done;

    IngestStream(final Engine engine, final ServerCallStreamObserver<IngestAck> out, final GrpcCounters counters,
        final ScheduledExecutorService retries, final AtomicInteger open, final ProtoEvents mapper)
    {
        this.engine = engine;
        this.publisher = engine.publisher(SubscriberHub.NAME, dev.tapio.engine.ring.BackpressurePolicy.BLOCK);
        this.out = out;
        this.counters = counters;
        this.retries = retries;
        this.open = open;
        this.mapper = mapper;
        out.disableAutoRequest();
        out.setOnCancelHandler(this::cancelled);
    }

    void start()
    {
        counters.ingestStreams.increment();
        out.request(1);
    }

    @Override
    public synchronized void onNext(final IngestRequest request)
    {
        if (done)
        {
            return;
        }
        counters.ingestRequests.increment();
        current = request;
        final int n = request.getEventsCount();
        if (valid.length < n)
        {
            valid = new boolean[Math.max(n, valid.length * 2)];
        }
        if (drafts.length < n)
        {
            final int old = drafts.length;
            drafts = java.util.Arrays.copyOf(drafts, Math.max(n, old * 2));
            for (int i = old; i < drafts.length; i++)
            {
                drafts[i] = new EventDraft();
            }
        }
        accepted = 0;
        rejected = 0;
        firstError = null;
        remaining = 0;
        next = 0;
        backoffNanos = 0;
        final int maxLength = publisher.maxEventLength();
        for (int i = 0; i < n; i++)
        {
            final EventDraft draft = drafts[i];
            String error = mapper.toDraft(request.getEvents(i), draft);
            if (error == null && draft.encodedLength() > maxLength)
            {
                error = "encoded event of " + draft.encodedLength() + " bytes does not fit a ring slot of " + maxLength;
                publisher.reject(EngineCounters.REASON_TOO_LARGE);
            }
            else if (error != null)
            {
                publisher.reject(REASON_INVALID);
            }
            valid[i] = error == null;
            if (error == null)
            {
                remaining++;
            }
            else
            {
                rejected++;
                if (firstError == null)
                {
                    firstError = "event " + i + ": " + error;
                }
            }
        }
        counters.ingestRejected.getAndAdd(rejected);
        publishSome();
    }

    /** Publishes what fits now; acks and asks for the next message when all is in, else schedules a retry. */
    private void publishSome()
    {
        while (remaining > 0)
        {
            final long free = engine.ringSize() - engine.ringOccupancy();
            if (free <= 0)
            {
                if (backoffNanos == 0)
                {
                    counters.ingestWaits.increment();
                    backoffNanos = 50_000;
                }
                else
                {
                    backoffNanos = Math.min(1_000_000, backoffNanos * 2);
                }
                retries.schedule(retry, backoffNanos, TimeUnit.NANOSECONDS);
                return;
            }
            final int chunk = (int)Math.min(remaining, free);
            final int r = publisher.publishBatch(this, this, chunk, 0, 0);
            if (r < 0)
            {
                // STOPPED (counted by the publisher for this chunk): the rest can never go in.
                final int lost = remaining - chunk;
                for (int i = 0; i < lost; i++)
                {
                    publisher.reject(EngineCounters.REASON_STOPPED);
                }
                rejected += remaining;
                counters.ingestRejected.getAndAdd(remaining);
                if (firstError == null)
                {
                    firstError = "the engine is stopping";
                }
                remaining = 0;
                break;
            }
            accepted += r;
            counters.ingestAccepted.getAndAdd(r);
            if (r < chunk)
            {
                rejected += chunk - r;
                counters.ingestRejected.getAndAdd(chunk - r);
            }
            remaining -= chunk;
        }
        final IngestAck.Builder ack = IngestAck.newBuilder()
            .setSequence(current.getSequence()).setAccepted(accepted).setRejected(rejected);
        if (firstError != null)
        {
            ack.setFirstError(firstError);
        }
        current = null;
        out.onNext(ack.build());
        if (halfClosed)
        {
            finish();
        }
        else
        {
            out.request(1);
        }
    }

    private synchronized void retry()
    {
        if (!done && current != null)
        {
            publishSome();
        }
    }

    /** Encodes the next valid event of the current request into a claimed slot. */
    @Override
    public int write(final MutableDirectBuffer buffer, final int capacity, final long ingestTimestamp,
        final long eventId, final int index, final IngestStream self)
    {
        while (!valid[next])
        {
            next++;
        }
        return drafts[next++].encode(buffer, 0, capacity, ingestTimestamp, eventId, dev.tapio.codecs.sbe.Source.GRPC);
    }

    @Override
    public synchronized void onError(final Throwable t)
    {
        close();
    }

    @Override
    public synchronized void onCompleted()
    {
        halfClosed = true;
        if (current == null)
        {
            finish();
        }
    }

    private void finish()
    {
        if (!done)
        {
            out.onCompleted();
            close();
        }
    }

    private synchronized void cancelled()
    {
        close();
    }

    private void close()
    {
        if (!done)
        {
            done = true;
            open.decrementAndGet();
            if (current != null)
            {
                // Events of a request not yet in the ring when the client went away: never acked, not in the ring.
                for (int i = 0; i < remaining; i++)
                {
                    publisher.reject(REASON_CANCELLED);
                }
                counters.ingestRejected.getAndAdd(remaining);
                current = null;
            }
        }
    }

    static Status tooMany(final int limit)
    {
        return Status.RESOURCE_EXHAUSTED.withDescription("at most " + limit +
            " ingest streams at once (grpc.limits.maxIngestStreams)");
    }
}
