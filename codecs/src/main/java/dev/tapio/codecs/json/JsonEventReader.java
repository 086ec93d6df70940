package dev.tapio.codecs.json;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import dev.tapio.codecs.EventDraft;
import dev.tapio.codecs.EventTypes;
import dev.tapio.codecs.Hex;
import dev.tapio.codecs.Rfc3339;
import dev.tapio.codecs.Utf8Text;
import dev.tapio.codecs.sbe.EventType;
import dev.tapio.codecs.sbe.Severity;
import dev.tapio.codecs.sbe.Source;

import java.io.IOException;

/**
 * Reads one JSON event object (one line of JSON Lines) into an {@link EventDraft} with Jackson's
 * streaming parser. Strings are copied as UTF-8 into the draft's reusable buffers; no per-event
 * objects beyond the parser itself. Unknown fields are skipped; an unknown {@code type} becomes
 * {@code OTHER} with its name kept. Not thread-safe: one per reading thread.
 * See docs/EVENT-FORMAT.md for the format.
 */
public final class JsonEventReader
{
    /** Attribute key under which a non-hex external {@code id} is kept. */
    public static final String SOURCE_ID_ATTRIBUTE = "source.id";

    private final JsonFactory factory;

    public JsonEventReader()
    {
        this(JsonFactory.builder().disable(StreamReadFeature.AUTO_CLOSE_SOURCE).build());
    }

    public JsonEventReader(final JsonFactory factory)
    {
        this.factory = factory;
    }

    /**
     * Parses one event.
     *
     * @throws EventFormatException naming the field, or the column for malformed JSON.
     */
    public void read(final byte[] json, final int offset, final int length, final EventDraft draft)
        throws EventFormatException
    {
        draft.reset();
        try (JsonParser p = factory.createParser(json, offset, length))
        {
            readObject(p, draft);
        }
        catch (final EventFormatException e)
        {
            throw e;
        }
        catch (final IOException e)
        {
            throw new EventFormatException(jsonProblem(e));
        }
    }

    public void read(final String json, final EventDraft draft) throws EventFormatException
    {
        final byte[] b = json.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        read(b, 0, b.length, draft);
    }

    private static String jsonProblem(final IOException e)
    {
        if (e instanceof com.fasterxml.jackson.core.JsonProcessingException)
        {
            final com.fasterxml.jackson.core.JsonProcessingException jpe =
                (com.fasterxml.jackson.core.JsonProcessingException)e;
            final com.fasterxml.jackson.core.JsonLocation loc = jpe.getLocation();
            final String msg = jpe.getOriginalMessage();
            final String first = msg == null ? "malformed JSON" : msg.split("\n", 2)[0];
            return loc == null ? "malformed JSON: " + first : "malformed JSON at column " + loc.getColumnNr() + ": " + first;
        }
        return "unreadable JSON: " + e.getMessage();
    }

