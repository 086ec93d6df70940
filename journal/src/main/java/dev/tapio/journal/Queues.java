package dev.tapio.journal;

import net.openhft.chronicle.queue.RollCycle;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueueBuilder;

import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/** Building the journal's Chronicle queue the same way everywhere, and naming its cycle files. Stateless. */
final class Queues
{
    static final String SUFFIX = ".cq4";

    private Queues()
    {
    }

    static SingleChronicleQueue build(final JournalSettings settings, final Path dir, final boolean readOnly)
    {
        final SingleChronicleQueueBuilder b = SingleChronicleQueueBuilder.binary(dir)
            .rollCycle(settings.rollCycle())
            .timeProvider(settings.timeProvider())
            .readOnly(readOnly);
        if (settings.blockSize() > 0)
        {
            b.blockSize(settings.blockSize());
        }
        return b.build();
    }

    /** The formatter Chronicle names cycle files with (its roll cycles are in UTC unless a roll time zone is set). */
    static DateTimeFormatter formatter(final RollCycle rollCycle)
    {
        return DateTimeFormatter.ofPattern(rollCycle.format()).withZone(ZoneOffset.UTC);
    }

    /** Epoch milliseconds at which {@code cycle} starts. */
    static long cycleStartMillis(final SingleChronicleQueue queue, final int cycle)
    {
        return queue.epoch() + (long)cycle * queue.rollCycle().lengthInMillis();
    }

    static Path cycleFile(final SingleChronicleQueue queue, final DateTimeFormatter formatter, final Path dir, final int cycle)
    {
        return dir.resolve(formatter.format(Instant.ofEpochMilli(cycleStartMillis(queue, cycle))) + SUFFIX);
    }
}
