package dev.tapio.bridge;

import dev.tapio.journal.delivery.CircuitBreaker;
import dev.tapio.journal.delivery.Backoff;
import com.google.protobuf.ByteString;
import dev.tapio.codecs.bridge.Ack;
import dev.tapio.codecs.bridge.Batch;
import dev.tapio.codecs.bridge.BridgeGrpc;
import dev.tapio.engine.metrics.EngineCounters;
import dev.tapio.engine.metrics.ErrorLog;
import io.grpc.ChannelCredentials;
import io.grpc.ConnectivityState;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.TlsChannelCredentials;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.MetadataUtils;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.IdleStrategy;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;

/**
 * The node's end of the bridge: reads records from a {@link RecordSource} (the journal tailer), packs
 * them into batches by size and time, and delivers them to the central server's {@code IngestServer}
 * over one gRPC bidirectional stream, at least once.
 *
 * <pre>
 *  RecordSource ──poll──► RecordBatchBuilder ──seal when full or linger passed──► in-flight ring
 *       ▲                                                                          │ (≤ maxInFlight
 *       └──────────── ack(last index of every batch acked) ◄── Ack{seq} ◄── server ◄┘  batches)
 *
 *  stream lost / error / no ack within ackTimeout:
 *     breaker.onFailure, wait backoff(attempt) (and the breaker's open time), reopen the stream and
 *     resend every unacked batch of the ring in order, then carry on polling
 * </pre>
 *
 * <p>Delivery: a batch stays in the ring, as the protobuf message that was sent, until its ack arrives;
 * only then is the source told {@code ack(lastIndex)}. The server acks after its journal append, and
 * drops the resent records it already has by (node, event id). The ring is the only memory the bridge
 * holds: at most {@code maxInFlight × maxBatchBytes}; while it is full the source is not read.
 *
 * <p>Threading: one thread of its own ({@link AgentRunner}, an Agrona duty cycle with a back-off idle
 * strategy) does everything: polls and acks the source, builds, sends, and reacts to failures. gRPC
 * callbacks (acks, errors, readiness) only store a value and unpark it. Per record nothing is allocated
 * on the send path; per batch one protobuf message and its {@code ByteString} copy of the batch buffer.
 */
public final class ServerBridge implements Agent, AutoCloseable
{
    public static final String DEFAULT_TARGET = "localhost:7301";
    public static final int DEFAULT_MAX_BATCH_RECORDS = 2_000;
    public static final int DEFAULT_MAX_BATCH_BYTES = 256 * 1024;
    public static final long DEFAULT_BATCH_LINGER_MS = 5;
    public static final int DEFAULT_MAX_IN_FLIGHT = 8;
    public static final long DEFAULT_ACK_TIMEOUT_MS = 30_000;
    public static final long DEFAULT_KEEPALIVE_MS = 30_000;
    public static final int DEFAULT_FLOW_CONTROL_WINDOW_BYTES = 4 << 20;

    static final Metadata.Key<String> AUTHORIZATION = Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
    static final Metadata.Key<String> TRACEPARENT = Metadata.Key.of(Traceparent.HEADER, Metadata.ASCII_STRING_MARSHALLER);

    private final String target;
    private final RecordSource source;
    private final String bearerToken;
    private final Supplier<String> traceparent;
    private final int maxBatchRecords;
    private final long lingerNanos;
    private final long ackTimeoutNanos;
    private final LongSupplier clock;
    private final Backoff backoff;
    private final CircuitBreaker breaker;
    private final ClientCounters counters;
    private final ErrorLog errors;
    private final IdleStrategy idleStrategy;
    private final ManagedChannel channel;
    private final BridgeGrpc.BridgeStub stub;

    private final RecordBatchBuilder batch;
    private final Batch.Builder message = Batch.newBuilder();
    private final ByteString nodeIdBytes;

    // The in-flight ring: sealed batches not yet acked, oldest at head; [head, head + sentOnStream) were
    // sent on the current stream, the rest wait to be (re)sent.
    private final Batch[] ring;
    private final long[] ringSequence;
    private final long[] ringLastIndex;
    private final int[] ringRecords;
    private final long[] ringSentAt;
    private final boolean[] ringSentBefore;
    private int head;
    private int size;
    private int sentOnStream;
    private long nextSequence = 1;
    private long batchStartedAt;

    private Stream stream;
    private int attempt;
    private long nextAttemptAt;
    private volatile long lastAckedIndex;
    private volatile boolean acked;
    private volatile Thread agentThread;
    private AgentRunner runner;

