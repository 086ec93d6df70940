package dev.tapio.bridge.server;

import dev.tapio.bridge.RecordFrames;
import dev.tapio.codecs.EventFrames;
import dev.tapio.codecs.GroupFrames;
import dev.tapio.codecs.bridge.Ack;
import dev.tapio.codecs.bridge.Batch;
import dev.tapio.codecs.sbe.EventDecoder;
import dev.tapio.codecs.sbe.GroupDecoder;
import dev.tapio.engine.metrics.ErrorLog;
import io.grpc.Status;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteOrder;

/**
 * The server's work on one batch, independent of gRPC: frame the records, validate each, drop the
 * duplicates, append the rest to the {@link RecordSink}, flush, and answer with the {@link Ack}.
 *
 * <pre>
 *   for each | len | record | in Batch.records:
 *       framing bad (len past the end)  → the rest of the batch is rejected{reason="framing"}
 *       Event/Group validate fails      → rejected{reason="malformed"}, skipped
 *       (node, kind, id) in DedupWindow → duplicate, skipped
 *       else sink.append, then add (node, kind, id) to the window
 *   sink.flush()  → Ack{sequence, accepted, duplicates, rejected, first error}
 * </pre>
 *
 * A key enters the window only after its append returned; if append or flush throws, the keys this
 * batch added are removed again so the resend is accepted (at least once, never silently lost).
 *
 * <p>Thread-safe: {@link #ingest} runs under one lock (the sink and the window are single-writer).
 */
final class BatchIngestor
{
    private static final int EVENT_ID_OFFSET = EventFrames.HEADER_LENGTH + EventDecoder.eventIdEncodingOffset();
    private static final int GROUP_ID_OFFSET = EventFrames.HEADER_LENGTH + GroupDecoder.groupIdEncodingOffset();
    static final int KIND_EVENT = 0;
    static final int KIND_GROUP = 1;

    private final RecordSink sink;
    private final DedupWindow window;
    private final ServerCounters counters;
    private final ErrorLog errors;
    private final Object lock = new Object();
    private final UnsafeBuffer view = new UnsafeBuffer(new byte[0]);
    private final Ack.Builder ack = Ack.newBuilder();
    private int[] addedNodes = new int[1024];
    private long[] addedIds = new long[1024];

    BatchIngestor(final RecordSink sink, final DedupWindow window, final ServerCounters counters, final ErrorLog errors)
    {
        this.sink = sink;
        this.window = window;
        this.counters = counters;
        this.errors = errors;
    }

    /**
     * Ingests one batch from the node numbered {@code nodeIndex} (named {@code nodeName}).
     *
     * @throws io.grpc.StatusException UNAVAILABLE when the sink failed (the batch must be resent)
     */
    Ack ingest(final int nodeIndex, final String nodeName, final Batch batch) throws io.grpc.StatusException
    {
        synchronized (lock)
        {
            return ingestLocked(nodeIndex, nodeName, batch);
        }
    }

