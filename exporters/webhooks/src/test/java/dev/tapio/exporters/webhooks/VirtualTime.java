package dev.tapio.exporters.webhooks;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.random.RandomGenerator;

/**
 * Virtual time for delivery tests: a wall clock and a monotonic clock that move only when the exporter's
 * {@link Pacer} is asked to wait, which records the wait and returns at once. So backoff schedules, Retry-After
 * and an open breaker are seen exactly, without waiting them out.
 */
final class VirtualTime implements Pacer
{
    /** 2026-11-23T10:00:00Z */
    static final long START_SECONDS = 1_795_428_000L;

    private final AtomicLong nanos = new AtomicLong();
    final List<Long> pauses = new CopyOnWriteArrayList<>();

    /** Always answers the top of the range: the backoff's ceiling, so schedules are exact. */
    static final RandomGenerator CEILING = new RandomGenerator()
    {
        @Override
        public long nextLong()
        {
            return 0;
        }

        @Override
        public long nextLong(final long origin, final long bound)
        {
            return bound - 1;
        }
    };

    @Override
    public boolean pause(final long n, final BooleanSupplier abandon)
    {
        if (abandon.getAsBoolean())
        {
            return false;
        }
        pauses.add(n);
        nanos.addAndGet(n);
        Thread.yield();
        return true;
    }

    long nanoTime()
    {
        return nanos.get();
    }

    final Clock clock = new Clock()
    {
        @Override
        public ZoneId getZone()
        {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(final ZoneId zone)
        {
            return this;
        }

        @Override
        public Instant instant()
        {
            return Instant.ofEpochSecond(START_SECONDS).plusNanos(nanos.get());
        }
    };

    WebhooksExporter.Context context()
    {
        return new WebhooksExporter.Context().clock(clock).nanoClock(this::nanoTime).pacer(this).random(CEILING);
    }
}
