package dev.tapio.collectors.cni;

import dev.tapio.engine.config.ConfigException;
import dev.tapio.engine.config.ConfigNode;

import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Options of the CNI collector ({@code sources: cni: ...}); every option and its default is in
 * docs/CONFIG.md and collectors/cni/README.md. Immutable.
 */
public final class CniSettings
{
    /** What to do when {@link #networksDir()} does not exist at start. */
    public enum MissingDirectory
    {
        /** Keep running, degraded, and start watching once the directory appears; the default. */
        WAIT,
        /** Fail the collector at start with the reason; the rest of the node runs. */
        FAIL
    }

    public static final Path DEFAULT_NETWORKS_DIR = Path.of("/var/lib/cni/networks");
    public static final Path DEFAULT_RESULTS_DIR = Path.of("/var/lib/cni/results");
    public static final Duration DEFAULT_RESCAN_INTERVAL = Duration.ofSeconds(10);
    public static final Duration DEFAULT_RESULT_WAIT = Duration.ofSeconds(2);
    public static final Duration DEFAULT_GRACE = Duration.ofSeconds(2);

    private final Path networksDir;
    private final Path resultsDir;
    private final List<String> networks;
    private final List<PathMatcher> matchers;
    private final Duration rescanInterval;
    private final Duration resultWait;
    private final Duration grace;
    private final boolean emitExisting;
    private final MissingDirectory missingDirectory;

    private CniSettings(
        final Path networksDir, final Path resultsDir, final List<String> networks, final Duration rescanInterval,
        final Duration resultWait, final Duration grace, final boolean emitExisting,
        final MissingDirectory missingDirectory)
    {
        this.networksDir = networksDir;
        this.resultsDir = resultsDir;
        this.networks = List.copyOf(networks);
        final List<PathMatcher> m = new ArrayList<>();
        for (final String glob : networks)
        {
            m.add(FileSystems.getDefault().getPathMatcher("glob:" + glob));
        }
        this.matchers = List.copyOf(m);
        this.rescanInterval = rescanInterval;
        this.resultWait = resultWait;
        this.grace = grace;
        this.emitExisting = emitExisting;
        this.missingDirectory = missingDirectory;
    }

    /** The defaults: the host's /var/lib/cni directories, every network, a rescan every 10 s, 2 s for the result cache. */
    public static CniSettings defaults()
    {
        return new CniSettings(DEFAULT_NETWORKS_DIR, DEFAULT_RESULTS_DIR, List.of(), DEFAULT_RESCAN_INTERVAL,
            DEFAULT_RESULT_WAIT, DEFAULT_GRACE, false, MissingDirectory.WAIT);
    }

    public static CniSettings fromConfig(final ConfigNode c) throws ConfigException
    {
        final String networksDir = c.string("networksDir", DEFAULT_NETWORKS_DIR.toString());
        if (networksDir.isEmpty())
        {
            throw c.error("networksDir", "must not be empty: the host-local IPAM data directory (its dataDir)");
        }
        final String resultsDir = c.string("resultsDir", DEFAULT_RESULTS_DIR.toString());
        final List<String> networks = c.has("networks") ? c.stringList("networks") : List.of();
        for (int i = 0; i < networks.size(); i++)
        {
            final String glob = networks.get(i);
            if (glob.isEmpty() || glob.contains("/"))
            {
                throw c.error("networks", i, "a network name or glob without '/', got \"" + glob + "\"");
            }
            try
            {
                FileSystems.getDefault().getPathMatcher("glob:" + glob);
            }
            catch (final IllegalArgumentException e)
            {
                throw c.error("networks", i, "not a valid glob: " + e.getMessage());
            }
        }
        final Duration rescan = c.duration("rescanInterval", DEFAULT_RESCAN_INTERVAL);
        if (rescan.compareTo(Duration.ofMillis(100)) < 0)
        {
            throw c.error("rescanInterval", "at least 100ms, got " + rescan.toMillis() + "ms");
        }
        final Duration resultWait = c.duration("resultWait", DEFAULT_RESULT_WAIT);
        if (resultWait.isNegative() || resultWait.compareTo(Duration.ofMinutes(1)) > 0)
        {
            throw c.error("resultWait", "between 0s and 1m, got " + resultWait.toMillis() + "ms");
        }
        final Duration grace = c.duration("grace", DEFAULT_GRACE);
        if (grace.compareTo(Duration.ofMillis(10)) < 0 || grace.compareTo(Duration.ofMinutes(10)) > 0)
        {
            throw c.error("grace", "between 10ms and 10m, got " + grace.toMillis() + "ms");
        }
        final boolean emitExisting = c.bool("emitExisting", false);
        final MissingDirectory missing = MissingDirectory.valueOf(
            c.choice("missingDirectory", "wait", "wait", "fail").toUpperCase(Locale.ROOT));
        return new CniSettings(Path.of(networksDir), off(resultsDir) ? null : Path.of(resultsDir), networks, rescan,
            resultWait, grace, emitExisting, missing);
    }

