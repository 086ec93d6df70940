package dev.tapio.bridge;

/**
 * Where the {@link ServerBridge} reads records from: in production a named tailer of the node's
 * journal with a durable position. Two calls, both made only on the bridge's own thread (a journal
 * tailer need not be thread-safe):
 *
 * <ul>
 *   <li>{@link #poll} appends the next records, in journal order, to a batch under construction;</li>
 *   <li>{@link #ack} says that every record up to an index is durably held by the server, so the
 *       tailer may persist that position (a restart resumes after it).</li>
 * </ul>
 *
 * <p>The source never rewinds: the bridge keeps every batch it sent until that batch is acked and
 * resends those itself after a failure. After a process restart the source starts after its last
 * acked index, which is the same place, so delivery is at least once either way.
 */
public interface RecordSource
{
    /**
     * Appends up to {@code maxRecords} records following the ones returned so far, each with its
     * journal index (strictly increasing), by {@link RecordBatchBuilder#append}. Stops at the first
     * record {@code append} refuses (the batch is full) and returns that record first on the next poll.
     * Never blocks.
     *
     * @param batch      the batch to append to; it may already hold records from an earlier poll
     * @param maxRecords the most records to append in this call (≥ 1)
     * @param maxBytes   the bytes left in the batch, framing included; a hint (append enforces it)
     * @return the number of records appended, 0 when none is available now
     */
    int poll(RecordBatchBuilder batch, int maxRecords, int maxBytes);

    /**
     * Every record up to and including {@code lastIndex} reached the server's journal. Called with
     * increasing indexes, each one an index this source returned.
     */
    void ack(long lastIndex);
}