    private static void readObject(final JsonParser p, final EventDraft d) throws IOException, EventFormatException
    {
        if (p.nextToken() != JsonToken.START_OBJECT)
        {
            throw new EventFormatException("expected a JSON object");
        }
        boolean sawType = false;
        JsonToken t;
        while ((t = p.nextToken()) == JsonToken.FIELD_NAME)
        {
            final String name = p.currentName();
            final JsonToken v = p.nextToken();
            if (v == JsonToken.VALUE_NULL)
            {
                continue;
            }
            switch (name)
            {
                case "id":
                    readId(p, v, d);
                    break;
                case "time":
                    d.timestamp = readTime(p, v);
                    break;
                case "type":
                    readType(p, v, d);
                    sawType = true;
                    break;
                case "source":
                {
                    expectString(p, v, name);
                    final Source s = EventTypes.sourceOf(p.getTextCharacters(), p.getTextOffset(), p.getTextLength());
                    if (s == null)
                    {
                        throw new EventFormatException("field \"source\": unknown value \"" + p.getText() +
                            "\" (expected one of " + EventTypes.sourceNames() + ")");
                    }
                    d.source = s;
                    break;
                }
                case "severity":
                {
                    expectString(p, v, name);
                    final Severity s = EventTypes.severityOf(p.getTextCharacters(), p.getTextOffset(), p.getTextLength());
                    if (s == null)
                    {
                        throw new EventFormatException("field \"severity\": unknown value \"" + p.getText() +
                            "\" (expected one of " + EventTypes.severityNames() + ")");
                    }
                    d.severity = s;
                    break;
                }
                case "node":
                    text(p, v, name, d.text(EventDraft.NODE));
                    break;
                case "namespace":
                    text(p, v, name, d.text(EventDraft.NAMESPACE));
                    break;
                case "pod":
                    text(p, v, name, d.text(EventDraft.POD));
                    break;
                case "podUid":
                    text(p, v, name, d.text(EventDraft.POD_UID));
                    break;
                case "container":
                    text(p, v, name, d.text(EventDraft.CONTAINER));
                    break;
                case "containerId":
                    text(p, v, name, d.text(EventDraft.CONTAINER_ID));
                    break;
                case "unit":
                    text(p, v, name, d.text(EventDraft.UNIT));
                    break;
                case "comm":
                    text(p, v, name, d.text(EventDraft.COMM));
                    break;
                case "message":
                    text(p, v, name, d.text(EventDraft.MESSAGE));
                    break;
                case "pid":
                    d.pid = intField(p, v, name, 0, Integer.MAX_VALUE);
                    break;
                case "ppid":
                    d.ppid = intField(p, v, name, 0, Integer.MAX_VALUE);
                    break;
                case "exitCode":
                    d.exitCode = intField(p, v, name, Integer.MIN_VALUE + 1, Integer.MAX_VALUE);
                    break;
                case "uid":
                    d.uid = longField(p, v, name, 0, 0xFFFF_FFFEL);
                    break;
                case "cgroupId":
                    d.cgroupId = longField(p, v, name, 0, Long.MAX_VALUE);
                    break;
                case "attributes":
                    readAttributes(p, v, d);
                    break;
                case "traceId":
                    readTraceId(p, v, d);
                    break;
                case "spanId":
                    d.spanId = hex64(p, v, name);
                    break;
                case "parentSpanId":
                    d.parentSpanId = hex64(p, v, name);
                    break;
                case "correlation":
                    readCorrelation(p, v, d);
                    break;
                case "impact":
                    readImpact(p, v, d);
                    break;
                default:
                    p.skipChildren();
                    break;
            }
        }
        if (t != JsonToken.END_OBJECT)
        {
            throw new EventFormatException("malformed JSON object");
        }
        if (p.nextToken() != null)
        {
            throw new EventFormatException("trailing content after the JSON object");
        }
        if (!sawType)
        {
            throw new EventFormatException("missing required field \"type\"");
        }
    }

    private static void readId(final JsonParser p, final JsonToken v, final EventDraft d)
        throws IOException, EventFormatException
    {
        if (v == JsonToken.VALUE_NUMBER_INT)
        {
            d.eventId = longField(p, v, "id", Long.MIN_VALUE, Long.MAX_VALUE);
            d.hasEventId = true;
            return;
        }
        expectString(p, v, "id");
        final char[] c = p.getTextCharacters();
        final int o = p.getTextOffset();
        final int n = p.getTextLength();
        if (Hex.isHex64(c, o, n))
        {
            d.eventId = Hex.parse(c, o, n);
        }
        else
        {
            // Not one of ours: keep the caller's id verbatim and derive a stable 64-bit id from it.
            long h = 0xcbf29ce484222325L;
            for (int i = 0; i < n; i++)
            {
                h ^= c[o + i];
                h *= 0x100000001b3L;
            }
            d.eventId = h;
            final int a = d.addAttribute();
            d.attributeKey(a).set(SOURCE_ID_ATTRIBUTE);
            d.attributeValue(a).set(c, o, n);
        }
        d.hasEventId = true;
    }

