package dev.tapio.bridge.server;

import org.agrona.collections.Long2LongHashMap;

/**
 * Gives each node identity seen in a record a small integer, the node part of a {@link DedupWindow}
 * key. The identity is the record's own numeric {@code nodeId} (Event and Group both carry it: the FNV-1a
 * hash of the name of the engine that produced the record, stamped by its enrich stage), not the
 * {@code node_id} label of the batch that carried it: so the key of a record can be computed again from
 * the server's journal alone, which is how a restarted server rebuilds its window
 * ({@link RecordKeys#remember}), and a node keeps its key whatever its bridge calls itself.
 *
 * <p>Numbers are handed out in order of first appearance and never reused while this object lives.
 * Bounded: beyond {@code maxNodes} identities, {@link #indexOf} answers {@link #FULL}.
 *
 * <p>Not thread-safe: used under the server's ingest lock, or before the server starts (seeding).
 * {@link #size()} may be read from any thread.
 */
public final class NodeIds
{
    public static final int DEFAULT_MAX_NODES = 65_536;
    public static final int FULL = -1;

    private final int maxNodes;
    private final Long2LongHashMap ids = new Long2LongHashMap(FULL);
    private volatile int size;

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

    /** The number of the node whose records carry {@code nodeId}, assigned on first use; {@link #FULL} when none is left. */
    public int indexOf(final long nodeId)
    {
        final long known = ids.get(nodeId);
        if (known != FULL)
        {
            return (int)known;
        }
        final int next = size;
        if (next >= maxNodes)
        {
            return FULL;
        }
        ids.put(nodeId, next);
        size = next + 1;
        return next;
    }

    /** Node identities with a number. */
    public int size()
    {
        return size;
    }

    public int maxNodes()
    {
        return maxNodes;
    }
}
