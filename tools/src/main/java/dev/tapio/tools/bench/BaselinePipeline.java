package dev.tapio.tools.bench;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tapio.codecs.Hex;
import dev.tapio.codecs.json.JsonEventWriter;
import dev.tapio.engine.source.SyntheticSource;
import org.HdrHistogram.Histogram;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.locks.LockSupport;

/**
 * The baseline Tapio is measured against: what a competent engineer writes without it. The same
 * four stages as threads joined by {@link ArrayBlockingQueue}s, carrying Jackson-bound
 * {@link BaselineEvent} objects (one new object per event, copied from Jackson-decoded templates
 * of the same synthetic mix the engine uses), blocking when a queue is full (nothing dropped).
 * Trace and span ids are hex strings made with a table-driven formatter, as OpenTelemetry's do.
 *
 * <pre>
 *   producer ─ABQ─► decode ─ABQ─► correlate ─ABQ─► enrich ─ABQ─► fan-out (count, latency)
 * </pre>
 *
 * Not thread-safe: one {@link #run} at a time.
 */
public final class BaselinePipeline
{
    public static final int QUEUE_CAPACITY = 65_536;
    private static final BaselineEvent POISON = new BaselineEvent();

    private final BaselineEvent[] templates;
    private final String nodeName;

    /** Result of one run. */
    public static final class Result
    {
        public final long events;
        public final long nanos;
        public final Histogram latency;

        Result(final long events, final long nanos, final Histogram latency)
        {
            this.events = events;
            this.nanos = nanos;
            this.latency = latency;
        }
    }

    public BaselinePipeline(final long seed, final String nodeName)
    {
        this.nodeName = nodeName;
        this.templates = templates(seed);
    }

    /** Templates: the engine's synthetic mix, written as JSON and bound back with Jackson. */
    private static BaselineEvent[] templates(final long seed)
    {
        final SyntheticSource synthetic = new SyntheticSource("baseline", 0, 0, 1,
            SyntheticSource.Pacing.COARSE, seed, 50, 5000);
        final ObjectMapper mapper = new ObjectMapper();
        final JsonEventWriter writer = new JsonEventWriter();
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[4096]);
        final List<BaselineEvent> out = new ArrayList<>();
        try
        {
            for (int i = 0; i < 4096; i++)
            {
                final int n = synthetic.encodeSample(buffer, buffer.capacity(), System.currentTimeMillis() * 1_000_000L, i + 1);
                if (n < 0)
                {
                    continue;
                }
                final ByteArrayOutputStream json = new ByteArrayOutputStream();
                try (JsonGenerator g = new JsonFactory().createGenerator(json))
                {
                    writer.write(buffer, 0, g);
                }
                out.add(mapper.readValue(json.toByteArray(), BaselineEvent.class));
            }
        }
        catch (final IOException e)
        {
            throw new IllegalStateException(e);
        }
        return out.toArray(new BaselineEvent[0]);
    }

    /**
     * Pushes {@code events} events through the four threads.
     *
     * @param rate events per second, or 0 for as fast as the queues take them. With a rate, latency
     *             is measured from each event's intended send time.
     */
    public Result run(final long events, final long rate) throws InterruptedException
    {
        final BlockingQueue<BaselineEvent> q1 = new ArrayBlockingQueue<>(QUEUE_CAPACITY);
        final BlockingQueue<BaselineEvent> q2 = new ArrayBlockingQueue<>(QUEUE_CAPACITY);
        final BlockingQueue<BaselineEvent> q3 = new ArrayBlockingQueue<>(QUEUE_CAPACITY);
        final BlockingQueue<BaselineEvent> q4 = new ArrayBlockingQueue<>(QUEUE_CAPACITY);
        final Histogram latency = new Histogram(1, 3_600_000_000_000L, 3);
        final long[] out = new long[1];
        final long[] done = new long[1];

        final Thread decode = stage("baseline-decode", q1, q2, e ->
        {
            if (e.type == null || e.type.isEmpty() || e.id == null)
            {
                throw new IllegalStateException("invalid event");
            }
        });
        final Thread correlate = stage("baseline-correlate", q2, q3, e ->
        {
            final ThreadLocalRandom r = ThreadLocalRandom.current();
            if (e.traceId == null)
            {
                e.traceId = Hex.toHex(r.nextLong()) + Hex.toHex(r.nextLong());
            }
            if (e.spanId == null)
            {
                e.spanId = Hex.toHex(r.nextLong());
            }
        });
        final Thread enrich = stage("baseline-enrich", q3, q4, e ->
        {
            if (e.node == null)
            {
                e.node = nodeName;
            }
        });
        final Thread fanout = new Thread(() ->
        {
            try
            {
                while (true)
                {
                    final BaselineEvent e = q4.take();
                    if (e == POISON)
                    {
                        break;
                    }
                    out[0]++;
                    latency.recordValue(Math.min(3_600_000_000_000L, Math.max(1, System.nanoTime() - e.originNanos)));
                }
                done[0] = System.nanoTime();
            }
            catch (final InterruptedException ignored)
            {
                Thread.currentThread().interrupt();
            }
        }, "baseline-fanout");
        for (final Thread t : new Thread[]{ decode, correlate, enrich, fanout })
        {
            t.setDaemon(true);
            t.start();
        }

        final long start = System.nanoTime();
        final long period = rate == 0 ? 0 : Math.max(1, 1_000_000_000L / rate);
        final int mask = Integer.highestOneBit(templates.length) - 1;
        int next = 0;
        for (long i = 0; i < events; i++)
        {
            final long intended = start + i * period;
            if (period > 0)
            {
                long now;
                while ((now = System.nanoTime()) < intended)
                {
                    if (intended - now > 2_000_000)
                    {
                        LockSupport.parkNanos(intended - now - 1_000_000);
                    }
                    else
                    {
                        Thread.onSpinWait();
                    }
                }
            }
            final BaselineEvent e = templates[next++ & mask].copy();
            e.id = Long.toHexString(i + 1);
            e.originNanos = period > 0 ? intended : System.nanoTime();
            q1.put(e);
        }
        q1.put(POISON);
        fanout.join();
        decode.join();
        correlate.join();
        enrich.join();
        if (out[0] != events)
        {
            throw new IllegalStateException("baseline lost events: " + out[0] + " of " + events);
        }
        return new Result(out[0], done[0] - start, latency);
    }

    private static Thread stage(
        final String name,
        final BlockingQueue<BaselineEvent> in,
        final BlockingQueue<BaselineEvent> out,
        final java.util.function.Consumer<BaselineEvent> work)
    {
        return new Thread(() ->
        {
            try
            {
                while (true)
                {
                    final BaselineEvent e = in.take();
                    if (e != POISON)
                    {
                        work.accept(e);
                    }
                    out.put(e);
                    if (e == POISON)
                    {
                        return;
                    }
                }
            }
            catch (final InterruptedException ignored)
            {
                Thread.currentThread().interrupt();
            }
        }, name);
    }
}