    private Ack ingestLocked(final int nodeIndex, final String nodeName, final Batch batch)
        throws io.grpc.StatusException
    {
        final int declared = batch.getRecordCount();
        counters.batches.getAndAdd(1);
        view.wrap(batch.getRecords().asReadOnlyByteBuffer());
        final int end = view.capacity();
        int offset = 0;
        int seen = 0;
        int accepted = 0;
        int duplicates = 0;
        int malformed = 0;
        int framing = 0;
        String firstError = null;
        int added = 0;
        try
        {
            while (offset < end)
            {
                final int length = offset + RecordFrames.LENGTH_PREFIX <= end ?
                    view.getInt(offset, ByteOrder.LITTLE_ENDIAN) : -1;
                final int start = offset + RecordFrames.LENGTH_PREFIX;
                if (length < 0 || length > end - start)
                {
                    framing = Math.max(1, declared - seen);
                    if (firstError == null)
                    {
                        firstError = describe(nodeName, batch, seen, offset, length < 0 && start > end ?
                            "truncated length prefix" : "record length " + length + " runs past the end");
                    }
                    break;
                }
                seen++;
                final int kind;
                final int code;
                final int template = length >= EventFrames.HEADER_LENGTH ? GroupFrames.templateIdOf(view, start) : -1;
                if (template == EventFrames.TEMPLATE_ID)
                {
                    kind = KIND_EVENT;
                    code = EventFrames.validate(view, start, length);
                }
                else if (template == GroupFrames.TEMPLATE_ID)
                {
                    kind = KIND_GROUP;
                    code = GroupFrames.validate(view, start, length);
                }
                else
                {
                    kind = -1;
                    code = length < EventFrames.HEADER_LENGTH ? EventFrames.TOO_SHORT : EventFrames.WRONG_TEMPLATE;
                }
                if (code != EventFrames.OK)
                {
                    malformed++;
                    if (firstError == null)
                    {
                        firstError = describe(nodeName, batch, seen - 1, offset, EventFrames.reason(code));
                    }
                }
                else
                {
                    final int key = nodeIndex << 1 | kind;
                    final long id = view.getLong(start + (kind == KIND_EVENT ? EVENT_ID_OFFSET : GROUP_ID_OFFSET),
                        ByteOrder.LITTLE_ENDIAN);
                    if (window.isDuplicate(key, id))
                    {
                        duplicates++;
                    }
                    else
                    {
                        sink.append(view, start, length);
                        window.add(key, id);
                        remember(added++, key, id);
                        accepted++;
                    }
                }
                offset = start + length;
            }
            if (framing == 0 && seen != declared && firstError == null)
            {
                firstError = describe(nodeName, batch, seen, offset,
                    "record_count says " + declared + " but the bytes hold " + seen);
            }
            sink.flush();
        }
        catch (final RuntimeException | Error ex)
        {
            for (int i = 0; i < added; i++)
            {
                window.remove(addedNodes[i], addedIds[i]);
            }
            counters.sinkErrors.getAndAdd(1);
            errors.record("bridge.sink", "bridge server: sink failed on batch " + batch.getSequence() +
                " of node " + nodeName + ": " + ex + " (the batch is not acked; the node resends it)");
            throw Status.UNAVAILABLE.withDescription("server sink failed: " + ex.getMessage())
                .withCause(ex).asException();
        }

        counters.records.getAndAdd(seen + (framing > 0 ? framing : 0));
        counters.accepted.getAndAdd(accepted);
        counters.duplicates.getAndAdd(duplicates);
        if (malformed > 0)
        {
            counters.rejectedMalformed.getAndAdd(malformed);
        }
        if (framing > 0)
        {
            counters.rejectedFraming.getAndAdd(framing);
        }
        if (firstError != null)
        {
            errors.record("bridge.malformed", firstError);
        }
        counters.batchesAcked.getAndAdd(1);
        ack.clear()
            .setSequence(batch.getSequence())
            .setLastIndex(batch.getLastIndex())
            .setAccepted(accepted)
            .setDuplicates(duplicates)
            .setRejected(malformed + framing);
        if (firstError != null)
        {
            ack.setFirstError(firstError);
        }
        return ack.build();
    }

    private void remember(final int i, final int key, final long id)
    {
        if (i == addedNodes.length)
        {
            addedNodes = java.util.Arrays.copyOf(addedNodes, i * 2);
            addedIds = java.util.Arrays.copyOf(addedIds, i * 2);
        }
        addedNodes[i] = key;
        addedIds[i] = id;
    }

    private static String describe(
        final String nodeName, final Batch batch, final int record, final int offset, final String reason)
    {
        return "bridge server: node " + nodeName + ", batch " + batch.getSequence() + ": record " + record +
            " at byte offset " + offset + " of " + batch.getRecords().size() + ": " + reason;
    }
}
