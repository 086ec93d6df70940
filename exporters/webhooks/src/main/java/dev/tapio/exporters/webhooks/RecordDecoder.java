package dev.tapio.exporters.webhooks;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.StreamWriteFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tapio.codecs.EventFrames;
import dev.tapio.codecs.EventTypes;
import dev.tapio.codecs.GroupFrames;
import dev.tapio.codecs.sbe.EventType;
import dev.tapio.codecs.json.JsonEventWriter;
import dev.tapio.codecs.json.JsonGroupWriter;
import dev.tapio.codecs.sbe.EventDecoder;
import dev.tapio.codecs.sbe.GroupDecoder;
import dev.tapio.codecs.sbe.MessageHeaderDecoder;
import dev.tapio.engine.correlate.Pattern;
import dev.tapio.engine.correlate.RuleSet;
import dev.tapio.journal.JournalRecords;
import org.agrona.DirectBuffer;
import org.agrona.collections.Int2ObjectHashMap;

import java.io.ByteArrayOutputStream;
import java.io.IOException;

/**
 * Turns journal records (SBE bytes, header first) into {@link WebhookRecord}s through the codecs' JSON
 * writers, so a webhook carries exactly the JSON that {@code tapio replay} and the file sink print. Pattern
 * names of correlated events come from the rules given and from every group record decoded (the journal
 * keeps only the id in events). Allocates per record: webhooks are the edge, not the hot path.
 *
 * <p>Not thread-safe: one per endpoint thread.
 */
final class RecordDecoder
{
    static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonFactory FACTORY = JsonFactory.builder().disable(StreamWriteFeature.AUTO_CLOSE_TARGET).build();

    private final JsonEventWriter events = new JsonEventWriter();
    private final JsonGroupWriter groups = new JsonGroupWriter();
    private final MessageHeaderDecoder header = new MessageHeaderDecoder();
    private final EventDecoder event = new EventDecoder();
    private final GroupDecoder group = new GroupDecoder();
    private final Int2ObjectHashMap<String> patternNames = new Int2ObjectHashMap<>();
    private final ByteArrayOutputStream out = new ByteArrayOutputStream(1024);

    RecordDecoder(final RuleSet rules)
    {
        if (rules != null)
        {
            for (final Pattern p : rules.patterns())
            {
                patternNames.put(p.id(), p.name());
            }
        }
        events.patternNames(patternNames::get);
    }

    /**
     * True when {@code filter} certainly refuses the record, judged from its SBE fields without turning it
     * into JSON (an endpoint reads every record of the journal; most are usually filtered out). Group records
     * are never refused here: they are rare, and decoding them teaches the pattern names events need.
     */
    boolean rejects(final RecordFilter filter, final int template, final DirectBuffer buffer, final int offset,
        final int length)
    {
        if (template != JournalRecords.EVENT || EventFrames.validate(buffer, offset, length) != EventFrames.OK)
        {
            return false;
        }
        header.wrap(buffer, offset);
        event.wrap(buffer, offset + MessageHeaderDecoder.ENCODED_LENGTH, header.blockLength(), header.version());
        final EventType type = EventFrames.typeOf(event.eventTypeRaw());
        final boolean correlated = event.correlationId() != 0;
        return filter.rejectsEvent(type == EventType.OTHER ? null : EventTypes.name(type), event.severityRaw(),
            correlated, correlated ? patternNames.get(event.patternId()) : null);
    }

    /**
     * The record, or null when it is neither a valid Event nor a valid Group of this schema (such records are
     * skipped and counted by the caller).
     */
    WebhookRecord decode(final int template, final DirectBuffer buffer, final int offset, final int length)
        throws IOException
    {
        if (template == JournalRecords.EVENT && EventFrames.validate(buffer, offset, length) == EventFrames.OK)
        {
            header.wrap(buffer, offset);
            event.wrap(buffer, offset + MessageHeaderDecoder.ENCODED_LENGTH, header.blockLength(), header.version());
            final long nodeId = event.nodeId();
            final ObjectNode json = write(buffer, offset, false);
            final String node = hex16(nodeId);
            final JsonNode correlation = json.get("correlation");
            final String pattern = correlation != null && correlation.has("pattern") ? correlation.get("pattern").asText() : null;
            return new WebhookRecord(false, "msg_e" + node + json.path("id").asText(), node, json,
                json.path("type").asText(), json.path("severity").asText(), pattern, json.path("time").asText(),
                eventSubject(json));
        }
        if (template == JournalRecords.GROUP && GroupFrames.validate(buffer, offset, length) == EventFrames.OK)
        {
            header.wrap(buffer, offset);
            group.wrap(buffer, offset + MessageHeaderDecoder.ENCODED_LENGTH, header.blockLength(), header.version());
            final int patternId = group.patternId();
            final ObjectNode json = write(buffer, offset, true);
            final String pattern = json.path("pattern").asText();
            if (!pattern.isEmpty())
            {
                patternNames.put(patternId, pattern);
            }
            final String status = json.path("status").asText();
            final String node = json.path("node").asText();
            return new WebhookRecord(true, "msg_g" + node + json.path("id").asText() +
                (status.isEmpty() ? "u" : status.substring(0, 1)), node, json, null, null,
                pattern.isEmpty() ? null : pattern, json.path("end").asText(), json.path("key").asText());
        }
        return null;
    }

    private ObjectNode write(final DirectBuffer buffer, final int offset, final boolean isGroup) throws IOException
    {
        out.reset();
        try (JsonGenerator g = FACTORY.createGenerator(out, JsonEncoding.UTF8))
        {
            if (isGroup)
            {
                groups.write(buffer, offset, g);
            }
            else
            {
                events.write(buffer, offset, g);
            }
        }
        return (ObjectNode)JSON.readTree(out.toByteArray());
    }

    private static String eventSubject(final ObjectNode json)
    {
        final String ns = json.path("namespace").asText();
        final String pod = json.path("pod").asText();
        if (!pod.isEmpty())
        {
            return ns.isEmpty() ? pod : ns + "/" + pod;
        }
        final String unit = json.path("unit").asText();
        if (!unit.isEmpty())
        {
            return unit;
        }
        final String node = json.path("node").asText();
        return node.isEmpty() ? null : node;
    }

    static String hex16(final long v)
    {
        final String h = Long.toHexString(v);
        return "0000000000000000".substring(h.length()) + h;
    }
}
