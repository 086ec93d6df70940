package dev.tapio.exporters.grpc;

import com.google.protobuf.ByteString;
import dev.tapio.codecs.EventFrames;
import dev.tapio.codecs.sbe.EventDecoder;
import dev.tapio.codecs.sbe.GroupDecoder;
import dev.tapio.codecs.sbe.MessageHeaderDecoder;
import dev.tapio.codecs.api.Record;
import dev.tapio.codecs.api.SubscribeResponse;
import dev.tapio.journal.JournalReader;
import dev.tapio.journal.JournalRecords;
import dev.tapio.journal.JournalSettings;
import dev.tapio.journal.RecordHandler;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.MessageHandler;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.OneToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.concurrent.locks.LockSupport;

/**
 * One Subscribe call: a bounded buffer that the fan-out thread fills ({@link SubscriberHub}) and a thread
 * of its own that replays the journal first when asked, then drains the buffer into the gRPC stream.
 *
 * <pre>
 *  state:  PENDING ──first event fan-out delivers after add (E: the seam)──► ACTIVE ──buffer full──► OVERFLOWED
 *          (replaying, nothing buffered)                                      (buffering from E)       cut off
 *
 *  replay: journal records r1 r2 … rk E …      deliver r1..rk, stop at E (its id and ingest time)
 *  live:   buffer          E  e2  e3 …         deliver from E on: no gap, no duplicate at the seam
 * </pre>
 *
 * A subscription that starts now is ACTIVE at once. The journal is written behind fan-out in the same
 * ring order, so every event fan-out delivered before E is in the journal before E. So is every group
 * record: each follows a ring sequence (the engine's SequencedRecords), and fan-out and the journal's thread
 * both hand it on right after that event, so a group following an event before E was offered while this
 * subscription was pending (and is replayed), and one following E or later is buffered live.
 *
 * <p>Threading: {@link #offerEvent}/{@link #offerGroup}/{@link #wakeIfWritten} on the fan-out thread
 * (no allocation; the buffer's write never blocks); everything else on the subscription's own thread,
 * except the gRPC callbacks, which only set flags and unpark it.
 */
final class Subscription implements Runnable, MessageHandler, RecordHandler
{
    static final int PENDING = 0;
    static final int ACTIVE = 1;
    static final int OVERFLOWED = 2;
    static final int ENDED = 3;

    private static final int MSG_EVENT = 1;
    private static final int MSG_GROUP = 2;
    private static final long MAX_BATCH_BYTES = 1 << 20;
    private static final long IDLE_PARK_NANOS = TimeUnit.MILLISECONDS.toNanos(1);
    private static final AtomicIntegerFieldUpdater<Subscription> STATE =
        AtomicIntegerFieldUpdater.newUpdater(Subscription.class, "state");

    private final SubscriberHub hub;
    private final ServerCallStreamObserver<SubscribeResponse> out;
    private final GrpcCounters counters;
    private final RecordFilter liveFilter;
    private final RecordFilter replayFilter;
    private final OneToOneRingBuffer buffer;
    private final int bufferBytes;
    private final int maxBatch;
    private final boolean sbe;
    private final ProtoEvents mapper;
    private final JournalSettings journal;
    private final long fromIndex;
    private final long fromTime;
    private final long seamTimeoutNanos;

    private volatile int state;
    private volatile boolean sleeping;
    private volatile boolean cancelled;
    private volatile boolean engineStopped;
    private volatile boolean shutdown;
    private Thread thread;
    private Runnable onEnd;

    // Fan-out thread only.
    private boolean written;
    private final MessageHeaderDecoder seamHeader = new MessageHeaderDecoder();
    private final EventDecoder seamDecoder = new EventDecoder();
    // Written by the fan-out thread before state turns ACTIVE, read after.
    private long seamEventId;
    private long seamIngestTime;

