package dev.tapio.bridge.server;

import org.agrona.BitUtil;
import org.agrona.collections.Hashing;

/**
 * The set of the last {@code capacity} record keys {@code (node, id)} the server accepted, used to drop
 * records a node sends again (after a lost ack it resends every unacknowledged batch). When full, adding
 * a key evicts the oldest one. Counts the duplicates it suppressed and the keys it evicted.
 *
 * <p>Layout: an open-addressing table (linear probing, backward-shift deletion, load ≤ 0.5) of
 * parallel {@code int node} / {@code long id} arrays, and a FIFO ring of the same keys in insertion
 * order for eviction. All arrays are allocated once; {@link #add} allocates nothing.
 *
 * <pre>
 *   table  [node|id] [ empty ] [node|id] [node|id] [ empty ] ...   2^k slots ≥ 2 × capacity
 *   fifo   oldest ─► (node,id) (node,id) ... (node,id) ◄─ newest   capacity slots
 * </pre>
 *
 * <p>Why not Agrona's {@code LongHashSet}: the key is 96 bits (an int node and a 64-bit event id);
 * folding it into a long would make two different records collide now and then, and a false
 * "duplicate" silently loses a record. The table here compares both parts exactly, and uses Agrona's
 * {@link Hashing} and {@link BitUtil} for the hash and sizing.
 *
 * <p>Sizing: a resend covers at most a node's in-flight window (max-in-flight × batch records, 16,000
 * with the client's defaults), so the capacity should exceed that times the number of nodes whose
 * resends can overlap, with margin. Each key costs 36 bytes (two table slots and one FIFO slot).
 *
 * <p>Not thread-safe: the server calls it under its ingest lock.
 */
public final class DedupWindow
{
    public static final int DEFAULT_CAPACITY = 1 << 19;

    private static final int EMPTY = -1;

    private final int capacity;
    private final int mask;
    private final int[] tableNode;
    private final long[] tableId;
    private final int[] fifoNode;
    private final long[] fifoId;
    private int fifoHead;
    private int fifoCount;
    private int size;
    private long duplicates;
    private long evictions;

    public DedupWindow(final int capacity)
    {
        if (capacity < 1 || capacity > 1 << 28)
        {
            throw new IllegalArgumentException("dedup window capacity must be in 1..2^28, got " + capacity);
        }
        this.capacity = capacity;
        final int tableLength = BitUtil.findNextPositivePowerOfTwo(capacity * 2);
        mask = tableLength - 1;
        tableNode = new int[tableLength];
        tableId = new long[tableLength];
        java.util.Arrays.fill(tableNode, EMPTY);
        fifoNode = new int[capacity];
        fifoId = new long[capacity];
    }

    /**
     * Adds {@code (node, id)} unless present, evicting the oldest key when full.
     *
     * @param node a non-negative node key
     * @return {@code true} if the key was new; {@code false} for a duplicate (counted)
     */
    public boolean add(final int node, final long id)
    {
        int i = slot(node, id);
        while (tableNode[i] != EMPTY)
        {
            if (tableNode[i] == node && tableId[i] == id)
            {
                duplicates++;
                return false;
            }
            i = (i + 1) & mask;
        }
        if (fifoCount == capacity)
        {
            evictOldest();
            // the eviction may have shifted entries into the probe chain: find the free slot again
            i = slot(node, id);
            while (tableNode[i] != EMPTY)
            {
                i = (i + 1) & mask;
            }
        }
        tableNode[i] = node;
        tableId[i] = id;
        size++;
        int tail = fifoHead + fifoCount;
        if (tail >= capacity)
        {
            tail -= capacity;
        }
        fifoNode[tail] = node;
        fifoId[tail] = id;
        fifoCount++;
        return true;
    }

    /**
     * Whether {@code (node, id)} is in the window, counting it as a suppressed duplicate when it is (for a
     * caller that must do something, such as a journal append, between the check and the {@link #add}).
     */
    public boolean isDuplicate(final int node, final long id)
    {
        if (find(node, id) >= 0)
        {
            duplicates++;
            return true;
        }
        return false;
    }

    /** Whether {@code (node, id)} is in the window. */
    public boolean contains(final int node, final long id)
    {
        return find(node, id) >= 0;
    }

    /**
     * Removes {@code (node, id)} (when an append it stood for was not made durable, so a resend must be
     * accepted). Its FIFO slot stays and is skipped at eviction; if the key is added again before that
     * slot is reached, it is evicted early, which only makes the window shorter for that key.
     */
    public boolean remove(final int node, final long id)
    {
        final int i = find(node, id);
        if (i < 0)
        {
            return false;
        }
        deleteAt(i);
        return true;
    }

    private void evictOldest()
    {
        final int node = fifoNode[fifoHead];
        final long id = fifoId[fifoHead];
        fifoHead = fifoHead + 1 == capacity ? 0 : fifoHead + 1;
        fifoCount--;
        final int i = find(node, id);
        if (i >= 0)
        {
            deleteAt(i);
            evictions++;
        }
    }

    private int find(final int node, final long id)
    {
        int i = slot(node, id);
        while (tableNode[i] != EMPTY)
        {
            if (tableNode[i] == node && tableId[i] == id)
            {
                return i;
            }
            i = (i + 1) & mask;
        }
        return -1;
    }

    private void deleteAt(final int index)
    {
        int hole = index;
        int j = index;
        while (true)
        {
            j = (j + 1) & mask;
            if (tableNode[j] == EMPTY)
            {
                break;
            }
            final int home = slot(tableNode[j], tableId[j]);
            // The entry at j may fill the hole unless its home lies cyclically in (hole, j].
            final boolean homeBetween = hole <= j ? hole < home && home <= j : hole < home || home <= j;
            if (!homeBetween)
            {
                tableNode[hole] = tableNode[j];
                tableId[hole] = tableId[j];
                hole = j;
            }
        }
        tableNode[hole] = EMPTY;
        size--;
    }

    private int slot(final int node, final long id)
    {
        return Hashing.hash(id ^ (node * 0x9E3779B97F4A7C15L), mask);
    }

    /** Keys in the window now. */
    public int size()
    {
        return size;
    }

    public int capacity()
    {
        return capacity;
    }

    /** Duplicates {@link #add} and {@link #isDuplicate} reported since creation. */
    public long duplicates()
    {
        return duplicates;
    }

    /** Keys evicted to make room since creation. */
    public long evictions()
    {
        return evictions;
    }
}
