package dev.tapio.bridge.journal;

import dev.tapio.bridge.TestRecords;
import dev.tapio.bridge.config.BridgeConfig;
import dev.tapio.bridge.server.DedupWindow;
import dev.tapio.bridge.server.IngestServer;
import dev.tapio.bridge.server.NodeIds;
import dev.tapio.bridge.server.RecordSink;
import dev.tapio.engine.config.ConfigNode;
import dev.tapio.engine.metrics.EngineCounters;
import dev.tapio.journal.Journal;
import dev.tapio.journal.JournalReader;
import dev.tapio.journal.JournalSettings;
import org.agrona.DirectBuffer;
import org.agrona.collections.LongArrayList;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Node journal → JournalRecordSource → ServerBridge → IngestServer → JournalRecordSink → server journal, on
 * loopback: a server restart that forgets nothing (its dedup window is rebuilt from its journal), a journal
 * that refuses a record mid-batch, and the node's drain.
 */
class JournalToJournalTest
{
    @TempDir
    Path dir;

    private final List<AutoCloseable> closeables = new ArrayList<>();
    private final ByteArrayOutputStream log = new ByteArrayOutputStream();
    private final PrintStream logOut = new PrintStream(log, true);

    @AfterEach
    void closeAll() throws Exception
    {
        for (int i = closeables.size() - 1; i >= 0; i--)
        {
            closeables.get(i).close();
        }
    }

    private JournalSettings nodeJournal()
    {
        return JournalSettings.builder().dir(dir.resolve("node")).build();
    }

    private JournalSettings serverJournal()
    {
        return JournalSettings.builder().dir(dir.resolve("server")).build();
    }

    private Journal journal(final JournalSettings s) throws IOException
    {
        return Journal.open(s, new EngineCounters());
    }

    private static void appendEvents(final Journal j, final long firstId, final int n)
    {
        final UnsafeBuffer b = new UnsafeBuffer(new byte[TestRecords.length()]);
        for (int i = 0; i < n; i++)
        {
            TestRecords.write(b, 0, firstId + i);
            assertTrue(j.append(b, 0, b.capacity()) >= 0);
        }
    }

    private BridgeConfig bridgeConfig(final int port) throws Exception
    {
        return BridgeConfig.read(ConfigNode.parse("test.yaml",
            "enabled: true\n" +
            "target: 127.0.0.1:" + port + "\n" +
            "nodeId: node-1\n" +
            "batch: { maxRecords: 500, linger: 1ms }\n" +
            "backoff: { base: 5ms, cap: 50ms }\n" +
            "breaker: { threshold: 3, open: 100ms, halfOpenTrials: 2 }\n" +
            "ackTimeout: 5s\n"));
    }

    private static LongArrayList serverIds(final JournalSettings s) throws IOException
    {
        final LongArrayList ids = new LongArrayList();
        try (JournalReader r = JournalReader.open(s))
        {
            r.seek(Long.MIN_VALUE, Long.MAX_VALUE);
            while (!r.done())
            {
                r.read((index, template, b, o, l) -> ids.addLong(TestRecords.eventId(b, o)), 10_000);
            }
        }
        return ids;
    }

    private static void assertExactlyOnceInOrder(final LongArrayList ids, final long first, final int n)
    {
        assertEquals(n, ids.size(), "records in the server journal");
        for (int i = 0; i < n; i++)
        {
            if (ids.getLong(i) != first + i)
            {
                fail("record " + i + " is event " + ids.getLong(i) + ", expected " + (first + i));
            }
        }
    }

    @Test
    void aRestartedServerRebuildsItsDedupWindowFromItsJournalSoResendsAreNotJournaledTwice() throws Exception
    {
        final int n = 30_000;
        final Journal node = journal(nodeJournal());
        closeables.add(node);
        appendEvents(node, 1_000_000, n);

        Journal serverJournal = journal(serverJournal());
        final BlockingSink firstSink = new BlockingSink(new JournalRecordSink(serverJournal), n / 2);
        final IngestServer first = IngestServer.builder().listen("127.0.0.1:0").sink(firstSink)
            .dedupCapacity(1 << 16).errorLog(logOut, 5).build().start();
        final int port = first.port();
        final EngineCounters nodeCounters = new EngineCounters();
        final JournalBridge bridge = JournalBridge.start(nodeJournal(), bridgeConfig(port), "ignored", nodeCounters, logOut);
        closeables.add(bridge);

        assertTrue(firstSink.blocked.await(30, TimeUnit.SECONDS), "the server reached the middle of the run");
        first.shutdownNow();
        await(() -> bridge.counters().streamFailures() >= 1, () -> "the node never saw the stream fail");
        firstSink.release.countDown();      // the batch in hand is journaled, but its ack is never delivered
        assertTrue(first.awaitTermination(Duration.ofSeconds(10)));
        serverJournal.close();

        // a new server process: new journal instance, dedup state only from the journal
        serverJournal = journal(serverJournal());
        closeables.add(serverJournal);
        final DedupWindow window = new DedupWindow(1 << 16);
        final NodeIds nodeIds = new NodeIds();
        final long seeded = JournalDedupSeed.seed(serverJournal(), window, nodeIds);
        assertTrue(seeded >= n / 2, "seeded from " + seeded + " records");
        assertEquals(1, nodeIds.size(), "one producing node in the journal");
        final Journal sj = serverJournal;
        final IngestServer second = startOnPort(() -> IngestServer.builder().listen("127.0.0.1:" + port)
            .sink(new JournalRecordSink(sj)).dedupWindow(window).nodeIds(nodeIds).errorLog(logOut, 5).build());
        closeables.add(second);

        assertTrue(bridge.drain(Duration.ofSeconds(60)), "the node caught up");
        assertTrue(second.counters().duplicates() >= 1, "the journaled-but-unacked batch came again and was dropped");
        assertExactlyOnceInOrder(serverIds(serverJournal()), 1_000_000, n);
        assertEquals(n, nodeCounters.snapshot().get("tapio_bridge_records_acked_total"));
    }

