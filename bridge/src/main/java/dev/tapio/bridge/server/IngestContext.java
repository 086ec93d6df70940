package dev.tapio.bridge.server;

import io.grpc.Context;

/**
 * What the {@link IngestServer} knows about the stream a batch arrived on, readable from inside
 * {@link RecordSink} calls (they run in the stream's gRPC {@link Context}).
 */
public final class IngestContext
{
    static final Context.Key<String> TRACEPARENT = Context.key("tapio-bridge-traceparent");

    private IngestContext()
    {
    }

    /**
     * The W3C {@code traceparent} the node sent when it opened the stream, or {@code null} when it sent
     * none or a malformed one (counted as {@code tapio_bridge_server_traceparent_invalid_total}).
     */
    public static String traceparent()
    {
        return TRACEPARENT.get();
    }
}
