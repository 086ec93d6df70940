package dev.tapio.bridge.server;

import org.junit.jupiter.api.Test;

import java.util.ArrayDeque;
import java.util.HashSet;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DedupWindowTest
{
    @Test
    void suppressesAndCountsDuplicatesPerNode()
    {
        final DedupWindow w = new DedupWindow(8);
        assertTrue(w.add(1, 100));
        assertTrue(w.add(2, 100), "same event id from another node is not a duplicate");
        assertFalse(w.add(1, 100));
        assertTrue(w.isDuplicate(2, 100));
        assertFalse(w.isDuplicate(3, 100));
        assertEquals(2, w.duplicates());
        assertEquals(2, w.size());
    }

    @Test
    void evictsTheOldestKeyWhenFull()
    {
        final DedupWindow w = new DedupWindow(3);
        w.add(0, 1);
        w.add(0, 2);
        w.add(0, 3);
        w.add(0, 4);
        assertFalse(w.contains(0, 1));
        assertTrue(w.contains(0, 2) && w.contains(0, 3) && w.contains(0, 4));
        assertEquals(3, w.size());
        assertEquals(1, w.evictions());
        assertTrue(w.add(0, 1), "an evicted key is new again");
        assertFalse(w.contains(0, 2));
    }

    @Test
    void removeLetsAKeyInAgain()
    {
        final DedupWindow w = new DedupWindow(4);
        w.add(5, 42);
        assertTrue(w.remove(5, 42));
        assertFalse(w.remove(5, 42));
        assertTrue(w.add(5, 42));
    }

    @Test
    void matchesAReferenceSetUnderRandomLoadWithCollisions()
    {
        final int capacity = 1_000;
        final DedupWindow w = new DedupWindow(capacity);
        final HashSet<String> set = new HashSet<>();
        final ArrayDeque<String> order = new ArrayDeque<>();
        final SplittableRandom random = new SplittableRandom(3);
        for (int i = 0; i < 200_000; i++)
        {
            // a small id space forces many duplicates, evictions and probe-chain deletions
            final int node = random.nextInt(4);
            final long id = random.nextLong(3_000);
            final String key = node + "/" + id;
            if (random.nextInt(50) == 0 && set.contains(key))
            {
                assertTrue(w.remove(node, id));
                set.remove(key); // its FIFO slot stays, as documented
                continue;
            }
            final boolean expectedNew = !set.contains(key);
            assertEquals(expectedNew, w.add(node, id), "step " + i + " key " + key);
            if (expectedNew)
            {
                if (order.size() == capacity)
                {
                    set.remove(order.removeFirst());
                }
                set.add(key);
                order.addLast(key);
            }
        }
    }

    @Test
    void addAllocatesNothing()
    {
        final DedupWindow w = new DedupWindow(1 << 12);
        final com.sun.management.ThreadMXBean mx =
            (com.sun.management.ThreadMXBean)java.lang.management.ManagementFactory.getThreadMXBean();
        for (long i = 0; i < 100_000; i++)
        {
            w.add((int)(i & 3), i);
        }
        final long before = mx.getCurrentThreadAllocatedBytes();
        for (long i = 100_000; i < 1_100_000; i++)
        {
            w.add((int)(i & 3), i);
            w.isDuplicate((int)(i & 3), i - 10);
        }
        final long allocated = mx.getCurrentThreadAllocatedBytes() - before;
        assertTrue(allocated < 10_000, "allocated " + allocated + " bytes over 1,000,000 adds");
    }
}
