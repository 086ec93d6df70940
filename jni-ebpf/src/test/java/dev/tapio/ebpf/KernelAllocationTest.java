package dev.tapio.ebpf;

import dev.tapio.codecs.EventDraft;
import dev.tapio.codecs.EventFrames;
import dev.tapio.codecs.sbe.EventType;
import dev.tapio.engine.spi.Publisher;
import dev.tapio.engine.spi.SlotWriter;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Once warm, turning kernel records into encoded events allocates nothing per record (a guard beside
 * JMH's -prof gc): exec, exit and reset records, as the shim lays them out, through the collector's own
 * decode and a publisher that encodes into a slot. No kernel needed.
 */
class KernelAllocationTest
{
    private static final int RECORDS_PER_POLL = 300;
    private static final int POLLS = 200;

    private static long allocated()
    {
        return ((com.sun.management.ThreadMXBean)ManagementFactory.getThreadMXBean()).getCurrentThreadAllocatedBytes();
    }

    /** Encodes each published event into one slot, counting events; allocates nothing itself. */
    static final class SlotPublisher implements Publisher
    {
        final UnsafeBuffer slot = new UnsafeBuffer(new byte[1024]);
        long published;
        long bytes;

        @Override
        public int publish(final EventDraft draft)
        {
            throw new UnsupportedOperationException();
        }

        @Override
        public <A> int publish(final SlotWriter<A> writer, final A arg)
        {
            return publishBatch(writer, arg, 1, 0, 0);
        }

        @Override
        public <A> int publishBatch(final SlotWriter<A> writer, final A arg, final int count, final long originNanos,
            final long originStepNanos)
        {
            for (int i = 0; i < count; i++)
            {
                final int n = writer.write(slot, slot.capacity(), 1L, published + 1, i, arg);
                assertTrue(n > 0, "encoded");
                bytes += n;
                published++;
            }
            return count;
        }

        @Override
        public int publishRaw(final DirectBuffer src, final int offset, final int length)
        {
            throw new UnsupportedOperationException();
        }

        @Override
        public void reject(final String reason)
        {
            throw new AssertionError(reason);
        }

        @Override
        public int maxEventLength()
        {
            return slot.capacity();
        }
    }

    @Test
    void decodingAndEncodingKernelRecordsAllocatesNothingOnceWarm()
    {
        Assumptions.assumeTrue(ManagementFactory.getThreadMXBean() instanceof com.sun.management.ThreadMXBean,
            "needs HotSpot's per-thread allocation counter");
        final KernelCollector collector = new KernelCollector("kernel", KernelSettings.defaults().withPerfPages(1));
        final UnsafeBuffer poll = new UnsafeBuffer(collector.pollBuffer());
        int n = 0;
        for (int i = 0; i < RECORDS_PER_POLL; i++)
        {
            n = record(poll, n, i % 3 == 0 ? KernelRecord.EXEC : i % 3 == 1 ? KernelRecord.EXIT : KernelRecord.RESET, i);
        }
        final SlotPublisher publisher = new SlotPublisher();
        for (int round = 0; round < 300; round++)      // warm up: JIT
        {
            collector.publishAll(publisher, n);
        }
        final long before = allocated();
        for (int round = 0; round < POLLS; round++)
        {
            collector.publishAll(publisher, n);
        }
        final long perRecord = (allocated() - before) / ((long)POLLS * RECORDS_PER_POLL);
        assertEquals(0, perRecord, "bytes allocated per record");
        assertEquals((300L + POLLS) * RECORDS_PER_POLL, publisher.published);

        final EventDraft d = new EventDraft().from(new dev.tapio.codecs.sbe.EventDecoder()
            .wrap(publisher.slot, EventFrames.HEADER_LENGTH, dev.tapio.codecs.sbe.EventDecoder.BLOCK_LENGTH,
                dev.tapio.codecs.sbe.EventDecoder.SCHEMA_VERSION));
        assertEquals(EventType.KERNEL_NETWORK_RESET, d.type, "the last record was a reset");
        assertEquals("TCP connection refused 127.0.0.1:40000 -> 127.0.0.1:9 (SYN_SENT)", d.text(EventDraft.MESSAGE).toString());
    }

    /** Writes one record as the shim lays it out: [u32 length][struct tapio_event][padding]; returns the next offset. */
    private static int record(final UnsafeBuffer b, final int at, final int kind, final int i)
    {
        final int r = at + 4;
        b.setMemory(r, KernelRecord.LENGTH, (byte)0);
        b.putInt(at, KernelRecord.LENGTH, ByteOrder.LITTLE_ENDIAN);
        b.putInt(r + KernelRecord.KIND, kind, ByteOrder.LITTLE_ENDIAN);
        b.putInt(r + KernelRecord.PID, 1000 + i, ByteOrder.LITTLE_ENDIAN);
        b.putInt(r + KernelRecord.TID, 1000 + i, ByteOrder.LITTLE_ENDIAN);
        b.putInt(r + KernelRecord.PPID, 1, ByteOrder.LITTLE_ENDIAN);
        b.putLong(r + KernelRecord.TS_NS, 1_000_000L * i, ByteOrder.LITTLE_ENDIAN);
        b.putLong(r + KernelRecord.CGROUP_ID, 1_000_000_000L + i % 7, ByteOrder.LITTLE_ENDIAN);   // seven cgroups, none a container
        b.putBytes(r + KernelRecord.COMM, "worker".getBytes(StandardCharsets.US_ASCII));
        if (kind == KernelRecord.EXEC)
        {
            b.putBytes(r + KernelRecord.FILENAME, "/usr/bin/worker".getBytes(StandardCharsets.US_ASCII));
        }
        else if (kind == KernelRecord.EXIT)
        {
            b.putInt(r + KernelRecord.EXIT_CODE, i & 7, ByteOrder.LITTLE_ENDIAN);
        }
        else
        {
            b.putShort(r + KernelRecord.NET_FAMILY, (short)KernelRecord.AF_INET, ByteOrder.LITTLE_ENDIAN);
            b.putShort(r + KernelRecord.NET_SPORT, (short)40000, ByteOrder.LITTLE_ENDIAN);
            b.putShort(r + KernelRecord.NET_DPORT, (short)9, ByteOrder.LITTLE_ENDIAN);
            b.putBytes(r + KernelRecord.NET_SADDR, new byte[]{ 127, 0, 0, 1 });
            b.putBytes(r + KernelRecord.NET_DADDR, new byte[]{ 127, 0, 0, 1 });
            b.putLong(r + KernelRecord.AUX, 2, ByteOrder.LITTLE_ENDIAN);
        }
        return at + ((4 + KernelRecord.LENGTH + 7) & ~7);
    }
}
