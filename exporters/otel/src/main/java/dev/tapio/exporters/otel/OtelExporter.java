package dev.tapio.exporters.otel;

import dev.tapio.engine.metrics.EngineCounters;
import dev.tapio.journal.JournalReader;
import dev.tapio.journal.JournalRecords;
import dev.tapio.journal.JournalSettings;
import dev.tapio.journal.JournalTailer;
import dev.tapio.journal.RecordHandler;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporterBuilder;
import io.opentelemetry.exporter.otlp.trace.OtlpGrpcSpanExporter;
import io.opentelemetry.exporter.otlp.trace.OtlpGrpcSpanExporterBuilder;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.status.AtomicCounter;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Sends Tapio's correlation groups as OpenTelemetry traces over OTLP, reading the journal through its own
 * named durable tailer ({@value OtelSettings#DEFAULT_TAILER} by default), so a slow or dead collector never
 * stalls the engine and a restart resumes after the last record whose spans the collector accepted.
 *
 * <pre>
 *   journal ──poll──► TraceMapper ──spans──► SpanExporter (OTLP gRPC / HTTP) ──all ok──► tailer.ack(last record)
 *                                   batches, ≤ maxInFlight at once  └─ failed: wait (backoff, doubling), export those batches again
 * </pre>
 *
 * Delivery is at least once: spans of records after the durable position are sent again after a crash
 * between the collector's answer and the ack, never otherwise. After a restart, events of the
 * {@link OtelSettings#warmup()} before the resumed record are read again (not exported) so that groups
 * whose members were journaled before the position still find them.
 *
 * <p>With {@link OtelSettings#metricsEnabled()} it also runs an {@link OtelMetricsExporter} of the counters it
 * was given (the engine's, under {@code tapio run}), started and stopped with it.
 *
 * <p>Threading: one thread of its own ({@code tapio-otel}, plus {@code tapio-otel-metrics} with metrics);
 * {@link #start()} and {@link #close()} from the host's thread; the counters may be read from any thread.
 */
public final class OtelExporter implements AutoCloseable
{
    /** Spans the collector accepted. */
    public static final String SPANS_EXPORTED = "tapio_otel_spans_exported_total";
    /** Group records mapped to traces (exported, or in a batch being exported). */
    public static final String GROUPS_MAPPED = "tapio_otel_groups_total";
    /** Export attempts that failed and were retried. */
    public static final String EXPORT_FAILURES = "tapio_otel_export_failures_total";
    /** Gauge: 1 while the last export attempt failed (the collector is away or refusing), 0 once one succeeds. */
    public static final String FAILING = "tapio_otel_export_failing";
    /** Group members whose event was no longer cached (sent with their id only). */
    public static final String MEMBERS_MISSING = "tapio_otel_members_missing_total";
    /** Grouped events evicted from the cache before their group arrived. */
    public static final String EVENTS_EVICTED = "tapio_otel_events_evicted_total";
    /** Uncorrelated events sent as single-span traces. */
    public static final String EVENTS_SAMPLED = "tapio_otel_events_sampled_total";

    private static final long IDLE_NANOS = TimeUnit.MILLISECONDS.toNanos(2);
    /** Records read at most per span of a full round of requests (memory and ack granularity stay bounded). */
    private static final int RECORDS_PER_SPAN_ROUND = 16;

    private final JournalSettings journal;
    private final OtelSettings settings;
    private final SpanExporter exporter;
    private final PrintStream log;
    private final JournalTailer tailer;
    private final TraceMapper mapper;
    private final Thread thread;
    private final OtelMetricsExporter metrics;
    private final List<List<SpanData>> pending = new ArrayList<>();
    private final CompletableResultCode[] results;
    private final RecordHandler capture = this::keepFirst;
    private volatile boolean running = true;
    private boolean started;
    private boolean stopped;
    private volatile long drainDeadline = Long.MAX_VALUE;
    private final AtomicCounter exportedSpans;
    private final AtomicCounter failedExports;
    private final AtomicCounter failing;
    private volatile long exportedGroups;
    private volatile long ackedIndex;
    private volatile boolean caughtUp;
    private volatile Throwable failure;
    private UnsafeBuffer first;
    private int firstLength = -1;
    private long firstIndex;
    private int firstTemplate;

    private OtelExporter(final JournalSettings journal, final OtelSettings settings, final SpanExporter exporter,
        final EngineCounters counters, final PrintStream log) throws IOException
    {
        this.exportedSpans = counters.counter(SPANS_EXPORTED);
        this.failedExports = counters.counter(EXPORT_FAILURES);
        this.failing = counters.counter(FAILING);
        failing.setRelease(0);
        this.journal = journal;
        this.settings = settings;
        this.exporter = exporter;
        this.log = log;
        OtelMetricsExporter m = null;
        try
        {
            m = settings.metricsEnabled() ? OtelMetricsExporter.create(settings, counters, log) : null;
            this.tailer = JournalTailer.open(journal, settings.tailerName());
        }
        catch (final IOException | RuntimeException e)
        {
            // Nothing started yet: release what was built so a failed start leaves no threads or connections.
            if (m != null)
            {
                m.close();
            }
            exporter.shutdown();
            throw e;
        }
        this.metrics = m;
        this.ackedIndex = tailer.ackedIndex();
        this.mapper = new TraceMapper(settings, resource(), counters);
        this.thread = new Thread(this::run, "tapio-otel");
        this.thread.setDaemon(true);
        this.results = new CompletableResultCode[settings.maxInFlight()];
    }

    /** The resource of Tapio's spans and metrics: the SDK's default attributes with {@code service.name=tapio}. */
    static Resource resource()
    {
        return Resource.getDefault().merge(Resource.create(Attributes.of(AttributeKey.stringKey("service.name"), "tapio")));
    }

    /** An exporter over OTLP as {@code settings} say (gRPC or HTTP/protobuf to its endpoint), not started. */
    public static OtelExporter create(final JournalSettings journal, final OtelSettings settings, final PrintStream log)
        throws IOException
    {
        return create(journal, settings, spanExporter(settings), new EngineCounters(), log);
    }

    /** As {@link #create(JournalSettings, OtelSettings, PrintStream)}, counting into {@code counters} (e.g. the engine's). */
    public static OtelExporter create(final JournalSettings journal, final OtelSettings settings,
        final EngineCounters counters, final PrintStream log) throws IOException
    {
        return create(journal, settings, spanExporter(settings), counters, log);
    }

    /** An exporter that hands its spans to {@code exporter} (which it shuts down on close), not started. */
    public static OtelExporter create(final JournalSettings journal, final OtelSettings settings,
        final SpanExporter exporter, final EngineCounters counters, final PrintStream log) throws IOException
    {
        return new OtelExporter(journal, settings, exporter, counters, log);
    }

    /**
     * The SDK's OTLP span exporter for the settings, connected as they say (headers, compression, timeout,
     * TLS through the builders' own methods); its own retries use the settings' backoff.
     *
     * @throws UncheckedIOException when a TLS file cannot be read.
     */
    static SpanExporter spanExporter(final OtelSettings settings)
    {
        final OtlpConnection c = OtlpConnection.of(settings);
        if (settings.protocol() == OtelSettings.Protocol.HTTP)
        {
            final OtlpHttpSpanExporterBuilder b = OtlpHttpSpanExporter.builder();
            c.configure(settings.endpoint(), b::setEndpoint, b::setTimeout, b::setCompression, b::setHeaders,
                b::setRetryPolicy, b::setTrustedCertificates, b::setClientTls);
            return b.build();
        }
        final OtlpGrpcSpanExporterBuilder b = OtlpGrpcSpanExporter.builder();
        c.configure(settings.endpoint(), b::setEndpoint, b::setTimeout, b::setCompression, b::setHeaders,
            b::setRetryPolicy, b::setTrustedCertificates, b::setClientTls);
        return b.build();
    }

    public synchronized OtelExporter start()
    {
        started = true;
        thread.start();
        if (metrics != null)
        {
            metrics.start();
        }
        return this;
    }

    /**
     * Stops after exporting what the journal holds now, waiting for the collector at most {@code drain};
     * what was not exported by then stays after the durable position for the next run.
     *
     * @return true when everything journaled was exported and acked.
     */
    public synchronized boolean stop(final Duration drain)
    {
        if (stopped)
        {
            return caughtUp;
        }
        stopped = true;
        if (!started)
        {
            tailer.close();
            exporter.shutdown();
            if (metrics != null)
            {
                metrics.close();
            }
            return false;
        }
        drainDeadline = System.nanoTime() + drain.toNanos();
        running = false;
        LockSupport.unpark(thread);
        try
        {
            thread.join(drain.toMillis() + 2 * settings.exportTimeout().toMillis() + 1000);
        }
        catch (final InterruptedException e)
        {
            Thread.currentThread().interrupt();
        }
        final boolean done = caughtUp && !thread.isAlive();
        if (thread.isAlive())
        {
            log.println("tapio otel: the exporter thread did not stop; its tailer stays open until the process exits");
        }
        else
        {
            tailer.close();
        }
        exporter.shutdown().join(settings.exportTimeout().toMillis(), TimeUnit.MILLISECONDS);
        if (metrics != null)
        {
            // After the traces: the last metric export carries the exporter's final counts.
            metrics.close();
        }
        return done;
    }

    @Override
    public void close()
    {
        stop(Duration.ofSeconds(5));
    }

    private void run()
    {
        try
        {
            boolean warmUpPending = tailer.ackedIndex() >= 0;
            while (true)
            {
                final boolean stopping = !running;
                final int n;
                if (warmUpPending)
                {
                    n = tailer.poll(capture, 1);
                    if (n > 0)
                    {
                        warmUp();
                        warmUpPending = false;
                    }
                }
                else
                {
                    n = fill();
                }
                if (n > 0 || !mapper.spans().isEmpty())
                {
                    caughtUp = false;
                    if (!exportAndAck(tailer.lastReadIndex()))
                    {
                        break;
                    }
                }
                if (n == 0)
                {
                    caughtUp = true;
                    if (stopping)
                    {
                        break;
                    }
                    LockSupport.parkNanos(IDLE_NANOS);
                }
            }
        }
        catch (final Throwable t)
        {
            caughtUp = false;
            failure = t;
            log.println("tapio otel: exporter stopped: " + t);
        }
    }

    /**
     * Polls the journal into the mapper until it holds spans for {@code maxInFlight} full requests, the journal
     * has nothing more, or {@value #RECORDS_PER_SPAN_ROUND} records per span of that target were read (most records
     * may make no span: uncorrelated events not sampled, members waiting for their group). Filling the requests
     * rather than reading a fixed number of records keeps {@code maxInFlight} requests going when few records
     * become spans.
     *
     * @return the records read.
     */
    private int fill()
    {
        final int target = settings.batchSpans() * settings.maxInFlight();
        final long limit = (long)target * RECORDS_PER_SPAN_ROUND;
        int total = 0;
        int n;
        do
        {
            n = tailer.poll(mapper, target);
            total += n;
        }
        while (n > 0 && mapper.spans().size() < target && total < limit);
        return total;
    }

    /**
     * After a restart, once the first record after the durable position has arrived (kept aside by
     * {@link #capture}): re-reads, without exporting, the events journaled within {@link OtelSettings#warmup()}
     * of event time before it, up to the position; then maps that first record. Without it, a group whose
     * record follows the position would not find its members journaled before it.
     */
    private void warmUp()
    {
        final long acked = tailer.ackedIndex();
        final long time = JournalRecords.timeOf(first, 0, firstLength);
        if (time != JournalRecords.NO_TIME)
        {
            mapper.export(false);
            try (JournalReader reader = JournalReader.open(journal))
            {
                reader.seek(time - settings.warmup().toNanos(), Long.MAX_VALUE);
                reader.stopAfter(acked);
                while (reader.read(mapper, 4096) > 0 || !reader.done())
                {
                    // fill the event cache
                }
            }
            catch (final IOException e)
            {
                log.println("tapio otel: warm-up read of " + journal.dir() + " failed: " + e);
            }
            finally
            {
                mapper.export(true);
                mapper.clear();
            }
        }
        mapper.onRecord(firstIndex, firstTemplate, first, 0, firstLength);
    }

    private void keepFirst(final long index, final int template, final DirectBuffer buffer, final int offset, final int length)
    {
        first = new UnsafeBuffer(new byte[length]);
        first.putBytes(0, buffer, offset, length);
        firstLength = length;
        firstIndex = index;
        firstTemplate = template;
    }

    /**
     * Exports the mapper's spans in batches of {@link OtelSettings#batchSpans()}, up to
     * {@link OtelSettings#maxInFlight()} requests at once, until the collector took every batch (a failed batch
     * is sent again after a backoff, the accepted ones are not), then acks {@code lastIndex}. Returns false when
     * stopping cut the retries short (nothing acked).
     */
    private boolean exportAndAck(final long lastIndex)
    {
        final List<SpanData> spans = mapper.spans();
        pending.clear();
        for (int from = 0; from < spans.size(); from += settings.batchSpans())
        {
            pending.add(spans.subList(from, Math.min(spans.size(), from + settings.batchSpans())));
        }
        long backoff = settings.minBackoff().toNanos();
        while (!pending.isEmpty())
        {
            final int n = Math.min(pending.size(), settings.maxInFlight());
            for (int i = 0; i < n; i++)
            {
                results[i] = exporter.export(pending.get(i));
            }
            CompletableResultCode failed = null;
            int kept = 0;
            for (int i = 0; i < n; i++)
            {
                final CompletableResultCode result = results[i];
                result.join(settings.exportTimeout().toMillis() * 2, TimeUnit.MILLISECONDS);
                results[i] = null;
                if (result.isDone() && result.isSuccess())
                {
                    exportedSpans.getAndAddRelease(pending.get(i).size());
                }
                else
                {
                    pending.set(kept++, pending.get(i)); // failed: first in line for the next attempt
                    failed = result;
                }
            }
            pending.subList(kept, n).clear();
            if (failed == null)
            {
                failing.setRelease(0);
                backoff = settings.minBackoff().toNanos();
                continue;
            }
            failing.setRelease(1);
            final long before = failedExports.getAndAddRelease(kept);
            if (Long.numberOfLeadingZeros(before) != Long.numberOfLeadingZeros(before + kept))
            {
                // Passing the 1st, 2nd, 4th, 8th … failure: a collector that is away for long is not reported per retry.
                final Throwable why = failed.getFailureThrowable();
                log.println("tapio otel: export to " + settings.endpoint() + " failed (" + (before + kept) + " times so far): " +
                    (!failed.isDone() ? "no answer within " + 2 * settings.exportTimeout().toMillis() + " ms" :
                    why != null ? why.toString() : "the collector refused the request") + "; retrying");
            }
            if (!running && System.nanoTime() > drainDeadline)
            {
                pending.clear();
                return false;
            }
            LockSupport.parkNanos(backoff);
            backoff = Math.min(backoff * 2, settings.maxBackoff().toNanos());
        }
        exportedGroups = mapper.groups();
        mapper.clear();
        if (lastIndex >= 0 && tailer.ack(lastIndex))
        {
            ackedIndex = lastIndex;
        }
        return true;
    }

    /** The OTLP metrics exporter of the engine's counters ({@code otel.metrics.enabled}), or null. */
    public OtelMetricsExporter metrics()
    {
        return metrics;
    }

    /** Spans the collector accepted since start. */
    public long exportedSpans()
    {
        return exportedSpans.get();
    }

    /** Groups exported as traces since start. */
    public long exportedGroups()
    {
        return exportedGroups;
    }

    /** True while the last export attempt failed ({@value #FAILING}). */
    public boolean failing()
    {
        return failing.get() != 0;
    }

    /** Export attempts that failed (each retried after a backoff). */
    public long failedExports()
    {
        return failedExports.get();
    }

    /** The durable position: the last journal index whose spans were exported (-1: none yet). */
    public long ackedIndex()
    {
        return ackedIndex;
    }

    /** True when the last poll found the end of the journal with everything before it exported. */
    public boolean caughtUp()
    {
        return caughtUp;
    }

    /** Why the exporter's thread ended early, or null. */
    public Throwable failure()
    {
        return failure;
    }

    /** Group members whose event was no longer in the cache (exported with their id only). */
    public long missingMembers()
    {
        return mapper.missingMembers();
    }

    /** Counters of the mapping: groups whose member events were no longer cached, events evicted, events sampled. */
    public String stats()
    {
        return "otel{groups=" + exportedGroups + ", spans=" + exportedSpans.get() + ", failedExports=" + failedExports.get() +
            ", missingMembers=" + mapper.missingMembers() + ", evictedEvents=" + mapper.evictedEvents() +
            ", sampledEvents=" + mapper.sampledEvents() + "}";
    }
}
