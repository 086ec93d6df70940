package dev.tapio.exporters.webhooks;

import dev.tapio.engine.config.ConfigException;
import dev.tapio.engine.config.ConfigNode;
import dev.tapio.engine.config.Units;
import dev.tapio.journal.JournalTailer;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The {@code webhooks:} section: whether the exporter runs, where dead letters go, how long it drains on
 * stop, and its endpoints (docs/CONFIG.md#webhooks). Immutable.
 */
public final class WebhooksSettings
{
    public static final Duration DEFAULT_DRAIN_TIMEOUT = Duration.ofSeconds(5);
    /** Beside the journal directory unless {@code deadLetterDir} says otherwise. */
    public static final String DEFAULT_DEAD_LETTER_DIR_NAME = "webhooks-dead-letter";

    private final boolean enabled;
    private final Path deadLetterDir;
    private final Duration drainTimeout;
    private final List<EndpointSettings> endpoints;

    public WebhooksSettings(final boolean enabled, final Path deadLetterDir, final Duration drainTimeout,
        final List<EndpointSettings> endpoints)
    {
        this.enabled = enabled;
        this.deadLetterDir = deadLetterDir;
        this.drainTimeout = drainTimeout;
        this.endpoints = List.copyOf(endpoints);
        final Set<String> names = new HashSet<>();
        for (final EndpointSettings e : endpoints)
        {
            if (!names.add(e.name()))
            {
                throw new IllegalArgumentException("two endpoints are named " + e.name());
            }
        }
    }

    public static WebhooksSettings disabled()
    {
        return new WebhooksSettings(false, null, DEFAULT_DRAIN_TIMEOUT, List.of());
    }

    /** Reads and validates the section; errors name file, line and key (unknown keys included). */
    public static WebhooksSettings fromConfig(final ConfigNode c) throws ConfigException
    {
        final boolean enabled = c.bool("enabled", false);
        final String dead = c.string("deadLetterDir", null);
        final Duration drain = c.duration("drainTimeout", DEFAULT_DRAIN_TIMEOUT);
        if (drain.isNegative() || drain.compareTo(Duration.ofHours(1)) > 0)
        {
            throw c.error("drainTimeout", "must be between 0s and 1h, got " + Units.formatDuration(drain));
        }
        final List<ConfigNode> items = c.children("endpoints");
        if (enabled && items.isEmpty())
        {
            throw c.error("endpoints", "webhooks.enabled needs at least one endpoint (name and url)");
        }
        final List<EndpointSettings> endpoints = new ArrayList<>();
        final Set<String> names = new HashSet<>();
        for (final ConfigNode e : items)
        {
            final EndpointSettings s = endpoint(e);
            if (!names.add(s.name()))
            {
                throw e.error("name", "another endpoint is already named \"" + s.name() + "\"");
            }
            endpoints.add(s);
            e.checkAllKeysUsed();
        }
        return new WebhooksSettings(enabled, dead == null ? null : Path.of(dead), drain, endpoints);
    }

    static EndpointSettings endpoint(final ConfigNode e) throws ConfigException
    {
        final String name = e.string("name", null);
        if (name == null)
        {
            throw e.error("name", "every endpoint needs a name (it names its journal tailer and metrics)");
        }
        final String url = e.string("url", null);
        if (url == null)
        {
            throw e.error("url", "every endpoint needs a url");
        }
        final EndpointSettings.Builder b;
        try
        {
            EndpointSettings.Builder.checkUrl(url);
        }
        catch (final IllegalArgumentException x)
        {
            throw e.error("url", x.getMessage());
        }
        try
        {
            b = EndpointSettings.builder(name, url);
        }
        catch (final IllegalArgumentException x)
        {
            throw e.error("name", x.getMessage());
        }

        final RecordFilter.Records records = RecordFilter.Records.valueOf(
            e.choice("records", "both", "both", "events", "groups").toUpperCase(Locale.ROOT));
        final List<String> types = e.stringList("types");
        final List<String> patterns = e.stringList("patterns");
        for (final String t : types)
        {
            if (t.isEmpty())
            {
                throw e.error("types", "empty type pattern");
            }
        }
        for (final String p : patterns)
        {
            if (p.isEmpty())
            {
                throw e.error("patterns", "empty pattern name");
            }
        }
        final String minSeverity = e.choice("minSeverity", "debug", RecordFilter.SEVERITIES.toArray(String[]::new));
        b.filter(new RecordFilter(records, types, patterns, minSeverity));

        final String format = e.choice("format", "cloudevents", "cloudevents", "template");
        final String contentType = e.string("contentType", null);
        final String escape = e.choice("escape", "json", "json", "html", "none");
        final String inline = e.string("template", null);
        final String file = e.string("templateFile", null);
        if ("template".equals(format))
        {
            if ((inline == null) == (file == null))
            {
                throw e.error("format", "format: template needs exactly one of template (inline) or templateFile");
            }
            String text = inline;
            if (file != null)
            {
                final Path path = resolve(e, file);
                try
                {
                    text = Files.readString(path, StandardCharsets.UTF_8);
                }
                catch (final IOException x)
                {
                    throw e.error("templateFile", "cannot read " + path + ": " + x.getMessage());
                }
            }
            try
            {
                b.format(PayloadFormat.template(name, text, contentType == null ? "application/json" : contentType, escape));
            }
            catch (final IllegalArgumentException x)
            {
                throw e.error(file != null ? "templateFile" : "template", x.getMessage());
            }
        }
        else if (inline != null || file != null || contentType != null || e.has("escape"))
        {
            throw e.error(inline != null ? "template" : file != null ? "templateFile" : contentType != null ?
                "contentType" : "escape", "only with format: template (CloudEvents has its own content type)");
        }

        final ConfigNode headers = e.child("headers");
        for (final String key : headers.keys())
        {
            final String value = headers.string(key, "");
            try
            {
                b.header(key, value);
            }
            catch (final IllegalArgumentException x)
            {
                throw headers.error(key, x.getMessage());
            }
        }
        final List<String> secrets = e.stringList("secrets");
        for (int i = 0; i < secrets.size(); i++)
        {
            try
            {
                b.secret(WebhookSecret.parse(secrets.get(i)));
            }
            catch (final IllegalArgumentException x)
            {
                throw e.error("secrets", i, x.getMessage());
            }
        }

        final Duration timeout = e.duration("timeout", EndpointSettings.DEFAULT_TIMEOUT);
        if (timeout.compareTo(Duration.ofMillis(10)) < 0 || timeout.compareTo(Duration.ofMinutes(5)) > 0)
        {
            throw e.error("timeout", "must be between 10ms and 5m, got " + Units.formatDuration(timeout));
        }
        b.timeout(timeout);
        b.maxAttempts(e.intValue("maxAttempts", EndpointSettings.DEFAULT_MAX_ATTEMPTS, 1, 1000));
        final Duration minBackoff = e.duration("minBackoff", EndpointSettings.DEFAULT_MIN_BACKOFF);
        final Duration maxBackoff = e.duration("maxBackoff", EndpointSettings.DEFAULT_MAX_BACKOFF);
        if (minBackoff.compareTo(Duration.ofMillis(1)) < 0)
        {
            throw e.error("minBackoff", "must be at least 1ms, got " + Units.formatDuration(minBackoff));
        }
        if (maxBackoff.compareTo(minBackoff) < 0 || maxBackoff.compareTo(Duration.ofHours(24)) > 0)
        {
            throw e.error("maxBackoff", "must be between minBackoff (" + Units.formatDuration(minBackoff) +
                ") and 24h, got " + Units.formatDuration(maxBackoff));
        }
        b.backoff(minBackoff, maxBackoff);
        final Duration maxRetryAfter = e.duration("maxRetryAfter", EndpointSettings.DEFAULT_MAX_RETRY_AFTER);
        if (maxRetryAfter.isNegative() || maxRetryAfter.compareTo(Duration.ofHours(24)) > 0)
        {
            throw e.error("maxRetryAfter", "must be between 0s and 24h, got " + Units.formatDuration(maxRetryAfter));
        }
        b.maxRetryAfter(maxRetryAfter);
        final ConfigNode breaker = e.child("breaker");
        final int failures = breaker.intValue("failures", EndpointSettings.DEFAULT_BREAKER_FAILURES, 1, 1000);
        final Duration open = breaker.duration("openDuration", EndpointSettings.DEFAULT_BREAKER_OPEN);
        if (open.isNegative() || open.compareTo(Duration.ofHours(1)) > 0)
        {
            throw breaker.error("openDuration", "must be between 0s and 1h, got " + Units.formatDuration(open));
        }
        final int trials = breaker.intValue("halfOpenTrials", EndpointSettings.DEFAULT_BREAKER_TRIALS, 1, 100);
        breaker.checkAllKeysUsed();
        b.breaker(failures, open, trials);
        b.startFrom(JournalTailer.StartFrom.valueOf(
            e.choice("startFrom", "latest", "latest", "earliest").toUpperCase(Locale.ROOT)));
        return b.build();
    }

    private static Path resolve(final ConfigNode e, final String file)
    {
        final Path p = Path.of(file);
        if (p.isAbsolute())
        {
            return p;
        }
        final Path config = Path.of(e.file());
        final Path dir = Files.isRegularFile(config) ? config.toAbsolutePath().getParent() : null;
        return dir == null ? p : dir.resolve(p);
    }

    public boolean enabled()
    {
        return enabled;
    }

    /** Where dead letters go; null: {@value #DEFAULT_DEAD_LETTER_DIR_NAME} beside the journal directory. */
    public Path deadLetterDir()
    {
        return deadLetterDir;
    }

    /** The dead-letter directory for a journal in {@code journalDir}. */
    public Path deadLetterDir(final Path journalDir)
    {
        if (deadLetterDir != null)
        {
            return deadLetterDir;
        }
        final Path abs = journalDir.toAbsolutePath();
        return abs.getParent() == null ? abs.resolve(DEFAULT_DEAD_LETTER_DIR_NAME) :
            abs.getParent().resolve(DEFAULT_DEAD_LETTER_DIR_NAME);
    }

    public Duration drainTimeout()
    {
        return drainTimeout;
    }

    public List<EndpointSettings> endpoints()
    {
        return endpoints;
    }

    /** The endpoint named {@code name}, or null. */
    public EndpointSettings endpoint(final String name)
    {
        for (final EndpointSettings e : endpoints)
        {
            if (e.name().equals(name))
            {
                return e;
            }
        }
        return null;
    }
}