    // Subscription thread only.
    private final SubscribeResponse.Builder response = SubscribeResponse.newBuilder();
    private final ExpandableArrayBuffer frames = new ExpandableArrayBuffer(64 * 1024);
    private final MessageHeaderDecoder header = new MessageHeaderDecoder();
    private final EventDecoder eventDecoder = new EventDecoder();
    private final GroupDecoder groupDecoder = new GroupDecoder();
    private final MessageHeaderDecoder replayHeader = new MessageHeaderDecoder();
    private final EventDecoder replayDecoder = new EventDecoder();
    private int batchCount;
    private int batchReplayed;
    private int batchBytes;
    private long sent;
    private boolean seamReached;
    private boolean replaying;

    Subscription(final SubscriberHub hub, final ServerCallStreamObserver<SubscribeResponse> out,
        final GrpcCounters counters, final RecordFilter filter, final int bufferBytes, final int maxBatch,
        final boolean sbe, final ProtoEvents mapper, final JournalSettings journal, final boolean replay, final long fromIndex,
        final long fromTime, final long seamTimeoutNanos)
    {
        this.hub = hub;
        this.out = out;
        this.counters = counters;
        this.liveFilter = filter;
        this.replayFilter = filter.copy();
        this.bufferBytes = bufferBytes;
        this.buffer = new OneToOneRingBuffer(new UnsafeBuffer(
            ByteBuffer.allocateDirect(bufferBytes + RingBufferDescriptor.TRAILER_LENGTH)));
        this.maxBatch = maxBatch;
        this.sbe = sbe;
        this.mapper = mapper;
        this.journal = journal;
        this.fromIndex = fromIndex;
        this.fromTime = fromTime;
        this.seamTimeoutNanos = seamTimeoutNanos;
        this.replaying = replay;
        this.state = replaying ? PENDING : ACTIVE;
    }

    /** Registers with the hub and starts the subscription's thread; {@code onEnd} runs on it when it ends, whatever the reason. */
    void start(final String threadName, final Runnable onEnd)
    {
        this.onEnd = onEnd;
        out.setOnReadyHandler(this::unpark);
        out.setOnCancelHandler(() ->
        {
            cancelled = true;
            unpark();
        });
        thread = new Thread(this, threadName);
        thread.setDaemon(true);
        hub.add(this);
        thread.start();
    }

    // ---- fan-out thread -------------------------------------------------------------------------

    void offerEvent(final DirectBuffer src, final int offset, final int length)
    {
        int s = state;
        if (s == PENDING)
        {
            seamHeader.wrap(src, offset);
            seamDecoder.wrap(src, offset + EventFrames.HEADER_LENGTH, seamHeader.blockLength(), seamHeader.version());
            seamEventId = seamDecoder.eventId();
            seamIngestTime = seamDecoder.ingestTimestamp();
            STATE.compareAndSet(this, PENDING, ACTIVE);
            s = state;
        }
        if (s != ACTIVE || !liveFilter.matchesEvent(src, offset))
        {
            return;
        }
        if (buffer.write(MSG_EVENT, src, offset, length))
        {
            written = true;
        }
        else
        {
            overflow();
        }
    }

    void offerGroup(final DirectBuffer src, final int offset, final int length)
    {
        // A pending subscription takes these groups from its replay: they follow events before the seam.
        if (state != ACTIVE || !liveFilter.matchesGroup(src, offset))
        {
            return;
        }
        if (buffer.write(MSG_GROUP, src, offset, length))
        {
            written = true;
        }
        else
        {
            overflow();
        }
    }

    void wakeIfWritten()
    {
        if (written)
        {
            written = false;
            if (sleeping)
            {
                LockSupport.unpark(thread);
            }
        }
    }

    private void overflow()
    {
        if (STATE.compareAndSet(this, ACTIVE, OVERFLOWED))
        {
            counters.endedSlow.increment();
            LockSupport.unpark(thread);
        }
    }

