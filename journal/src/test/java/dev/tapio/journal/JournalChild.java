package dev.tapio.journal;

import dev.tapio.engine.metrics.EngineCounters;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The other process of the cross-process tests, started as a child JVM:
 * {@code append DIR N} appends events 0 … N-1 (N = -1: until killed), printing {@code appended ID}
 * every 1000; {@code ack DIR NAME N} reads N records with tailer NAME, acks the last, prints
 * {@code acked INDEX} and waits to be killed.
 */
public final class JournalChild
{
    private JournalChild()
    {
    }

    public static void main(final String[] args) throws Exception
    {
        final Path dir = Path.of(args[1]);
        final JournalSettings settings = JournalSettings.builder().dir(dir).build();
        if ("append".equals(args[0]))
        {
            final long n = Long.parseLong(args[2]);
            try (Journal j = Journal.open(settings, new EngineCounters()))
            {
                final List<org.agrona.DirectBuffer> events = new ArrayList<>();
                for (long id = 0; n < 0 || id < n; id++)
                {
                    final byte[] e = Records.event(id, Records.TIME + id);
                    if (j.append(Records.direct(e, 0), 0, e.length) < 0)
                    {
                        throw new IllegalStateException("append failed at " + id);
                    }
                    if (id % 1000 == 999)
                    {
                        System.out.println("appended " + id);
                        System.out.flush();
                    }
                }
                events.clear();
            }
            System.out.println("done");
        }
        else if ("ack".equals(args[0]))
        {
            final int n = Integer.parseInt(args[3]);
            final JournalTailer t = JournalTailer.open(settings, args[2]);
            final long[] last = {-1};
            int read = 0;
            while (read < n)
            {
                read += t.poll((index, template, b, o, l) -> last[0] = index, n - read);
            }
            t.ack(last[0]);
            System.out.println("acked " + last[0]);
            System.out.flush();
            Thread.sleep(Long.MAX_VALUE);
        }
    }
}
