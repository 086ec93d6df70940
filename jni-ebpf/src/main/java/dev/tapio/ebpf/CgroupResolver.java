package dev.tapio.ebpf;

import org.agrona.collections.Long2ObjectHashMap;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * cgroup id → container id (and pod uid), so kernel events can join Kubernetes events in correlation.
 * The first event of a cgroup reads {@code /proc/<pid>/cgroup} and parses the container runtime's
 * naming (containerd, CRI-O, Docker, the kubepods hierarchy under cgroupfs or systemd); the answer,
 * including "not a container", is cached by cgroup id. When the process is already gone (a short-lived
 * one), the cgroup is found by its id in the cgroup file system instead. The cache is bounded: when full it is cleared
 * and refilled, counted in {@link #evictions()}. A cgroup found neither through its process nor in the
 * cgroup file system is remembered as none.
 *
 * <p>Threading: the collector's thread only. Allocates only on a cache miss.
 */
public final class CgroupResolver
{
    /** A cgroup that is not a container's. */
    static final Container NONE = new Container(new byte[0], new byte[0]);

    private final Long2ObjectHashMap<Container> byCgroup = new Long2ObjectHashMap<>();
    private final int capacity;
    private final Path proc;
    private final Path cgroupRoot;
    private long misses;
    private long evictions;

    /** A container id and pod uid as UTF-8 bytes (empty when unknown). */
    public static final class Container
    {
        final byte[] id;
        final byte[] podUid;

        Container(final byte[] id, final byte[] podUid)
        {
            this.id = id;
            this.podUid = podUid;
        }

        public String id()
        {
            return new String(id, StandardCharsets.US_ASCII);
        }

        public String podUid()
        {
            return new String(podUid, StandardCharsets.US_ASCII);
        }
    }

    public CgroupResolver(final int capacity)
    {
        this(capacity, Path.of("/proc"), cgroup2Root());
    }

    /**
     * Where the cgroup v2 hierarchy is mounted (the one whose ids the BPF programs read): from
     * /proc/self/mountinfo; {@code /sys/fs/cgroup} on a pure v2 system, {@code /sys/fs/cgroup/unified}
     * on a hybrid one. Null when there is none.
     */
    public static Path cgroup2Root()
    {
        try
        {
            for (final String line : Files.readAllLines(Path.of("/proc/self/mountinfo"), StandardCharsets.UTF_8))
            {
                final int dash = line.indexOf(" - ");
                if (dash > 0 && line.startsWith("cgroup2 ", dash + 3))
                {
                    return Path.of(line.split(" ")[4]);
                }
            }
        }
        catch (final IOException | RuntimeException e)
        {
            // no mountinfo: not Linux, or no /proc
        }
        return null;
    }

    CgroupResolver(final int capacity, final Path proc, final Path cgroupRoot)
    {
        this.capacity = capacity;
        this.proc = proc;
        this.cgroupRoot = cgroupRoot;
    }

    /**
     * The container of {@code pid}'s cgroup {@code cgroupId}; {@link #NONE} when it is none or unknown.
     * A cgroup id of 0 (unknown to the program, e.g. an OOM victim seen by the classic tracepoint) reads
     * the process's file without caching.
     */
    public Container resolve(final int pid, final long cgroupId)
    {
        if (cgroupId == 0)
        {
            final Container c = pid > 0 ? read(pid) : null;
            return c == null ? NONE : c;
        }
        final Container known = byCgroup.get(cgroupId);
        if (known != null)
        {
            return known;
        }
        misses++;
        Container c = read(pid);
        if (c == null)
        {
            c = find(cgroupId);          // the process is gone already: look the cgroup up by its id
        }
        if (c == null)
        {
            c = NONE;                    // gone too (ids are not reused): remember, or every event would search again
        }
        if (byCgroup.size() >= capacity)
        {
            byCgroup.clear();
            evictions++;
        }
        byCgroup.put(cgroupId, c);
        return c;
    }

    /** Null when the process's file cannot be read (gone already). */
    private Container read(final int pid)
    {
        try
        {
            return parse(Files.readString(proc.resolve(Integer.toString(pid)).resolve("cgroup"), StandardCharsets.US_ASCII));
        }
        catch (final IOException | RuntimeException e)
        {
            return null;
        }
    }

    /**
     * The cgroup whose directory's inode number is {@code cgroupId} (cgroup v2 ids are kernfs inode
     * numbers), found by walking the cgroup file system; null when none matches or it cannot be read.
     */
    private Container find(final long cgroupId)
    {
        if (cgroupRoot == null || !Files.isDirectory(cgroupRoot))
        {
            return null;
        }
        try (java.util.stream.Stream<Path> dirs = Files.walk(cgroupRoot, 32))
        {
            final java.util.Optional<Path> dir = dirs.filter(Files::isDirectory).filter(d -> inode(d) == cgroupId).findFirst();
            return dir.map(d -> parse("0::/" + cgroupRoot.relativize(d).toString().replace('\\', '/'))).orElse(null);
        }
        catch (final IOException | RuntimeException e)
        {
            return null;
        }
    }

    private static long inode(final Path dir)
    {
        try
        {
            return ((Number)Files.getAttribute(dir, "unix:ino")).longValue();
        }
        catch (final IOException | RuntimeException e)
        {
            return -1;
        }
    }

    public long misses()
    {
        return misses;
    }

    public long evictions()
    {
        return evictions;
    }

    /**
     * The container in a {@code /proc/<pid>/cgroup} text: the last path segment that holds a 64-hex
     * container id, with the runtime's prefix and {@code .scope} suffix stripped; the pod uid from a
     * {@code pod<uid>} segment (systemd writes its dashes as underscores).
     */
    static Container parse(final String cgroupFile)
    {
        String id = "";
        String pod = "";
        for (final String line : cgroupFile.split("\n"))
        {
            final int colon = line.indexOf(':', line.indexOf(':') + 1);
            if (colon < 0)
            {
                continue;
            }
            for (final String segment : line.substring(colon + 1).split("/"))
            {
                final String cid = containerId(segment);
                if (cid != null)
                {
                    id = cid;
                }
                final String uid = podUid(segment);
                if (uid != null)
                {
                    pod = uid;
                }
            }
            if (!id.isEmpty())
            {
                break;
            }
        }
        if (id.isEmpty())
        {
            return NONE;
        }
        return new Container(id.getBytes(StandardCharsets.US_ASCII), pod.getBytes(StandardCharsets.US_ASCII));
    }

    private static String containerId(final String segment)
    {
        String s = segment;
        if (s.endsWith(".scope"))
        {
            s = s.substring(0, s.length() - ".scope".length());
        }
        final int dash = s.lastIndexOf('-');
        if (dash >= 0)
        {
            s = s.substring(dash + 1);          // cri-containerd-<id>, crio-<id>, docker-<id>
        }
        if (s.length() != 64)
        {
            return null;
        }
        for (int i = 0; i < 64; i++)
        {
            final char ch = s.charAt(i);
            if (!(ch >= '0' && ch <= '9' || ch >= 'a' && ch <= 'f'))
            {
                return null;
            }
        }
        return s;
    }

    private static String podUid(final String segment)
    {
        final int at = segment.lastIndexOf("pod");
        if (at < 0)
        {
            return null;
        }
        String s = segment.substring(at + 3);
        if (s.endsWith(".slice"))
        {
            s = s.substring(0, s.length() - ".slice".length());
        }
        s = s.replace('_', '-');
        return s.length() == 36 && s.charAt(8) == '-' && s.charAt(13) == '-' ? s : null;
    }
}
