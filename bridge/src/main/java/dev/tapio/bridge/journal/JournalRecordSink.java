package dev.tapio.bridge.journal;

import dev.tapio.bridge.server.RecordSink;
import dev.tapio.journal.Journal;
import org.agrona.DirectBuffer;

/**
 * The server's {@link RecordSink}: each accepted record is appended to the server's own {@link Journal}.
 * An append that returned is in the memory-mapped queue file, i.e. in the kernel's page cache, and so
 * survives a crash of the server process (docs/DURABILITY.md); that is what the server's ack promises, so
 * {@link #flush()} has nothing to do. (The journal's {@code sync} interval bounds a machine crash, as on
 * the node.)
 *
 * <p>A record the journal refuses ({@link Journal#DISK_FULL}, {@link Journal#UNAVAILABLE}, or
 * {@link Journal#CLOSED} while the server stops) fails the batch: {@code append} throws
 * {@link RefusedException}, the ingest layer does not ack, the records of the batch appended before it
 * stay journaled and in the dedup window, and the node resends the batch after its back-off — by then
 * the journal's own retry back-off may have found space again. Nothing is dropped silently and nothing is
 * acked that is not journaled. The journal counts each refusal
 * ({@code tapio_journal_append_failures_total{reason}}).
 *
 * <p>Threading: the server's ingest thread (calls are serialised). Allocates nothing per record; a
 * refusal allocates its exception (once per failed batch).
 */
public final class JournalRecordSink implements RecordSink
{
    private final Journal journal;

    public JournalRecordSink(final Journal journal)
    {
        this.journal = journal;
    }

    @Override
    public void append(final DirectBuffer buffer, final int offset, final int length)
    {
        final long index = journal.append(buffer, offset, length);
        if (index < 0)
        {
            throw new RefusedException(journal, index);
        }
    }

    /** Nothing to do: an append that returned is already as durable as an ack promises. */
    @Override
    public void flush()
    {
    }

    public Journal journal()
    {
        return journal;
    }

    /** The journal refused a record: the batch must not be acked. */
    public static final class RefusedException extends RuntimeException
    {
        private static final long serialVersionUID = 1L;
        private final long code;

        RefusedException(final Journal journal, final long code)
        {
            super("journal " + journal.dir() + " refused a record: " + describe(code), null, false, false);
            this.code = code;
        }

        /** {@link Journal#DISK_FULL}, {@link Journal#UNAVAILABLE}, {@link Journal#MALFORMED} or {@link Journal#CLOSED}. */
        public long code()
        {
            return code;
        }

        static String describe(final long code)
        {
            if (code == Journal.DISK_FULL)
            {
                return "disk full";
            }
            if (code == Journal.UNAVAILABLE)
            {
                return "unavailable (I/O error; retrying with back-off)";
            }
            if (code == Journal.MALFORMED)
            {
                return "not an SBE Event or Group";
            }
            if (code == Journal.CLOSED)
            {
                return "closed";
            }
            return "code " + code;
        }
    }
}
