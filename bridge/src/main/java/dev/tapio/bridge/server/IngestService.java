package dev.tapio.bridge.server;

import dev.tapio.codecs.bridge.Ack;
import dev.tapio.codecs.bridge.Batch;
import dev.tapio.codecs.bridge.BridgeGrpc;
import io.grpc.Status;
import io.grpc.StatusException;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;

/**
 * The {@code tapio.bridge.v1.Bridge} service: checks that each batch names its node, hands it to the
 * {@link BatchIngestor} and answers with its Ack. A stream's batches
 * are processed one at a time in arrival order (gRPC delivers a stream's messages serially and asks
 * for the next one only after {@code onNext} returned), so its acks go out in batch order, and a slow
 * sink pushes back on the node through HTTP/2 flow control.
 */
final class IngestService extends BridgeGrpc.BridgeImplBase
{
    private final BatchIngestor ingestor;
    private final ServerCounters counters;

    IngestService(final BatchIngestor ingestor, final ServerCounters counters)
    {
        this.ingestor = ingestor;
        this.counters = counters;
    }

    @Override
    public StreamObserver<Batch> stream(final StreamObserver<Ack> responses)
    {
        counters.streams.getAndAdd(1);
        final ServerCallStreamObserver<Ack> out = (ServerCallStreamObserver<Ack>)responses;
        final NodeCache cache = new NodeCache();
        // With a cancel handler set, onNext after a cancellation is a no-op instead of an exception.
        out.setOnCancelHandler(() -> cache.done = true);
        return new StreamObserver<>()
        {
            @Override
            public void onNext(final Batch batch)
            {
                if (cache.done)
                {
                    return;
                }
                try
                {
                    final Ack ack = ingest(cache, batch);
                    if (!out.isCancelled())
                    {
                        out.onNext(ack);
                    }
                }
                catch (final StatusException ex)
                {
                    cache.done = true;
                    out.onError(ex);
                }
            }

            @Override
            public void onError(final Throwable t)
            {
                cache.done = true;
            }

            @Override
            public void onCompleted()
            {
                if (!cache.done)
                {
                    cache.done = true;
                    out.onCompleted();
                }
            }
        };
    }

    @Override
    public void send(final Batch batch, final StreamObserver<Ack> responses)
    {
        try
        {
            responses.onNext(ingest(new NodeCache(), batch));
            responses.onCompleted();
        }
        catch (final StatusException ex)
        {
            responses.onError(ex);
        }
    }

    private Ack ingest(final NodeCache cache, final Batch batch) throws StatusException
    {
        final String node = batch.getNodeId();
        if (!node.equals(cache.name))
        {
            if (node.isEmpty())
            {
                throw Status.INVALID_ARGUMENT.withDescription("batch without node_id").asException();
            }
            cache.name = node;
        }
        return ingestor.ingest(cache.name, batch);
    }

    /** One stream's node label (a stream normally carries one node's batches) and whether it has ended. */
    private static final class NodeCache
    {
        String name;
        volatile boolean done;
    }
}