    private ServerBridge(final Builder b)
    {
        target = b.target;
        source = b.source;
        bearerToken = b.bearerToken;
        maxBatchRecords = b.maxBatchRecords;
        lingerNanos = b.batchLinger.toNanos();
        ackTimeoutNanos = b.ackTimeout.toNanos();
        clock = b.nanoClock;
        final RandomGenerator random = b.random == null ? new SplittableRandom() : b.random;
        traceparent = b.traceparent == null ? () -> Traceparent.random(random) : b.traceparent;
        backoff = new Backoff(b.backoffBase, b.backoffCap, random);
        counters = new ClientCounters(b.counters == null ? new EngineCounters() : b.counters);
        final CircuitBreaker.Listener userListener = b.breakerListener;
        breaker = new CircuitBreaker(b.breakerFailureThreshold, b.breakerOpenDuration, b.breakerHalfOpenTrials, clock,
            (from, to) ->
            {
                counters.onTransition(to);
                if (userListener != null)
                {
                    userListener.onTransition(from, to);
                }
            });
        errors = new ErrorLog(b.errorOut, b.errorsPerKind);
        idleStrategy = b.idleStrategy;
        batch = new RecordBatchBuilder(b.maxBatchBytes);
        nodeIdBytes = ByteString.copyFromUtf8(b.nodeId);
        ring = new Batch[b.maxInFlight];
        ringSequence = new long[b.maxInFlight];
        ringLastIndex = new long[b.maxInFlight];
        ringRecords = new int[b.maxInFlight];
        ringSentAt = new long[b.maxInFlight];
        ringSentBefore = new boolean[b.maxInFlight];

        final int colon = target.lastIndexOf(':');
        final String host = target.substring(0, colon).replace("[", "").replace("]", "");
        final int port = Integer.parseInt(target.substring(colon + 1));
        final NettyChannelBuilder nb = NettyChannelBuilder.forAddress(host, port, credentials(b))
            .directExecutor()
            .disableRetry()
            .keepAliveTime(b.keepAlive.toNanos(), TimeUnit.NANOSECONDS)
            .keepAliveTimeout(10, TimeUnit.SECONDS)
            .flowControlWindow(b.flowControlWindowBytes)
            .userAgent("tapio-bridge");
        if (b.authority != null)
        {
            nb.overrideAuthority(b.authority);
        }
        channel = nb.build();
        // gRPC reports a stream "ready" only while under 32 KiB is buffered, i.e. less than one batch: that
        // would send one batch at a time with a thread hand-off per batch. The in-flight ring already bounds
        // what is outstanding, so let the transport hold all of it; HTTP/2 flow control still pushes back.
        stub = BridgeGrpc.newStub(channel)
            .withOnReadyThreshold((int)Math.min(Integer.MAX_VALUE, (long)b.maxInFlight * (b.maxBatchBytes + 1024)));
    }

    private static ChannelCredentials credentials(final Builder b)
    {
        if (b.tlsCaFile == null && b.tlsCertFile == null)
        {
            return InsecureChannelCredentials.create();
        }
        try
        {
            final TlsChannelCredentials.Builder tls = TlsChannelCredentials.newBuilder();
            if (b.tlsCaFile != null)
            {
                tls.trustManager(b.tlsCaFile.toFile());
            }
            if (b.tlsCertFile != null)
            {
                tls.keyManager(b.tlsCertFile.toFile(), b.tlsKeyFile.toFile());
            }
            return tls.build();
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("bridge: cannot read TLS files", ex);
        }
    }

    public static Builder builder()
    {
        return new Builder();
    }

    /** Starts the bridge's thread. */
    public ServerBridge start()
    {
        if (runner != null)
        {
            throw new IllegalStateException("bridge already started");
        }
        runner = new AgentRunner(idleStrategy,
            ex -> errors.record("bridge.error", "bridge: " + ex), null, this);
        AgentRunner.startOnThread(runner, r ->
        {
            final Thread t = new Thread(r, "tapio-bridge");
            t.setDaemon(true);
            return t;
        });
        return this;
    }

    /**
     * Stops the thread, cancels the stream and closes the channel. Batches not yet acked are not acked
     * to the source, so they are sent again by the next run (from the source's durable position).
     */
    @Override
    public void close()
    {
        if (runner != null)
        {
            runner.close();
        }
        else
        {
            onClose();
        }
    }

