package dev.tapio.collectors.kubernetes;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The owner chain from a pod to its workload: pod → ReplicaSet → Deployment, pod → Job → CronJob, pod →
 * StatefulSet / DaemonSet (or any other controller, by its kind). The middle links (which Deployment owns a
 * ReplicaSet, which CronJob a Job) come from the ReplicaSet and Job informers; until those have seen a
 * ReplicaSet, a Deployment is still recognised by the naming the Deployment controller guarantees
 * ({@code <deployment>-<pod-template-hash>}, the hash also being a label of the pod). At most
 * {@code maxOwners} links are kept; beyond that, pods fall back to that naming or to the ReplicaSet/Job itself.
 *
 * <p>Threading: written by the informers' threads, read by them; a {@link ConcurrentHashMap}.
 */
public final class Workloads
{
    /** A workload: its kind (as in the API, {@code Deployment}) and name. */
    public record Workload(String kind, String name)
    {
        /** The OpenTelemetry resource attribute that names it, e.g. {@code k8s.deployment.name}. */
        public String attributeKey()
        {
            return "k8s." + kind.toLowerCase(Locale.ROOT) + ".name";
        }
    }

    private final Map<String, Workload> owners = new ConcurrentHashMap<>();
    private final int maxOwners;

    public Workloads(final int maxOwners)
    {
        this.maxOwners = maxOwners;
    }

    /**
     * Records (or forgets, when it has no controller) who controls a ReplicaSet or Job.
     *
     * @return true when that changed what its pods are named after.
     */
    public boolean update(final String kind, final HasMetadata object)
    {
        final String key = key(kind, object.getMetadata().getNamespace(), object.getMetadata().getName());
        final OwnerReference controller = controller(object.getMetadata().getOwnerReferences());
        if (controller == null)
        {
            return owners.remove(key) != null;
        }
        if (owners.size() < maxOwners || owners.containsKey(key))
        {
            final Workload w = new Workload(controller.getKind(), controller.getName());
            return !w.equals(owners.put(key, w));
        }
        return false;
    }

    public void remove(final String kind, final HasMetadata object)
    {
        owners.remove(key(kind, object.getMetadata().getNamespace(), object.getMetadata().getName()));
    }

    /** The pod's workload, or null when no controller owns it. */
    public Workload of(final Pod pod)
    {
        final OwnerReference c = controller(pod.getMetadata().getOwnerReferences());
        if (c == null)
        {
            return null;
        }
        final String ns = pod.getMetadata().getNamespace();
        switch (c.getKind())
        {
            case "ReplicaSet":
            {
                final Workload up = owners.get(key("ReplicaSet", ns, c.getName()));
                if (up != null)
                {
                    return up;
                }
                final Map<String, String> labels = pod.getMetadata().getLabels();
                final String hash = labels == null ? null : labels.get("pod-template-hash");
                if (hash != null && c.getName().endsWith("-" + hash))
                {
                    return new Workload("Deployment", c.getName().substring(0, c.getName().length() - hash.length() - 1));
                }
                return new Workload("ReplicaSet", c.getName());
            }
            case "Job":
            {
                final Workload up = owners.get(key("Job", ns, c.getName()));
                return up != null ? up : new Workload("Job", c.getName());
            }
            default:
                return new Workload(c.getKind(), c.getName());
        }
    }

    int size()
    {
        return owners.size();
    }

    private static OwnerReference controller(final List<OwnerReference> refs)
    {
        if (refs == null || refs.isEmpty())
        {
            return null;
        }
        for (final OwnerReference r : refs)
        {
            if (Boolean.TRUE.equals(r.getController()))
            {
                return r;
            }
        }
        return null;
    }

    private static String key(final String kind, final String namespace, final String name)
    {
        return kind + "/" + namespace + "/" + name;
    }
}
