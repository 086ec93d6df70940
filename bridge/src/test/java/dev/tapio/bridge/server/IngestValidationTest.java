package dev.tapio.bridge.server;

import com.google.protobuf.ByteString;
import dev.tapio.bridge.CollectingSink;
import dev.tapio.bridge.TestRecords;
import dev.tapio.codecs.bridge.Ack;
import dev.tapio.codecs.bridge.Batch;
import dev.tapio.codecs.bridge.BridgeGrpc;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import org.agrona.ExpandableArrayBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.ByteOrder;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The server's per-record checks, driven through the unary Send rpc on loopback. */
class IngestValidationTest
{
    private final CollectingSink sink = new CollectingSink();
    private final ByteArrayOutputStream log = new ByteArrayOutputStream();
    private IngestServer server;
    private ManagedChannel channel;
    private BridgeGrpc.BridgeBlockingStub stub;

    @BeforeEach
    void start() throws Exception
    {
        server = IngestServer.builder().listen("127.0.0.1:0").sink(sink).bearerToken("tok").dedupCapacity(1024)
            .errorLog(new PrintStream(log, true), 5).build().start();
        channel = NettyChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext().build();
        final Metadata headers = new Metadata();
        headers.put(IngestInterceptor.AUTHORIZATION, "Bearer tok");
        stub = BridgeGrpc.newBlockingStub(channel).withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
    }

    @AfterEach
    void stop() throws Exception
    {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        server.close();
    }

    @Test
    void countsAMalformedRecordNamesNodeAndOffsetAndKeepsTheOthers()
    {
        final ExpandableArrayBuffer b = new ExpandableArrayBuffer();
        int at = put(b, 0, TestRecords.record(1));
        final int badOffset = at;
        final byte[] bad = TestRecords.record(2);
        bad[4] = 99; // schema id low byte: not schema 7301
        at = put(b, at, bad);
        at = put(b, at, TestRecords.record(3));

        final Ack ack = stub.send(batch("node-a", 5, b, at, 3));

        assertEquals(5, ack.getSequence());
        assertEquals(2, ack.getAccepted());
        assertEquals(1, ack.getRejected());
        assertTrue(ack.getFirstError().contains("node node-a"), ack.getFirstError());
        assertTrue(ack.getFirstError().contains("byte offset " + badOffset), ack.getFirstError());
        assertTrue(ack.getFirstError().contains("wrong schema id"), ack.getFirstError());
        assertEquals(1, server.counters().rejectedMalformed());
        assertEquals(3, server.counters().records());
        assertArrayEquals(new long[] {1, 3}, sink.ids());
        assertTrue(log.toString().contains("byte offset " + badOffset), log.toString());
    }

    @Test
    void aLengthPrefixPastTheEndRejectsTheRestOfTheBatchWithoutFailingIt()
    {
        final ExpandableArrayBuffer b = new ExpandableArrayBuffer();
        int at = put(b, 0, TestRecords.record(10));
        final int brokenAt = at;
        b.putInt(at, 1_000_000, ByteOrder.LITTLE_ENDIAN);
        at += 4;
        b.putBytes(at, TestRecords.record(11));
        at += TestRecords.length();

        final Ack ack = stub.send(batch("node-a", 1, b, at, 3));

        assertEquals(1, ack.getAccepted());
        assertEquals(2, ack.getRejected(), "the broken record and the one after it that cannot be found");
        assertTrue(ack.getFirstError().contains("byte offset " + brokenAt), ack.getFirstError());
        assertEquals(2, server.counters().rejectedFraming());
        assertArrayEquals(new long[] {10}, sink.ids());
    }

    @Test
    void dropsARecordAlreadySeenFromTheSameProducingNodeOnly()
    {
        final ExpandableArrayBuffer b = new ExpandableArrayBuffer();
        final int at = put(b, 0, TestRecords.record(77, 0xA));
        stub.send(batch("node-a", 1, b, at, 1));
        final Ack again = stub.send(batch("node-a", 2, b, at, 1));
        // the key is the record's own nodeId, not the label of the batch that carries it
        final Ack relabelled = stub.send(batch("node-a-renamed", 1, b, at, 1));
        final ExpandableArrayBuffer other = new ExpandableArrayBuffer();
        final int otherAt = put(other, 0, TestRecords.record(77, 0xB));
        final Ack otherNode = stub.send(batch("node-b", 1, other, otherAt, 1));

        assertEquals(0, again.getAccepted());
        assertEquals(1, again.getDuplicates());
        assertEquals(1, relabelled.getDuplicates());
        assertEquals(1, otherNode.getAccepted());
        assertEquals(2, server.counters().duplicates());
        assertArrayEquals(new long[] {77, 77}, sink.ids());
    }

    @Test
    void rejectsACallWithoutTokenAsUnauthenticated()
    {
        final BridgeGrpc.BridgeBlockingStub anonymous = BridgeGrpc.newBlockingStub(channel);
        final StatusRuntimeException ex = assertThrows(StatusRuntimeException.class,
            () -> anonymous.send(Batch.newBuilder().setNodeId("x").build()));
        assertEquals(Status.Code.UNAUTHENTICATED, ex.getStatus().getCode());
        assertEquals(1, server.counters().authFailures());
    }

    @Test
    void rejectsABatchWithoutNodeId()
    {
        final StatusRuntimeException ex = assertThrows(StatusRuntimeException.class,
            () -> stub.send(Batch.newBuilder().setSequence(1).build()));
        assertEquals(Status.Code.INVALID_ARGUMENT, ex.getStatus().getCode());
    }

    private static int put(final ExpandableArrayBuffer b, final int at, final byte[] record)
    {
        b.putInt(at, record.length, ByteOrder.LITTLE_ENDIAN);
        b.putBytes(at + 4, record);
        return at + 4 + record.length;
    }

    private static Batch batch(final String node, final long sequence, final ExpandableArrayBuffer b, final int length,
        final int count)
    {
        return Batch.newBuilder().setNodeId(node).setSequence(sequence).setRecordCount(count)
            .setRecords(ByteString.copyFrom(b.byteArray(), 0, length)).build();
    }
}