    @Override
    public void onStart()
    {
        agentThread = Thread.currentThread();
    }

    @Override
    public void onClose()
    {
        if (stream != null)
        {
            stream.call.cancel("bridge closing", null);
            stream = null;
        }
        channel.shutdownNow();
        try
        {
            channel.awaitTermination(5, TimeUnit.SECONDS);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public String roleName()
    {
        return "tapio-bridge";
    }

    /** One duty cycle; returns how much work it did (0 lets the idle strategy back off). */
    @Override
    public int doWork()
    {
        final long now = clock.getAsLong();
        int work = 0;
        final Stream s = stream;
        if (s != null)
        {
            work += processAcks(s);
            Status failure = s.failure;
            if (failure == null && sentOnStream > 0 && now - ringSentAt[head] > ackTimeoutNanos)
            {
                failure = Status.DEADLINE_EXCEEDED.withDescription("no ack within " + ackTimeoutNanos / 1_000_000 + " ms");
            }
            else if (failure == null && sentOnStream == 0 && size > 0 && now - s.openedAt > ackTimeoutNanos)
            {
                // never became ready to send (e.g. a connect that hangs): give up on it like a missing ack
                failure = Status.DEADLINE_EXCEEDED.withDescription("stream not ready within " +
                    ackTimeoutNanos / 1_000_000 + " ms");
            }
            if (failure != null)
            {
                fail(s, failure, now);
                work++;
            }
        }
        work += fill(now);
        if (stream == null && size > 0 && now - nextAttemptAt >= 0 && breaker.wouldPermit())
        {
            open();
            work++;
        }
        if (stream != null)
        {
            work += send(now);
        }
        return work;
    }

    private int fill(final long now)
    {
        int work = 0;
        if (batch.recordCount() < maxBatchRecords && !batch.isFull())
        {
            final boolean wasEmpty = batch.isEmpty();
            final int n = source.poll(batch, maxBatchRecords - batch.recordCount(), batch.remainingBytes());
            if (n > 0)
            {
                if (wasEmpty)
                {
                    batchStartedAt = now;
                }
                work += n;
            }
        }
        if (!batch.isEmpty() && size < ring.length &&
            (batch.recordCount() >= maxBatchRecords || batch.isFull() || now - batchStartedAt >= lingerNanos))
        {
            seal();
            work++;
        }
        return work;
    }

    private void seal()
    {
        final int slot = slot(size);
        final long sequence = nextSequence++;
        ring[slot] = message.clear()
            .setNodeIdBytes(nodeIdBytes)
            .setSequence(sequence)
            .setFirstIndex(batch.firstIndex())
            .setLastIndex(batch.lastIndex())
            .setRecordCount(batch.recordCount())
            .setRecords(ByteString.copyFrom(batch.array(), 0, batch.byteCount()))
            .build();
        ringSequence[slot] = sequence;
        ringLastIndex[slot] = batch.lastIndex();
        ringRecords[slot] = batch.recordCount();
        ringSentBefore[slot] = false;
        size++;
        counters.inFlight.setRelease(size);
        batch.reset();
    }

    private void open()
    {
        if (channel.getState(false) == ConnectivityState.TRANSIENT_FAILURE)
        {
            // Our backoff and breaker decide when to retry, not the channel's own reconnect backoff.
            channel.resetConnectBackoff();
        }
        final Metadata headers = new Metadata();
        if (bearerToken != null)
        {
            headers.put(AUTHORIZATION, "Bearer " + bearerToken);
        }
        final String tp = traceparent.get();
        if (tp != null)
        {
            headers.put(TRACEPARENT, tp);
        }
        final Stream s = new Stream();
        s.openedAt = clock.getAsLong();
        stub.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers)).stream(s);
        stream = s;
        sentOnStream = 0;
        counters.streamsOpened.incrementRelease();
    }

    private int send(final long now)
    {
        final Stream s = stream;
        int work = 0;
        while (sentOnStream < size && s.failure == null && s.call.isReady() && breaker.tryAcquire())
        {
            final int slot = slot(sentOnStream);
            s.call.onNext(ring[slot]);
            s.lastSentSequence = ringSequence[slot];
            ringSentAt[slot] = now;
            if (ringSentBefore[slot])
            {
                counters.batchesResent.incrementRelease();
            }
            else
            {
                ringSentBefore[slot] = true;
                counters.batchesSent.incrementRelease();
                counters.recordsSent.getAndAddRelease(ringRecords[slot]);
            }
            sentOnStream++;
            work++;
        }
        return work;
    }

