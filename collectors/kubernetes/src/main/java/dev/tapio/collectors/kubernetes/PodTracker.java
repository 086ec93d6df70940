package dev.tapio.collectors.kubernetes;

import dev.tapio.codecs.sbe.EventType;
import dev.tapio.codecs.sbe.Severity;
import io.fabric8.kubernetes.api.model.ContainerState;
import io.fabric8.kubernetes.api.model.ContainerStateTerminated;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.PodStatus;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Turns what the pod informers report (adds, updates, deletes, resyncs, and the replays of a re-list after a
 * watch expired) into pod life-cycle events, each exactly once per pod: created, scheduled, running, failed,
 * restarted (per container restart, with the last termination's reason and exit code), deleted. It keeps
 * the last state it reported per pod uid and emits only transitions from it, so an object seen again with
 * the same resourceVersion (a resync) or in the same state (a re-list) emits nothing, and a state reached
 * while the watch was down is reported once the re-list shows it. Pods that exist when the collector
 * starts are recorded without events ({@link #seed}), unless {@code emitExisting}.
 *
 * <p>Threading: informer threads (one per namespace may call at once); synchronized.
 */
final class PodTracker
{
    private static final class State
    {
        String resourceVersion;
        /** The last object seen (the informer's own: no copy), for a delete noticed only by its absence. */
        Pod last;
        boolean scheduled;
        boolean running;
        boolean failed;
        final Map<String, Integer> restarts = new HashMap<>();
    }

    private final Map<String, State> pods = new HashMap<>();
    private final Workloads workloads;

    PodTracker(final Workloads workloads)
    {
        this.workloads = workloads;
    }

    /**
     * A pod listed at start: recorded silently when new (unless {@code emit}: emitExisting, or a later start of
     * the same collector, after which a pod it does not know was created meanwhile), else compared like an update.
     */
    synchronized void seed(final Pod pod, final boolean emit, final Consumer<KubeEvent> out)
    {
        if (!emit && !pods.containsKey(pod.getMetadata().getUid()))
        {
            apply(pod, null);
        }
        else
        {
            apply(pod, out);
        }
    }

    /** An add or update from the informer. */
    synchronized void update(final Pod pod, final Consumer<KubeEvent> out)
    {
        apply(pod, out);
    }

    /** A delete: first any transition the final state shows, then deleted; nothing for a pod already gone. */
    synchronized void delete(final Pod pod, final Consumer<KubeEvent> out)
    {
        final String uid = pod.getMetadata().getUid();
        if (!pods.containsKey(uid))
        {
            return;
        }
        apply(pod, out);
        pods.remove(uid);
        final KubeEvent e = base(EventType.K8S_POD_DELETED, pod);
        e.timestamp = KubeEvent.nanos(pod.getMetadata().getDeletionTimestamp());
        out.accept(e);
    }

    /** After the start's list: pods known from an earlier run that are gone now were deleted meanwhile. */
    synchronized void retainOnly(final Set<String> uids, final Consumer<KubeEvent> out)
    {
        final List<String> gone = new ArrayList<>();
        for (final String uid : pods.keySet())
        {
            if (!uids.contains(uid))
            {
                gone.add(uid);
            }
        }
        for (final String uid : gone)
        {
            out.accept(base(EventType.K8S_POD_DELETED, pods.remove(uid).last));
        }
    }

    synchronized int size()
    {
        return pods.size();
    }

    /** The last seen pods whose controller is this ReplicaSet or Job. */
    synchronized List<Pod> ownedBy(final String kind, final String namespace, final String name)
    {
        final List<Pod> owned = new ArrayList<>();
        for (final State s : pods.values())
        {
            final Pod p = s.last;
            if (p == null || p.getMetadata().getOwnerReferences() == null || !java.util.Objects.equals(namespace, p.getMetadata().getNamespace()))
            {
                continue;
            }
            for (final io.fabric8.kubernetes.api.model.OwnerReference r : p.getMetadata().getOwnerReferences())
            {
                if (Boolean.TRUE.equals(r.getController()) && kind.equals(r.getKind()) && name.equals(r.getName()))
                {
                    owned.add(p);
                }
            }
        }
        return owned;
    }

    /** Records the pod's state; with an output, emits every transition from the last recorded one. */
    private void apply(final Pod pod, final Consumer<KubeEvent> out)
    {
        final String uid = pod.getMetadata().getUid();
        if (uid == null)
        {
            return;
        }
        State s = pods.get(uid);
        final String rv = pod.getMetadata().getResourceVersion();
        if (s != null && rv != null && rv.equals(s.resourceVersion))
        {
            return;
        }
        if (s == null)
        {
            s = new State();
            pods.put(uid, s);
            if (out != null)
            {
                final KubeEvent e = base(EventType.K8S_POD_CREATED, pod);
                e.timestamp = KubeEvent.nanos(pod.getMetadata().getCreationTimestamp());
                out.accept(e);
            }
        }
        s.resourceVersion = rv;
        s.last = pod;
        final PodStatus status = pod.getStatus();
        final String node = pod.getSpec() != null ? pod.getSpec().getNodeName() : null;
        if (!s.scheduled && node != null && !node.isEmpty())
        {
            s.scheduled = true;
            if (out != null)
            {
                final KubeEvent e = base(EventType.K8S_POD_SCHEDULED, pod);
                e.timestamp = conditionTime(status, "PodScheduled");
                e.message = "scheduled to " + node;
                out.accept(e);
            }
        }
        final String phase = status != null ? status.getPhase() : null;
        if (!s.running && "Running".equals(phase))
        {
            s.running = true;
            if (out != null)
            {
                final KubeEvent e = base(EventType.K8S_POD_RUNNING, pod);
                e.timestamp = latestStart(status);
                out.accept(e);
            }
        }
        if (status != null)
        {
            restarts(pod, s, status.getInitContainerStatuses(), out);
            restarts(pod, s, status.getContainerStatuses(), out);
        }
        if (!s.failed && "Failed".equals(phase))
        {
            s.failed = true;
            if (out != null)
            {
                final KubeEvent e = base(EventType.K8S_POD_FAILED, pod);
                e.severity = Severity.WARNING;
                e.attribute("reason", status.getReason());
                e.message = KubeEvent.nonNull(status.getMessage());
                out.accept(e);
            }
        }
    }

    private void restarts(final Pod pod, final State s, final List<ContainerStatus> statuses, final Consumer<KubeEvent> out)
    {
        if (statuses == null)
        {
            return;
        }
        for (final ContainerStatus c : statuses)
        {
            final int count = c.getRestartCount() == null ? 0 : c.getRestartCount();
            final Integer before = s.restarts.put(c.getName(), count);
            if (before == null || count <= before || out == null)
            {
                continue;
            }
            final KubeEvent e = base(EventType.K8S_POD_RESTARTED, pod);
            e.severity = Severity.WARNING;
            e.container = c.getName();
            e.containerId = PodMetadataCache.containerId(c.getContainerID());
            final ContainerState last = c.getLastState();
            final ContainerStateTerminated t = last != null ? last.getTerminated() : null;
            String reason = "";
            if (t != null)
            {
                reason = KubeEvent.nonNull(t.getReason());
                e.exitCode = t.getExitCode() != null ? t.getExitCode() : e.exitCode;
                e.timestamp = KubeEvent.nanos(t.getFinishedAt());
                final String previous = PodMetadataCache.containerId(t.getContainerID());
                if (!previous.isEmpty())
                {
                    e.containerId = previous;    // the container that ended, whose kernel events precede this one
                }
            }
            e.attribute("reason", reason);
            e.attribute("k8s.container.restart_count", Integer.toString(count));
            e.message = "container " + c.getName() + " restarted" + (reason.isEmpty() ? "" : " (" + reason +
                (t != null && t.getExitCode() != null ? ", exit code " + t.getExitCode() : "") + ")");
            out.accept(e);
        }
    }

    private KubeEvent base(final EventType type, final Pod pod)
    {
        final KubeEvent e = new KubeEvent(type);
        e.namespace = KubeEvent.nonNull(pod.getMetadata().getNamespace());
        e.pod = KubeEvent.nonNull(pod.getMetadata().getName());
        e.podUid = KubeEvent.nonNull(pod.getMetadata().getUid());
        e.node = pod.getSpec() != null ? KubeEvent.nonNull(pod.getSpec().getNodeName()) : "";
        final Workloads.Workload w = workloads.of(pod);
        if (w != null)
        {
            e.attribute(w.attributeKey(), w.name());
        }
        return e;
    }

    private static long conditionTime(final PodStatus status, final String type)
    {
        if (status == null || status.getConditions() == null)
        {
            return 0;
        }
        for (final PodCondition c : status.getConditions())
        {
            if (type.equals(c.getType()) && "True".equals(c.getStatus()))
            {
                return KubeEvent.nanos(c.getLastTransitionTime());
            }
        }
        return 0;
    }

    private static long latestStart(final PodStatus status)
    {
        long t = 0;
        if (status.getContainerStatuses() != null)
        {
            for (final ContainerStatus c : status.getContainerStatuses())
            {
                if (c.getState() != null && c.getState().getRunning() != null)
                {
                    t = Math.max(t, KubeEvent.nanos(c.getState().getRunning().getStartedAt()));
                }
            }
        }
        return t != 0 ? t : KubeEvent.nanos(status.getStartTime());
    }
}
