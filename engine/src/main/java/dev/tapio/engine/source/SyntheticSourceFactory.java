package dev.tapio.engine.source;

import dev.tapio.engine.config.ConfigException;
import dev.tapio.engine.config.ConfigNode;
import dev.tapio.engine.spi.Source;
import dev.tapio.engine.spi.SourceFactory;

/** {@code synthetic}: the load generator. Options in docs/CONFIG.md. */
public final class SyntheticSourceFactory implements SourceFactory
{
    public static final long DEFAULT_RATE = 5_000;

    @Override
    public String type()
    {
        return "synthetic";
    }

    @Override
    public Source create(final String name, final ConfigNode c) throws ConfigException
    {
        final long rate = c.rate("rate", DEFAULT_RATE);
        final long events = c.longValue("events", 0, 0, Long.MAX_VALUE);
        final int batch = c.intValue("batch", 64, 1, 65_536);
        final String pacing = c.choice("pacing", "coarse", "coarse", "precise", "parked");
        final long seed = c.longValue("seed", 42, Long.MIN_VALUE, Long.MAX_VALUE);
        final int namespaces = c.intValue("namespaces", 50, 1, 100_000);
        final int pods = c.intValue("pods", 5_000, 1, 10_000_000);
        return new SyntheticSource(name, rate, events, batch,
            SyntheticSource.Pacing.valueOf(pacing.toUpperCase(java.util.Locale.ROOT)), seed,
            namespaces, pods);
    }
}