    private static boolean off(final String s)
    {
        return s.isEmpty() || "off".equals(s);
    }

    public CniSettings withNetworksDir(final Path dir)
    {
        return new CniSettings(dir, resultsDir, networks, rescanInterval, resultWait, grace, emitExisting, missingDirectory);
    }

    /** The CNI result cache directory, or null for none (no enrichment, no waiting). */
    public CniSettings withResultsDir(final Path dir)
    {
        return new CniSettings(networksDir, dir, networks, rescanInterval, resultWait, grace, emitExisting, missingDirectory);
    }

    public CniSettings withNetworks(final List<String> globs)
    {
        return new CniSettings(networksDir, resultsDir, globs, rescanInterval, resultWait, grace, emitExisting, missingDirectory);
    }

    public CniSettings withRescanInterval(final Duration d)
    {
        return new CniSettings(networksDir, resultsDir, networks, d, resultWait, grace, emitExisting, missingDirectory);
    }

    public CniSettings withResultWait(final Duration d)
    {
        return new CniSettings(networksDir, resultsDir, networks, rescanInterval, d, grace, emitExisting, missingDirectory);
    }

    public CniSettings withGrace(final Duration d)
    {
        return new CniSettings(networksDir, resultsDir, networks, rescanInterval, resultWait, d, emitExisting, missingDirectory);
    }

    public CniSettings withEmitExisting(final boolean emit)
    {
        return new CniSettings(networksDir, resultsDir, networks, rescanInterval, resultWait, grace, emit, missingDirectory);
    }

    public CniSettings withMissingDirectory(final MissingDirectory m)
    {
        return new CniSettings(networksDir, resultsDir, networks, rescanInterval, resultWait, grace, emitExisting, m);
    }

    public Path networksDir()
    {
        return networksDir;
    }

    public Path resultsDir()
    {
        return resultsDir;
    }

    public List<String> networks()
    {
        return networks;
    }

    /** Whether a network (a subdirectory of {@link #networksDir()}) is watched: every one when no globs are set. */
    public boolean watches(final String network)
    {
        if (matchers.isEmpty())
        {
            return true;
        }
        final Path p = Path.of(network);
        for (final PathMatcher m : matchers)
        {
            if (m.matches(p))
            {
                return true;
            }
        }
        return false;
    }

    public Duration rescanInterval()
    {
        return rescanInterval;
    }

    public Duration resultWait()
    {
        return resultWait;
    }

    /**
     * How long a state file may stay empty (host-local creates it, then writes it), and an IP may stay
     * allocated after the runtime removed its result cache entry, before either is reported.
     */
    public Duration grace()
    {
        return grace;
    }

    public boolean emitExisting()
    {
        return emitExisting;
    }

    public MissingDirectory missingDirectory()
    {
        return missingDirectory;
    }
}
