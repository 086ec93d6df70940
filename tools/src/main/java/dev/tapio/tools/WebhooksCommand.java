package dev.tapio.tools;

import dev.tapio.engine.config.ConfigException;
import dev.tapio.engine.config.TapioConfig;
import dev.tapio.exporters.webhooks.EndpointSettings;
import dev.tapio.exporters.webhooks.WebhookRecord;
import dev.tapio.exporters.webhooks.WebhookSecret;
import dev.tapio.exporters.webhooks.WebhookSender;
import dev.tapio.exporters.webhooks.WebhookSigner;
import dev.tapio.exporters.webhooks.WebhookVerifier;
import dev.tapio.exporters.webhooks.WebhooksSection;
import dev.tapio.exporters.webhooks.WebhooksSettings;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code tapio webhooks verify} checks a captured webhook request against secrets (Standard Webhooks);
 * {@code tapio webhooks test} sends one signed test event to an endpoint, formatted exactly as the exporter
 * formats real deliveries, and prints the endpoint's answer.
 */
@Command(name = "webhooks", mixinStandardHelpOptions = true, description = "Test webhook endpoints and verify webhook requests.",
    subcommands = { WebhooksCommand.Verify.class, WebhooksCommand.Test.class })
public final class WebhooksCommand implements Runnable
{
    @Override
    public void run()
    {
        throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this), "missing command: verify or test");
    }

    /** Verifies a captured request. */
    @Command(name = "verify", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Verify a captured webhook request (Standard Webhooks signatures): exit 0 when valid, 1 when not.",
            "Give the request as --request FILE (headers, an empty line, the body; e.g. what `nc -l` printed), or the " +
                "headers (--headers FILE of `Name: value` lines, or --id/--timestamp/--signature) and --body FILE."})
    public static final class Verify implements Callable<Integer>
    {
        @Option(names = "--secret", required = true, paramLabel = "whsec_…",
            description = "a secret the signature may be made with; repeat during a rotation")
        List<String> secrets;

        @Option(names = "--request", paramLabel = "FILE|-", description = "the raw request: header lines, an empty line, the body")
        String request;

        @Option(names = "--headers", paramLabel = "FILE", description = "header lines (Name: value); other lines are ignored")
        Path headers;

        @Option(names = "--body", paramLabel = "FILE|-", description = "the raw body, byte for byte")
        String body;

        @Option(names = "--id", paramLabel = "ID", description = "the webhook-id header")
        String id;

        @Option(names = "--timestamp", paramLabel = "SECONDS", description = "the webhook-timestamp header")
        String timestamp;

        @Option(names = "--signature", paramLabel = "SIGS", description = "the webhook-signature header")
        String signature;

        @Option(names = "--at", paramLabel = "TIME", description = "check the timestamp as of TIME (epoch seconds or " +
            "RFC 3339), e.g. when the request was captured; default: now")
        String at;

        @Option(names = "--tolerance", paramLabel = "DURATION", converter = DurationConverter.class,
            description = "how far the timestamp may be from now (or --at), either way; default: 5m")
        Duration tolerance = WebhookVerifier.DEFAULT_TOLERANCE;

        @Option(names = "--no-timestamp-check", description = "do not check the timestamp (an old captured request)")
        boolean noTimestampCheck;

        private final PrintStream out = System.out;
        private final PrintStream err = System.err;

        @Override
        public Integer call()
        {
            final WebhookVerifier verifier;
            final Map<String, String> h = new LinkedHashMap<>();
            final byte[] bytes;
            try
            {
                final WebhookVerifier.Builder b = WebhookVerifier.builder()
                    .tolerance(noTimestampCheck ? Duration.ofSeconds(-1) : tolerance)
                    .clock(at == null ? Clock.systemUTC() : Clock.fixed(parseTime(at), ZoneOffset.UTC));
                for (final String s : secrets)
                {
                    b.secret(WebhookSecret.parse(s));
                }
                verifier = b.build();
                if (request != null)
                {
                    if (headers != null || body != null)
                    {
                        throw new IllegalArgumentException("--request: give either --request or --headers/--body");
                    }
                    final byte[] raw = read(request);
                    final int split = headerEnd(raw);
                    parseHeaders(new String(raw, 0, split < 0 ? raw.length : split, StandardCharsets.UTF_8), h);
                    bytes = split < 0 ? new byte[0] : java.util.Arrays.copyOfRange(raw, split + (raw[split] == '\r' ? 4 : 2), raw.length);
                }
                else
                {
                    if (body == null)
                    {
                        throw new IllegalArgumentException("--body: the request body is needed (or --request)");
                    }
                    if (headers != null)
                    {
                        parseHeaders(Files.readString(headers, StandardCharsets.UTF_8), h);
                    }
                    bytes = read(body);
                }
                if (id != null)
                {
                    h.put(WebhookSigner.HEADER_ID, id);
                }
                if (timestamp != null)
                {
                    h.put(WebhookSigner.HEADER_TIMESTAMP, timestamp);
                }
                if (signature != null)
                {
                    h.put(WebhookSigner.HEADER_SIGNATURE, signature);
                }
            }
            catch (final IllegalArgumentException | IOException e)
            {
                err.println("tapio webhooks verify: " + e.getMessage());
                return TapioCli.EXIT_USAGE;
            }
            final WebhookVerifier.Result r = verifier.verify(h, bytes);
            final String whId = h.get(WebhookSigner.HEADER_ID);
            if (r.valid())
            {
                out.println("valid: " + whId + " signed at " + Instant.ofEpochSecond(Long.parseLong(h.get(WebhookSigner.HEADER_TIMESTAMP).trim())) +
                    " (" + bytes.length + " body bytes)");
                return 0;
            }
            out.println("invalid: " + r.description() + (whId == null ? "" : " (" + whId + ")"));
            return 1;
        }

        static Instant parseTime(final String text)
        {
            try
            {
                return Instant.ofEpochSecond(Long.parseLong(text));
            }
            catch (final NumberFormatException e)
            {
                try
                {
                    return java.time.OffsetDateTime.parse(text).toInstant();
                }
                catch (final java.time.format.DateTimeParseException x)
                {
                    throw new IllegalArgumentException("--at: expected epoch seconds or RFC 3339, got \"" + text + "\"");
                }
            }
        }

        private static byte[] read(final String file) throws IOException
        {
            return "-".equals(file) ? System.in.readAllBytes() : Files.readAllBytes(Path.of(file));
        }

        /** The index of the empty line's first CR or LF ending the headers, or -1. */
        private static int headerEnd(final byte[] raw)
        {
            for (int i = 0; i + 1 < raw.length; i++)
            {
                if (raw[i] == '\n' && raw[i + 1] == '\n')
                {
                    return i;
                }
                if (raw[i] == '\r' && i + 3 < raw.length && raw[i + 1] == '\n' && raw[i + 2] == '\r' && raw[i + 3] == '\n')
                {
                    return i;
                }
            }
            return -1;
        }

        private static void parseHeaders(final String text, final Map<String, String> into)
        {
            for (final String line : text.split("\r?\n"))
            {
                final int colon = line.indexOf(':');
                if (colon > 0 && !line.startsWith(" ") && !line.contains(" HTTP/"))
                {
                    into.put(line.substring(0, colon).trim().toLowerCase(Locale.ROOT), line.substring(colon + 1).trim());
                }
            }
        }
    }

    /** Sends one signed test event. */
    @Command(name = "test", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Send one signed test event (type tapio.webhook.test) to an endpoint, formatted exactly as real " +
            "deliveries are, and print the request and the endpoint's answer: exit 0 on 2xx, 1 otherwise."})
    public static final class Test implements Callable<Integer>
    {
        static final class Target
        {
            @ArgGroup(exclusive = false, multiplicity = "1")
            Direct direct;

            @ArgGroup(exclusive = false, multiplicity = "1")
            Configured configured;
        }

        static final class Direct
        {
            @Option(names = "--url", required = true, paramLabel = "URL", description = "the endpoint")
            String url;

            @Option(names = "--secret", paramLabel = "whsec_…", description = "sign with it (repeat for a rotation); " +
                "none: unsigned")
            List<String> secrets = new ArrayList<>();

            @Option(names = "--header", paramLabel = "NAME: VALUE", description = "an extra request header (repeatable)")
            List<String> headers = new ArrayList<>();

            @Option(names = "--timeout", paramLabel = "DURATION", converter = DurationConverter.class,
                description = "default: 10s")
            Duration timeout = EndpointSettings.DEFAULT_TIMEOUT;
        }

        static final class Configured
        {
            @Option(names = "--config", required = true, paramLabel = "FILE", description = "tapio.yaml with a webhooks: section")
            Path config;

            @Option(names = "--endpoint", required = true, paramLabel = "NAME", description = "an endpoint of webhooks.endpoints")
            String endpoint;
        }

        @ArgGroup(exclusive = true, multiplicity = "1")
        Target target;

        private final PrintStream out = System.out;
        private final PrintStream err = System.err;

        @Override
        public Integer call() throws InterruptedException
        {
            final EndpointSettings endpoint;
            String node = null;
            try
            {
                if (target.configured != null)
                {
                    final TapioConfig cfg = TapioConfig.load(target.configured.config);
                    final WebhooksSettings s = WebhooksSection.settings(cfg);
                    endpoint = s.endpoint(target.configured.endpoint);
                    if (endpoint == null)
                    {
                        err.println("tapio webhooks test: --endpoint: " + target.configured.config + " has no endpoint named \"" +
                            target.configured.endpoint + "\"" + (s.endpoints().isEmpty() ? "" : " (it has " +
                            String.join(", ", s.endpoints().stream().map(EndpointSettings::name).toList()) + ")"));
                        return TapioCli.EXIT_USAGE;
                    }
                    node = cfg.nodeName();
                }
                else
                {
                    final Direct d = target.direct;
                    final EndpointSettings.Builder b = EndpointSettings.builder("test", d.url).timeout(d.timeout);
                    for (final String s : d.secrets)
                    {
                        b.secret(WebhookSecret.parse(s));
                    }
                    for (final String h : d.headers)
                    {
                        final int colon = h.indexOf(':');
                        if (colon <= 0)
                        {
                            throw new IllegalArgumentException("--header: expected NAME: VALUE, got \"" + h + "\"");
                        }
                        b.header(h.substring(0, colon).trim(), h.substring(colon + 1).trim());
                    }
                    endpoint = b.build();
                }
            }
            catch (final ConfigException | IllegalArgumentException e)
            {
                err.println("tapio webhooks test: " + e.getMessage());
                return TapioCli.EXIT_USAGE;
            }
            if (node == null)
            {
                try
                {
                    node = java.net.InetAddress.getLocalHost().getHostName();
                }
                catch (final IOException e)
                {
                    node = "tapio";
                }
            }
            final WebhookRecord record = WebhookSender.testRecord(node, Clock.systemUTC());
            final long start = System.nanoTime();
            final WebhookSender.Attempt a;
            try (WebhookSender sender = new WebhookSender(endpoint, Clock.systemUTC()))
            {
                a = sender.send(record);
            }
            final long micros = (System.nanoTime() - start) / 1000;
            out.println("POST " + endpoint.url());
            out.println("content-type: " + a.contentType());
            out.println("user-agent: tapio-webhooks");
            out.println(WebhookSigner.HEADER_ID + ": " + a.id());
            out.println(WebhookSigner.HEADER_TIMESTAMP + ": " + a.timestamp());
            out.println(WebhookSigner.HEADER_SIGNATURE + ": " + (a.signature() == null ? "(none: no secret given, unsigned)" : a.signature()));
            endpoint.headers().forEach((k, v) -> out.println(k + ": " + (sensitive(k) ? "(hidden, " + v.length() + " characters)" : v)));
            out.println();
            out.println(new String(a.requestBody(), StandardCharsets.UTF_8));
            out.println();
            if (a.status() > 0)
            {
                out.printf(Locale.ROOT, "-> HTTP %d (%s) in %.1f ms%n", a.status(), a.outcome().label, micros / 1000.0);
                a.responseHeaders().map().forEach((k, v) ->
                {
                    if (!":status".equals(k))
                    {
                        out.println(k + ": " + String.join(", ", v));
                    }
                });
                if (a.responseBody() != null && !a.responseBody().isEmpty())
                {
                    out.println();
                    out.println(a.responseBody());
                }
            }
            else
            {
                out.printf(Locale.ROOT, "-> %s after %.1f ms: %s%n", a.outcome().label, micros / 1000.0, a.error());
            }
            return a.outcome() == WebhookSender.Outcome.SUCCESS ? 0 : 1;
        }

        /** Headers whose values are credentials, not printed. */
        static boolean sensitive(final String header)
        {
            final String h = header.toLowerCase(Locale.ROOT);
            return h.equals("authorization") || h.equals("proxy-authorization") || h.equals("cookie") ||
                h.contains("token") || h.contains("secret") || h.contains("api-key") || h.contains("apikey");
        }
    }
}
