package dev.tapio.engine.config;

import dev.tapio.codecs.EventFrames;
import dev.tapio.engine.Engine;
import dev.tapio.engine.ProducerMode;
import dev.tapio.engine.ThreadingMode;
import dev.tapio.engine.WaitStrategyKind;
import dev.tapio.engine.ring.BackpressurePolicy;
import dev.tapio.engine.sink.FileSink;
import dev.tapio.engine.collect.RestartPolicy;
import dev.tapio.engine.source.FileSource;
import dev.tapio.engine.spi.Sink;
import dev.tapio.engine.spi.SinkFactory;
import dev.tapio.engine.spi.Source;
import dev.tapio.engine.spi.SourceFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;

/**
 * {@code tapio.yaml}: the node, the engine, named sources and sinks, and the pipeline that lists
 * which of them run — the OpenTelemetry Collector's shape. Everything is validated when loaded, and
 * every error names file, line and key. Components are created through their factories, found by
 * type name with {@link ServiceLoader}. See docs/CONFIG.md.
 */
public final class TapioConfig
{
    public static final String DEFAULT_RESOURCE = "/dev/tapio/engine/config/default-tapio.yaml";
    public static final String DEFAULTS_NAME = "<embedded defaults>";

    private final String file;
    private String nodeName;
    private int ringSize;
    private int slotSize;
    private ThreadingMode threading;
    private WaitStrategyKind waitStrategy;
    private ProducerMode producers;
    private int[] cpus;
    private Duration shutdownTimeout;
    private Duration statsInterval;
    private dev.tapio.engine.correlate.RuleSet rules;
    private dev.tapio.engine.correlate.CorrelationSettings correlation;
    private final List<SourceEntry> sources = new ArrayList<>();
    private final List<Sink> sinks = new ArrayList<>();
    private final List<Sink> sectionSinks = new ArrayList<>();
    private final Map<String, ConfigNode> sections = new LinkedHashMap<>();

    /** A configured source, its back-pressure policy and how the collector manager restarts it. */
    public static final class SourceEntry
    {
        public final Source source;
        public final BackpressurePolicy backpressure;
        public final RestartPolicy restart;

        SourceEntry(final Source source, final BackpressurePolicy backpressure, final RestartPolicy restart)
        {
            this.source = source;
            this.backpressure = backpressure;
            this.restart = restart;
        }
    }

    private TapioConfig(final String file)
    {
        this.file = file;
    }

    /** The embedded defaults (no file needed). */
    public static TapioConfig defaults() throws ConfigException
    {
        return parse(DEFAULTS_NAME, defaultsText());
    }

