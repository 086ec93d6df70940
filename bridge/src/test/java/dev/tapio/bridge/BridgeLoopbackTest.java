package dev.tapio.bridge;

import dev.tapio.journal.delivery.CircuitBreaker.State;
import dev.tapio.bridge.server.DedupWindow;
import dev.tapio.bridge.server.IngestServer;
import dev.tapio.bridge.server.NodeIds;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** The bridge end to end on real gRPC over 127.0.0.1: a ServerBridge delivering to an IngestServer. */
class BridgeLoopbackTest
{
    private static final String TOKEN = "s3cret-token";
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

    @Test
    void deliversEveryRecordOnceWithOrderedAcks() throws Exception
    {
        final int n = 50_000;
        final CollectingSink sink = new CollectingSink();
        final IngestServer server = server(sink, 0);
        final GeneratedSource source = new GeneratedSource(1_000_000, n);
        final ServerBridge bridge = bridge(source, server.port()).build().start();
        closeables.add(bridge);

        await(Duration.ofSeconds(60), () -> source.lastAcked() == n - 1,
            () -> "acked up to " + source.lastAcked() + " of " + (n - 1));

        assertFalse(source.ackOutOfOrder(), "acks strictly increasing and only for polled records");
        assertFalse(source.calledFromSeveralThreads(), "source used on the bridge's thread only");
        assertInOrderExactlyOnce(sink.ids(), 1_000_000, n);
        assertEquals(n, server.counters().accepted());
        assertEquals(0, server.counters().duplicates());
        assertEquals(n, bridge.counters().recordsAcked());
        assertEquals(bridge.counters().batchesSent(), server.counters().batchesAcked());
        assertEquals(1, bridge.counters().streamsOpened());
        assertEquals(State.CLOSED, bridge.breakerState());
        assertTrue(source.ackCount() >= 1 && source.ackCount() <= bridge.counters().batchesAcked());
    }

    @Test
    void survivesAServerRestartMidBatchThroughOpenAndHalfOpenAndDeliversEachRecordOnce() throws Exception
    {
        final int n = 40_000;
        final CollectingSink sink = new CollectingSink();
        sink.blockAt(n / 2);
        // The journal's dedup state outlives the listener, as a server rebuilt from its journal would have it.
        final DedupWindow window = new DedupWindow(1 << 16);
        final NodeIds nodeIds = new NodeIds();
        final IngestServer first = IngestServer.builder()
            .listen("127.0.0.1:0").sink(sink).bearerToken(TOKEN).dedupWindow(window).nodeIds(nodeIds)
            .errorLog(logOut, 5).build().start();
        final int port = first.port();

        final List<String> transitions = new CopyOnWriteArrayList<>();
        final GeneratedSource source = new GeneratedSource(7_000_000, n);
        final ServerBridge bridge = bridge(source, port)
            .maxBatchRecords(500)
            .backoff(Duration.ofMillis(5), Duration.ofMillis(50))
            .breaker(3, Duration.ofMillis(200), 2)
            .breakerListener((from, to) -> transitions.add(from + "->" + to))
            .build().start();
        closeables.add(bridge);

        assertTrue(sink.awaitBlocked(30), "the server reached the middle of the run");
        first.shutdownNow();
        // Only once the node has seen the stream die may the batch finish: it is then journaled, never acked.
        await(Duration.ofSeconds(30), () -> bridge.counters().streamFailures() >= 1, () -> "no stream failure seen");
        sink.release();
        assertTrue(first.awaitTermination(Duration.ofSeconds(10)));

        await(Duration.ofSeconds(30), () -> transitions.contains("CLOSED->OPEN"),
            () -> "breaker did not open: " + transitions);
        assertTrue(source.lastAcked() < n - 1, "records were still undelivered while the server was down");

        final IngestServer second = startOnPort(() -> IngestServer.builder()
            .listen("127.0.0.1:" + port).sink(sink).bearerToken(TOKEN).dedupWindow(window).nodeIds(nodeIds)
            .errorLog(logOut, 5).build());

        await(Duration.ofSeconds(60), () -> source.lastAcked() == n - 1,
            () -> "acked up to " + source.lastAcked() + "; transitions " + transitions);

        // CLOSED -> OPEN, then (half-open trials against a dead server reopen it) ..., then -> CLOSED
        assertEquals("CLOSED->OPEN", transitions.get(0), transitions.toString());
        final int last = transitions.size() - 1;
        assertEquals("OPEN->HALF_OPEN", transitions.get(last - 1), transitions.toString());
        assertEquals("HALF_OPEN->CLOSED", transitions.get(last), transitions.toString());
        for (int i = 1; i < last - 1; i++)
        {
            assertEquals(i % 2 == 1 ? "OPEN->HALF_OPEN" : "HALF_OPEN->OPEN", transitions.get(i), transitions.toString());
        }
        assertEquals(State.CLOSED, bridge.breakerState());
        assertEquals(0, bridge.counters().circuitState());
        assertEquals(1, bridge.counters().transitionsTo(State.CLOSED));

        // at least once on the wire, exactly once after dedup
        assertTrue(bridge.counters().batchesResent() >= 1, "unacked batches were resent");
        assertTrue(second.counters().duplicates() >= 1, "the journaled-but-unacked batch came again");
        assertEquals(second.counters().duplicates(), bridge.counters().serverDuplicates());
        assertInOrderExactlyOnce(sink.ids(), 7_000_000, n);
        assertFalse(source.ackOutOfOrder());
        assertTrue(bridge.counters().streamFailureCount("UNAVAILABLE") >= 3, log.toString());
        second.close();
    }