    // ---- other threads --------------------------------------------------------------------------

    void engineStopped()
    {
        engineStopped = true;
        unpark();
    }

    /** The server is stopping: end with UNAVAILABLE. */
    void shutdown()
    {
        shutdown = true;
        unpark();
    }

    private void unpark()
    {
        final Thread t = thread;
        if (t != null)
        {
            LockSupport.unpark(t);
        }
    }

    int state()
    {
        return state;
    }

    // ---- the subscription's thread --------------------------------------------------------------

    /** Thrown inside the subscription's thread to end it; carries the status to end with (null: completed). */
    private static final class End extends RuntimeException
    {
        private static final long serialVersionUID = 1L;
        final transient Status status;

        End(final Status status)
        {
            super(null, null, false, false);
            this.status = status;
        }
    }

    @Override
    public void run()
    {
        Status end = null;
        try
        {
            if (replaying)
            {
                replay();
            }
            live();
        }
        catch (final End e)
        {
            end = e.status;
        }
        catch (final RuntimeException | Error e)
        {
            end = Status.INTERNAL.withDescription("subscription failed: " + e).withCause(e);
            counters.endedError.increment();
        }
        state = ENDED;
        hub.remove(this);
        onEnd.run();
        try
        {
            if (end == null)
            {
                out.onCompleted();
            }
            else if (!cancelled)
            {
                out.onError(end.asRuntimeException());
            }
        }
        catch (final RuntimeException ignored)
        {
            // the call is already closed
        }
    }

    private void live()
    {
        while (true)
        {
            checkEnd();
            final int n = buffer.read(this, maxBatch - batchCount);
            if (batchCount > 0 && (batchCount >= maxBatch || batchBytes >= MAX_BATCH_BYTES || n == 0))
            {
                flush();
            }
            if (n == 0)
            {
                if (engineStopped && buffer.size() == 0)
                {
                    throw new End(null);
                }
                idle();
            }
        }
    }

    private void replay()
    {
        if (journal == null)
        {
            counters.endedError.increment();
            throw new End(Status.FAILED_PRECONDITION.withDescription(
                "replay from the journal asked for, but this node has no journal (journal.enabled: false)"));
        }
        try (JournalReader reader = JournalReader.open(journal))
        {
            reader.seek(fromTime, Long.MAX_VALUE);
            long waitingSince = 0;
            while (!seamReached)
            {
                checkEnd();
                final int n = reader.read(this, maxBatch);
                if (batchCount > 0 && (batchCount >= maxBatch || batchBytes >= MAX_BATCH_BYTES || n == 0))
                {
                    flush();
                }
                if (n == 0 && !seamReached)
                {
                    if (state == ACTIVE || engineStopped)
                    {
                        // The seam event is in the ring behind us; the journal's thread appends it shortly.
                        final long now = System.nanoTime();
                        if (waitingSince == 0)
                        {
                            waitingSince = now;
                        }
                        else if (now - waitingSince > seamTimeoutNanos)
                        {
                            if (engineStopped && state == PENDING)
                            {
                                throw new End(null);
                            }
                            counters.endedError.increment();
                            throw new End(Status.UNAVAILABLE.withDescription("the journal did not reach event " +
                                dev.tapio.codecs.Hex.toHex(seamEventId) + ", where live delivery starts, within " +
                                TimeUnit.NANOSECONDS.toMillis(seamTimeoutNanos) + " ms (journal behind, or not " +
                                "journaling every event); " + sent + " records sent"));
                        }
                    }
                    idle();
                }
                else
                {
                    waitingSince = 0;
                }
            }
        }
        catch (final java.io.IOException e)
        {
            counters.endedError.increment();
            throw new End(Status.UNAVAILABLE.withDescription("cannot open the journal: " + e.getMessage()));
        }
        replaying = false;
    }