    private static long readTime(final JsonParser p, final JsonToken v) throws IOException, EventFormatException
    {
        if (v == JsonToken.VALUE_NUMBER_INT)
        {
            return longField(p, v, "time", Long.MIN_VALUE, Long.MAX_VALUE);
        }
        expectString(p, v, "time");
        try
        {
            return Rfc3339.parse(p.getTextCharacters(), p.getTextOffset(), p.getTextLength());
        }
        catch (final IllegalArgumentException e)
        {
            throw new EventFormatException("field \"time\": " + e.getMessage() + " in \"" + p.getText() + "\"");
        }
    }

    private static void readType(final JsonParser p, final JsonToken v, final EventDraft d)
        throws IOException, EventFormatException
    {
        expectString(p, v, "type");
        final char[] c = p.getTextCharacters();
        final int o = p.getTextOffset();
        final int n = p.getTextLength();
        if (n == 0)
        {
            throw new EventFormatException("field \"type\": must not be empty");
        }
        d.type = EventTypes.typeOf(c, o, n);
        if (d.type == EventType.OTHER)
        {
            d.text(EventDraft.TYPE_NAME).set(c, o, n);
        }
    }

    private static void readAttributes(final JsonParser p, final JsonToken v, final EventDraft d)
        throws IOException, EventFormatException
    {
        if (v != JsonToken.START_OBJECT)
        {
            throw new EventFormatException("field \"attributes\": expected an object of strings");
        }
        while (p.nextToken() == JsonToken.FIELD_NAME)
        {
            final int i = d.addAttribute();
            d.attributeKey(i).set(p.getTextCharacters(), p.getTextOffset(), p.getTextLength());
            final JsonToken av = p.nextToken();
            if (av == JsonToken.START_OBJECT || av == JsonToken.START_ARRAY)
            {
                throw new EventFormatException("field \"attributes." + d.attributeKey(i) +
                    "\": expected a string, number or boolean");
            }
            if (av != JsonToken.VALUE_NULL)
            {
                d.attributeValue(i).set(p.getTextCharacters(), p.getTextOffset(), p.getTextLength());
            }
        }
    }

    private static void readTraceId(final JsonParser p, final JsonToken v, final EventDraft d)
        throws IOException, EventFormatException
    {
        expectString(p, v, "traceId");
        final char[] c = p.getTextCharacters();
        final int o = p.getTextOffset();
        final int n = p.getTextLength();
        if (n != 32 || !Hex.isHex64(c, o, 16) || !Hex.isHex64(c, o + 16, 16))
        {
            throw new EventFormatException("field \"traceId\": expected 32 hex digits (W3C trace id)");
        }
        d.traceIdHi = Hex.parse(c, o, 16);
        d.traceIdLo = Hex.parse(c, o + 16, 16);
    }

    private static long hex64(final JsonParser p, final JsonToken v, final String name)
        throws IOException, EventFormatException
    {
        expectString(p, v, name);
        final char[] c = p.getTextCharacters();
        final int o = p.getTextOffset();
        final int n = p.getTextLength();
        if (n != 16 || !Hex.isHex64(c, o, n))
        {
            throw new EventFormatException("field \"" + name + "\": expected 16 hex digits");
        }
        return Hex.parse(c, o, n);
    }

    private static void readCorrelation(final JsonParser p, final JsonToken v, final EventDraft d)
        throws IOException, EventFormatException
    {
        if (v != JsonToken.START_OBJECT)
        {
            throw new EventFormatException("field \"correlation\": expected an object");
        }
        while (p.nextToken() == JsonToken.FIELD_NAME)
        {
            final String name = p.currentName();
            final JsonToken fv = p.nextToken();
            if (fv == JsonToken.VALUE_NULL)
            {
                continue;
            }
            if ("id".equals(name))
            {
                d.correlationId = hex64(p, fv, "correlation.id");
            }
            else if ("related".equals(name))
            {
                readRelated(p, fv, d);
            }
            else
            {
                // "pattern" (a name or a numeric id on output) and unknown members are not read.
                p.skipChildren();
            }
        }
    }

