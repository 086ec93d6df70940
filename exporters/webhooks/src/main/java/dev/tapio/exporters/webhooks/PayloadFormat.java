package dev.tapio.exporters.webhooks;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.mustachejava.DefaultMustacheFactory;
import com.github.mustachejava.Mustache;
import com.github.mustachejava.MustacheException;

import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The body of a webhook request for a record: CloudEvents 1.0 structured JSON (the default) or the user's
 * Mustache template. Both are built from the record's JSON form, so a webhook carries the same fields as
 * {@code tapio replay} prints.
 *
 * <pre>
 * CloudEvents (Content-Type: application/cloudevents+json; charset=utf-8):
 * {"specversion":"1.0","id":"msg_e…","source":"/tapio/node/0a0b…","type":"dev.tapio.event.k8s.pod.restarted",
 *  "subject":"shop/cart-7f9c","time":"2026-11-23T10:01:05.000000000Z","datacontenttype":"application/json",
 *  "tapiopattern":"crash-loop","data":{ the event or group record JSON }}
 * </pre>
 *
 * Immutable after construction; {@link #format} is thread-safe (a compiled Mustache template is).
 */
public abstract class PayloadFormat
{
    public static final String CLOUDEVENTS_CONTENT_TYPE = "application/cloudevents+json; charset=utf-8";

    /** A request body and its content type. */
    public record Payload(byte[] body, String contentType)
    {
    }

    /** The body for {@code record} sent to {@code endpoint} in the attempt stamped {@code timestamp} (epoch s). */
    public abstract Payload format(WebhookRecord record, String endpoint, long timestamp);

    /** CloudEvents 1.0 structured JSON. */
    public static PayloadFormat cloudEvents()
    {
        return CloudEvents.INSTANCE;
    }

    /**
     * A Mustache template. Its context: {@code kind} ({@code event} or {@code group}); {@code event} or
     * {@code group} and {@code record}: the record's JSON fields; {@code json}: the record's JSON text (write
     * {@code {{{json}}}}); {@code cloudevent}: the CloudEvents envelope's JSON text; {@code id}, {@code type},
     * {@code severity}, {@code pattern}, {@code subject}, {@code time}, {@code node}; and {@code webhook.id},
     * {@code webhook.timestamp}, {@code webhook.endpoint}.
     *
     * @param escape how {@code {{name}}} escapes values: {@code json} (inside a JSON string), {@code html}
     *               (Mustache's own), or {@code none}; {@code {{{name}}}} never escapes.
     * @throws IllegalArgumentException when the template does not compile (the message says where).
     */
    public static PayloadFormat template(final String name, final String template, final String contentType,
        final String escape)
    {
        return new Template(name, template, contentType, escape);
    }

    static ObjectNode envelope(final WebhookRecord r)
    {
        final ObjectNode ce = RecordDecoder.JSON.createObjectNode();
        ce.put("specversion", "1.0");
        ce.put("id", r.id());
        ce.put("source", "/tapio/node/" + r.node());
        ce.put("type", r.isGroup() ? "dev.tapio.group." + r.json().path("status").asText("unknown") :
            "dev.tapio.event." + r.type());
        if (r.subject() != null && !r.subject().isEmpty())
        {
            ce.put("subject", r.subject());
        }
        ce.put("time", r.time());
        ce.put("datacontenttype", "application/json");
        if (r.pattern() != null)
        {
            ce.put("tapiopattern", r.pattern());
        }
        ce.set("data", r.json());
        return ce;
    }

    private static final class CloudEvents extends PayloadFormat
    {
        static final CloudEvents INSTANCE = new CloudEvents();

        @Override
        public Payload format(final WebhookRecord record, final String endpoint, final long timestamp)
        {
            try
            {
                return new Payload(RecordDecoder.JSON.writeValueAsBytes(envelope(record)), CLOUDEVENTS_CONTENT_TYPE);
            }
            catch (final IOException e)
            {
                throw new UncheckedIOException(e);
            }
        }

        @Override
        public String toString()
        {
            return "cloudevents";
        }
    }

    private static final class Template extends PayloadFormat
    {
        private final Mustache mustache;
        private final String contentType;

        Template(final String name, final String template, final String contentType, final String escape)
        {
            this.contentType = contentType;
            final DefaultMustacheFactory factory;
            switch (escape.toLowerCase(Locale.ROOT))
            {
                case "json":
                    factory = new DefaultMustacheFactory()
                    {
                        @Override
                        public void encode(final String value, final Writer writer)
                        {
                            try
                            {
                                writer.write(JsonStringEncoder.getInstance().quoteAsString(value));
                            }
                            catch (final IOException e)
                            {
                                throw new MustacheException("failed to write", e);
                            }
                        }
                    };
                    break;
                case "none":
                    factory = new DefaultMustacheFactory()
                    {
                        @Override
                        public void encode(final String value, final Writer writer)
                        {
                            try
                            {
                                writer.write(value);
                            }
                            catch (final IOException e)
                            {
                                throw new MustacheException("failed to write", e);
                            }
                        }
                    };
                    break;
                case "html":
                    factory = new DefaultMustacheFactory();
                    break;
                default:
                    throw new IllegalArgumentException("unknown escape \"" + escape + "\" (expected json, html or none)");
            }
            try
            {
                this.mustache = factory.compile(new StringReader(template), name);
            }
            catch (final MustacheException e)
            {
                throw new IllegalArgumentException("template does not compile: " + e.getMessage(), e);
            }
        }

        @Override
        public Payload format(final WebhookRecord r, final String endpoint, final long timestamp)
        {
            final Map<String, Object> scope = new LinkedHashMap<>();
            @SuppressWarnings("unchecked")
            final Map<String, Object> fields = RecordDecoder.JSON.convertValue(r.json(), Map.class);
            scope.put("kind", r.kind());
            scope.put(r.kind(), fields);
            scope.put("record", fields);
            try
            {
                scope.put("json", RecordDecoder.JSON.writeValueAsString(r.json()));
                scope.put("cloudevent", RecordDecoder.JSON.writeValueAsString(envelope(r)));
            }
            catch (final IOException e)
            {
                throw new UncheckedIOException(e);
            }
            scope.put("id", r.id());
            scope.put("type", r.type());
            scope.put("severity", r.severity());
            scope.put("pattern", r.pattern());
            scope.put("subject", r.subject());
            scope.put("time", r.time());
            scope.put("node", r.node());
            scope.put("webhook", Map.of("id", r.id(), "timestamp", timestamp, "endpoint", endpoint));
            final StringWriter w = new StringWriter();
            mustache.execute(w, scope);
            return new Payload(w.toString().getBytes(StandardCharsets.UTF_8), contentType);
        }

        @Override
        public String toString()
        {
            return "template";
        }
    }
}
