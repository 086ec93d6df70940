package dev.tapio.collectors.kubernetes;

import dev.tapio.engine.config.ConfigException;
import dev.tapio.engine.config.ConfigNode;

import java.time.Duration;
import java.util.List;

/**
 * Options of the Kubernetes collector ({@code sources: kubernetes: ...}); every option and its default is
 * in docs/CONFIG.md and collectors/kubernetes/README.md. Immutable; {@code with...} return copies.
 *
 * @param kubeconfig   kubeconfig file; empty: in-cluster (service account) when running in a pod, else
 *                     {@code $KUBECONFIG} or {@code ~/.kube/config}.
 * @param context      kubeconfig context; empty: the file's current context.
 * @param namespaces   namespaces whose pods and Events are watched; empty: all.
 * @param warnings     watch Events of type Warning ({@code k8s.event.warning}).
 * @param nodes        watch node conditions ({@code k8s.node.pressure}).
 * @param workloads    watch ReplicaSets and Jobs to name Deployments and CronJobs exactly.
 * @param emitExisting emit created/scheduled/running for pods that already exist at start.
 * @param maxPods      pods kept in the metadata cache.
 * @param resync       how often the informers replay their caches (refreshing the metadata cache); zero: never.
 * @param queueCapacity Kubernetes events waiting for the collector's thread to publish them.
 * @param startTimeout how long the start waits for the API server (first list and informer sync).
 */
public record KubernetesSettings(
    String kubeconfig,
    String context,
    List<String> namespaces,
    boolean warnings,
    boolean nodes,
    boolean workloads,
    boolean emitExisting,
    int maxPods,
    Duration resync,
    int queueCapacity,
    Duration startTimeout)
{
    public KubernetesSettings
    {
        namespaces = List.copyOf(namespaces);
    }

    public static KubernetesSettings defaults()
    {
        return new KubernetesSettings("", "", List.of(), true, true, true, false, 10_000, Duration.ofMinutes(5), 4096,
            Duration.ofSeconds(30));
    }

    public static KubernetesSettings fromConfig(final ConfigNode c) throws ConfigException
    {
        final KubernetesSettings d = defaults();
        final List<String> namespaces = c.has("namespaces") ? c.stringList("namespaces") : d.namespaces;
        for (int i = 0; i < namespaces.size(); i++)
        {
            if (!namespaces.get(i).matches("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?"))
            {
                throw c.error("namespaces", i, "not a Kubernetes namespace name: \"" + namespaces.get(i) + "\"");
            }
        }
        final Duration resync = c.duration("resync", d.resync);
        final Duration startTimeout = c.duration("startTimeout", d.startTimeout);
        if (startTimeout.isZero() || startTimeout.isNegative())
        {
            throw c.error("startTimeout", "must be positive");
        }
        if (resync.isNegative() || !resync.isZero() && resync.toMillis() < 1000)
        {
            throw c.error("resync", "must be 0 (never) or at least 1s");
        }
        return new KubernetesSettings(
            c.string("kubeconfig", d.kubeconfig),
            c.string("context", d.context),
            namespaces,
            c.bool("warnings", d.warnings),
            c.bool("nodes", d.nodes),
            c.bool("workloads", d.workloads),
            c.bool("emitExisting", d.emitExisting),
            c.intValue("maxPods", d.maxPods, 1, 10_000_000),
            resync,
            c.intValue("queueCapacity", d.queueCapacity, 16, 1 << 24),
            startTimeout);
    }

    public KubernetesSettings withNamespaces(final List<String> namespaces)
    {
        return new KubernetesSettings(kubeconfig, context, namespaces, warnings, nodes, workloads, emitExisting, maxPods, resync,
            queueCapacity, startTimeout);
    }

    public KubernetesSettings withKubeconfig(final String kubeconfig, final String context)
    {
        return new KubernetesSettings(kubeconfig, context, namespaces, warnings, nodes, workloads, emitExisting, maxPods, resync,
            queueCapacity, startTimeout);
    }

    public KubernetesSettings withMaxPods(final int maxPods)
    {
        return new KubernetesSettings(kubeconfig, context, namespaces, warnings, nodes, workloads, emitExisting, maxPods, resync,
            queueCapacity, startTimeout);
    }

    public KubernetesSettings withStartTimeout(final Duration startTimeout)
    {
        return new KubernetesSettings(kubeconfig, context, namespaces, warnings, nodes, workloads, emitExisting, maxPods, resync,
            queueCapacity, startTimeout);
    }

    public KubernetesSettings withEmitExisting(final boolean emitExisting)
    {
        return new KubernetesSettings(kubeconfig, context, namespaces, warnings, nodes, workloads, emitExisting, maxPods, resync,
            queueCapacity, startTimeout);
    }
}