    /**
     * The text of the embedded defaults, for a host that adds sections of its own modules to them
     * (the node's {@code tapio run} adds {@code journal:}).
     */
    public static String defaultsText() throws ConfigException
    {
        try (InputStream in = TapioConfig.class.getResourceAsStream(DEFAULT_RESOURCE))
        {
            if (in == null)
            {
                throw new ConfigException(DEFAULTS_NAME + ": missing from the jar");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        catch (final IOException e)
        {
            throw new ConfigException(DEFAULTS_NAME + ": " + e.getMessage(), e);
        }
    }

    public static TapioConfig load(final Path path) throws ConfigException
    {
        if (!Files.isReadable(path))
        {
            throw new ConfigException(path + ": cannot read the config file");
        }
        try (Reader r = Files.newBufferedReader(path, StandardCharsets.UTF_8))
        {
            return parse(path.toString(), r);
        }
        catch (final IOException e)
        {
            throw new ConfigException(path + ": " + e.getMessage(), e);
        }
    }

    public static TapioConfig parse(final String file, final Reader reader) throws ConfigException
    {
        final ConfigNode root = ConfigNode.parse(file, reader);
        final TapioConfig c = new TapioConfig(file);
        c.read(root);
        return c;
    }

    public static TapioConfig parse(final String file, final String yaml) throws ConfigException
    {
        return parse(file, new java.io.StringReader(yaml));
    }

    private void read(final ConfigNode root) throws ConfigException
    {
        final ConfigNode node = root.child("node");
        final String name = node.string("name", "");
        nodeName = name.isEmpty() ? null : name;
        if (nodeName != null && nodeName.getBytes(StandardCharsets.UTF_8).length > 253)
        {
            throw node.error("name", "longer than 253 bytes");
        }
        node.checkAllKeysUsed();

        final ConfigNode engine = root.child("engine");
        ringSize = engine.intValue("ringSize", 65_536, 2, 1 << 24);
        if (Integer.bitCount(ringSize) != 1)
        {
            throw engine.error("ringSize", "must be a power of two, got " + ringSize);
        }
        slotSize = (int)engine.bytes("slotSize", 512, EventFrames.MIN_ENCODED_LENGTH, 64 * 1024);
        if (slotSize % 8 != 0)
        {
            throw engine.error("slotSize", "must be a multiple of 8 bytes, got " + slotSize);
        }
        if ((long)ringSize * slotSize > (1L << 31) - 64)
        {
            throw engine.error("slotSize", "ringSize x slotSize must stay under 2 GiB");
        }
        threading = ThreadingMode.valueOf(engine.choice("threading", "auto", "auto", "shared", "dedicated")
            .toUpperCase(java.util.Locale.ROOT));
        waitStrategy = WaitStrategyKind.fromConfig(
            engine.choice("waitStrategy", "blocking", "blocking", "sleeping", "yielding", "busy-spin"));
        producers = ProducerMode.valueOf(engine.choice("producers", "auto", "auto", "single", "multi")
            .toUpperCase(java.util.Locale.ROOT));
        cpus = engine.intList("cpus", 0, 4095);
        shutdownTimeout = engine.duration("shutdownTimeout", Duration.ofSeconds(30));
        engine.checkAllKeysUsed();

        final ConfigNode corr = root.child("correlation");
        final String rulesPath = corr.string("rules", null);
        if (rulesPath != null)
        {
            try
            {
                rules = dev.tapio.engine.correlate.RulesLoader.load(resolve(rulesPath));
            }
            catch (final ConfigException e)
            {
                throw corr.error("rules", e.getMessage());
            }
        }
        else
        {
            rules = dev.tapio.engine.correlate.RulesLoader.builtin();
        }
        if (!corr.bool("enabled", true))
        {
            rules = dev.tapio.engine.correlate.RuleSet.empty();
        }
        final int maxMembers = corr.intValue("maxMembers", dev.tapio.engine.correlate.CorrelationSettings.DEFAULT_MAX_MEMBERS, 2, 255);
        correlation = dev.tapio.engine.correlate.CorrelationSettings.builder()
            .maxGroups(corr.intValue("maxGroups", dev.tapio.engine.correlate.CorrelationSettings.DEFAULT_MAX_GROUPS, 1, 16_777_216))
            .maxMembers(maxMembers)
            .retention(corr.duration("retention", dev.tapio.engine.correlate.CorrelationSettings.DEFAULT_RETENTION))
            .clock(dev.tapio.engine.correlate.CorrelationSettings.Clock.valueOf(
                corr.choice("clock", "wall", "wall", "event").toUpperCase(java.util.Locale.ROOT)))
            .lateness(corr.duration("lateness", Duration.ofSeconds(5)))
            .build();
        for (final dev.tapio.engine.correlate.Pattern p : rules.patterns())
        {
            for (final dev.tapio.engine.correlate.Step st : p.steps())
            {
                if (st.count() > maxMembers)
                {
                    throw corr.error("maxMembers", "pattern " + p.name() + " counts " + st.count() +
                        " events in step " + st.name() + "; maxMembers must be at least that");
                }
            }
        }
        corr.checkAllKeysUsed();

        final ConfigNode stats = root.child("stats");
        statsInterval = stats.duration("interval", Duration.ofSeconds(1));
        stats.checkAllKeysUsed();

        final Map<String, SourceFactory> sourceFactories = new LinkedHashMap<>();
        for (final SourceFactory f : ServiceLoader.load(SourceFactory.class))
        {
            sourceFactories.put(f.type(), f);
        }
        final Map<String, SinkFactory> sinkFactories = new LinkedHashMap<>();
        for (final SinkFactory f : ServiceLoader.load(SinkFactory.class))
        {
            sinkFactories.put(f.type(), f);
        }

        final ConfigNode sourcesNode = root.child("sources");
        final ConfigNode sinksNode = root.child("sinks");
        final ConfigNode pipeline = root.child("pipeline");
        final List<String> sourceNames = pipeline.stringList("sources");
        final List<String> sinkNames = pipeline.stringList("sinks");
        pipeline.checkAllKeysUsed();

        for (final String key : sourcesNode.keys())
        {
            final String type = typeOf(key);
            final SourceFactory f = sourceFactories.get(type);
            if (f == null)
            {
                throw sourcesNode.error(key, "unknown source type \"" + type + "\" (known: " +
                    String.join(", ", sourceFactories.keySet()) + ")");
            }
            final ConfigNode section = sourcesNode.child(key);
            final BackpressurePolicy policy = BackpressurePolicy.valueOf(
                section.choice("backpressure", "block", "block", "drop").toUpperCase(java.util.Locale.ROOT));
            final Source s = f.create(key, section);
            final RestartPolicy restart = RestartPolicy.fromConfig(section.child("restart"),
                s.restartable() ? RestartPolicy.DEFAULT : RestartPolicy.DEFAULT.toBuilder().enabled(false).build());
            section.checkAllKeysUsed();
            if (sourceNames.contains(key))
            {
                sources.add(new SourceEntry(s, policy, restart));
            }
        }
        for (final String key : sinksNode.keys())
        {
            final String type = typeOf(key);
            final SinkFactory f = sinkFactories.get(type);
            if (f == null)
            {
                throw sinksNode.error(key, "unknown sink type \"" + type + "\" (known: " +
                    String.join(", ", sinkFactories.keySet()) + ")");
            }
            final ConfigNode section = sinksNode.child(key);
            final Sink s = f.create(key, section);
            section.checkAllKeysUsed();
            if (sinkNames.contains(key))
            {
                sinks.add(s);
            }
        }
        for (int i = 0; i < sourceNames.size(); i++)
        {
            if (!sourcesNode.has(sourceNames.get(i)))
            {
                throw pipeline.error("sources", i, "\"" + sourceNames.get(i) + "\" is not defined under sources");
            }
        }
        for (int i = 0; i < sinkNames.size(); i++)
        {
            if (!sinksNode.has(sinkNames.get(i)))
            {
                throw pipeline.error("sinks", i, "\"" + sinkNames.get(i) + "\" is not defined under sinks");
            }
        }
        final List<dev.tapio.engine.spi.ConfigSection> owners = new ArrayList<>();
        for (final dev.tapio.engine.spi.ConfigSection section : ServiceLoader.load(dev.tapio.engine.spi.ConfigSection.class))
        {
            final ConfigNode sectionNode = root.child(section.key());
            sectionSinks.addAll(section.configure(sectionNode));
            sectionNode.checkAllKeysUsed();
            sections.put(section.key(), sectionNode);
            owners.add(section);
        }
        for (final dev.tapio.engine.spi.ConfigSection section : owners)
        {
            section.check(this);
        }
        if (producers == ProducerMode.SINGLE && sources.size() > 1)
        {
            throw engine.error("producers", "single, but the pipeline has " + sources.size() + " sources");
        }
        root.checkAllKeysUsed();
    }

    private static String typeOf(final String key)
    {
        final int slash = key.indexOf('/');
        return slash < 0 ? key : key.substring(0, slash);
    }

    /** Replaces the pipeline's sources with one file source reading {@code path} (- for stdin). */
    public TapioConfig withInput(final String path) throws ConfigException
    {
        if (!FileSource.STDIN.equals(path) && !Files.isReadable(Path.of(path)))
        {
            throw new ConfigException("--input: cannot read " + path);
        }
        sources.clear();
        sources.add(new SourceEntry(new FileSource("file/input", path, 1 << 20), BackpressurePolicy.BLOCK,
            RestartPolicy.NEVER));
        return this;
    }

    /** Replaces the pipeline's sinks with one file sink writing {@code path} (- for stdout). */
    public TapioConfig withOutput(final String path)
    {
        sinks.clear();
        sinks.add(new FileSink("file/output", path, false));
        return this;
    }

    /** Replaces the pipeline's sources. */
    public TapioConfig withSources(final List<SourceEntry> replacement)
    {
        sources.clear();
        sources.addAll(replacement);
        return this;
    }

    /** Replaces the pipeline's sinks. */
    public TapioConfig withSinks(final List<Sink> replacement)
    {
        sinks.clear();
        sinks.addAll(replacement);
        return this;
    }

    /** An engine builder with every setting, source and sink of this config applied. */
    public Engine.Builder engineBuilder()
    {
        final Engine.Builder b = settingsBuilder();
        for (final SourceEntry s : sources)
        {
            b.source(s.source, s.backpressure, s.restart);
        }
        for (final Sink s : sinks)
        {
            b.sink(s);
        }
        for (final Sink s : sectionSinks)
        {
            b.sink(s);
        }
        return b;
    }

    /**
     * An engine builder with this config's node, engine and correlation settings only — no source, no sink,
     * nothing from module sections — for hosts that wire their own (the central server's correlator).
     */
    public Engine.Builder settingsBuilder()
    {
        final Engine.Builder b = Engine.builder()
            .ringSize(ringSize)
            .slotSize(slotSize)
            .threading(threading)
            .waitStrategy(waitStrategy)
            .producers(producers)
            .cpus(cpus)
            .shutdownTimeout(shutdownTimeout)
            .rules(rules)
            .correlation(correlation);
        if (nodeName != null)
        {
            b.nodeName(nodeName);
        }
        return b;
    }

    /** The node name set by {@code node.name}, or null when the engine's default (the host name) applies. */
    public String nodeName()
    {
        return nodeName;
    }

    public dev.tapio.engine.correlate.CorrelationSettings correlation()
    {
        return correlation;
    }

    public dev.tapio.engine.correlate.RuleSet rules()
    {
        return rules;
    }

    private Path resolve(final String path)
    {
        final Path p = Path.of(path);
        if (p.isAbsolute() || file.startsWith("<"))
        {
            return p;
        }
        final Path parent = Path.of(file).toAbsolutePath().getParent();
        return parent == null ? p : parent.resolve(p);
    }

    public String file()
    {
        return file;
    }

    public Duration statsInterval()
    {
        return statsInterval;
    }

    public List<SourceEntry> sources()
    {
        return List.copyOf(sources);
    }

    public List<Sink> sinks()
    {
        return List.copyOf(sinks);
    }

    /** Sinks added by top-level sections of modules on the class path (e.g. the journal), in load order. */
    public List<Sink> sectionSinks()
    {
        return List.copyOf(sectionSinks);
    }

    /**
     * The validated node of a top-level section owned by a module ({@link dev.tapio.engine.spi.ConfigSection}),
     * for that module to read again (e.g. the journal's settings for tailers and replay); null when no module
     * on the class path owns {@code key}.
     */
    public ConfigNode section(final String key)
    {
        return sections.get(key);
    }

    public int ringSize()
    {
        return ringSize;
    }

    /** {@code engine.producers} as written (auto, single or multi). */
    public ProducerMode producers()
    {
        return producers;
    }

    public int slotSize()
    {
        return slotSize;
    }
}
