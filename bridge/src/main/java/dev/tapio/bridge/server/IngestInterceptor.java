package dev.tapio.bridge.server;

import dev.tapio.bridge.Traceparent;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/**
 * Checks the bearer token of each call once, when it starts ({@code authorization: Bearer <token>},
 * compared in constant time), closing a call without a valid one with UNAUTHENTICATED (counted), and
 * puts the node's {@code traceparent} into the call's {@link Context} for {@link IngestContext}.
 * With no token configured, every call is let through.
 */
final class IngestInterceptor implements ServerInterceptor
{
    static final Metadata.Key<String> AUTHORIZATION = Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
    static final Metadata.Key<String> TRACEPARENT = Metadata.Key.of(Traceparent.HEADER, Metadata.ASCII_STRING_MARSHALLER);
    private static final String SCHEME = "Bearer ";

    private final byte[] token;
    private final ServerCounters counters;

    IngestInterceptor(final String token, final ServerCounters counters)
    {
        this.token = token == null ? null : token.getBytes(StandardCharsets.UTF_8);
        this.counters = counters;
    }

    @Override
    public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(
        final ServerCall<ReqT, RespT> call, final Metadata headers, final ServerCallHandler<ReqT, RespT> next)
    {
        if (token != null && !authorized(headers.get(AUTHORIZATION)))
        {
            counters.authFailures.getAndAdd(1);
            call.close(Status.UNAUTHENTICATED.withDescription("missing or wrong bearer token"), new Metadata());
            return new ServerCall.Listener<>()
            {
            };
        }
        String traceparent = headers.get(TRACEPARENT);
        if (traceparent != null && !Traceparent.isValid(traceparent))
        {
            counters.traceparentInvalid.getAndAdd(1);
            traceparent = null;
        }
        final Context context = Context.current().withValue(IngestContext.TRACEPARENT, traceparent);
        return Contexts.interceptCall(context, call, headers, next);
    }

    private boolean authorized(final String header)
    {
        if (header == null || header.length() <= SCHEME.length() ||
            !header.regionMatches(true, 0, SCHEME, 0, SCHEME.length()))
        {
            return false;
        }
        final byte[] presented = header.substring(SCHEME.length()).trim().getBytes(StandardCharsets.UTF_8);
        return MessageDigest.isEqual(presented, token);
    }
}
