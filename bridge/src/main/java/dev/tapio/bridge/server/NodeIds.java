package dev.tapio.bridge.server;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Gives each node name seen in a batch a small integer, the node part of a {@link DedupWindow} key.
 * Numbers are handed out in order of first appearance and never reused while this object lives, so a
 * node keeps its number across reconnects (and, when the server keeps this object across a restart of
 * its listener, across that too). Bounded: beyond {@code maxNodes} names, {@link #indexOf} answers
 * {@link #FULL}.
 *
 * <p>Thread-safe. Each stream caches its node's number, so the map is consulted when a stream sees a
 * node name for the first time, not per batch.
 */
public final class NodeIds
{
    public static final int DEFAULT_MAX_NODES = 65_536;
    public static final int FULL = -1;

    private final int maxNodes;
    private final ConcurrentHashMap<String, Integer> ids = new ConcurrentHashMap<>();
    private final AtomicInteger next = new AtomicInteger();

    public NodeIds(final int maxNodes)
    {
        if (maxNodes < 1 || maxNodes > 1 << 29)
        {
            throw new IllegalArgumentException("maxNodes must be in 1..2^29, got " + maxNodes);
        }
        this.maxNodes = maxNodes;
    }

    public NodeIds()
    {
        this(DEFAULT_MAX_NODES);
    }

    /** The number of {@code node}, assigned on first use; {@link #FULL} when no number is left. */
    public int indexOf(final String node)
    {
        final Integer known = ids.get(node);
        if (known != null)
        {
            return known;
        }
        final Integer assigned = ids.computeIfAbsent(node, n ->
        {
            final int id = next.getAndIncrement();
            return id < maxNodes ? id : null;
        });
        return assigned == null ? FULL : assigned;
    }

    /** Names with a number. */
    public int size()
    {
        return ids.size();
    }
}
