package dev.tapio.engine.correlate;

import java.time.Duration;

/**
 * What code sets for correlation (the {@code correlation:} section of tapio.yaml feeds it): bounds,
 * retention and the clock. Immutable; built with {@link #builder()}.
 */
public final class CorrelationSettings
{
    /** Where "now" comes from for expiring groups. */
    public enum Clock
    {
        /** The highest event time seen; deterministic (offline, replay, tests). */
        EVENT,
        /** Event time, also advanced by wall-clock ticks so groups expire when events stop (live). */
        WALL
    }

    public static final int DEFAULT_MAX_GROUPS = 65_536;
    public static final int DEFAULT_MAX_MEMBERS = 16;
    public static final Duration DEFAULT_RETENTION = Duration.ofMinutes(30);
    public static final int DEFAULT_ENTITY_CACHE = 65_536;
    public static final int DEFAULT_EXPIRIES_PER_EVENT = 64;

    final boolean enabled;
    final int maxGroups;
    final int maxMembers;
    final long retentionNanos;
    final int entityCacheSize;
    final Clock clock;
    final long latenessNanos;
    final int expiriesPerEvent;
    final String nodeName;
    final long nodeId;

    private CorrelationSettings(final Builder b)
    {
        this.enabled = b.enabled;
        this.maxGroups = b.maxGroups;
        this.maxMembers = b.maxMembers;
        this.retentionNanos = b.retention.toNanos();
        this.entityCacheSize = b.entityCacheSize;
        this.clock = b.clock;
        this.latenessNanos = b.lateness.toNanos();
        this.expiriesPerEvent = b.expiriesPerEvent;
        this.nodeName = b.nodeName;
        this.nodeId = b.nodeId;
    }

    public static Builder builder()
    {
        return new Builder();
    }

    public static CorrelationSettings defaults()
    {
        return builder().build();
    }

    public boolean enabled()
    {
        return enabled;
    }

    public int maxGroups()
    {
        return maxGroups;
    }

    public int maxMembers()
    {
        return maxMembers;
    }

    public Duration retention()
    {
        return Duration.ofNanos(retentionNanos);
    }

    public Clock clock()
    {
        return clock;
    }

    public Duration lateness()
    {
        return Duration.ofNanos(latenessNanos);
    }

    public Builder toBuilder()
    {
        final Builder b = new Builder();
        b.enabled = enabled;
        b.maxGroups = maxGroups;
        b.maxMembers = maxMembers;
        b.retention = Duration.ofNanos(retentionNanos);
        b.entityCacheSize = entityCacheSize;
        b.clock = clock;
        b.lateness = Duration.ofNanos(latenessNanos);
        b.expiriesPerEvent = expiriesPerEvent;
        b.nodeName = nodeName;
        b.nodeId = nodeId;
        return b;
    }

    /** Fluent builder; {@link #build()} validates. */
    public static final class Builder
    {
        private boolean enabled = true;
        private int maxGroups = DEFAULT_MAX_GROUPS;
        private int maxMembers = DEFAULT_MAX_MEMBERS;
        private Duration retention = DEFAULT_RETENTION;
        private int entityCacheSize = DEFAULT_ENTITY_CACHE;
        private Clock clock = Clock.EVENT;
        private Duration lateness = Duration.ofSeconds(5);
        private int expiriesPerEvent = DEFAULT_EXPIRIES_PER_EVENT;
        private String nodeName = "";
        private long nodeId;

        public Builder enabled(final boolean v)
        {
            enabled = v;
            return this;
        }

        public Builder maxGroups(final int v)
        {
            maxGroups = v;
            return this;
        }

        public Builder maxMembers(final int v)
        {
            maxMembers = v;
            return this;
        }

        public Builder retention(final Duration v)
        {
            retention = v;
            return this;
        }

        public Builder entityCacheSize(final int v)
        {
            entityCacheSize = v;
            return this;
        }

        public Builder clock(final Clock v)
        {
            clock = v;
            return this;
        }

        public Builder lateness(final Duration v)
        {
            lateness = v;
            return this;
        }

        public Builder expiriesPerEvent(final int v)
        {
            expiriesPerEvent = v;
            return this;
        }

        public Builder nodeName(final String v)
        {
            nodeName = v == null ? "" : v;
            return this;
        }

        public Builder nodeId(final long v)
        {
            nodeId = v;
            return this;
        }

        public CorrelationSettings build()
        {
            if (maxGroups < 1 || maxGroups > 16_777_216)
            {
                throw new IllegalArgumentException("maxGroups must be 1..16777216, got " + maxGroups);
            }
            if (maxMembers < 2 || maxMembers > 255)
            {
                throw new IllegalArgumentException("maxMembers must be 2..255, got " + maxMembers);
            }
            if (retention.isNegative() || retention.toNanos() > Duration.ofHours(24).toNanos())
            {
                throw new IllegalArgumentException("retention must be 0..24h, got " + retention);
            }
            if (entityCacheSize < 16)
            {
                throw new IllegalArgumentException("entityCacheSize must be >= 16, got " + entityCacheSize);
            }
            if (expiriesPerEvent < 1)
            {
                throw new IllegalArgumentException("expiriesPerEvent must be >= 1");
            }
            return new CorrelationSettings(this);
        }
    }
}