    @Test
    void aSinkFailureIsRetriedAndItsRecordsAreNotLostAsFalseDuplicates() throws Exception
    {
        final int n = 5_000;
        final CollectingSink sink = new CollectingSink();
        sink.failNextFlushes(1);
        final IngestServer server = server(sink, 0);
        final GeneratedSource source = new GeneratedSource(50, n);
        final ServerBridge bridge = bridge(source, server.port()).backoff(Duration.ofMillis(1), Duration.ofMillis(5))
            .build().start();
        closeables.add(bridge);

        await(Duration.ofSeconds(30), () -> source.lastAcked() == n - 1, () -> "acked " + source.lastAcked());
        assertEquals(1, server.counters().sinkErrors());
        assertEquals(1, bridge.counters().streamFailureCount("UNAVAILABLE"));
        assertEquals(0, server.counters().duplicates(), "the failed batch's keys were taken out of the window");
        assertInOrderExactlyOnce(sink.ids(), 50, n);
        assertTrue(log.toString().contains("sink failed"), log.toString());
    }

    @Test
    void stopsReadingTheSourceWhileTheServerStallsTimesOutTheStreamAndCatchesUpAfter() throws Exception
    {
        final int n = 20_000;
        final CollectingSink sink = new CollectingSink();
        sink.blockAt(1);
        final IngestServer server = server(sink, 0);
        final GeneratedSource source = new GeneratedSource(900, n);
        final ServerBridge bridge = bridge(source, server.port()).maxInFlight(4).maxBatchRecords(100)
            .ackTimeout(Duration.ofMillis(300)).backoff(Duration.ofMillis(5), Duration.ofMillis(20))
            .breaker(1_000, Duration.ofMillis(100), 2).build().start();
        closeables.add(bridge);
        try
        {
            assertTrue(sink.awaitBlocked(30));
            await(Duration.ofSeconds(30), () -> bridge.counters().streamFailureCount("DEADLINE_EXCEEDED") >= 1,
                () -> "no ack timeout; failures " + bridge.counters().streamFailures());
            // the ring (4 batches) and the batch being filled are all the bridge holds
            assertTrue(source.polled() <= 5 * 100, "polled " + source.polled() + " while the server stalled");
            assertEquals(-1, source.lastAcked());
        }
        finally
        {
            sink.release();
        }
        await(Duration.ofSeconds(60), () -> source.lastAcked() == n - 1, () -> "acked " + source.lastAcked());
        assertInOrderExactlyOnce(sink.ids(), 900, n);
    }