    private int processAcks(final Stream s)
    {
        final long ackedSequence = s.ackedSequence;
        if (ackedSequence <= s.processedSequence)
        {
            return 0;
        }
        if (ackedSequence > s.lastSentSequence)
        {
            s.failure = Status.INTERNAL.withDescription("ack for batch " + ackedSequence + " that was not sent");
            return 0;
        }
        s.processedSequence = ackedSequence;
        int popped = 0;
        long records = 0;
        long lastIndex = 0;
        while (sentOnStream > 0 && ringSequence[head] <= ackedSequence)
        {
            lastIndex = ringLastIndex[head];
            records += ringRecords[head];
            ring[head] = null;
            head = head + 1 == ring.length ? 0 : head + 1;
            size--;
            sentOnStream--;
            popped++;
        }
        if (popped == 0)
        {
            return 0;
        }
        source.ack(lastIndex);
        lastAckedIndex = lastIndex;
        acked = true;
        for (int i = 0; i < popped; i++)
        {
            breaker.onSuccess();
        }
        attempt = 0;
        counters.batchesAcked.getAndAddRelease(popped);
        counters.recordsAcked.getAndAddRelease(records);
        counters.inFlight.setRelease(size);
        return popped;
    }

    private void fail(final Stream s, final Status status, final long now)
    {
        stream = null;
        sentOnStream = 0;
        s.call.cancel("bridge: " + status.getCode() + " " + status.getDescription(), null);
        breaker.onFailure();
        final long delay = backoff.delayNanos(Math.min(attempt, 62));
        attempt++;
        nextAttemptAt = now + delay;
        final String code = status.getCode().name();
        counters.streamFailures(code).incrementRelease();
        errors.record("bridge.stream." + code, "bridge: stream to " + target + " failed: " + code +
            (status.getDescription() == null ? "" : " (" + status.getDescription() + ")") +
            "; " + size + " batches to resend; retry in " + delay / 1_000_000 + " ms; breaker " +
            breaker.state().label());
    }

    private int slot(final int offsetFromHead)
    {
        final int i = head + offsetFromHead;
        return i >= ring.length ? i - ring.length : i;
    }

    private void wake()
    {
        final Thread t = agentThread;
        if (t != null)
        {
            LockSupport.unpark(t);
        }
    }

    /** The breaker's state now (readable from any thread). */
    public CircuitBreaker.State breakerState()
    {
        return breaker.state();
    }

    public ClientCounters counters()
    {
        return counters;
    }

    /** Whether any batch was acked yet. */
    public boolean hasAcked()
    {
        return acked;
    }

    /** The journal index last passed to {@link RecordSource#ack} (meaningful once {@link #hasAcked}). */
    public long lastAckedIndex()
    {
        return lastAckedIndex;
    }

    /** One delivery stream: gRPC's callbacks store what happened and wake the bridge's thread. */
    private final class Stream implements ClientResponseObserver<Batch, Ack>
    {
        ClientCallStreamObserver<Batch> call;
        volatile long ackedSequence;
        volatile Status failure;
        long processedSequence;
        long lastSentSequence;
        long openedAt;

        @Override
        public void beforeStart(final ClientCallStreamObserver<Batch> requestStream)
        {
            call = requestStream;
            requestStream.setOnReadyHandler(ServerBridge.this::wake);
        }

        @Override
        public void onNext(final Ack ack)
        {
            if (ack.getSequence() <= ackedSequence)
            {
                failure = Status.INTERNAL.withDescription("ack " + ack.getSequence() + " out of order after " +
                    ackedSequence);
            }
            else
            {
                ackedSequence = ack.getSequence();
            }
            if (ack.getDuplicates() > 0)
            {
                counters.serverDuplicates.getAndAdd(ack.getDuplicates());
            }
            if (ack.getRejected() > 0)
            {
                counters.serverRejected.getAndAdd(ack.getRejected());
                errors.record("bridge.rejected", "bridge: server rejected " + ack.getRejected() +
                    " records of batch " + ack.getSequence() + ": " + ack.getFirstError());
            }
            wake();
        }

        @Override
        public void onError(final Throwable t)
        {
            failure = Status.fromThrowable(t);
            wake();
        }

        @Override
        public void onCompleted()
        {
            if (failure == null)
            {
                failure = Status.UNAVAILABLE.withDescription("server ended the stream");
            }
            wake();
        }
    }

