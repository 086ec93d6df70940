package dev.tapio.bridge.journal;

import dev.tapio.bridge.RecordBatchBuilder;
import dev.tapio.bridge.RecordSource;
import dev.tapio.journal.JournalSettings;
import dev.tapio.journal.JournalTailer;
import dev.tapio.journal.RecordHandler;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;

/**
 * The node's {@link RecordSource}: a named {@link JournalTailer} (by convention {@value #DEFAULT_TAILER})
 * whose durable position is the last record the server acknowledged. {@link #poll} copies records from
 * the mapped journal straight into the bridge's batch buffer; {@link #ack} persists the tailer position,
 * so after a crash or restart delivery resumes with the first record the server had not acked.
 *
 * <pre>
 *   journal:  … │ 41 │ 42 │ 43 │ 44 │ 45 │ 46 │ …
 *                      ▲ acked   ▲ polled (in the bridge's in-flight batches)
 *   poll → 46, 47 … into the batch;  ack(44) → tailers/bridge.ack;  restart → 45, 46, …
 * </pre>
 *
 * <p>The tailer hands over one record at a time and cannot take it back, so a record that does not fit
 * into the batch's remaining bytes is copied once into a spare buffer and returned first by the next
 * poll (one copy per batch boundary; the buffer grows only for a record larger than any before). Nothing
 * is allocated per record. Never blocks: at the end of the journal {@link #poll} returns 0.
 *
 * <p>Threading: {@link #poll} and {@link #ack} on the bridge's thread only; {@link #caughtUp()},
 * {@link #ackedIndex()} and {@link #polledIndex()} may be read from any thread.
 */
public final class JournalRecordSource implements RecordSource, RecordHandler, AutoCloseable
{
    /** The tailer name the node's bridge uses. */
    public static final String DEFAULT_TAILER = "bridge";

    private final JournalTailer tailer;
    private RecordBatchBuilder target;
    private boolean refused;
    private UnsafeBuffer spare = new UnsafeBuffer(new byte[4096]);
    private int spareLength = -1;
    private long spareIndex;
    private long polled;
    private volatile long polledIndex;
    private volatile long ackedIndex;
    private volatile boolean atEnd;

    public JournalRecordSource(final JournalTailer tailer)
    {
        this.tailer = tailer;
        polled = tailer.ackedIndex();
        polledIndex = polled;
        ackedIndex = polled;
    }

    /** Opens the tailer {@code name} on the journal of {@code settings} (throws when it is open elsewhere). */
    public static JournalRecordSource open(final JournalSettings settings, final String name) throws IOException
    {
        return new JournalRecordSource(JournalTailer.open(settings, name));
    }

    @Override
    public int poll(final RecordBatchBuilder batch, final int maxRecords, final int maxBytes)
    {
        int n = 0;
        if (spareLength >= 0)
        {
            if (!batch.append(spare, 0, spareLength, spareIndex))
            {
                return 0;
            }
            polled = spareIndex;
            spareLength = -1;
            n++;
        }
        target = batch;
        refused = false;
        boolean empty = false;
        while (n < maxRecords && !refused)
        {
            if (tailer.poll(this, 1) == 0)
            {
                empty = true;
                break;
            }
            if (!refused)
            {
                n++;
            }
        }
        target = null;
        if (n > 0)
        {
            polledIndex = polled;
        }
        atEnd = empty && spareLength < 0;
        return n;
    }

    @Override
    public void onRecord(final long index, final int templateId, final DirectBuffer buffer, final int offset, final int length)
    {
        if (target.append(buffer, offset, length, index))
        {
            polled = index;
            return;
        }
        // The batch is full: keep this record for the next poll (the tailer has moved past it).
        if (spare.capacity() < length)
        {
            spare = new UnsafeBuffer(new byte[Math.max(length, spare.capacity() * 2)]);
        }
        spare.putBytes(0, buffer, offset, length);
        spareLength = length;
        spareIndex = index;
        refused = true;
    }

    @Override
    public void ack(final long lastIndex)
    {
        tailer.ack(lastIndex);
        ackedIndex = lastIndex;
    }

    /**
     * True when the last poll found the end of the journal and everything polled was acked: the server
     * holds every record journaled so far (until the next append).
     */
    public boolean caughtUp()
    {
        return atEnd && ackedIndex == polledIndex;
    }

    /** The durable position: the last index the server acked (-1 before the first ack ever). */
    public long ackedIndex()
    {
        return ackedIndex;
    }

    /** The last index handed to the bridge. */
    public long polledIndex()
    {
        return polledIndex;
    }

    /** Where this run's delivery started (the record after the position acked by an earlier run). */
    public long resumedFrom()
    {
        return tailer.resumedFrom();
    }

    public JournalTailer tailer()
    {
        return tailer;
    }

    @Override
    public void close()
    {
        tailer.close();
    }
}