    @Test
    void rejectsAWrongTokenAndCountsIt() throws Exception
    {
        final CollectingSink sink = new CollectingSink();
        final IngestServer server = server(sink, 0);
        final GeneratedSource source = new GeneratedSource(0, 100);
        final ServerBridge bridge = bridge(source, server.port()).bearerToken("wrong").build().start();
        closeables.add(bridge);

        await(Duration.ofSeconds(30), () -> server.counters().authFailures() >= 2 &&
            bridge.counters().streamFailureCount("UNAUTHENTICATED") >= 2, () -> "auth failures " +
            server.counters().authFailures());
        assertEquals(0, sink.size());
        assertEquals(-1, source.lastAcked());
        assertEquals(0, server.counters().batches());
        assertTrue(log.toString().contains("UNAUTHENTICATED"), log.toString());
    }

    @Test
    void sendsTheTraceparentInMetadataAndTheSinkSeesIt() throws Exception
    {
        final String traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
        final CollectingSink sink = new CollectingSink();
        final IngestServer server = server(sink, 0);
        final GeneratedSource source = new GeneratedSource(0, 10);
        final ServerBridge bridge = bridge(source, server.port()).traceparent(() -> traceparent).build().start();
        closeables.add(bridge);

        await(Duration.ofSeconds(30), () -> source.lastAcked() == 9, () -> "acked " + source.lastAcked());
        assertEquals(traceparent, sink.lastTraceparent());
        assertEquals(0, server.counters().traceparentInvalid());
    }

    @Test
    void generatesAValidTraceparentPerStreamByDefault() throws Exception
    {
        final CollectingSink sink = new CollectingSink();
        final IngestServer server = server(sink, 0);
        final GeneratedSource source = new GeneratedSource(0, 10);
        closeables.add(bridge(source, server.port()).build().start());

        await(Duration.ofSeconds(30), () -> source.lastAcked() == 9, () -> "acked " + source.lastAcked());
        assertTrue(Traceparent.isValid(sink.lastTraceparent()), sink.lastTraceparent());
    }

    private ServerBridge.Builder bridge(final RecordSource source, final int port)
    {
        return ServerBridge.builder()
            .target("127.0.0.1:" + port)
            .nodeId("node-1")
            .source(source)
            .bearerToken(TOKEN)
            .batchLinger(Duration.ofMillis(1))
            .errorLog(logOut, 5);
    }

    private IngestServer server(final CollectingSink sink, final int port) throws IOException
    {
        final IngestServer server = IngestServer.builder()
            .listen("127.0.0.1:" + port).sink(sink).bearerToken(TOKEN).dedupCapacity(1 << 16)
            .errorLog(logOut, 5).build().start();
        closeables.add(server);
        return server;
    }

    /** Binds a new server on a port just released, retrying while the kernel still holds it. */
    static IngestServer startOnPort(final Supplier<IngestServer> factory) throws Exception
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

    static void await(final Duration timeout, final BooleanSupplier condition, final Supplier<String> message)
        throws InterruptedException
    {
        final long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean())
        {
            if (System.nanoTime() > deadline)
            {
                fail("timed out after " + timeout + ": " + message.get());
            }
            Thread.sleep(2); // polling with a deadline
        }
    }

    static void assertInOrderExactlyOnce(final long[] ids, final long base, final int n)
    {
        assertEquals(n, ids.length, "records appended to the sink");
        for (int i = 0; i < n; i++)
        {
            if (ids[i] != base + i)
            {
                fail("record " + i + " is event " + ids[i] + ", expected " + (base + i));
            }
        }
    }
}
