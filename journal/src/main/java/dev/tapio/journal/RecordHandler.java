package dev.tapio.journal;

import org.agrona.DirectBuffer;

/**
 * Receives journal records from a {@link JournalTailer} or {@link JournalReader}. The buffer is a
 * view of the mapped queue file, valid only during the call: copy what must outlive it.
 */
@FunctionalInterface
public interface RecordHandler
{
    /**
     * @param index      the record's Chronicle index (cycle and sequence); what {@link JournalTailer#ack} takes.
     * @param templateId {@link JournalRecords#EVENT} or {@link JournalRecords#GROUP} (or another template of
     *                   the schema, written by a later version).
     * @param buffer     the SBE message, header first, at {@code offset} for {@code length} bytes.
     */
    void onRecord(long index, int templateId, DirectBuffer buffer, int offset, int length);
}
