package dev.tapio.bench.baseline;

import java.time.Duration;
import java.util.SplittableRandom;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * The pipeline a competent Java programmer would build without Tapio, used as the baseline in
 * benchmarks (and reusable by the CLI): four stage threads joined by {@link ArrayBlockingQueue}s carrying
 * {@link BaselineEvent} objects that the producer allocates, each stage doing the same work as Tapio's.
 *
 * <pre>
 *   producer ─put─► [ABQ] ─take─► decode ─► [ABQ] ─► correlate ─► [ABQ] ─► enrich ─► [ABQ] ─► fan-out ─► sink
 *   (caller's       65,536 each   validate          random trace          node name        count
 *    thread)                      required fields   and span ids
 * </pre>
 *
 * <ul>
 *   <li>decode: checks the required fields (type, source, severity non-empty; pid, ppid non-negative); an
 *       event that fails is counted as rejected and goes no further.</li>
 *   <li>correlate: a random non-zero 16-byte trace id when the event has none, a random non-zero span id
 *       when it has none ({@link SplittableRandom}, as Tapio's correlate stage).</li>
 *   <li>enrich: stamps the node id, and the node name when the event has none.</li>
 *   <li>fan-out: hands the event to the sink and counts it out.</li>
 * </ul>
 *
 * Lifecycle: {@link #start()} once, {@link #publish} from one producer thread, {@link #close()} sends a
 * poison pill through the stages (so events already published are processed) and joins the threads.
 * Counters are readable from any thread.
 */
public final class BaselinePipeline implements AutoCloseable
{
    public static final int DEFAULT_QUEUE_CAPACITY = 65_536;

    private static final BaselineEvent POISON = new BaselineEvent();

    private final BlockingQueue<BaselineEvent> toDecode;
    private final BlockingQueue<BaselineEvent> toCorrelate;
    private final BlockingQueue<BaselineEvent> toEnrich;
    private final BlockingQueue<BaselineEvent> toFanOut;
    private final Thread[] threads;
    private final String nodeName;
    private final long nodeId;
    private final SplittableRandom random;
    private final Consumer<BaselineEvent> sink;
    private final AtomicLong out = new AtomicLong();
    private final AtomicLong rejected = new AtomicLong();
    private volatile Throwable failure;
    private boolean started;
    private boolean closed;

    /** A pipeline that discards events after counting them. */
    public BaselinePipeline(final String nodeName, final long nodeId, final long seed)
    {
        this(nodeName, nodeId, seed, DEFAULT_QUEUE_CAPACITY, e -> { });
    }

    public BaselinePipeline(
        final String nodeName, final long nodeId, final long seed, final int queueCapacity,
        final Consumer<BaselineEvent> sink)
    {
        this.nodeName = nodeName;
        this.nodeId = nodeId;
        this.random = new SplittableRandom(seed);
        this.sink = sink;
        toDecode = new ArrayBlockingQueue<>(queueCapacity);
        toCorrelate = new ArrayBlockingQueue<>(queueCapacity);
        toEnrich = new ArrayBlockingQueue<>(queueCapacity);
        toFanOut = new ArrayBlockingQueue<>(queueCapacity);
        threads = new Thread[]{
            stageThread("baseline-decode", toDecode, toCorrelate, this::decode),
            stageThread("baseline-correlate", toCorrelate, toEnrich, this::correlate),
            stageThread("baseline-enrich", toEnrich, toFanOut, this::enrich),
            stageThread("baseline-fanout", toFanOut, null, this::fanOut),
        };
    }

    public synchronized BaselinePipeline start()
    {
        if (started)
        {
            throw new IllegalStateException("pipeline already started");
        }
        started = true;
        for (final Thread t : threads)
        {
            t.start();
        }
        return this;
    }

    /** Hands one event to the decode stage, waiting while its queue is full. One producer thread. */
    public void publish(final BaselineEvent event) throws InterruptedException
    {
        toDecode.put(event);
    }

    /** Events through fan-out. */
    public long processed()
    {
        return out.get();
    }

    /** Events the decode stage refused. */
    public long rejected()
    {
        return rejected.get();
    }

    /**
     * Waits until {@code processed() + rejected()} reaches {@code target}.
     *
     * @return false on timeout.
     * @throws IllegalStateException when a stage thread died.
     */
    public boolean awaitDone(final long target, final Duration timeout) throws InterruptedException
    {
        final long deadline = System.nanoTime() + timeout.toNanos();
        int spins = 0;
        while (out.get() + rejected.get() < target)
        {
            final Throwable f = failure;
            if (f != null)
            {
                throw new IllegalStateException("baseline stage failed", f);
            }
            if (System.nanoTime() - deadline > 0)
            {
                return false;
            }
            if (++spins < 100)
            {
                Thread.onSpinWait();
            }
            else
            {
                TimeUnit.MICROSECONDS.sleep(50);
            }
        }
        return true;
    }

    /**
     * Drains what was published through every stage, then stops and joins the stage threads (at most
     * about ten seconds each; stuck ones are interrupted). Idempotent.
     */
    @Override
    public synchronized void close()
    {
        if (!started || closed)
        {
            return;
        }
        closed = true;
        boolean interrupted = false;
        try
        {
            if (!toDecode.offer(POISON, 10, TimeUnit.SECONDS))
            {
                for (final Thread t : threads)
                {
                    t.interrupt();
                }
            }
        }
        catch (final InterruptedException e)
        {
            interrupted = true;
            for (final Thread t : threads)
            {
                t.interrupt();
            }
        }
        for (final Thread t : threads)
        {
            try
            {
                t.join(TimeUnit.SECONDS.toMillis(10));
                if (t.isAlive())
                {
                    t.interrupt();
                    t.join(TimeUnit.SECONDS.toMillis(1));
                }
            }
            catch (final InterruptedException e)
            {
                interrupted = true;
                t.interrupt();
            }
        }
        if (interrupted)
        {
            Thread.currentThread().interrupt();
        }
    }

    /** True once every stage thread has ended. */
    public boolean terminated()
    {
        for (final Thread t : threads)
        {
            if (t.isAlive())
            {
                return false;
            }
        }
        return true;
    }

    /** The stage's work on one event; false drops it. */
    @FunctionalInterface
    private interface StageWork
    {
        boolean apply(BaselineEvent e);
    }

    private Thread stageThread(
        final String name, final BlockingQueue<BaselineEvent> in, final BlockingQueue<BaselineEvent> next,
        final StageWork work)
    {
        final Thread t = new Thread(() ->
        {
            try
            {
                while (true)
                {
                    final BaselineEvent e = in.take();
                    if (e == POISON)
                    {
                        if (next != null)
                        {
                            next.put(POISON);
                        }
                        return;
                    }
                    if (work.apply(e) && next != null)
                    {
                        next.put(e);
                    }
                }
            }
            catch (final InterruptedException e)
            {
                Thread.currentThread().interrupt();
            }
            catch (final Throwable e)
            {
                failure = e;
            }
        }, name);
        t.setDaemon(true);
        return t;
    }

    private boolean decode(final BaselineEvent e)
    {
        if (isEmpty(e.type) || isEmpty(e.source) || isEmpty(e.severity) ||
            e.pid != null && e.pid < 0 || e.ppid != null && e.ppid < 0)
        {
            rejected.incrementAndGet();
            return false;
        }
        return true;
    }

    private boolean correlate(final BaselineEvent e)
    {
        if ((e.traceIdHi | e.traceIdLo) == 0)
        {
            e.traceIdHi = nonZero();
            e.traceIdLo = random.nextLong();
        }
        if (e.spanIdBits == 0)
        {
            e.spanIdBits = nonZero();
        }
        return true;
    }

    private boolean enrich(final BaselineEvent e)
    {
        e.nodeId = nodeId;
        if (isEmpty(e.node))
        {
            e.node = nodeName;
        }
        return true;
    }

    private boolean fanOut(final BaselineEvent e)
    {
        sink.accept(e);
        out.lazySet(out.get() + 1); // single writer: this thread
        return true;
    }

    private long nonZero()
    {
        long v;
        do
        {
            v = random.nextLong();
        }
        while (v == 0);
        return v;
    }

    private static boolean isEmpty(final String s)
    {
        return s == null || s.isEmpty();
    }
}