    private static void readRelated(final JsonParser p, final JsonToken v, final EventDraft d)
        throws IOException, EventFormatException
    {
        if (v != JsonToken.START_ARRAY)
        {
            throw new EventFormatException("field \"correlation.related\": expected an array of event ids, got " +
                describe(v));
        }
        d.relatedCount = 0;
        JsonToken t;
        int i = 0;
        while ((t = p.nextToken()) != JsonToken.END_ARRAY)
        {
            if (i == d.related.length)
            {
                throw new EventFormatException("field \"correlation.related[" + i + "]\": more than " +
                    d.related.length + " related event ids");
            }
            if (t != JsonToken.VALUE_STRING || p.getTextLength() != 16 ||
                !Hex.isHex64(p.getTextCharacters(), p.getTextOffset(), 16))
            {
                throw new EventFormatException("field \"correlation.related[" + i + "]\": expected 16 hex digits" +
                    (t == JsonToken.VALUE_STRING ? "" : ", got " + describe(t)));
            }
            d.related[i++] = Hex.parse(p.getTextCharacters(), p.getTextOffset(), 16);
        }
        d.relatedCount = i;
    }

    private static void readImpact(final JsonParser p, final JsonToken v, final EventDraft d)
        throws IOException, EventFormatException
    {
        if (v != JsonToken.START_OBJECT)
        {
            throw new EventFormatException("field \"impact\": expected an object");
        }
        while (p.nextToken() == JsonToken.FIELD_NAME)
        {
            final String name = p.currentName();
            final JsonToken fv = p.nextToken();
            switch (name)
            {
                case "business":
                    if (!fv.isNumeric() || p.getFloatValue() < 0f || p.getFloatValue() > 1f)
                    {
                        throw new EventFormatException("field \"impact.business\": expected a number in 0..1");
                    }
                    d.businessImpact = p.getFloatValue();
                    break;
                case "customerFacing":
                    d.customerFacing = bool(fv, "impact.customerFacing");
                    break;
                case "sloImpact":
                    d.sloImpact = bool(fv, "impact.sloImpact");
                    break;
                default:
                    p.skipChildren();
            }
        }
    }

    private static boolean bool(final JsonToken v, final String name) throws EventFormatException
    {
        if (v == JsonToken.VALUE_TRUE)
        {
            return true;
        }
        if (v == JsonToken.VALUE_FALSE)
        {
            return false;
        }
        throw new EventFormatException("field \"" + name + "\": expected true or false");
    }

    private static void text(final JsonParser p, final JsonToken v, final String name, final Utf8Text dst)
        throws IOException, EventFormatException
    {
        expectString(p, v, name);
        dst.set(p.getTextCharacters(), p.getTextOffset(), p.getTextLength());
    }

    private static void expectString(final JsonParser p, final JsonToken v, final String name)
        throws EventFormatException
    {
        if (v != JsonToken.VALUE_STRING)
        {
            throw new EventFormatException("field \"" + name + "\": expected a string, got " + describe(v));
        }
    }

    private static int intField(final JsonParser p, final JsonToken v, final String name, final int min, final int max)
        throws IOException, EventFormatException
    {
        return (int)longField(p, v, name, min, max);
    }

    private static long longField(final JsonParser p, final JsonToken v, final String name, final long min, final long max)
        throws IOException, EventFormatException
    {
        if (v != JsonToken.VALUE_NUMBER_INT)
        {
            throw new EventFormatException("field \"" + name + "\": expected an integer, got " + describe(v));
        }
        if (p.getNumberType() == JsonParser.NumberType.BIG_INTEGER)
        {
            throw new EventFormatException("field \"" + name + "\": out of range");
        }
        final long value = p.getLongValue();
        if (value < min || value > max)
        {
            throw new EventFormatException("field \"" + name + "\": " + value + " out of range " + min + ".." + max);
        }
        return value;
    }

    private static String describe(final JsonToken v)
    {
        switch (v)
        {
            case VALUE_STRING:
                return "a string";
            case VALUE_NUMBER_INT:
            case VALUE_NUMBER_FLOAT:
                return "a number";
            case VALUE_TRUE:
            case VALUE_FALSE:
                return "a boolean";
            case START_OBJECT:
                return "an object";
            case START_ARRAY:
                return "an array";
            case VALUE_NULL:
                return "null";
            default:
                return v.toString();
        }
    }
}
