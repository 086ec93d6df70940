package dev.tapio.exporters.webhooks;

import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * The receiving side of Standard Webhooks, for users who receive Tapio's webhooks (and for Tapio's own
 * tests and {@code tapio webhooks verify}): checks the {@code webhook-id}, {@code webhook-timestamp} and
 * {@code webhook-signature} headers of a request against its raw body.
 *
 * <ul>
 *   <li>every {@code v1,<base64>} signature in the header is compared, in constant time
 *       ({@link MessageDigest#isEqual}), with the expected one under every configured secret: one match
 *       suffices (so both sides can rotate secrets);</li>
 *   <li>the timestamp must be within {@link #DEFAULT_TOLERANCE} (5 minutes) of the clock, either way;</li>
 *   <li>an id already accepted is refused as {@link Result#REPLAYED} while it is remembered: a bounded cache
 *       of ids accepted within the tolerance (older ones fail the timestamp check anyway). A sender retries
 *       with the same id, so a receiver that answers a replay with 2xx (having processed it before) is
 *       correct; one whose processing failed calls {@link #forget(String)} to accept the retry.</li>
 * </ul>
 *
 * <p>Thread-safe (the cache is guarded by this object).
 */
public final class WebhookVerifier
{
    public static final Duration DEFAULT_TOLERANCE = Duration.ofMinutes(5);
    public static final int DEFAULT_REPLAY_CACHE = 100_000;

    /** What {@link #verify} found. */
    public enum Result
    {
        VALID("valid"),
        MISSING_HEADERS("missing webhook-id, webhook-timestamp or webhook-signature"),
        BAD_TIMESTAMP("webhook-timestamp is not whole seconds since the epoch"),
        TOO_OLD("webhook-timestamp is older than the tolerance"),
        TOO_NEW("webhook-timestamp is further in the future than the tolerance"),
        NO_SIGNATURE("webhook-signature has no v1 signature"),
        NO_MATCH("no signature matches"),
        REPLAYED("this webhook-id was accepted before");

        private final String description;

        Result(final String description)
        {
            this.description = description;
        }

        public boolean valid()
        {
            return this == VALID;
        }

        public String description()
        {
            return description;
        }
    }

    private final List<WebhookSecret> secrets;
    private final Duration tolerance;
    private final Clock clock;
    private final int cacheSize;
    private final boolean rejectReplays;
    /** Accepted ids → their timestamp (seconds), oldest first. */
    private final LinkedHashMap<String, Long> seen;

    private WebhookVerifier(final Builder b)
    {
        this.secrets = List.copyOf(b.secrets);
        this.tolerance = b.tolerance;
        this.clock = b.clock;
        this.cacheSize = b.replayCache;
        this.rejectReplays = b.replayCache > 0;
        this.seen = new LinkedHashMap<>(16, 0.75f, false)
        {
            @Override
            protected boolean removeEldestEntry(final Map.Entry<String, Long> eldest)
            {
                return size() > cacheSize;
            }
        };
    }

    public static Builder builder()
    {
        return new Builder();
    }

    /**
     * Verifies a request given its headers (names in any case; the first value of each is used) and raw body.
     */
    public Result verify(final Map<String, ? extends Object> headers, final byte[] body)
    {
        return verify(header(headers, WebhookSigner.HEADER_ID), header(headers, WebhookSigner.HEADER_TIMESTAMP),
            header(headers, WebhookSigner.HEADER_SIGNATURE), body);
    }

    /** Verifies a request given the three header values (null when absent) and its raw body. */
    public Result verify(final String id, final String timestamp, final String signatureHeader, final byte[] body)
    {
        if (id == null || id.isEmpty() || timestamp == null || signatureHeader == null)
        {
            return Result.MISSING_HEADERS;
        }
        final long ts;
        try
        {
            ts = Long.parseLong(timestamp.trim());
        }
        catch (final NumberFormatException e)
        {
            return Result.BAD_TIMESTAMP;
        }
        final long now = clock.instant().getEpochSecond();
        if (!tolerance.isNegative())
        {
            if (ts < now - tolerance.getSeconds())
            {
                return Result.TOO_OLD;
            }
            if (ts > now + tolerance.getSeconds())
            {
                return Result.TOO_NEW;
            }
        }
        final List<byte[]> candidates = new ArrayList<>();
        for (final String part : signatureHeader.trim().split(" +"))
        {
            final int comma = part.indexOf(',');
            if (comma > 0 && WebhookSigner.VERSION.equals(part.substring(0, comma)))
            {
                try
                {
                    candidates.add(Base64.getDecoder().decode(part.substring(comma + 1)));
                }
                catch (final IllegalArgumentException ignored)
                {
                    // not base64: cannot match
                }
            }
        }
        if (candidates.isEmpty())
        {
            return Result.NO_SIGNATURE;
        }
        boolean match = false;
        for (final WebhookSecret secret : secrets)
        {
            final byte[] expected = WebhookSigner.mac(secret, id, ts, body);
            for (final byte[] candidate : candidates)
            {
                // constant time in the content; no early exit across candidates either
                match |= MessageDigest.isEqual(expected, candidate);
            }
        }
        if (!match)
        {
            return Result.NO_MATCH;
        }
        if (rejectReplays)
        {
            synchronized (seen)
            {
                if (seen.containsKey(id))
                {
                    return Result.REPLAYED;
                }
                seen.put(id, ts);
                expire(now);
            }
        }
        return Result.VALID;
    }

    /** Forgets an accepted id, so that the sender's retry of it is accepted (e.g. after processing failed). */
    public void forget(final String id)
    {
        synchronized (seen)
        {
            seen.remove(id);
        }
    }

    /** Ids remembered for replay detection. */
    public int remembered()
    {
        synchronized (seen)
        {
            return seen.size();
        }
    }

    private void expire(final long now)
    {
        if (tolerance.isNegative())
        {
            return; // timestamps not checked: ids are forgotten by the cache's size only
        }
        final long oldest = now - Math.max(0, tolerance.getSeconds());
        final var it = seen.entrySet().iterator();
        // insertion order is close to timestamp order: stop at the first id still within the window
        while (it.hasNext())
        {
            if (it.next().getValue() < oldest)
            {
                it.remove();
            }
            else
            {
                break;
            }
        }
    }

    private static String header(final Map<String, ? extends Object> headers, final String name)
    {
        for (final Map.Entry<String, ? extends Object> e : headers.entrySet())
        {
            if (e.getKey() != null && e.getKey().toLowerCase(Locale.ROOT).equals(name))
            {
                final Object v = e.getValue();
                if (v instanceof List)
                {
                    final List<?> l = (List<?>)v;
                    return l.isEmpty() ? null : String.valueOf(l.get(0));
                }
                return v == null ? null : v.toString();
            }
        }
        return null;
    }

    /** Settings with named defaults. */
    public static final class Builder
    {
        private final List<WebhookSecret> secrets = new ArrayList<>();
        private Duration tolerance = DEFAULT_TOLERANCE;
        private Clock clock = Clock.systemUTC();
        private int replayCache = DEFAULT_REPLAY_CACHE;

        /** A secret a valid signature may be made with; add each during a rotation. */
        public Builder secret(final WebhookSecret secret)
        {
            secrets.add(Objects.requireNonNull(secret, "secret"));
            return this;
        }

        public Builder secret(final String whsec)
        {
            return secret(WebhookSecret.parse(whsec));
        }

        /** How far the timestamp may be from the clock either way; negative: not checked (captured requests). */
        public Builder tolerance(final Duration tolerance)
        {
            this.tolerance = Objects.requireNonNull(tolerance, "tolerance");
            return this;
        }

        public Builder clock(final Clock clock)
        {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /** How many accepted ids to remember; 0 turns replay detection off. */
        public Builder replayCache(final int ids)
        {
            if (ids < 0)
            {
                throw new IllegalArgumentException("replayCache must be >= 0, got " + ids);
            }
            this.replayCache = ids;
            return this;
        }

        public WebhookVerifier build()
        {
            if (secrets.isEmpty())
            {
                throw new IllegalArgumentException("a verifier needs at least one secret");
            }
            return new WebhookVerifier(this);
        }
    }
}
