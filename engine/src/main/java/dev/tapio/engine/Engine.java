package dev.tapio.engine;

import com.lmax.disruptor.ExceptionHandler;
import com.lmax.disruptor.RingBuffer;
import com.lmax.disruptor.TimeoutException;
import com.lmax.disruptor.dsl.Disruptor;
import com.lmax.disruptor.dsl.EventHandlerGroup;
import com.lmax.disruptor.dsl.EventProcessorFactory;
import com.lmax.disruptor.dsl.ProducerType;
import dev.tapio.codecs.EventFrames;
import dev.tapio.engine.collect.CollectorManager;
import dev.tapio.engine.collect.CollectorStatus;
import dev.tapio.engine.collect.RestartPolicy;
import dev.tapio.engine.metrics.EngineCounters;
import dev.tapio.engine.metrics.ErrorLog;
import dev.tapio.engine.metrics.LatencyRecorder;
import dev.tapio.engine.ring.BackpressurePolicy;
import dev.tapio.engine.ring.EventIds;
import dev.tapio.engine.ring.RingPublisher;
import dev.tapio.engine.ring.Slot;
import dev.tapio.engine.ring.SlotRing;
import dev.tapio.engine.spi.Publisher;
import dev.tapio.engine.spi.Sink;
import dev.tapio.engine.spi.Source;
import dev.tapio.engine.stage.CorrelateStage;
import dev.tapio.engine.stage.DecodeStage;
import dev.tapio.engine.stage.EnrichStage;
import dev.tapio.engine.stage.FanOutStage;
import dev.tapio.engine.stage.SinkLaneProcessor;
import dev.tapio.engine.stage.SinkLaneStage;
import dev.tapio.engine.stage.Stage;
import dev.tapio.engine.stage.StageHandler;
import net.openhft.affinity.AffinityLock;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The Tapio engine: sources publish SBE-encoded events into a Disruptor ring of off-heap slots, and
 * four stages process them in order, then hand them to sinks.
 *
 * <pre>
 *   source threads ──claim/encode/publish──► [ ring: ringSize slots of slotSize bytes, off-heap ]
 *                                               │
 *                       decode ─► correlate ─► enrich ─► fan-out ─► sinks
 *                       (one thread each, or all on one: {@link ThreadingMode})  │
 *                                                                    └─► sink lanes (a thread each:
 *                                                                        {@link Sink#dedicatedThread()})
 * </pre>
 *
 * Built with {@link #builder()}; embeddable in any host. {@link #stop()} stops the sources, then
 * drains the ring, so no event accepted into the ring is lost on stop. Counters and the latency
 * histogram are readable from any thread while it runs. Lifecycle methods are for one controlling
 * thread.
 */
public final class Engine implements AutoCloseable
{
    private final EngineSettings settings;
    private final EngineCounters counters;
    private final LatencyRecorder latency = new LatencyRecorder();
    private final Map<String, LatencyRecorder> stageDurations = new LinkedHashMap<>();
    private final ErrorLog errorLog;
    private final EngineClock clock;
    private final EventIds ids;
    private final Disruptor<Slot> disruptor;
    private final RingBuffer<Slot> ring;
    private final ThreadingMode threading;
    private final ProducerType producerType;
    private final CollectorManager collectors;
    private final List<Sink> sinks;
    private final List<String> stageThreads = new ArrayList<>();
    private final CountDownLatch stagesStarted;
    private final CorrelateStage correlateStage;
    private final FanOutStage fanOutStage;
    private final SinkLaneStage[] lanes;
    private volatile boolean accepting;
    private boolean started;
    private boolean stopped;

    private Engine(final EngineSettings settings, final List<SourceSpec> sources, final List<Sink> sinks,
        final dev.tapio.engine.spi.MetadataResolver metadata)
    {
        this.settings = settings;
        this.counters = settings.counters() != null ? settings.counters() : new EngineCounters();
        this.errorLog = new ErrorLog(settings.errorStream(), settings.errorsPrintedPerKind());
        this.clock = settings.clock();
        this.ids = new EventIds(settings.idOriginEpochNanos() >= 0 ? settings.idOriginEpochNanos() :
            clock.toEpochNanos(clock.nanoTime()));
        this.sinks = List.copyOf(sinks);
        for (final Sink s : this.sinks)
        {
            s.counters(counters);
        }
        this.threading = settings.threading().resolve(Runtime.getRuntime().availableProcessors());
        final ProducerMode producers = settings.producers() == ProducerMode.AUTO ?
            (sources.size() == 1 ? ProducerMode.SINGLE : ProducerMode.MULTI) : settings.producers();
        this.producerType = producers == ProducerMode.SINGLE ? ProducerType.SINGLE : ProducerType.MULTI;

        final SlotRing slots = new SlotRing(settings.ringSize(), settings.slotSize());
        disruptor = new Disruptor<>(
            slots, settings.ringSize(), new StageThreadFactory(), producerType, settings.waitStrategy().create());
        disruptor.setDefaultExceptionHandler(new LoggingExceptionHandler());
        ring = disruptor.getRingBuffer();

        final Stage decode = new DecodeStage(counters, errorLog);
        correlateStage = new CorrelateStage(settings.rules(), settings.correlation(),
            new dev.tapio.engine.correlate.CorrelationCounters(counters), errorLog, settings.slotSize(),
            settings.groupBufferBytes(), clock);
        final Stage correlate = correlateStage;
        final Stage enrich = new EnrichStage(settings.nodeId(), settings.nodeName(), settings.slotSize(), counters,
            metadataResolver(metadata, sources));
        final List<Sink> inline = new ArrayList<>();
        final List<SinkLaneStage> laneList = new ArrayList<>();
        for (final Sink s : this.sinks)
        {
            if (s.dedicatedThread())
            {
                laneList.add(new SinkLaneStage(s, counters, clock, errorLog, settings.ringSize(), settings.groupBufferBytes()));
            }
            else
            {
                inline.add(s);
            }
        }
        lanes = laneList.toArray(new SinkLaneStage[0]);
        fanOutStage = new FanOutStage(
            inline.toArray(new Sink[0]), lanes, counters, latency, clock, errorLog, settings.ringSize())
            .groupsFrom(correlateStage.groupBuffer());
        final Stage fanout = fanOutStage;
        final Stage[] pipeline = { decode, correlate, enrich, fanout };
        final LatencyRecorder[] durations = new LatencyRecorder[pipeline.length];
        for (int i = 0; i < pipeline.length; i++)
        {
            durations[i] = new LatencyRecorder();
            stageDurations.put(pipeline[i].name(), durations[i]);
        }
        EventHandlerGroup<Slot> group = null;
        if (threading == ThreadingMode.SHARED)
        {
            stagesStarted = new CountDownLatch(1 + lanes.length);
            stageThreads.add("tapio-stages");
            group = disruptor.handleEventsWith(new StageHandler(counters, errorLog, pipeline).sampleDurations(durations)
                .onStarted(stagesStarted::countDown));
        }
        else
        {
            stagesStarted = new CountDownLatch(4 + lanes.length);
            for (int i = 0; i < pipeline.length; i++)
            {
                final Stage s = pipeline[i];
                stageThreads.add("tapio-" + s.name());
                final StageHandler h = new StageHandler(counters, errorLog, s).sampleDurations(durations[i])
                    .onStarted(stagesStarted::countDown);
                group = group == null ? disruptor.handleEventsWith(h) : group.then(h);
            }
        }
        if (lanes.length > 0)
        {
            // Behind fan-out, each on its own thread, idling with a back-off instead of the Disruptor's
            // spin on a dependent sequence (see SinkLaneProcessor).
            @SuppressWarnings("unchecked")
            final EventProcessorFactory<Slot>[] factories = new EventProcessorFactory[lanes.length];
            for (int i = 0; i < lanes.length; i++)
            {
                stageThreads.add("tapio-" + lanes[i].name());
                final StageHandler h = new StageHandler(counters, errorLog, lanes[i]).onStarted(stagesStarted::countDown);
                factories[i] = (ringBuffer, barrierSequences) ->
                    new SinkLaneProcessor(ringBuffer, ringBuffer.newBarrier(barrierSequences), h);
            }
            group.then(factories);
        }
        collectors = new CollectorManager(counters, errorLog, clock, settings.nodeName());
        for (final SourceSpec spec : sources)
        {
            spec.source.counters(counters);
            collectors.add(spec.source, newPublisher(spec.source.name(), spec.source.origin(), spec.policy), spec.restart);
        }
    }

    /** The builder's resolver, else the first source that is one (the Kubernetes collector's pod cache), else null. */
    private static dev.tapio.engine.spi.MetadataResolver metadataResolver(
        final dev.tapio.engine.spi.MetadataResolver configured, final List<SourceSpec> sources)
    {
        if (configured != null)
        {
            return configured;
        }
        for (final SourceSpec spec : sources)
        {
            if (spec.source instanceof dev.tapio.engine.spi.MetadataResolver)
            {
                return (dev.tapio.engine.spi.MetadataResolver)spec.source;
            }
        }
        return null;
    }

    public static Builder builder()
    {
        return new Builder();
    }

    /**
     * Starts the stage threads and waits until they run, then the {@link CollectorManager}, which starts one
     * thread per source and supervises it. (The
     * Disruptor's shutdown ignores a stage thread that has not begun yet, so stop() soon after
     * start() would otherwise halt it with events still in the ring.)
     */
    public synchronized Engine start()
    {
        if (started)
        {
            throw new IllegalStateException("engine already started");
        }
        started = true;
        accepting = true;
        disruptor.start();
        try
        {
            if (!stagesStarted.await(settings.shutdownTimeout().toNanos(), TimeUnit.NANOSECONDS))
            {
                errorLog.record("engine: start timeout", "engine: the stage threads did not start within " +
                    settings.shutdownTimeout());
            }
        }
        catch (final InterruptedException e)
        {
            Thread.currentThread().interrupt();
        }
        collectors.start();
        return this;
    }

    /**
     * A publisher for a host thread that produces events itself (embedding). Needs the multi-producer
     * ring: configure {@link ProducerMode#MULTI}, or more than one source, for it.
     */
    public Publisher publisher(final String name, final BackpressurePolicy policy)
    {
        if (producerType != ProducerType.MULTI)
        {
            throw new IllegalStateException("host publishers need producers: multi (the ring has a single producer)");
        }
        return newPublisher(name, dev.tapio.codecs.sbe.Source.GRPC, policy);
    }

    private Publisher newPublisher(
        final String name, final dev.tapio.codecs.sbe.Source origin, final BackpressurePolicy policy)
    {
        return new RingPublisher(
            ring, settings.slotSize(), name, origin, policy, clock, ids, counters, () -> accepting);
    }

    /**
     * Waits until every source has finished on its own (finite sources), failed for good, or is unavailable
     * on this machine; a source waiting out a restart backoff has not finished.
     */
    public boolean awaitSources(final Duration timeout) throws InterruptedException
    {
        return collectors.awaitSettled(timeout);
    }

    /** True when every source has finished (done, failed, or unavailable: see {@link #awaitSources}). */
    public boolean sourcesFinished()
    {
        return collectors.settled();
    }

    /**
     * Stops sources (they finish the event in hand), refuses further publishes, then drains the ring
     * through every stage and closes the sinks. Idempotent.
     *
     * @return true when the drain completed within the shutdown timeout.
     */
    public synchronized boolean stop()
    {
        if (!started || stopped)
        {
            return true;
        }
        stopped = true;
        final long deadline = System.nanoTime() + settings.shutdownTimeout().toNanos();
        collectors.stop(deadline);
        accepting = false;
        boolean drained = true;
        try
        {
            disruptor.shutdown(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        }
        catch (final TimeoutException e)
        {
            drained = false;
            errorLog.record("engine: drain timeout", "engine: the ring did not drain within " +
                settings.shutdownTimeout() + "; halting with " + ringOccupancy() + " events in the ring");
            disruptor.halt();
        }
        if (drained)
        {
            // The stage threads are done: deliver what correlate left, then every group still open
            // (to sink lanes directly now, on this thread, after what waits in their buffers).
            for (final SinkLaneStage lane : lanes)
            {
                lane.detach();
            }
            fanOutStage.drainGroups();
            correlateStage.flush(fanOutStage::deliverGroup);
        }
        collectors.closeSources();
        for (final Sink s : sinks)
        {
            try
            {
                s.close();
            }
            catch (final Exception e)
            {
                counters.sinkErrors(s.name()).increment();
                errorLog.record("sink " + s.name() + " close", "sink " + s.name() + ": close failed: " + e);
            }
        }
        return drained;
    }

    @Override
    public void close()
    {
        stop();
    }

    public EngineCounters counters()
    {
        return counters;
    }

    public LatencyRecorder latency()
    {
        return latency;
    }

    public ErrorLog errors()
    {
        return errorLog;
    }

    public EngineSettings settings()
    {
        return settings;
    }

    public ThreadingMode threadingMode()
    {
        return threading;
    }

    /** Names of the stage threads, in pipeline order. */
    public List<String> stageThreads()
    {
        return Collections.unmodifiableList(stageThreads);
    }

    public boolean singleProducer()
    {
        return producerType == ProducerType.SINGLE;
    }

    /**
     * Time each pipeline stage (decode, correlate, enrich, fanout) spends on one event, sampled on one event
     * in {@value StageHandler#SAMPLE_EVERY} (by ring sequence), by stage name, in pipeline order.
     */
    public Map<String, LatencyRecorder> stageDurations()
    {
        return Collections.unmodifiableMap(stageDurations);
    }

    /**
     * Ingest → journaled (or whatever the sink does) latency of each sink on a thread of its own
     * ({@link Sink#dedicatedThread()}), by sink name; the engine's {@link #latency()} ends at fan-out.
     */
    public Map<String, LatencyRecorder> sinkLatencies()
    {
        final Map<String, LatencyRecorder> out = new LinkedHashMap<>();
        for (final SinkLaneStage lane : lanes)
        {
            out.put(lane.sink().name(), lane.latency());
        }
        return out;
    }

    /** Events published into the ring and not yet through fan-out and every sink on a thread of its own. */
    public long ringOccupancy()
    {
        return Math.max(0, ring.getCursor() - ring.getMinimumGatingSequence());
    }

    public int ringSize()
    {
        return ring.getBufferSize();
    }

    /**
     * State of each source, by name: {@code new}, {@code running} (healthy or degraded), {@code done}, or
     * {@code failed: reason} (failed for good, or unavailable on this machine). {@link #collectors()} has more.
     */
    public Map<String, String> sourceStates()
    {
        return collectors.sourceStates();
    }

    /** Each collector's health (healthy / degraded / unavailable / failed / done, with a reason) and statistics. */
    public List<CollectorStatus> collectors()
    {
        return collectors.statuses();
    }

    /** The source configured with its back-pressure and restart policies. */
    static final class SourceSpec
    {
        final Source source;
        final BackpressurePolicy policy;
        final RestartPolicy restart;

        SourceSpec(final Source source, final BackpressurePolicy policy, final RestartPolicy restart)
        {
            this.source = source;
            this.policy = policy;
            this.restart = restart;
        }
    }

    /** Marker for sources that may block in I/O and should be interrupted on stop. */
    public interface InterruptibleSource
    {
    }

    /** Names stage threads in pipeline order and pins them to the configured CPUs. */
    private final class StageThreadFactory implements ThreadFactory
    {
        private final AtomicInteger index = new AtomicInteger();

        @Override
        public Thread newThread(final Runnable r)
        {
            final int i = index.getAndIncrement();
            final String name = i < stageThreads.size() ? stageThreads.get(i) : "tapio-stage-" + i;
            final int[] cpus = settings.cpus();
            final int cpu = i < cpus.length ? cpus[i] : -1;
            final Thread t = new Thread(() ->
            {
                AffinityLock lock = null;
                if (cpu >= 0)
                {
                    try
                    {
                        lock = AffinityLock.acquireLock(cpu);
                    }
                    catch (final Throwable e)
                    {
                        errorLog.record("affinity", "engine: could not pin " + name + " to CPU " + cpu + ": " + e);
                    }
                }
                try
                {
                    r.run();
                }
                finally
                {
                    if (lock != null)
                    {
                        lock.release();
                    }
                }
            }, name);
            t.setDaemon(true);
            return t;
        }
    }

    private final class LoggingExceptionHandler implements ExceptionHandler<Slot>
    {
        @Override
        public void handleEventException(final Throwable ex, final long sequence, final Slot event)
        {
            counters.counter("tapio_stage_errors_total{stage=\"ring\"}").increment();
            errorLog.record("ring: " + ex.getClass().getSimpleName(), "ring: error at sequence " + sequence + ": " + ex);
        }

        @Override
        public void handleOnStartException(final Throwable ex)
        {
            errorLog.record("ring start", "ring: stage failed to start: " + ex);
        }

        @Override
        public void handleOnShutdownException(final Throwable ex)
        {
            errorLog.record("ring shutdown", "ring: stage failed to shut down: " + ex);
        }
    }

    /**
     * Fluent construction of an engine; {@link #build()} validates every setting once, in the manner
     * of Aeron's {@code Context.conclude()}.
     */
    public static final class Builder
    {
        private final EngineSettings.Mutable settings = new EngineSettings.Mutable();
        private final List<SourceSpec> sources = new ArrayList<>();
        private final List<Sink> sinks = new ArrayList<>();
        private dev.tapio.engine.spi.MetadataResolver metadata;

        public Builder ringSize(final int ringSize)
        {
            settings.ringSize = ringSize;
            return this;
        }

        public Builder slotSize(final int slotSize)
        {
            settings.slotSize = slotSize;
            return this;
        }

        public Builder threading(final ThreadingMode mode)
        {
            settings.threading = mode;
            return this;
        }

        public Builder waitStrategy(final WaitStrategyKind kind)
        {
            settings.waitStrategy = kind;
            return this;
        }

        public Builder producers(final ProducerMode mode)
        {
            settings.producers = mode;
            return this;
        }

        public Builder cpus(final int... cpus)
        {
            settings.cpus = cpus.clone();
            return this;
        }

        public Builder nodeName(final String nodeName)
        {
            settings.nodeName = nodeName;
            return this;
        }

        /**
         * Ids for events that arrive without one start from this epoch time instead of the engine's
         * start; {@link EngineSettings#FIXED_ID_ORIGIN} with a single producer makes them a function of
         * arrival order, so an offline run over the same file gives the same ids (and trace ids).
         */
        public Builder idOrigin(final long epochNanos)
        {
            settings.idOriginEpochNanos = epochNanos;
            return this;
        }

        public Builder nodeId(final long nodeId)
        {
            settings.nodeId = nodeId;
            return this;
        }

        public Builder clock(final EngineClock clock)
        {
            settings.clock = clock;
            return this;
        }

        public Builder seed(final long seed)
        {
            settings.seed = seed;
            return this;
        }

        public Builder shutdownTimeout(final Duration timeout)
        {
            settings.shutdownTimeout = timeout;
            return this;
        }

        public Builder errorStream(final PrintStream out)
        {
            settings.errorStream = out;
            return this;
        }

        public Builder errorsPrintedPerKind(final int n)
        {
            settings.errorsPrintedPerKind = n;
            return this;
        }

        public Builder counters(final EngineCounters counters)
        {
            settings.counters = counters;
            return this;
        }

        public Builder source(final Source source)
        {
            return source(source, BackpressurePolicy.BLOCK);
        }

        public Builder source(final Source source, final BackpressurePolicy policy)
        {
            return source(source, policy, RestartPolicy.NEVER);
        }

        /**
         * A source supervised under {@code restart} (the sources above are never restarted: a crash fails them,
         * as an embedding host expects by default).
         */
        public Builder source(final Source source, final BackpressurePolicy policy, final RestartPolicy restart)
        {
            for (final SourceSpec s : sources)
            {
                if (s.source.name().equals(source.name()))
                {
                    throw new IllegalArgumentException("two sources named " + source.name());
                }
            }
            sources.add(new SourceSpec(source, policy, restart));
            return this;
        }

        /** Correlation patterns (default: the built-in ones). */
        public Builder rules(final dev.tapio.engine.correlate.RuleSet rules)
        {
            settings.rules = rules;
            return this;
        }

        public Builder correlation(final dev.tapio.engine.correlate.CorrelationSettings correlation)
        {
            settings.correlation = correlation;
            return this;
        }

        /**
         * Names the pod, namespace and workload of events that carry only a container id or pod uid (see
         * {@link dev.tapio.engine.spi.MetadataResolver}). Default: the first source that implements it, else none.
         */
        public Builder metadata(final dev.tapio.engine.spi.MetadataResolver resolver)
        {
            this.metadata = resolver;
            return this;
        }

        public Builder sink(final Sink sink)
        {
            sinks.add(sink);
            return this;
        }

        /** Validates and builds; the engine is not started. */
        public Engine build()
        {
            if (Integer.bitCount(settings.ringSize) != 1 || settings.ringSize < 2)
            {
                throw new IllegalArgumentException("ringSize must be a power of two >= 2, got " + settings.ringSize);
            }
            if (settings.slotSize < EventFrames.MIN_ENCODED_LENGTH || settings.slotSize % 8 != 0)
            {
                throw new IllegalArgumentException("slotSize must be a multiple of 8 and at least " +
                    EventFrames.MIN_ENCODED_LENGTH + " bytes, got " + settings.slotSize);
            }
            if ((long)settings.ringSize * settings.slotSize > (1L << 31) - SlotRing.ALIGNMENT)
            {
                throw new IllegalArgumentException("ringSize x slotSize must stay under 2 GiB");
            }
            if (settings.nodeName == null)
            {
                settings.nodeName = EngineSettings.defaultNodeName();
            }
            if (settings.nodeName.getBytes(StandardCharsets.UTF_8).length > 253)
            {
                throw new IllegalArgumentException("nodeName longer than 253 bytes");
            }
            if (settings.nodeId == 0)
            {
                settings.nodeId = EngineSettings.nodeIdOf(settings.nodeName);
            }
            if (settings.clock == null)
            {
                settings.clock = EngineClock.system();
            }
            if (settings.rules == null)
            {
                try
                {
                    settings.rules = dev.tapio.engine.correlate.RulesLoader.builtin();
                }
                catch (final dev.tapio.engine.config.ConfigException e)
                {
                    throw new IllegalStateException(e.getMessage(), e);
                }
            }
            settings.correlation = settings.correlation.toBuilder()
                .nodeName(settings.nodeName).nodeId(settings.nodeId).build();
            if (settings.producers == ProducerMode.SINGLE && sources.size() > 1)
            {
                throw new IllegalArgumentException("producers: single with " + sources.size() + " sources");
            }
            return new Engine(settings.freeze(), sources, sinks, metadata);
        }
    }
}