    /** A journal record during replay. */
    @Override
    public void onRecord(final long index, final int templateId, final DirectBuffer src, final int offset, final int length)
    {
        if (seamReached || index < fromIndex)
        {
            return;
        }
        if (templateId == JournalRecords.EVENT)
        {
            if (state == ACTIVE)
            {
                replayHeader.wrap(src, offset);
                replayDecoder.wrap(src, offset + EventFrames.HEADER_LENGTH, replayHeader.blockLength(), replayHeader.version());
                if (replayDecoder.eventId() == seamEventId && replayDecoder.ingestTimestamp() == seamIngestTime)
                {
                    seamReached = true;
                    return;
                }
            }
            if (replayFilter.matchesEvent(src, offset))
            {
                append(MSG_EVENT, src, offset, length, index);
                batchReplayed++;
            }
        }
        else if (templateId == JournalRecords.GROUP && replayFilter.matchesGroup(src, offset))
        {
            append(MSG_GROUP, src, offset, length, index);
            batchReplayed++;
        }
    }

    /** A record from the live buffer. */
    @Override
    public void onMessage(final int msgTypeId, final MutableDirectBuffer src, final int offset, final int length)
    {
        append(msgTypeId, src, offset, length, 0);
    }

    private void append(final int type, final DirectBuffer src, final int offset, final int length, final long position)
    {
        if (sbe)
        {
            frames.putInt(batchBytes, length, ByteOrder.LITTLE_ENDIAN);
            frames.putBytes(batchBytes + 4, src, offset, length);
            batchBytes += 4 + length;
        }
        else
        {
            header.wrap(src, offset);
            final Record.Builder r = Record.newBuilder().setPosition(position);
            if (type == MSG_EVENT)
            {
                r.setEvent(mapper.event(eventDecoder.wrap(src, offset + EventFrames.HEADER_LENGTH,
                    header.blockLength(), header.version())));
            }
            else
            {
                r.setGroup(ProtoEvents.group(groupDecoder.wrap(src, offset + MessageHeaderDecoder.ENCODED_LENGTH,
                    header.blockLength(), header.version())));
            }
            response.addRecords(r);
            batchBytes += length;
        }
        batchCount++;
    }

    private void flush()
    {
        while (!out.isReady())
        {
            checkEnd();
            idle();
        }
        final SubscribeResponse message;
        if (sbe)
        {
            message = response.setSbeRecords(ByteString.copyFrom(frames.byteArray(), 0, batchBytes))
                .setRecordCount(batchCount).build();
        }
        else
        {
            message = response.build();
        }
        response.clear();
        // Counted per message, not per record (one atomic add each).
        counters.recordsReplayed.getAndAdd(batchReplayed);
        counters.recordsLive.getAndAdd(batchCount - batchReplayed);
        batchReplayed = 0;
        sent += batchCount;
        batchCount = 0;
        batchBytes = 0;
        out.onNext(message);
    }

    private void checkEnd()
    {
        if (cancelled)
        {
            counters.endedCancelled.increment();
            throw new End(Status.CANCELLED);
        }
        if (shutdown)
        {
            counters.endedShutdown.increment();
            throw new End(Status.UNAVAILABLE.withDescription("the node is shutting down"));
        }
        if (state == OVERFLOWED)
        {
            throw new End(Status.RESOURCE_EXHAUSTED.withDescription("subscriber too slow: its buffer of " +
                bufferBytes / 1024 + " KiB (grpc.subscriber.buffer) filled" +
                (replaying ? " while the journal was replayed" : "") + "; " + sent +
                " records were sent. Resubscribe from a journal position or time to continue"));
        }
    }

    private void idle()
    {
        sleeping = true;
        if (buffer.size() == 0 || replaying || !out.isReady())
        {
            LockSupport.parkNanos(this, IDLE_PARK_NANOS);
        }
        sleeping = false;
    }

    long sent()
    {
        return sent;
    }
}