    @Test
    void aRecordTheJournalRefusesFailsTheBatchAndTheResendAddsOnlyTheRest() throws Exception
    {
        final int n = 5_000;
        final Journal node = journal(nodeJournal());
        closeables.add(node);
        appendEvents(node, 50, n);

        final Journal serverJournal = journal(serverJournal());
        closeables.add(serverJournal);
        final JournalRecordSink journalSink = new JournalRecordSink(serverJournal);
        final AtomicInteger appends = new AtomicInteger();
        final RecordSink refusingOnce = new RecordSink()
        {
            @Override
            public void append(final DirectBuffer buffer, final int offset, final int length)
            {
                if (appends.incrementAndGet() == 1_234)
                {
                    throw new IllegalStateException("journal refused a record (test): disk full");
                }
                journalSink.append(buffer, offset, length);
            }

            @Override
            public void flush()
            {
                journalSink.flush();
            }
        };
        final IngestServer server = IngestServer.builder().listen("127.0.0.1:0").sink(refusingOnce)
            .dedupCapacity(1 << 16).errorLog(logOut, 5).build().start();
        closeables.add(server);
        final JournalBridge bridge = JournalBridge.start(nodeJournal(), bridgeConfig(server.port()), "n", new EngineCounters(),
            logOut);
        closeables.add(bridge);

        assertTrue(bridge.drain(Duration.ofSeconds(60)), "the node caught up");
        assertEquals(1, server.counters().sinkErrors());
        assertTrue(server.counters().duplicates() >= 1, "the part appended before the refusal came again and was dropped");
        assertExactlyOnceInOrder(serverIds(serverJournal()), 50, n);
        assertTrue(log.toString().contains("sink refused a record"), log.toString());
    }

    @Test
    void aClosedOrFullJournalMakesTheSinkThrowSoTheBatchIsNotAcked() throws Exception
    {
        final Journal j = journal(serverJournal());
        final JournalRecordSink sink = new JournalRecordSink(j);
        final byte[] record = TestRecords.record(1);
        sink.append(new UnsafeBuffer(record), 0, record.length);
        j.close();
        final JournalRecordSink.RefusedException e = assertThrows(JournalRecordSink.RefusedException.class,
            () -> sink.append(new UnsafeBuffer(record), 0, record.length));
        assertEquals(Journal.CLOSED, e.code());
        assertTrue(e.getMessage().contains("closed") && e.getMessage().contains("server"), e.getMessage());

        // a journal whose free-space guard refuses
        final Journal full = Journal.open(JournalSettings.builder().dir(dir.resolve("full"))
            .minFreeDiskBytes(Long.MAX_VALUE / 2).build(), new EngineCounters());
        closeables.add(full);
        full.checkDisk();
        final JournalRecordSink fullSink = new JournalRecordSink(full);
        final JournalRecordSink.RefusedException e2 = assertThrows(JournalRecordSink.RefusedException.class,
            () -> fullSink.append(new UnsafeBuffer(record), 0, record.length));
        assertEquals(Journal.DISK_FULL, e2.code());
    }

    /** Journals through a JournalRecordSink and blocks after the n-th append until released. */
    private static final class BlockingSink implements RecordSink
    {
        final CountDownLatch blocked = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        private final RecordSink delegate;
        private final int blockAt;
        private int appended;

        BlockingSink(final RecordSink delegate, final int blockAt)
        {
            this.delegate = delegate;
            this.blockAt = blockAt;
        }

        @Override
        public void append(final DirectBuffer buffer, final int offset, final int length)
        {
            delegate.append(buffer, offset, length);
            if (++appended == blockAt)
            {
                blocked.countDown();
                try
                {
                    release.await(30, TimeUnit.SECONDS);
                }
                catch (final InterruptedException e)
                {
                    Thread.currentThread().interrupt();
                }
            }
        }

        @Override
        public void flush()
        {
            delegate.flush();
        }
    }

    private static IngestServer startOnPort(final Supplier<IngestServer> factory) throws Exception
    {
        final long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (true)
        {
            final IngestServer s = factory.get();
            try
            {
                return s.start();
            }
            catch (final IOException ex)
            {
                s.shutdownNow();
                if (System.nanoTime() > deadline)
                {
                    throw ex;
                }
                Thread.sleep(20); // waiting for the kernel to release a port, not synchronising threads
            }
        }
    }

    private static void await(final BooleanSupplier condition, final Supplier<String> message) throws InterruptedException
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!condition.getAsBoolean())
        {
            if (System.nanoTime() > deadline)
            {
                fail("timed out: " + message.get());
            }
            Thread.sleep(2); // polling with a deadline
        }
    }
}
