package dev.tapio.exporters.grpc;

import dev.tapio.engine.Engine;
import dev.tapio.engine.config.ConfigException;
import dev.tapio.engine.config.ConfigNode;
import dev.tapio.engine.config.TapioConfig;
import dev.tapio.engine.spi.ConfigSection;
import dev.tapio.engine.spi.Sink;
import dev.tapio.journal.JournalSection;
import dev.tapio.journal.JournalSettings;

import java.io.IOException;
import java.util.List;

/**
 * The top-level {@code grpc:} section of tapio.yaml, owned by this module through the engine's
 * {@link ConfigSection} SPI (like {@code prometheus:}): validates it and, when enabled, adds the
 * {@link SubscriberHub} sink to the pipeline. The server needs the built engine, so the host starts it
 * after building the engine: {@link #start(TapioConfig, Engine)}. Ingest needs the multi-producer ring:
 * the host builds the engine with {@link #engineProducers}.
 */
public final class GrpcSection implements ConfigSection
{
    public static final String KEY = "grpc";

    @Override
    public String key()
    {
        return KEY;
    }

    @Override
    public List<Sink> configure(final ConfigNode section) throws ConfigException
    {
        final GrpcSettings s = GrpcSettings.fromConfig(section);
        return s.enabled() ? List.of(new SubscriberHub()) : List.of();
    }

    /** Ingest publishes from gRPC's threads: a ring the config pins to one producer cannot take it. */
    @Override
    public void check(final TapioConfig config) throws ConfigException
    {
        final ConfigNode node = config.section(KEY);
        if (node != null && settings(config).enabled() && settings(config).ingest() &&
            config.producers() == dev.tapio.engine.ProducerMode.SINGLE)
        {
            throw node.error("ingest", "needs a multi-producer ring (gRPC clients publish from several threads), but " +
                "engine.producers is single: set it to auto or multi, or ingest: false");
        }
    }

    /** The settings of a loaded config (disabled, with every default, when it has no {@code grpc:}). */
    public static GrpcSettings settings(final TapioConfig config) throws ConfigException
    {
        final ConfigNode node = config.section(KEY);
        return node == null ? GrpcSettings.builder().enabled(false).build() : GrpcSettings.fromConfig(node);
    }

    /** Applies what the gRPC API needs to the engine builder: a multi-producer ring when ingest is on. */
    public static Engine.Builder engineProducers(final TapioConfig config, final Engine.Builder builder)
        throws ConfigException
    {
        final GrpcSettings s = settings(config);
        if (s.enabled() && s.ingest())
        {
            builder.producers(dev.tapio.engine.ProducerMode.MULTI);
        }
        return builder;
    }

    /**
     * Starts the server for an engine built from {@code config} when the config enables it.
     *
     * @return the running server, or null when {@code grpc.enabled} is false
     * @throws IOException when the listen address cannot be bound (the message names it)
     */
    public static GrpcServer start(final TapioConfig config, final Engine engine) throws ConfigException, IOException
    {
        final GrpcSettings s = settings(config);
        if (!s.enabled())
        {
            return null;
        }
        SubscriberHub hub = null;
        for (final Sink sink : config.sectionSinks())
        {
            if (sink instanceof SubscriberHub)
            {
                hub = (SubscriberHub)sink;
            }
        }
        if (hub == null)
        {
            throw new IllegalStateException("grpc: the engine was not built with this config's sinks");
        }
        final JournalSettings journal = JournalSection.enabled(config) ? JournalSection.settings(config) : null;
        return GrpcServer.create(s, engine, hub, journal).start();
    }

    /** A hub to add to an engine built in code (embedding, tests); pass it to {@link GrpcServer#create}. */
    public static Sink newHub()
    {
        return new SubscriberHub();
    }
}
