package dev.tapio.bridge.server;

import org.agrona.DirectBuffer;

/**
 * Where the {@link IngestServer} puts the records it accepted: in production the server's own
 * journal. For each batch the server calls {@link #append} once per accepted record (validated, not a
 * duplicate), then {@link #flush} once, and only when both returned does it ack the batch to the node.
 * So whatever {@code append} + {@code flush} guarantee (for a Chronicle Queue journal: the bytes are in
 * the memory-mapped file and survive a crash of the process) is what an ack promises.
 *
 * <p>Threading: calls are serialised (never concurrent); with the server's default executor they all
 * come from its one ingest thread. During a call {@link IngestContext} tells the stream's trace context.
 * A call that throws fails the stream and the batch is not acked; the node resends it. If {@code append}
 * throws, the records appended before it in the batch are flushed and stay in the dedup window (they are
 * kept, so the resend drops them); if {@code flush} throws, every record of the batch leaves the window
 * again (nothing of it is known to be durable, so the resend is accepted whole).
 */
public interface RecordSink
{
    /**
     * Appends one record: {@code length} bytes at {@code offset} hold one validated SBE message of schema
     * 7301 (an Event or a Group). The bytes are valid only during the call.
     */
    void append(DirectBuffer buffer, int offset, int length);

    /** Makes every record appended so far as durable as an ack promises. Called once per batch. */
    void flush();
}