    /** Settings of a {@link ServerBridge}; each has a default except the node id and the source. */
    public static final class Builder
    {
        private String target = DEFAULT_TARGET;
        private String nodeId;
        private RecordSource source;
        private String bearerToken;
        private Path tlsCaFile;
        private Path tlsCertFile;
        private Path tlsKeyFile;
        private String authority;
        private int maxBatchRecords = DEFAULT_MAX_BATCH_RECORDS;
        private int maxBatchBytes = DEFAULT_MAX_BATCH_BYTES;
        private Duration batchLinger = Duration.ofMillis(DEFAULT_BATCH_LINGER_MS);
        private int maxInFlight = DEFAULT_MAX_IN_FLIGHT;
        private Duration backoffBase = Duration.ofMillis(Backoff.DEFAULT_BASE_MS);
        private Duration backoffCap = Duration.ofMillis(Backoff.DEFAULT_CAP_MS);
        private int breakerFailureThreshold = CircuitBreaker.DEFAULT_FAILURE_THRESHOLD;
        private Duration breakerOpenDuration = Duration.ofMillis(CircuitBreaker.DEFAULT_OPEN_MS);
        private int breakerHalfOpenTrials = CircuitBreaker.DEFAULT_HALF_OPEN_TRIALS;
        private Duration ackTimeout = Duration.ofMillis(DEFAULT_ACK_TIMEOUT_MS);
        private Duration keepAlive = Duration.ofMillis(DEFAULT_KEEPALIVE_MS);
        private int flowControlWindowBytes = DEFAULT_FLOW_CONTROL_WINDOW_BYTES;
        private EngineCounters counters;
        private LongSupplier nanoClock = System::nanoTime;
        private RandomGenerator random;
        private CircuitBreaker.Listener breakerListener;
        private Supplier<String> traceparent;
        private PrintStream errorOut = System.err;
        private int errorsPerKind = 5;
        private IdleStrategy idleStrategy = new BackoffIdleStrategy(10, 5, 1_000, 1_000_000);

        private Builder()
        {
        }

        /** The server as {@code host:port} (default {@value #DEFAULT_TARGET}). */
        public Builder target(final String hostPort)
        {
            this.target = hostPort;
            return this;
        }

        /** This node's name, sent in every batch (required). */
        public Builder nodeId(final String nodeId)
        {
            this.nodeId = nodeId;
            return this;
        }

        /** Where records come from (required). */
        public Builder source(final RecordSource source)
        {
            this.source = source;
            return this;
        }

        /** Sent as {@code authorization: Bearer <token>} when a stream opens; default none. */
        public Builder bearerToken(final String token)
        {
            this.bearerToken = token == null || token.isEmpty() ? null : token;
            return this;
        }

        /** Use TLS, verifying the server against the CA certificates in this PEM file; default plaintext. */
        public Builder tlsCa(final Path caFile)
        {
            this.tlsCaFile = caFile;
            return this;
        }

        /** With TLS: present this PEM certificate chain and PEM (PKCS#8) key to the server (mutual TLS). */
        public Builder tlsClientCertificate(final Path certFile, final Path keyFile)
        {
            this.tlsCertFile = certFile;
            this.tlsKeyFile = keyFile;
            return this;
        }

        /** The authority (TLS server name) to expect instead of the target's host; default none. */
        public Builder authority(final String authority)
        {
            this.authority = authority;
            return this;
        }

        /** Most records in one batch (default {@value #DEFAULT_MAX_BATCH_RECORDS}). */
        public Builder maxBatchRecords(final int records)
        {
            this.maxBatchRecords = records;
            return this;
        }

        /** Most bytes of framed records in one batch (default 256 KiB). */
        public Builder maxBatchBytes(final int bytes)
        {
            this.maxBatchBytes = bytes;
            return this;
        }

        /** Longest a record waits for its batch to fill before the batch is sent anyway (default 5 ms). */
        public Builder batchLinger(final Duration linger)
        {
            this.batchLinger = linger;
            return this;
        }

        /** Most batches sent and not yet acked (default {@value #DEFAULT_MAX_IN_FLIGHT}). */
        public Builder maxInFlight(final int batches)
        {
            this.maxInFlight = batches;
            return this;
        }

        /** Reconnect backoff: full jitter over min(cap, base × 2^attempt) (defaults 100 ms, 30 s). */
        public Builder backoff(final Duration base, final Duration cap)
        {
            this.backoffBase = base;
            this.backoffCap = cap;
            return this;
        }

