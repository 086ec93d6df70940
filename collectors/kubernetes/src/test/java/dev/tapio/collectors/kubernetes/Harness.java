package dev.tapio.collectors.kubernetes;

import dev.tapio.codecs.EventDraft;
import dev.tapio.engine.metrics.ErrorLog;
import dev.tapio.engine.spi.Publisher;
import dev.tapio.engine.spi.SlotWriter;
import dev.tapio.engine.spi.SourceContext;
import org.agrona.DirectBuffer;

import java.io.PrintStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * Runs a {@link KubernetesCollector} on a thread of its own with a publisher that records each published
 * draft as a {@link Published}, and waits for conditions by polling with a deadline (no sleeps as
 * synchronization).
 */
final class Harness implements AutoCloseable
{
    static final Duration DEADLINE = Duration.ofSeconds(20);

    /** What one published event said. */
    record Published(String type, String node, String namespace, String pod, String podUid, String container,
        String containerId, int exitCode, String message, Map<String, String> attributes)
    {
        String attribute(final String key)
        {
            return attributes.get(key);
        }

        @Override
        public String toString()
        {
            return type + " " + namespace + "/" + pod + (container.isEmpty() ? "" : "/" + container) + " " + attributes;
        }
    }

    final KubernetesCollector collector;
    private final List<Published> published = new ArrayList<>();
    private final List<String> rejected = new ArrayList<>();
    private volatile boolean running = true;
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private volatile boolean finished;
    private final Thread thread;

    Harness(final KubernetesCollector collector)
    {
        this.collector = collector;
        final SourceContext context = new SourceContext()
        {
            private final Publisher publisher = new Recorder();
            private final ErrorLog errors = new ErrorLog(new PrintStream(OutputStream.nullOutputStream()), 1);

            @Override
            public Publisher publisher()
            {
                return publisher;
            }

            @Override
            public boolean running()
            {
                return running;
            }

            @Override
            public ErrorLog errors()
            {
                return errors;
            }

            @Override
            public String nodeName()
            {
                return "test-node";
            }
        };
        thread = new Thread(() ->
        {
            try
            {
                collector.run(context);
            }
            catch (final Throwable t)
            {
                failure.set(t);
            }
            finally
            {
                finished = true;
            }
        }, "kubernetes-collector-test");
        thread.setDaemon(true);
        thread.start();
    }

    /** Starts and waits until the collector is healthy (its baseline listed, its informers synced). */
    static Harness started(final KubernetesCollector collector)
    {
        final Harness h = new Harness(collector);
        h.await(() -> "healthy".equals(collector.health()), () -> "collector healthy, is " + collector.health() +
            (h.failure.get() != null ? ", failed: " + h.failure.get() : ""));
        return h;
    }

    void await(final BooleanSupplier condition, final java.util.function.Supplier<String> what)
    {
        final long deadline = System.nanoTime() + DEADLINE.toNanos();
        while (!condition.getAsBoolean())
        {
            if (System.nanoTime() > deadline)
            {
                throw new AssertionError("timed out waiting for: " + what.get() + "; published: " + published());
            }
            try
            {
                Thread.sleep(5); // polling interval of a deadline wait, not synchronization
            }
            catch (final InterruptedException e)
            {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }

    /** Waits until at least n published events match. */
    List<Published> awaitEvents(final Predicate<Published> which, final int n)
    {
        await(() -> matching(which).size() >= n, () -> n + " matching events");
        return matching(which);
    }

    synchronized List<Published> published()
    {
        return new ArrayList<>(published);
    }

    synchronized List<String> rejected()
    {
        return new ArrayList<>(rejected);
    }

    List<Published> matching(final Predicate<Published> which)
    {
        return published().stream().filter(which).collect(Collectors.toList());
    }

    List<String> typesOf(final String pod)
    {
        return matching(p -> p.pod().equals(pod)).stream().map(Published::type).collect(Collectors.toList());
    }

    Throwable awaitFailure()
    {
        await(() -> finished, () -> "the collector's run to end");
        return failure.get();
    }

    @Override
    public void close() throws Exception
    {
        running = false;
        thread.join(DEADLINE.toMillis());
        if (failure.get() != null && !(failure.get() instanceof dev.tapio.engine.spi.SourceUnavailableException))
        {
            throw new AssertionError("collector failed", failure.get());
        }
    }

    private final class Recorder implements Publisher
    {
        @Override
        public int publish(final EventDraft d)
        {
            final Map<String, String> attributes = new LinkedHashMap<>();
            for (int i = 0; i < d.attributeCount(); i++)
            {
                attributes.put(text(d.attributeKey(i)), text(d.attributeValue(i)));
            }
            final Published p = new Published(dev.tapio.codecs.EventTypes.name(d.type), text(d.text(EventDraft.NODE)),
                text(d.text(EventDraft.NAMESPACE)), text(d.text(EventDraft.POD)), text(d.text(EventDraft.POD_UID)),
                text(d.text(EventDraft.CONTAINER)), text(d.text(EventDraft.CONTAINER_ID)), d.exitCode,
                text(d.text(EventDraft.MESSAGE)), attributes);
            synchronized (Harness.this)
            {
                published.add(p);
            }
            return ACCEPTED;
        }

        @Override
        public <A> int publish(final SlotWriter<A> writer, final A arg)
        {
            throw new UnsupportedOperationException();
        }

        @Override
        public <A> int publishBatch(final SlotWriter<A> writer, final A arg, final int count, final long originNanos,
            final long originStepNanos)
        {
            throw new UnsupportedOperationException();
        }

        @Override
        public int publishRaw(final DirectBuffer src, final int offset, final int length)
        {
            throw new UnsupportedOperationException();
        }

        @Override
        public void reject(final String reason)
        {
            synchronized (Harness.this)
            {
                rejected.add(reason);
            }
        }

        @Override
        public int maxEventLength()
        {
            return 4096;
        }
    }

    private static String text(final dev.tapio.codecs.Utf8Text t)
    {
        return new String(t.bytes(), 0, t.length(), StandardCharsets.UTF_8);
    }
}
