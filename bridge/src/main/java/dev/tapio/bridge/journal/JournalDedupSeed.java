package dev.tapio.bridge.journal;

import dev.tapio.bridge.server.DedupWindow;
import dev.tapio.bridge.server.NodeIds;
import dev.tapio.bridge.server.RecordKeys;
import dev.tapio.journal.JournalReader;
import dev.tapio.journal.JournalSettings;

import java.io.IOException;
import java.nio.file.Files;

/**
 * Rebuilds a server's dedup state from its own journal at startup: the keys of the last
 * {@code window.capacity()} records, oldest first, exactly as {@link dev.tapio.bridge.server.IngestServer}
 * would have added them when it accepted them. Without it a restarted server forgets what it journaled,
 * and the batches nodes resend after the restart (their in-flight window, unacked when the old server
 * stopped) would be journaled twice.
 *
 * <pre>
 *   server journal:  … │ r(n-cap) │ … │ r(n-1) │        seekLast(cap), read forward
 *                          └──── RecordKeys.remember(window, nodeIds, r) ────┘
 * </pre>
 *
 * Reading half a million records takes a fraction of a second; it happens before the listener opens.
 */
public final class JournalDedupSeed
{
    private JournalDedupSeed()
    {
    }

    /**
     * Adds the keys of the journal's last {@code window.capacity()} records to {@code window}, numbering
     * their nodes in {@code nodeIds}.
     *
     * @return the number of records read (0 for a journal that does not exist yet).
     */
    public static long seed(final JournalSettings journal, final DedupWindow window, final NodeIds nodeIds)
        throws IOException
    {
        if (!Files.isDirectory(journal.dir()))
        {
            return 0;
        }
        final long[] read = new long[1];
        try (JournalReader reader = JournalReader.open(journal))
        {
            reader.seekLast(window.capacity());
            while (!reader.done())
            {
                reader.read((index, template, buffer, offset, length) ->
                {
                    read[0]++;
                    RecordKeys.remember(window, nodeIds, buffer, offset, length);
                }, 65_536);
            }
        }
        return read[0];
    }
}
