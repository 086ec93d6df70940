package dev.tapio.bench;

import dev.tapio.codecs.sbe.EventEncoder;
import dev.tapio.codecs.sbe.MessageHeaderEncoder;
import dev.tapio.engine.metrics.EngineCounters;
import dev.tapio.journal.Journal;
import dev.tapio.journal.JournalSettings;
import net.openhft.chronicle.queue.ExcerptAppender;
import net.openhft.chronicle.queue.RollCycles;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueueBuilder;
import net.openhft.chronicle.wire.DocumentContext;
import org.agrona.BufferUtil;
import org.agrona.IoUtil;
import org.agrona.concurrent.UnsafeBuffer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Cost of journaling one enriched event (the 526-byte {@link PodEvent}, in a direct buffer as in a ring
 * slot), beside two baselines that write the same bytes without Chronicle:
 *
 * <pre>
 *   journalAppend            Journal.append → Chronicle writingDocument → copy into the mapped cycle file
 *   chronicleAppend          the same through Chronicle alone (writingDocument + unsafeWrite): Journal's own share
 *   mappedFileBaseline       length + bytes copied into a plain MappedByteBuffer (64 MiB regions, remapped in turn)
 *   fileChannelBaseline      bytes copied into a 64 KiB direct buffer, FileChannel.write when full
 *   journalAppendThenSync    1,000 appends then one fsync of the cycle file (the cost of journal.sync, per record)
 *   journalAppendSync10ms    journalAppend while the housekeeper thread fsyncs every 10 ms (sync: 10ms)
 *   journalAppendPretouched  journalAppend while the housekeeper touches the pages ahead (pretouch: true)
 * </pre>
 *
 * Every iteration writes into a fresh directory under {@code -Dtapio.bench.dir} (default java.io.tmpdir),
 * deleted at its end, so page cache and disk use stay bounded and every run pays for fresh pages.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {
    "--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED",
    "--add-opens", "java.base/java.nio=ALL-UNNAMED",
    "--add-exports", "java.base/sun.nio.ch=ALL-UNNAMED",
    "--add-exports", "java.base/jdk.internal.ref=ALL-UNNAMED",
    "--add-opens", "java.base/java.lang.reflect=ALL-UNNAMED",
    "-Dchronicle.analytics.disable=true" })
public class JournalAppendBenchmark
{
    private static final int REGION = 64 << 20;
    private static final int SYNC_BATCH = 1000;

    private final UnsafeBuffer slot = new UnsafeBuffer(BufferUtil.allocateDirectAligned(1024, 64));
    private int length;
    private Path dir;
    private Journal journal;
    private Journal syncedJournal;
    private Journal pretouchedJournal;
    private SingleChronicleQueue rawQueue;
    private ExcerptAppender rawAppender;
    private FileChannel mappedChannel;
    private MappedByteBuffer region;
    private UnsafeBuffer regionBuffer;
    private long regionStart;
    private int regionPosition;
    private FileChannel channel;
    private ByteBuffer writeBuffer;
    private UnsafeBuffer writeBufferView;

    @Setup(Level.Trial)
    public void encode()
    {
        length = PodEvent.variant(0).encode(slot, 0, new MessageHeaderEncoder(), new EventEncoder(), true,
            PodEvent.EVENT_ID, PodEvent.INGEST_TIMESTAMP);
    }

    @Setup(Level.Iteration)
    public void open() throws IOException
    {
        dir = Files.createTempDirectory(Path.of(System.getProperty("tapio.bench.dir", System.getProperty("java.io.tmpdir"))),
            "tapio-journal-bench-");
        journal = Journal.open(JournalSettings.builder().dir(dir.resolve("journal")).retention(null).maxDiskBytes(0)
            .minFreeDiskBytes(0).pretouch(false).build(), new EngineCounters());
        pretouchedJournal = Journal.open(JournalSettings.builder().dir(dir.resolve("pretouched")).retention(null)
            .maxDiskBytes(0).minFreeDiskBytes(0).pretouch(true).build(), new EngineCounters()).startHousekeeper();
        syncedJournal = Journal.open(JournalSettings.builder().dir(dir.resolve("synced")).retention(null).maxDiskBytes(0)
            .minFreeDiskBytes(0).pretouch(false).syncInterval(java.time.Duration.ofMillis(10)).build(), new EngineCounters()).startHousekeeper();
        rawQueue = SingleChronicleQueueBuilder.binary(dir.resolve("raw")).rollCycle(RollCycles.FAST_HOURLY).build();
        rawAppender = rawQueue.createAppender();
        mappedChannel = FileChannel.open(dir.resolve("plain.dat"), StandardOpenOption.CREATE_NEW,
            StandardOpenOption.READ, StandardOpenOption.WRITE);
        regionStart = 0;
        mapRegion();
        channel = FileChannel.open(dir.resolve("channel.dat"), StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        writeBuffer = ByteBuffer.allocateDirect(64 << 10);
        writeBufferView = new UnsafeBuffer(writeBuffer);
    }

    private void mapRegion() throws IOException
    {
        if (region != null)
        {
            IoUtil.unmap(region);
        }
        region = mappedChannel.map(FileChannel.MapMode.READ_WRITE, regionStart, REGION);
        regionBuffer = new UnsafeBuffer(region);
        regionPosition = 0;
    }

    @TearDown(Level.Iteration)
    public void close() throws IOException
    {
        journal.close();
        syncedJournal.close();
        pretouchedJournal.close();
        rawAppender.close();
        rawQueue.close();
        IoUtil.unmap(region);
        region = null;
        mappedChannel.close();
        channel.close();
        try (Stream<Path> s = Files.walk(dir))
        {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    @Benchmark
    public long journalAppend()
    {
        return journal.append(slot, 0, length);
    }

    @Benchmark
    public long journalAppendPretouched()
    {
        return pretouchedJournal.append(slot, 0, length);
    }

    @Benchmark
    public long journalAppendSync10ms()
    {
        return syncedJournal.append(slot, 0, length);
    }

    @Benchmark
    public long chronicleAppend()
    {
        try (DocumentContext dc = rawAppender.writingDocument())
        {
            dc.wire().bytes().unsafeWrite(slot.addressOffset(), length);
        }
        return rawAppender.lastIndexAppended();
    }

    @Benchmark
    public int mappedFileBaseline() throws IOException
    {
        if (regionPosition + 4 + length > REGION)
        {
            regionStart += REGION;
            mapRegion();
        }
        regionBuffer.putInt(regionPosition, length);
        regionBuffer.putBytes(regionPosition + 4, slot, 0, length);
        regionPosition += (4 + length + 7) & ~7;
        return regionPosition;
    }

    @Benchmark
    public int fileChannelBaseline() throws IOException
    {
        if (writeBuffer.position() + length > writeBuffer.capacity())
        {
            writeBuffer.flip();
            while (writeBuffer.hasRemaining())
            {
                channel.write(writeBuffer);
            }
            writeBuffer.clear();
        }
        final int p = writeBuffer.position();
        writeBufferView.putBytes(p, slot, 0, length);
        writeBuffer.position(p + length);
        return p;
    }

    @Benchmark
    @OperationsPerInvocation(SYNC_BATCH)
    public long journalAppendThenSync()
    {
        long last = 0;
        for (int i = 0; i < SYNC_BATCH; i++)
        {
            last = journal.append(slot, 0, length);
        }
        journal.syncNow();
        return last;
    }
}
