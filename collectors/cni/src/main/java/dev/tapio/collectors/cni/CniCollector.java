package dev.tapio.collectors.cni;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tapio.codecs.EventDraft;
import dev.tapio.codecs.EventTypes;
import dev.tapio.codecs.sbe.EventType;
import dev.tapio.codecs.sbe.Severity;
import dev.tapio.engine.metrics.EngineCounters;
import dev.tapio.engine.spi.Publisher;
import dev.tapio.engine.spi.Source;
import dev.tapio.engine.spi.SourceContext;
import dev.tapio.engine.spi.SourceUnavailableException;
import org.agrona.concurrent.status.AtomicCounter;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The CNI collector: turns the host-local IPAM plugin's state ({@link IpamStateFile}) into
 * {@code cni.ip.allocated} (an IP's file appeared) and {@code cni.ip.released} (it was removed) events,
 * enriched from the CNI result cache ({@link CachedResult}) when the runtime keeps one, and reports files
 * it cannot read as {@code cni.error}, counted, never failing on them.
 *
 * <pre>
 *   networksDir/            ── WatchService: a network directory created / deleted
 *     &lt;network&gt;/&lt;ip&gt;       ── WatchService: file created / modified / deleted ─┐
 *   resultsDir/             ── WatchService: a result cache entry written   ─┤
 *   every rescanInterval, and at once on OVERFLOW: list everything, diff ────┴─► known allocations ─► events
 * </pre>
 *
 * An allocation is held until its result cache entry appears (the runtime writes it after the plugin
 * returned) or {@code resultWait} passes, then published with the file's modification time as its event
 * time. Allocations present at start are loaded without events unless {@code emitExisting}, so a restart
 * of the process does not repeat them; what was allocated and released while it was down is not seen.
 * When {@link #run} is called again on the same instance (a supervisor restarting it), the allocations
 * it knew are kept and the first scan reports what changed in between.
 *
 * <p>Threading: everything runs on the source's thread in {@link #run}; {@link #health()} and the
 * statistics are read from any thread. Not a hot path (a pod start or stop per event): it allocates.
 */
public final class CniCollector implements Source
{
    static final String HEALTHY = "healthy";
    /** The longest the loop blocks, so that a stop is seen promptly. */
    private static final long MAX_POLL_MILLIS = 100;
    private static final long MISSING_DIR_RETRY_NANOS = TimeUnit.SECONDS.toNanos(1);

    static final String ERROR_MALFORMED_STATE = "malformed_state_file";
    static final String ERROR_EMPTY_STATE = "empty_state_file";
    static final String ERROR_MALFORMED_RESULT = "malformed_result_cache";
    static final String ERROR_IP_LEAKED = "ip_leaked";

    private final String name;
    private final CniSettings settings;
    private final EventDraft draft = new EventDraft();
    private final ObjectMapper mapper = new ObjectMapper();

    // Run thread only.
    private SourceContext context;
    private WatchService watcher;
    private WatchKey rootKey;
    private WatchKey resultsKey;
    private final Map<WatchKey, String> networkKeys = new HashMap<>();
    private final Map<String, WatchKey> keyOfNetwork = new HashMap<>();
    /** network → ip → allocation. */
    private final Map<String, Map<String, Allocation>> known = new HashMap<>();
    /** Allocations not yet published, waiting for their result cache entry; in allocation order. */
    private final Map<Allocation, Long> waiting = new LinkedHashMap<>();
    /** State files seen empty, with when (nanoTime). */
    private final Map<Path, Long> empty = new HashMap<>();
    /** Files reported as malformed, with what they looked like then (reported again only once changed). */
    private final Map<Path, String> reported = new HashMap<>();
    /** Result cache entries removed (the runtime's DEL succeeded), with when (nanoTime): their IPs should be gone. */
    private final Map<String, Long> removedResults = new HashMap<>();
    private boolean rescanRequested;
    private long nextRescanNanos;
    private long nextRootAttemptNanos;

    private final AtomicLong allocated = new AtomicLong();
    private final AtomicLong released = new AtomicLong();
    private final AtomicLong overflows = new AtomicLong();
    private final AtomicLong rescans = new AtomicLong();
    private final AtomicLong malformedState = new AtomicLong();
    private final AtomicLong malformedResult = new AtomicLong();
    private final AtomicLong enriched = new AtomicLong();
    private final AtomicLong watched = new AtomicLong();
    private final AtomicLong leaks = new AtomicLong();
    private final AtomicLong trimmed = new AtomicLong();
    private int nodeNameBytes;
    private AtomicCounter[] exported;
    private volatile String health = "not started";
    private volatile boolean ranBefore;
    /** Tests only: run on the collector's thread before each wait for file events. */
    volatile Runnable beforePoll;

    /** One IP held by one container on one network. */
    static final class Allocation
    {
        final String network;
        final String ip;
        final String containerId;
        final String ifName;
        final Path file;
        final long timeNanos;
        CachedResult result;
        boolean published;

        Allocation(final String network, final String ip, final String containerId, final String ifName, final Path file,
            final long timeNanos)
        {
            this.network = network;
            this.ip = ip;
            this.containerId = containerId;
            this.ifName = ifName;
            this.file = file;
            this.timeNanos = timeNanos;
        }
    }

    public CniCollector(final String name, final CniSettings settings)
    {
        this.name = name;
        this.settings = settings;
    }

    @Override
    public String name()
    {
        return name;
    }

    @Override
    public dev.tapio.codecs.sbe.Source origin()
    {
        return dev.tapio.codecs.sbe.Source.CNI;
    }

    /** "healthy", or "degraded: …" / "failed: …" with the reason in one line. */
    public String health()
    {
        return health;
    }

    public CniSettings settings()
    {
        return settings;
    }

    /** cni.ip.allocated events published. */
    public long allocatedEvents()
    {
        return allocated.get();
    }

    /** cni.ip.released events published. */
    public long releasedEvents()
    {
        return released.get();
    }

    /** WatchService OVERFLOW events (each answered with a rescan). */
    public long overflows()
    {
        return overflows.get();
    }

    /** Full rescans done (periodic and after OVERFLOW). */
    public long rescans()
    {
        return rescans.get();
    }

    /** State files reported as malformed (or empty past the grace period). */
    public long malformedStateFiles()
    {
        return malformedState.get();
    }

    /** Result cache entries reported as malformed. */
    public long malformedResultFiles()
    {
        return malformedResult.get();
    }

    /** Allocations enriched from the result cache. */
    public long enrichedAllocations()
    {
        return enriched.get();
    }

    /** IPs still allocated after the runtime removed their result cache entry (DEL did not release them). */
    public long leakedIps()
    {
        return leaks.get();
    }

    /** Attributes left out because the event would not have fit its slot. */
    public long trimmedAttributes()
    {
        return trimmed.get();
    }

    /** Network directories being watched. */
    public long watchedNetworks()
    {
        return watched.get();
    }

    /**
     * Registers the collector's statistics beside the engine's counters (docs/CONFIG.md, cni):
     * {@code tapio_cni_events_total{source,type="allocated|released"}}, {@code tapio_cni_watch_overflows_total},
     * {@code tapio_cni_rescans_total}, {@code tapio_cni_malformed_files_total{source,kind="state|result"}},
     * {@code tapio_cni_enriched_total}, {@code tapio_cni_ip_leaks_total}.
     */
    @Override
    public void counters(final EngineCounters counters)
    {
        final String src = "source=\"" + name + "\"";
        exported = new AtomicCounter[]{
            counters.counter("tapio_cni_events_total{" + src + ",type=\"allocated\"}"),
            counters.counter("tapio_cni_events_total{" + src + ",type=\"released\"}"),
            counters.counter("tapio_cni_watch_overflows_total{" + src + "}"),
            counters.counter("tapio_cni_rescans_total{" + src + "}"),
            counters.counter("tapio_cni_malformed_files_total{" + src + ",kind=\"state\"}"),
            counters.counter("tapio_cni_malformed_files_total{" + src + ",kind=\"result\"}"),
            counters.counter("tapio_cni_enriched_total{" + src + "}"),
            counters.counter("tapio_cni_ip_leaks_total{" + src + "}"),
        };
    }

    private void export()
    {
        final AtomicCounter[] c = exported;
        if (c == null)
        {
            return;
        }
        c[0].setRelease(allocated.get());
        c[1].setRelease(released.get());
        c[2].setRelease(overflows.get());
        c[3].setRelease(rescans.get());
        c[4].setRelease(malformedState.get());
        c[5].setRelease(malformedResult.get());
        c[6].setRelease(enriched.get());
        c[7].setRelease(leaks.get());
    }

    @Override
    public void run(final SourceContext context) throws Exception
    {
        this.context = context;
        // The enrich stage writes the node name into the slot after us; it needs its bytes and a length prefix.
        nodeNameBytes = utf8Length(context.nodeName() == null ? "" : context.nodeName());
        final Path root = settings.networksDir();
        // Run again after a stop or a crash (a collector manager restarting it): what is known is kept, and
        // the first scan reports the difference, so nothing that happened in between is lost or repeated.
        boolean initial = !ranBefore;
        ranBefore = true;
        rootKey = null;
        resultsKey = null;
        networkKeys.clear();
        keyOfNetwork.clear();
        watched.set(0);
        if (!Files.isDirectory(root))
        {
            if (settings.missingDirectory() == CniSettings.MissingDirectory.FAIL)
            {
                health = "failed: networksDir " + root + " does not exist (missingDirectory: fail)";
                throw new SourceUnavailableException("cni collector unavailable: networksDir " + root +
                    " does not exist (is the host-local IPAM plugin in use here? set networksDir to its dataDir)");
            }
            initial = false; // whatever appears there later is new
            health(waitingHealth());
        }
        try (WatchService ws = FileSystems.getDefault().newWatchService())
        {
            watcher = ws;
            nextRootAttemptNanos = System.nanoTime();
            nextRescanNanos = System.nanoTime() + settings.rescanInterval().toNanos();
            while (context.running())
            {
                context.heartbeat();
                long now = System.nanoTime();
                if (rootKey == null && now - nextRootAttemptNanos >= 0)
                {
                    attachRoot(initial && !settings.emitExisting());
                    initial = false;
                    nextRootAttemptNanos = now + MISSING_DIR_RETRY_NANOS;
                }
                if (resultsKey == null && settings.resultsDir() != null && Files.isDirectory(settings.resultsDir()))
                {
                    resultsKey = tryRegister(settings.resultsDir());
                }
                final Runnable hook = beforePoll;
                if (hook != null)
                {
                    hook.run();
                }
                WatchKey key = ws.poll(pollMillis(now), TimeUnit.MILLISECONDS);
                while (key != null)
                {
                    handle(key);
                    key = ws.poll();
                }
                now = System.nanoTime();
                if (rootKey != null && (rescanRequested || now - nextRescanNanos >= 0))
                {
                    rescanRequested = false;
                    nextRescanNanos = now + settings.rescanInterval().toNanos();
                    rescan();
                }
                checkEmpty(now);
                checkLeaks(now);
                flushWaiting(now, false);
                export();
            }
            flushWaiting(System.nanoTime(), true);
            export();
        }
        finally
        {
            watcher = null;
            if (!health.startsWith("failed"))
            {
                health = "stopped";
            }
        }
    }

    /** Sets the health this collector reports, and tells the collector manager (degraded or healthy). */
    private void health(final String h)
    {
        health = h;
        if (h.startsWith("degraded: "))
        {
            context.degraded(h.substring("degraded: ".length()));
        }
        else if (HEALTHY.equals(h))
        {
            context.healthy();
        }
    }

    private String waitingHealth()
    {
        return "degraded: waiting for networksDir " + settings.networksDir() + " to appear";
    }

    private long pollMillis(final long now)
    {
        long until = Math.min(nextRescanNanos - now, TimeUnit.MILLISECONDS.toNanos(MAX_POLL_MILLIS));
        if (!waiting.isEmpty())
        {
            // The oldest is first.
            until = Math.min(until, waiting.values().iterator().next() + settings.resultWait().toNanos() - now);
        }
        return Math.max(1, TimeUnit.NANOSECONDS.toMillis(until));
    }

    // ----- watching

    private WatchKey register(final Path dir) throws IOException
    {
        return dir.register(watcher, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_DELETE,
            StandardWatchEventKinds.ENTRY_MODIFY);
    }

    /** A watch on a directory, or null (logged) when it cannot have one, e.g. at the inotify watch limit. */
    private WatchKey tryRegister(final Path dir)
    {
        try
        {
            return register(dir);
        }
        catch (final NoSuchFileException e)
        {
            return null;
        }
        catch (final IOException e)
        {
            context.errors().record("cni " + name + ": watch", "cni " + name + ": cannot watch " + dir + " (" + e +
                "): looked at every rescanInterval (" + settings.rescanInterval().toMillis() + " ms) instead; " +
                "raise fs.inotify.max_user_watches?");
            return null;
        }
    }

    /** Starts watching networksDir and every network in it; {@code silent}: load what is there without events. */
    private void attachRoot(final boolean silent)
    {
        final Path root = settings.networksDir();
        if (!Files.isDirectory(root))
        {
            health(waitingHealth());
            return;
        }
        try
        {
            rootKey = register(root);
        }
        catch (final IOException e)
        {
            health("degraded: cannot watch networksDir " + root + ": " + e);
            return;
        }
        for (final String network : listNetworks())
        {
            attachNetwork(network, !silent);
        }
        health(HEALTHY); // only now: what is there has been loaded, what comes next is new
    }

    private List<String> listNetworks()
    {
        final List<String> out = new ArrayList<>();
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(settings.networksDir()))
        {
            for (final Path p : dirs)
            {
                final String network = p.getFileName().toString();
                if (Files.isDirectory(p) && settings.watches(network))
                {
                    out.add(network);
                }
            }
        }
        catch (final IOException e)
        {
            context.errors().record("cni " + name + ": list", "cni " + name + ": cannot list " + settings.networksDir() + ": " + e);
        }
        return out;
    }

    private void attachNetwork(final String network, final boolean emit)
    {
        if (!keyOfNetwork.containsKey(network))
        {
            final WatchKey key = tryRegister(settings.networksDir().resolve(network));
            if (key != null)
            {
                networkKeys.put(key, network);
                keyOfNetwork.put(network, key);
                watched.set(keyOfNetwork.size());
            }
            // Else gone again (the scan finds out) or not watchable: then polled by the rescans, which try again.
        }
        scanNetwork(network, emit);
    }

    private void handle(final WatchKey key)
    {
        final Path dir = (Path)key.watchable();
        for (final WatchEvent<?> event : key.pollEvents())
        {
            if (event.kind() == StandardWatchEventKinds.OVERFLOW)
            {
                overflows.incrementAndGet();
                rescanRequested = true;
                continue;
            }
            final Path child = dir.resolve((Path)event.context());
            final String childName = child.getFileName().toString();
            if (key == rootKey)
            {
                if (event.kind() == StandardWatchEventKinds.ENTRY_DELETE)
                {
                    dropNetwork(childName);
                }
                else if (settings.watches(childName) && Files.isDirectory(child))
                {
                    attachNetwork(childName, true);
                }
            }
            else if (key != resultsKey)
            {
                final String network = networkKeys.get(key);
                if (network == null)
                {
                    continue;
                }
                if (event.kind() == StandardWatchEventKinds.ENTRY_DELETE)
                {
                    release(network, childName);
                }
                else
                {
                    stateFile(network, child, true);
                }
            }
            else if (event.kind() == StandardWatchEventKinds.ENTRY_DELETE)
            {
                removedResults.put(childName, System.nanoTime());
                reported.remove(child);
            }
            // resultsDir, written: waiting allocations look their entry up on every turn of the loop.
        }
        if (!key.reset())
        {
            if (key == rootKey)
            {
                rootKey = null;
                for (final String network : new ArrayList<>(known.keySet()))
                {
                    dropNetwork(network);
                }
                for (final WatchKey k : networkKeys.keySet())
                {
                    k.cancel();
                }
                networkKeys.clear();
                keyOfNetwork.clear();
                watched.set(0);
                health(waitingHealth());
            }
            else if (key == resultsKey)
            {
                resultsKey = null;
            }
            else
            {
                final String network = networkKeys.get(key);
                if (network != null)
                {
                    dropNetwork(network);
                }
            }
        }
    }

    /** The network's directory is gone: its allocations with it. */
    private void dropNetwork(final String network)
    {
        final WatchKey key = keyOfNetwork.remove(network);
        if (key != null)
        {
            networkKeys.remove(key);
            key.cancel();
            watched.set(keyOfNetwork.size());
        }
        final Map<String, Allocation> ips = known.get(network);
        if (ips != null)
        {
            for (final String ip : new ArrayList<>(ips.keySet()))
            {
                release(network, ip);
            }
            known.remove(network);
        }
    }

    // ----- state

    private void rescan()
    {
        rescans.incrementAndGet();
        final List<String> present = listNetworks();
        for (final String network : present)
        {
            attachNetwork(network, true);
        }
        for (final String network : new ArrayList<>(keyOfNetwork.keySet()))
        {
            if (!present.contains(network))
            {
                dropNetwork(network);
            }
        }
        for (final String network : new ArrayList<>(known.keySet()))
        {
            if (!present.contains(network))
            {
                dropNetwork(network);
            }
        }
    }

    /** Reads every file of a network: new allocations, changed ones, and those gone since. */
    private void scanNetwork(final String network, final boolean emit)
    {
        final Set<String> seen = new HashSet<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(settings.networksDir().resolve(network)))
        {
            for (final Path file : files)
            {
                seen.add(file.getFileName().toString());
                stateFile(network, file, emit);
            }
        }
        catch (final NoSuchFileException e)
        {
            dropNetwork(network);
            return;
        }
        catch (final IOException e)
        {
            context.errors().record("cni " + name + ": list", "cni " + name + ": cannot list network " + network + ": " + e);
            return;
        }
        final Map<String, Allocation> ips = known.get(network);
        if (ips != null)
        {
            for (final String ip : new ArrayList<>(ips.keySet()))
            {
                if (!seen.contains(ip))
                {
                    release(network, ip);
                }
            }
        }
        final Path dir = settings.networksDir().resolve(network);
        empty.keySet().removeIf(p -> p.getParent().equals(dir) && !seen.contains(p.getFileName().toString()));
        reported.keySet().removeIf(p -> p.getParent().equals(dir) && !seen.contains(p.getFileName().toString()));
    }

    /** A state file appeared or changed (or is looked at by a scan). */
    private void stateFile(final String network, final Path file, final boolean emit)
    {
        final String fileName = file.getFileName().toString();
        if (IpamStateFile.ignored(fileName))
        {
            return;
        }
        final BasicFileAttributes attrs;
        final byte[] content;
        try
        {
            attrs = Files.readAttributes(file, BasicFileAttributes.class);
            if (!attrs.isRegularFile())
            {
                malformed(ERROR_MALFORMED_STATE, file, network, "not a regular file", "not a regular file");
                return;
            }
            if (!IpamStateFile.isIpLiteral(fileName))
            {
                malformed(ERROR_MALFORMED_STATE, file, network, "file name is not an IP address", "name");
                return;
            }
            content = read(file, IpamStateFile.MAX_LENGTH + 1);
        }
        catch (final NoSuchFileException e)
        {
            release(network, fileName);
            return;
        }
        catch (final IOException e)
        {
            malformed(ERROR_MALFORMED_STATE, file, network, "unreadable: " + e, "unreadable");
            return;
        }
        if (content.length > IpamStateFile.MAX_LENGTH)
        {
            malformed(ERROR_MALFORMED_STATE, file, network, "longer than " + IpamStateFile.MAX_LENGTH + " bytes", look(content));
            return;
        }
        final String[] parsed = IpamStateFile.parse(content);
        if (parsed == null)
        {
            if (!reported.containsKey(file))
            {
                empty.putIfAbsent(file, System.nanoTime());
            }
            return;
        }
        empty.remove(file);
        if (parsed.length == 1)
        {
            malformed(ERROR_MALFORMED_STATE, file, network, parsed[0], look(content));
            return;
        }
        reported.remove(file);
        final String containerId = parsed[0];
        final String ifName = parsed[1];
        final Map<String, Allocation> ips = known.computeIfAbsent(network, n -> new HashMap<>());
        final Allocation old = ips.get(fileName);
        if (old != null)
        {
            if (old.containerId.equals(containerId) && old.ifName.equals(ifName))
            {
                return;
            }
            release(network, fileName); // reused by another container between two looks
        }
        final Allocation a = new Allocation(network, fileName, containerId, ifName, file,
            attrs.lastModifiedTime().to(TimeUnit.NANOSECONDS));
        ips.put(fileName, a);
        if (!emit)
        {
            a.published = true;
            enrich(a, true);
            return;
        }
        if (enrich(a, settings.resultWait().isZero() || resultsKey == null)) // no cache here: nothing to wait for
        {
            publish(a, EventType.CNI_IP_ALLOCATED);
        }
        else
        {
            waiting.put(a, System.nanoTime());
        }
    }

    private void release(final String network, final String ip)
    {
        final Map<String, Allocation> ips = known.get(network);
        final Allocation a = ips == null ? null : ips.remove(ip);
        if (a == null)
        {
            empty.keySet().removeIf(p -> p.getFileName().toString().equals(ip) &&
                p.getParent().getFileName().toString().equals(network));
            return;
        }
        if (waiting.remove(a) != null)
        {
            enrich(a, true);
            publish(a, EventType.CNI_IP_ALLOCATED);
        }
        else if (a.result == null)
        {
            enrich(a, true); // the runtime deletes its cache entry after DEL returned: it may still be there
        }
        if (a.published)
        {
            publish(a, EventType.CNI_IP_RELEASED);
        }
    }

    /** Reports state files that stayed empty past the grace period. */
    private void checkEmpty(final long now)
    {
        if (empty.isEmpty())
        {
            return;
        }
        final long grace = settings.grace().toNanos();
        for (final Iterator<Map.Entry<Path, Long>> it = empty.entrySet().iterator(); it.hasNext(); )
        {
            final Map.Entry<Path, Long> e = it.next();
            if (now - e.getValue() < grace)
            {
                continue;
            }
            it.remove();
            final Path file = e.getKey();
            final String network = file.getParent().getFileName().toString();
            try
            {
                if (IpamStateFile.parse(read(file, IpamStateFile.MAX_LENGTH + 1)) == null)
                {
                    malformed(ERROR_EMPTY_STATE, file, network, "empty (no container id) for longer than " +
                        settings.grace().toMillis() + " ms", "empty");
                }
                else
                {
                    stateFile(network, file, true);
                }
            }
            catch (final IOException ignored)
            {
                // Removed meanwhile: nothing was allocated.
            }
        }
    }

    /**
     * libcni removes a result cache entry only after the plugins' DEL succeeded, and host-local releases
     * the IP within that DEL; an IP of that container and interface still allocated a grace period later
     * has leaked (it stays taken until someone removes its file).
     */
    private void checkLeaks(final long now)
    {
        if (removedResults.isEmpty())
        {
            return;
        }
        final long grace = settings.grace().toNanos();
        for (final Iterator<Map.Entry<String, Long>> it = removedResults.entrySet().iterator(); it.hasNext(); )
        {
            final Map.Entry<String, Long> e = it.next();
            if (now - e.getValue() < grace)
            {
                continue;
            }
            it.remove();
            final String entry = e.getKey();
            if (settings.resultsDir() == null || Files.exists(settings.resultsDir().resolve(entry)))
            {
                continue; // added again meanwhile
            }
            for (final Map<String, Allocation> ips : known.values())
            {
                for (final Allocation a : ips.values())
                {
                    if (entry.equals(a.network + "-" + a.containerId + "-" + a.ifName) && Files.exists(a.file))
                    {
                        leaks.incrementAndGet();
                        report(ERROR_IP_LEAKED, a.file, a.network, "IP " + a.ip + " still allocated to container " +
                            a.containerId + " after the runtime's DEL removed its result cache entry: leaked", a);
                    }
                }
            }
        }
    }

    // ----- result cache

    /**
     * Looks the allocation's result cache entry up. True when done with it (found, or no cache, or
     * {@code last} and still missing or malformed); false to try again later.
     */
    private boolean enrich(final Allocation a, final boolean last)
    {
        final Path dir = settings.resultsDir();
        if (dir == null || a.result != null)
        {
            return true;
        }
        final Path file = resultFile(dir, a);
        if (file == null)
        {
            return last;
        }
        final byte[] json;
        try
        {
            json = read(file, 16 << 20);
        }
        catch (final IOException e)
        {
            return last; // not written yet, or removed meanwhile
        }
        try
        {
            final CachedResult r = CachedResult.parse(mapper, json, a.ip);
            if (!r.containerId().equals(a.containerId))
            {
                throw new CachedResult.MalformedException("containerId " + r.containerId() + " does not match its file name");
            }
            a.result = r;
            reported.remove(file);
            enriched.incrementAndGet();
            return true;
        }
        catch (final CachedResult.MalformedException e)
        {
            // libcni writes the file in place: a half-written entry is retried until resultWait is over.
            if (last)
            {
                malformed(ERROR_MALFORMED_RESULT, file, a.network, e.getMessage(), look(json));
            }
            return last;
        }
    }

    /** {@code <network>-<containerId>-<ifName>}; for a state file without the interface, the first entry of the container. */
    private static Path resultFile(final Path dir, final Allocation a)
    {
        if (!a.ifName.isEmpty())
        {
            final Path p = dir.resolve(a.network + "-" + a.containerId + "-" + a.ifName);
            return Files.exists(p) ? p : null;
        }
        final String prefix = a.network + "-" + a.containerId + "-";
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir, prefix.replace("[", "\\[").replace("*", "\\*")
            .replace("?", "\\?").replace("{", "\\{") + "*"))
        {
            for (final Path p : entries)
            {
                return p;
            }
        }
        catch (final IOException e)
        {
            return null;
        }
        return null;
    }

    private void flushWaiting(final long now, final boolean all)
    {
        if (waiting.isEmpty())
        {
            return;
        }
        final long wait = settings.resultWait().toNanos();
        for (final Iterator<Map.Entry<Allocation, Long>> it = waiting.entrySet().iterator(); it.hasNext(); )
        {
            final Map.Entry<Allocation, Long> e = it.next();
            final Allocation a = e.getKey();
            if (enrich(a, all || resultsKey == null || now - e.getValue() >= wait))
            {
                it.remove();
                publish(a, EventType.CNI_IP_ALLOCATED);
            }
        }
    }

    // ----- events

    private void publish(final Allocation a, final EventType type)
    {
        final EventDraft d = draft.reset();
        d.type = type;
        d.source = dev.tapio.codecs.sbe.Source.CNI;
        d.severity = Severity.INFO;
        d.timestamp = type == EventType.CNI_IP_ALLOCATED ? a.timeNanos : 0;
        d.text(EventDraft.CONTAINER_ID).set(a.containerId);
        d.addAttribute("network.ip", a.ip);
        d.addAttribute("network.name", a.network);
        final CachedResult r = a.result;
        final String ifName = !a.ifName.isEmpty() || r == null ? a.ifName : r.ifName();
        attribute(d, "network.interface.name", ifName);
        if (r != null)
        {
            pod(d, r);
            // The details, most useful first, as far as the slot has room for them.
            attribute(d, "network.ip.prefix", r.address());
            attribute(d, "network.gateway", r.gateway());
            attribute(d, "cni.sandbox", r.sandbox().isEmpty() ? r.netns() : r.sandbox());
            attribute(d, "network.interface.mac", r.mac());
        }
        a.published = true;
        final int result = context.publisher().publish(d);
        if (result == Publisher.TOO_LARGE)
        {
            context.errors().record("cni " + name + ": too large", "cni " + name + ": " + EventTypes.name(type) + " for " +
                a.ip + " on " + a.network + " does not fit a " + context.publisher().maxEventLength() + "-byte slot, dropped");
        }
        (type == EventType.CNI_IP_ALLOCATED ? allocated : released).incrementAndGet();
    }

    /**
     * Bytes an event may take: the slot, less room for the node name the enrich stage adds to it (an event
     * without that room would lose its node, counted as {@code tapio_enrich_overflow_total}).
     */
    private int budget()
    {
        return context.publisher().maxEventLength() - nodeNameBytes;
    }

    /** Adds a non-empty attribute if the event stays within {@link #budget()}; else leaves it out and counts it. */
    private void attribute(final EventDraft d, final String key, final String value)
    {
        if (value.isEmpty())
        {
            return;
        }
        // Each attribute entry: a 2-byte length and the key, a 2-byte length and the value (docs/EVENT-FORMAT.md §7.6).
        final int cost = 4 + utf8Length(key) + utf8Length(value);
        if (d.encodedLength() + cost > budget())
        {
            trimmed.incrementAndGet();
            return;
        }
        d.addAttribute(key, value);
    }

    /** {@code file.path}; a path too long for the slot keeps its end (the file name), after "…". */
    private void filePath(final EventDraft d, final String path)
    {
        final int room = budget() - d.encodedLength() - 4 - utf8Length("file.path");
        String p = path;
        if (utf8Length(p) > room)
        {
            trimmed.incrementAndGet();
            final int keep = Math.max(0, room - 3 - (utf8Length(p) - p.length())); // "…" is 3 bytes
            p = "…" + p.substring(Math.max(0, p.length() - keep));
        }
        d.addAttribute("file.path", p);
    }

    /** The pod (namespace and name, then its uid) as far as the slot has room for it. */
    private void pod(final EventDraft d, final CachedResult r)
    {
        if (d.encodedLength() + utf8Length(r.podNamespace()) + utf8Length(r.podName()) > budget())
        {
            trimmed.incrementAndGet();
            return;
        }
        d.text(EventDraft.NAMESPACE).set(r.podNamespace());
        d.text(EventDraft.POD).set(r.podName());
        if (d.encodedLength() + utf8Length(r.podUid()) > budget())
        {
            trimmed.incrementAndGet();
            return;
        }
        d.text(EventDraft.POD_UID).set(r.podUid());
    }

    /** Sets the message, cut (with "…") to what the slot has room for. */
    private void message(final EventDraft d, final String message)
    {
        String m = message;
        d.text(EventDraft.MESSAGE).set(m);
        while (d.encodedLength() > budget() && m.length() > 1)
        {
            final int over = d.encodedLength() - budget();
            m = m.substring(0, Math.max(0, m.length() - over - 4)) + "…";
            d.text(EventDraft.MESSAGE).set(m);
        }
    }

    private static int utf8Length(final String s)
    {
        return s.getBytes(StandardCharsets.UTF_8).length;
    }

    /**
     * Counts and reports a file that is not what host-local or libcni write, once per look of the file
     * (reported again only after it changed): a {@code cni.error} event naming the file, and one line in
     * the error log.
     */
    private void malformed(final String reason, final Path file, final String network, final String why,
        final String look)
    {
        if (look.equals(reported.get(file)))
        {
            return;
        }
        reported.put(file, look);
        (ERROR_MALFORMED_RESULT.equals(reason) ? malformedResult : malformedState).incrementAndGet();
        final String kind = ERROR_MALFORMED_RESULT.equals(reason) ? "CNI result cache entry" : "host-local IPAM state file";
        report(reason, file, network, kind + ": " + why, null);
    }

    /** A {@code cni.error} event (with the allocation's IP and container when there is one) and a line in the error log. */
    private void report(final String reason, final Path file, final String network, final String message,
        final Allocation a)
    {
        context.errors().record("cni " + name + ": " + reason, "cni " + name + ": " + file + ": " + message);
        final EventDraft d = draft.reset();
        d.type = EventType.CNI_ERROR;
        d.source = dev.tapio.codecs.sbe.Source.CNI;
        d.severity = Severity.ERROR;
        d.addAttribute("error.type", reason);
        filePath(d, file.toString());
        attribute(d, "network.name", network);
        if (a != null)
        {
            d.text(EventDraft.CONTAINER_ID).set(a.containerId);
            attribute(d, "network.ip", a.ip);
            if (a.result != null)
            {
                pod(d, a.result);
            }
        }
        message(d, message);
        final int result = context.publisher().publish(d);
        if (result == Publisher.TOO_LARGE)
        {
            context.errors().record("cni " + name + ": too large", "cni " + name + ": error event for " + file + " too large");
        }
    }

    /** What a file's content looked like when reported (its name's problems do not depend on it). */
    private static String look(final byte[] content)
    {
        return content.length + "#" + java.util.Arrays.hashCode(content);
    }

    private static byte[] read(final Path file, final int max) throws IOException
    {
        try (InputStream in = Files.newInputStream(file))
        {
            return in.readNBytes(max);
        }
    }
}