        /**
         * Circuit breaker: opens after {@code failureThreshold} consecutive stream failures, stays open
         * {@code openDuration}, then lets {@code halfOpenTrials} batches through and closes when all are
         * acked (defaults 5, 5 s, 2).
         */
        public Builder breaker(final int failureThreshold, final Duration openDuration, final int halfOpenTrials)
        {
            this.breakerFailureThreshold = failureThreshold;
            this.breakerOpenDuration = openDuration;
            this.breakerHalfOpenTrials = halfOpenTrials;
            return this;
        }

        /** A sent batch not acked within this is a failure of the stream (default 30 s). */
        public Builder ackTimeout(final Duration timeout)
        {
            this.ackTimeout = timeout;
            return this;
        }

        /** HTTP/2 keepalive ping interval (default 30 s; the server must permit it). */
        public Builder keepAlive(final Duration interval)
        {
            this.keepAlive = interval;
            return this;
        }

        /** HTTP/2 flow-control window (default 4 MiB). */
        public Builder flowControlWindowBytes(final int bytes)
        {
            this.flowControlWindowBytes = bytes;
            return this;
        }

        /** Registry for the bridge's counters; default a new one. */
        public Builder counters(final EngineCounters counters)
        {
            this.counters = counters;
            return this;
        }

        /** Clock for batching, backoff, ack timeout and the breaker (default {@code System::nanoTime}). */
        public Builder nanoClock(final LongSupplier nanoClock)
        {
            this.nanoClock = nanoClock;
            return this;
        }

        /** Random source for backoff jitter and generated trace ids (default a new SplittableRandom). */
        public Builder random(final RandomGenerator random)
        {
            this.random = random;
            return this;
        }

        /** Told of every breaker transition, on the bridge's thread. */
        public Builder breakerListener(final CircuitBreaker.Listener listener)
        {
            this.breakerListener = listener;
            return this;
        }

        /**
         * Gives the {@code traceparent} sent when each stream opens (e.g. from the host's tracer);
         * default a new random sampled one per stream. A null result sends none.
         */
        public Builder traceparent(final Supplier<String> traceparent)
        {
            this.traceparent = traceparent;
            return this;
        }

        /** Where repeated errors are logged once with a count (default stderr, 5 per kind in full). */
        public Builder errorLog(final PrintStream out, final int perKind)
        {
            this.errorOut = out;
            this.errorsPerKind = perKind;
            return this;
        }

        /** How the bridge's thread waits when it has nothing to do (default back-off up to 1 ms parks). */
        public Builder idleStrategy(final IdleStrategy idleStrategy)
        {
            this.idleStrategy = idleStrategy;
            return this;
        }

        /** Validates every setting (failing with a message naming it) and builds the bridge. */
        public ServerBridge build()
        {
            require(nodeId != null && !nodeId.isEmpty(), "node-id is required");
            require(source != null, "a record source is required");
            Objects.requireNonNull(target, "target");
            final int colon = target.lastIndexOf(':');
            require(colon > 0 && colon < target.length() - 1 && target.substring(colon + 1).chars().allMatch(Character::isDigit),
                "target must be host:port, got '" + target + "'");
            require(maxBatchRecords >= 1, "max-batch-records must be >= 1, got " + maxBatchRecords);
            require(maxBatchBytes >= 64 && maxBatchBytes <= 8 << 20,
                "max-batch-bytes must be in 64..8MiB, got " + maxBatchBytes);
            require(!batchLinger.isNegative(), "batch-linger must be >= 0");
            require(maxInFlight >= 1 && maxInFlight <= 1024, "max-in-flight must be in 1..1024, got " + maxInFlight);
            require(ackTimeout.toMillis() >= 1, "ack-timeout must be >= 1ms");
            require((tlsCertFile == null) == (tlsKeyFile == null), "a TLS client certificate needs its key file");
            for (final Path p : new Path[] {tlsCaFile, tlsCertFile, tlsKeyFile})
            {
                require(p == null || Files.isReadable(p), "TLS file not readable: " + p);
            }
            if (nodeId.getBytes(StandardCharsets.UTF_8).length > 255)
            {
                throw new IllegalStateException("bridge: node-id longer than 255 bytes");
            }
            return new ServerBridge(this);
        }

        private static void require(final boolean ok, final String message)
        {
            if (!ok)
            {
                throw new IllegalStateException("bridge: " + message);
            }
        }
    }
}
