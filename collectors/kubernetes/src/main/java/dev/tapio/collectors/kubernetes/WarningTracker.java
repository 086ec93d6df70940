package dev.tapio.collectors.kubernetes;

import dev.tapio.codecs.sbe.EventType;
import dev.tapio.codecs.sbe.Severity;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.ObjectReference;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Kubernetes {@code Event}s of type Warning → {@code k8s.event.warning}, once per occurrence: the API
 * server folds repeats into one Event object whose count grows, so an Event is reported when first seen
 * and again each time its count (or its series count) grows; a resync or re-list that shows the same
 * count reports nothing. Events that exist when the collector starts are recorded silently. Remembers at
 * most {@code max} Events (the oldest are forgotten first; the API server itself expires Events after an hour).
 *
 * <p>Threading: informer threads; synchronized.
 */
final class WarningTracker
{
    private final Map<String, Integer> counts;
    private final PodMetadataCache pods;

    WarningTracker(final int max, final PodMetadataCache pods)
    {
        this.pods = pods;
        this.counts = new LinkedHashMap<>(16, 0.75f, false)
        {
            private static final long serialVersionUID = 1L;

            @Override
            protected boolean removeEldestEntry(final Map.Entry<String, Integer> eldest)
            {
                return size() > max;
            }
        };
    }

    /**
     * An Event listed at start: recorded silently when new (unless {@code emitNew}: a later start, after which
     * a new Event is news), else compared (it may have repeated meanwhile).
     */
    synchronized void seed(final Event event, final boolean emitNew, final Consumer<KubeEvent> out)
    {
        if (!isWarning(event))
        {
            return;
        }
        if (emitNew || counts.containsKey(event.getMetadata().getUid()))
        {
            update(event, out);
        }
        else
        {
            counts.put(event.getMetadata().getUid(), count(event));
        }
    }

    synchronized void update(final Event event, final Consumer<KubeEvent> out)
    {
        if (!isWarning(event))
        {
            return;
        }
        final int count = count(event);
        final Integer before = counts.put(event.getMetadata().getUid(), count);
        if (before != null && count <= before)
        {
            return;
        }
        final KubeEvent e = new KubeEvent(EventType.K8S_EVENT_WARNING);
        e.severity = Severity.WARNING;
        final ObjectReference o = event.getInvolvedObject();
        e.namespace = KubeEvent.nonNull(o != null && o.getNamespace() != null ? o.getNamespace() : event.getMetadata().getNamespace());
        if (o != null && "Pod".equals(o.getKind()))
        {
            e.pod = KubeEvent.nonNull(o.getName());
            e.podUid = KubeEvent.nonNull(o.getUid());
            final PodMetadataCache.PodEntry p = o.getUid() != null ? pods.pod(o.getUid()) : null;
            if (p != null)
            {
                e.node = p.node();
                if (!p.workloadKey().isEmpty())
                {
                    e.attribute(p.workloadKey(), p.workloadName());
                }
            }
        }
        else if (o != null && "Node".equals(o.getKind()))
        {
            e.node = KubeEvent.nonNull(o.getName());
        }
        if (e.node.isEmpty() && event.getSource() != null)
        {
            e.node = KubeEvent.nonNull(event.getSource().getHost());
        }
        e.message = KubeEvent.nonNull(event.getMessage());
        e.timestamp = time(event);
        e.attribute("reason", event.getReason());
        if (o != null)
        {
            e.attribute("k8s.object.kind", o.getKind());
            e.attribute("k8s.object.name", o.getName());
        }
        e.attribute("k8s.event.count", Integer.toString(count));
        out.accept(e);
    }

    synchronized void delete(final Event event)
    {
        counts.remove(event.getMetadata().getUid());
    }

    private static boolean isWarning(final Event e)
    {
        return "Warning".equals(e.getType()) && e.getMetadata() != null && e.getMetadata().getUid() != null;
    }

    private static int count(final Event e)
    {
        if (e.getSeries() != null && e.getSeries().getCount() != null)
        {
            return Math.max(e.getSeries().getCount(), e.getCount() == null ? 0 : e.getCount());
        }
        return e.getCount() == null ? 1 : e.getCount();
    }

    private static long time(final Event e)
    {
        if (e.getSeries() != null && e.getSeries().getLastObservedTime() != null)
        {
            return KubeEvent.nanos(e.getSeries().getLastObservedTime().getTime());
        }
        if (e.getLastTimestamp() != null)
        {
            return KubeEvent.nanos(e.getLastTimestamp());
        }
        if (e.getEventTime() != null)
        {
            return KubeEvent.nanos(e.getEventTime().getTime());
        }
        return KubeEvent.nanos(e.getFirstTimestamp());
    }
}
