package dev.tapio.collectors.kubernetes;

import dev.tapio.codecs.sbe.EventType;
import dev.tapio.codecs.sbe.Severity;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeCondition;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Node conditions → {@code k8s.node.pressure}, once each time MemoryPressure, DiskPressure or PIDPressure
 * turns True on a node (not again while it stays True, nor on a resync or re-list). Nodes under pressure
 * when the collector starts are recorded silently.
 *
 * <p>Threading: the node informer's thread; synchronized.
 */
final class NodeTracker
{
    static final Set<String> PRESSURES = Set.of("MemoryPressure", "DiskPressure", "PIDPressure");

    private final Map<String, Set<String>> pressures = new HashMap<>();

    /** A node listed at start: recorded silently when new (unless emitNew), else compared (pressure may have begun meanwhile). */
    synchronized void seed(final Node node, final boolean emitNew, final Consumer<KubeEvent> out)
    {
        apply(node, emitNew || pressures.containsKey(node.getMetadata().getName()) ? out : null);
    }

    synchronized void update(final Node node, final Consumer<KubeEvent> out)
    {
        apply(node, out);
    }

    synchronized void delete(final Node node)
    {
        pressures.remove(node.getMetadata().getName());
    }

    private void apply(final Node node, final Consumer<KubeEvent> out)
    {
        final String name = node.getMetadata().getName();
        final Set<String> before = pressures.getOrDefault(name, Set.of());
        final Set<String> now = new HashSet<>();
        if (node.getStatus() != null && node.getStatus().getConditions() != null)
        {
            for (final NodeCondition c : node.getStatus().getConditions())
            {
                if (PRESSURES.contains(c.getType()) && "True".equals(c.getStatus()))
                {
                    now.add(c.getType());
                    if (out != null && !before.contains(c.getType()))
                    {
                        final KubeEvent e = new KubeEvent(EventType.K8S_NODE_PRESSURE);
                        e.severity = Severity.WARNING;
                        e.node = name;
                        e.timestamp = KubeEvent.nanos(c.getLastTransitionTime());
                        e.message = c.getType() + (c.getMessage() == null || c.getMessage().isEmpty() ? "" : ": " + c.getMessage());
                        e.attribute("k8s.node.condition", c.getType());
                        e.attribute("reason", c.getReason());
                        out.accept(e);
                    }
                }
            }
        }
        pressures.put(name, now);
    }
}
