package dev.tapio.collectors.kubernetes;

import dev.tapio.codecs.EventDraft;
import dev.tapio.engine.metrics.EngineCounters;
import dev.tapio.engine.metrics.ErrorLog;
import dev.tapio.engine.spi.MetadataResolver;
import dev.tapio.engine.spi.Publisher;
import dev.tapio.engine.spi.Source;
import dev.tapio.engine.spi.SourceContext;
import dev.tapio.engine.spi.SourceUnavailableException;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.Informable;
import io.fabric8.kubernetes.client.dsl.MixedOperation;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import org.agrona.concurrent.status.AtomicCounter;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * {@code kubernetes}: pod life cycle, Warning Events and node pressure from the Kubernetes API, and the pod
 * metadata cache that lets the enrich stage name the pod of kernel events (this source is the engine's
 * {@link MetadataResolver}).
 *
 * <pre>
 *  API server ──list + watch──► fabric8 informers ──► PodTracker / WarningTracker / NodeTracker ──► queue ──► run thread ──► ring
 *   (in-cluster or kubeconfig)     (their threads)  └─► PodMetadataCache, Workloads ◄── enrich stage (lookups)
 * </pre>
 *
 * <p>At start it lists ReplicaSets, Jobs, pods, nodes and Events once (the reachability check, with one clear reason when the
 * API server cannot be reached, and the baseline: what exists already is recorded, not reported), then
 * starts one informer per kind and namespace and waits for their first sync. The informers reconnect
 * their watches themselves and re-list when a watch has expired (410 Gone); the trackers report only
 * transitions from the state they last reported, so nothing is reported twice and a change made while a
 * watch was down is reported once the re-list shows it. If an informer stops for good, {@link #run} fails
 * with its reason (the engine, or a collector manager, reports it; a later run starts from the state
 * this one knew, so it reports what changed meanwhile, pods deleted meanwhile included).
 *
 * <p>Threading: informer callbacks run on fabric8's threads and only queue {@link KubeEvent}s; the
 * engine's source thread ({@link #run}) encodes and publishes them. A full queue drops the event, counted
 * as {@code tapio_events_dropped_total{reason="k8s_queue_full"}}.
 */
public final class KubernetesCollector implements Source, MetadataResolver
{
    static final String METRIC_PREFIX = "tapio_k8s_";
    private static final long COUNTERS_EVERY_NANOS = 1_000_000_000L;

    private final String name;
    private final KubernetesSettings settings;
    private final Function<KubernetesSettings, KubernetesClient> connect;
    private final Workloads workloads;
    private final PodMetadataCache cache;
    private final PodTracker pods;
    private final WarningTracker warnings;
    private final NodeTracker nodes = new NodeTracker();
    private final ArrayBlockingQueue<KubeEvent> queue;
    private final AtomicLong queueFull = new AtomicLong();
    private final AtomicLong emitted = new AtomicLong();
    private final Consumer<KubeEvent> out = this::offer;
    private volatile String health = "not started";
    /** A baseline was taken before: objects a later start finds new were created while this one was stopped. */
    private volatile boolean baselined;
    private volatile EngineCounters counters;
    private volatile ErrorLog errors;
    private final AtomicLong handlerErrors = new AtomicLong();
    private final List<SharedIndexInformer<?>> informers = new ArrayList<>();

    public KubernetesCollector(final String name, final KubernetesSettings settings)
    {
        this(name, settings, KubeClients::connect);
    }

    /** @param connect makes the client from the settings (tests: a mock server's client). */
    public KubernetesCollector(final String name, final KubernetesSettings settings,
        final Function<KubernetesSettings, KubernetesClient> connect)
    {
        this.name = name;
        this.settings = settings;
        this.connect = connect;
        this.workloads = new Workloads(4 * settings.maxPods());
        this.cache = new PodMetadataCache(settings.maxPods(), workloads);
        this.pods = new PodTracker(workloads);
        this.warnings = new WarningTracker(4 * settings.maxPods(), cache);
        this.queue = new ArrayBlockingQueue<>(settings.queueCapacity());
    }

    @Override
    public String name()
    {
        return name;
    }

    @Override
    public dev.tapio.codecs.sbe.Source origin()
    {
        return dev.tapio.codecs.sbe.Source.KUBERNETES;
    }

    @Override
    public void counters(final EngineCounters counters)
    {
        this.counters = counters;
    }

    /** healthy, degraded: …, unavailable: …, failed: … or not started. */
    public String health()
    {
        return health;
    }

    /** The pod metadata cache (for tests and other collectors, e.g. CNI's container id → pod). */
    public PodMetadataCache metadata()
    {
        return cache;
    }

    /** Kubernetes events queued so far (before publication), for tests and stats. */
    public long emitted()
    {
        return emitted.get();
    }

    @Override
    public Lookup newLookup()
    {
        return cache.newLookup();
    }

    @Override
    public void run(final SourceContext context) throws Exception
    {
        errors = context.errors();
        final KubernetesClient client;
        try
        {
            client = connect.apply(settings);
        }
        catch (final RuntimeException e)
        {
            health = "unavailable: " + KubeClients.reason(e);
            throw new SourceUnavailableException(KubeClients.reason(e), e);
        }
        try
        {
            final String where = KubeClients.describe(client);
            try
            {
                baseline(client);
                startInformers(client);
            }
            catch (final RuntimeException | TimeoutException | ExecutionException e)
            {
                health = "unavailable: " + KubeClients.reason(e);
                throw new SourceUnavailableException("cannot reach the API server at " +
                    where + ": " + KubeClients.reason(e), e);
            }
            health = "healthy";
            context.healthy();
            publishUntilStopped(context);
        }
        finally
        {
            stopInformers();
            client.close();
            exportCounters();
        }
    }

    private void publishUntilStopped(final SourceContext context) throws InterruptedException
    {
        final Publisher publisher = context.publisher();
        final EventDraft draft = new EventDraft();
        long countersAt = 0;
        while (context.running())
        {
            KubeEvent e = queue.poll(100, TimeUnit.MILLISECONDS);
            while (e != null)
            {
                publisher.publish(e.writeTo(draft));
                e = queue.poll();
            }
            for (long n = queueFull.getAndSet(0); n > 0; n--)
            {
                publisher.reject("k8s_queue_full");
            }
            final long now = System.nanoTime();
            if (now - countersAt >= COUNTERS_EVERY_NANOS)
            {
                countersAt = now;
                exportCounters();
                checkInformers();
            }
        }
        // Stopping: what the informers found before the stop still goes out.
        for (KubeEvent e = queue.poll(); e != null; e = queue.poll())
        {
            publisher.publish(e.writeTo(draft));
        }
    }

    /** Fails the run when an informer stopped for good; marks the source degraded while a watch reconnects. */
    private void checkInformers()
    {
        boolean watching = true;
        for (final SharedIndexInformer<?> i : informers)
        {
            final CompletableFuture<Void> stopped = i.stopped().toCompletableFuture();
            if (stopped.isDone())
            {
                String why = "stopped";
                try
                {
                    stopped.join();
                }
                catch (final RuntimeException e)
                {
                    why = KubeClients.reason(e);
                }
                health = "failed: the " + i.getApiTypeClass().getSimpleName() + " informer " + why;
                throw new IllegalStateException("kubernetes source " + name + ": the " + i.getApiTypeClass().getSimpleName() +
                    " informer " + why);
            }
            watching &= i.isWatching();
        }
        health = watching ? "healthy" : "degraded: reconnecting a watch";
    }

    private void exportCounters()
    {
        final EngineCounters c = counters;
        if (c == null)
        {
            return;
        }
        set(c, "metadata_hits_total", cache.hits());
        set(c, "metadata_misses_total", cache.misses());
        set(c, "metadata_evictions_total", cache.evictions());
        set(c, "metadata_pods", cache.size());
        set(c, "events_total", emitted.get());
        set(c, "handler_errors_total", handlerErrors.get());
    }

    private void set(final EngineCounters c, final String metric, final long value)
    {
        final AtomicCounter counter = c.counter(METRIC_PREFIX + metric + "{source=\"" + name + "\"}");
        counter.setRelease(value);
    }

    /**
     * Lists once: on the first start what exists is recorded without events (unless emitExisting); on a later
     * start (a restart by a collector manager) what changed meanwhile is reported, deletes included.
     */
    private void baseline(final KubernetesClient client)
    {
        final boolean emitNew = settings.emitExisting() || baselined;
        final Set<String> uids = new HashSet<>();
        for (final String ns : namespacesOrAll())
        {
            if (settings.workloads())
            {
                // Before the pods, so that the cache names their workloads from the start; the informers'
                // handlers may deliver their first adds after the pods' ones.
                for (final ReplicaSet rs : (ns == null ? client.apps().replicaSets().inAnyNamespace() :
                    client.apps().replicaSets().inNamespace(ns)).list().getItems())
                {
                    workloads.update("ReplicaSet", rs);
                }
                for (final Job job : (ns == null ? client.batch().v1().jobs().inAnyNamespace() :
                    client.batch().v1().jobs().inNamespace(ns)).list().getItems())
                {
                    workloads.update("Job", job);
                }
            }
            for (final Pod p : (ns == null ? client.pods().inAnyNamespace() : client.pods().inNamespace(ns)).list().getItems())
            {
                uids.add(p.getMetadata().getUid());
                cache.upsert(p);
                pods.seed(p, emitNew, out);
            }
            if (settings.warnings())
            {
                for (final Event e : (ns == null ? client.v1().events().inAnyNamespace() : client.v1().events().inNamespace(ns))
                    .list().getItems())
                {
                    warnings.seed(e, emitNew, out);
                }
            }
        }
        pods.retainOnly(uids, out);
        cache.retainOnly(uids);
        if (settings.nodes())
        {
            for (final Node n : client.nodes().list().getItems())
            {
                nodes.seed(n, emitNew, out);
            }
        }
        baselined = true;
    }

    private List<String> namespacesOrAll()
    {
        final List<String> all = new ArrayList<>();
        if (settings.namespaces().isEmpty())
        {
            all.add(null);
        }
        else
        {
            all.addAll(settings.namespaces());
        }
        return all;
    }

    private void startInformers(final KubernetesClient client) throws InterruptedException, ExecutionException, TimeoutException
    {
        final long resync = settings.resync().toMillis();
        final List<CompletableFuture<Void>> started = new ArrayList<>();
        for (final String ns : namespacesOrAll())
        {
            if (settings.workloads())
            {
                started.add(inform(namespaced(client.apps().replicaSets(), ns), resync, new Handler<ReplicaSet>("ReplicaSet")
                {
                    @Override
                    void upsert(final ReplicaSet rs)
                    {
                        if (workloads.update("ReplicaSet", rs))
                        {
                            renameWorkloadOf("ReplicaSet", rs);
                        }
                    }

                    @Override
                    void delete(final ReplicaSet rs)
                    {
                        workloads.remove("ReplicaSet", rs);
                    }
                }));
                started.add(inform(namespaced(client.batch().v1().jobs(), ns), resync, new Handler<Job>("Job")
                {
                    @Override
                    void upsert(final Job job)
                    {
                        if (workloads.update("Job", job))
                        {
                            renameWorkloadOf("Job", job);
                        }
                    }

                    @Override
                    void delete(final Job job)
                    {
                        workloads.remove("Job", job);
                    }
                }));
            }
            started.add(inform(namespaced(client.pods(), ns), resync, new Handler<Pod>("Pod")
            {
                @Override
                void upsert(final Pod pod)
                {
                    cache.upsert(pod);
                    pods.update(pod, out);
                }

                @Override
                void delete(final Pod pod)
                {
                    pods.delete(pod, out);
                    cache.remove(pod.getMetadata().getUid());
                }
            }));
            if (settings.warnings())
            {
                started.add(inform(namespaced(client.v1().events(), ns), resync, new Handler<Event>("Event")
                {
                    @Override
                    void upsert(final Event event)
                    {
                        warnings.update(event, out);
                    }

                    @Override
                    void delete(final Event event)
                    {
                        warnings.delete(event);
                    }
                }));
            }
        }
        if (settings.nodes())
        {
            started.add(inform(client.nodes(), resync, new Handler<Node>("Node")
            {
                @Override
                void upsert(final Node node)
                {
                    nodes.update(node, out);
                }

                @Override
                void delete(final Node node)
                {
                    nodes.delete(node);
                }
            }));
        }
        CompletableFuture.allOf(started.toArray(new CompletableFuture[0]))
            .get(settings.startTimeout().toMillis(), TimeUnit.MILLISECONDS);
    }

    /** A ReplicaSet's or Job's owner became known after its pods were cached: cache them again, named right. */
    private void renameWorkloadOf(final String kind, final HasMetadata owner)
    {
        for (final Pod p : pods.ownedBy(kind, owner.getMetadata().getNamespace(), owner.getMetadata().getName()))
        {
            cache.upsert(p);
        }
    }

    private static <T extends HasMetadata> Informable<T> namespaced(final MixedOperation<T, ?, ?> op, final String ns)
    {
        return ns == null ? op.inAnyNamespace() : op.inNamespace(ns);
    }

    private <T extends HasMetadata> CompletableFuture<Void> inform(final Informable<T> what, final long resyncMillis,
        final Handler<T> handler)
    {
        final SharedIndexInformer<T> informer = what.runnableInformer(resyncMillis);
        informer.addEventHandler(handler);
        synchronized (informers)
        {
            informers.add(informer);
        }
        return informer.start().toCompletableFuture();
    }

    private void stopInformers()
    {
        synchronized (informers)
        {
            for (final SharedIndexInformer<?> i : informers)
            {
                i.stop();
            }
            informers.clear();
        }
    }

    private void offer(final KubeEvent e)
    {
        if (queue.offer(e))
        {
            emitted.incrementAndGet();
        }
        else
        {
            queueFull.incrementAndGet();
        }
    }

    /**
     * Adds and updates alike (the trackers compare states); deletes, including those a re-list discovered. An
     * exception from handling one object is counted and logged (once per kind, then counted), never thrown
     * into fabric8.
     */
    private abstract class Handler<T> implements ResourceEventHandler<T>
    {
        private final String kind;

        Handler(final String kind)
        {
            this.kind = kind;
        }

        abstract void upsert(T object);

        abstract void delete(T object);

        @Override
        public final void onAdd(final T object)
        {
            guarded(object, false);
        }

        @Override
        public final void onUpdate(final T before, final T after)
        {
            guarded(after, false);
        }

        @Override
        public final void onDelete(final T object, final boolean finalStateUnknown)
        {
            guarded(object, true);
        }

        private void guarded(final T object, final boolean delete)
        {
            try
            {
                if (delete)
                {
                    delete(object);
                }
                else
                {
                    upsert(object);
                }
            }
            catch (final RuntimeException e)
            {
                handlerErrors.incrementAndGet();
                final ErrorLog log = errors;
                if (log != null)
                {
                    log.record("kubernetes " + kind, "source " + name + ": handling a " + kind + " failed: " + e);
                }
            }
        }
    }
}
