package dev.tapio.bridge.server;

import dev.tapio.bridge.RecordFrames;
import dev.tapio.codecs.EventFrames;
import dev.tapio.codecs.GroupFrames;
import dev.tapio.codecs.bridge.Ack;
import dev.tapio.codecs.bridge.Batch;
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
 *       key (RecordKeys) in DedupWindow → duplicate, skipped
 *       else sink.append, then add the key to the window
 *   sink.flush()  → Ack{sequence, accepted, duplicates, rejected, first error}
 * </pre>
 *
 * The key is the record's own node identity and id ({@link RecordKeys}), not the batch's node label, so
 * a restarted server can rebuild its window from its journal. A key enters the window only after its
 * append returned. If an append throws (e.g. the journal refused it), the records appended before it are
 * flushed and keep their keys — they are journaled, so the resend drops them — and the batch fails
 * unacked; if the flush throws, every key this batch added leaves the window again so the resend is
 * accepted (at least once, never silently lost).
 *
 * <p>Thread-safe: {@link #ingest} runs under one lock (the sink, the window and the node numbering are
 * single-writer).
 */
final class BatchIngestor
{
    static final int KIND_EVENT = RecordKeys.KIND_EVENT;
    static final int KIND_GROUP = RecordKeys.KIND_GROUP;

    private final RecordSink sink;
    private final DedupWindow window;
    private final NodeIds nodeIds;
    private final ServerCounters counters;
    private final ErrorLog errors;
    private final Object lock = new Object();
    private final UnsafeBuffer view = new UnsafeBuffer(new byte[0]);
    private final Ack.Builder ack = Ack.newBuilder();
    private int[] addedNodes = new int[1024];
    private long[] addedIds = new long[1024];
    // The last record node identity seen and its number: a batch's records nearly always share one.
    private long lastNodeId;
    private int lastNodeIndex = NodeIds.FULL;

    BatchIngestor(final RecordSink sink, final DedupWindow window, final NodeIds nodeIds, final ServerCounters counters,
        final ErrorLog errors)
    {
        this.sink = sink;
        this.window = window;
        this.nodeIds = nodeIds;
        this.counters = counters;
        this.errors = errors;
    }

    /**
     * Ingests one batch from the node that calls itself {@code nodeName}.
     *
     * @throws io.grpc.StatusException UNAVAILABLE when the sink failed (the batch must be resent),
     *                                 RESOURCE_EXHAUSTED when the records name more nodes than can be numbered
     */
    Ack ingest(final String nodeName, final Batch batch) throws io.grpc.StatusException
    {
        synchronized (lock)
        {
            return ingestLocked(nodeName, batch);
        }
    }

    private int nodeIndex(final long nodeId)
    {
        if (nodeId != lastNodeId || lastNodeIndex == NodeIds.FULL)
        {
            lastNodeIndex = nodeIds.indexOf(nodeId);
            lastNodeId = nodeId;
        }
        return lastNodeIndex;
    }

    private Ack ingestLocked(final String nodeName, final Batch batch)
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
        Throwable appendFailure = null;
        long unnumberedNode = 0;
        boolean nodesFull = false;
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
                    final long nodeId = RecordKeys.nodeIdOf(view, start, kind);
                    final int index = nodeIndex(nodeId);
                    if (index == NodeIds.FULL)
                    {
                        unnumberedNode = nodeId;
                        nodesFull = true;
                        break;
                    }
                    final int key = index << 1 | kind;
                    final long id = RecordKeys.idOf(view, start, kind);
                    if (window.isDuplicate(key, id))
                    {
                        duplicates++;
                    }
                    else
                    {
                        try
                        {
                            sink.append(view, start, length);
                        }
                        catch (final RuntimeException | Error ex)
                        {
                            appendFailure = ex;
                            break;
                        }
                        window.add(key, id);
                        remember(added++, key, id);
                        accepted++;
                    }
                }
                offset = start + length;
            }
            if (framing == 0 && appendFailure == null && !nodesFull && seen != declared && firstError == null)
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
        if (appendFailure != null || nodesFull)
        {
            // What was appended before the failure is flushed and keeps its keys: the resend drops it.
            counters.records.getAndAdd(seen);
            counters.accepted.getAndAdd(accepted);
            counters.duplicates.getAndAdd(duplicates);
            if (malformed > 0)
            {
                counters.rejectedMalformed.getAndAdd(malformed);
            }
            if (appendFailure != null)
            {
                counters.sinkErrors.getAndAdd(1);
                errors.record("bridge.sink", "bridge server: sink refused a record of batch " + batch.getSequence() +
                    " of node " + nodeName + " after " + accepted + " were appended: " + appendFailure +
                    " (the batch is not acked; the node resends it)");
                throw Status.UNAVAILABLE.withDescription("server sink failed: " + appendFailure.getMessage())
                    .withCause(appendFailure).asException();
            }
            errors.record("bridge.nodes", "bridge server: batch " + batch.getSequence() + " of node " + nodeName +
                " carries records of node id " + Long.toUnsignedString(unnumberedNode, 16) + " but " +
                nodeIds.maxNodes() + " node ids are already numbered (the batch is not acked)");
            throw Status.RESOURCE_EXHAUSTED.withDescription("server knows too many node ids to number " +
                Long.toUnsignedString(unnumberedNode, 16)).asException();
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
