package dev.tapio.codecs.json;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.tapio.codecs.EventFrames;
import dev.tapio.codecs.EventTypes;
import dev.tapio.codecs.Hex;
import dev.tapio.codecs.Rfc3339;
import dev.tapio.codecs.sbe.BooleanType;
import dev.tapio.codecs.sbe.EventDecoder;
import dev.tapio.codecs.sbe.EventType;
import dev.tapio.codecs.sbe.MessageHeaderDecoder;
import org.agrona.DirectBuffer;

import java.io.IOException;

/**
 * Writes an encoded {@code Event} as one JSON object (the external form in docs/EVENT-FORMAT.md),
 * through a caller's Jackson {@link JsonGenerator}. Strings go out as raw UTF-8 with escaping, ids
 * and times from reusable char buffers: no per-event objects with a byte-based generator (over an
 * OutputStream); a character-based one (over a Writer) works too, decoding each string to a String.
 * Not thread-safe: one per writing thread.
 */
public final class JsonEventWriter
{
    private final MessageHeaderDecoder header = new MessageHeaderDecoder();
    private final EventDecoder decoder = new EventDecoder();
    private final char[] chars = new char[64];
    private byte[] bytes = new byte[512];
    private int[] attrOffsets = new int[32];
    private final long[] related = new long[dev.tapio.codecs.EventFrames.MAX_RELATED];
    private java.util.function.IntFunction<String> patternNames = id -> null;

    /**
     * Names correlation patterns by id in the output ({@code "pattern": "crash-loop"}); without it, or
     * for an id it returns null for, the numeric id is written. The function must not allocate per call.
     */
    public JsonEventWriter patternNames(final java.util.function.IntFunction<String> names)
    {
        this.patternNames = names;
        return this;
    }

    /** Writes the event at {@code offset} (header first) as a JSON object. */
    public void write(final DirectBuffer buffer, final int offset, final JsonGenerator g) throws IOException
    {
        header.wrap(buffer, offset);
        decoder.wrap(buffer, offset + EventFrames.HEADER_LENGTH, header.blockLength(), header.version());
        write(decoder, g);
    }

    /** Writes the event the decoder is wrapped around (at the start of its block). */
    public void write(final EventDecoder d, final JsonGenerator g) throws IOException
    {
        g.writeStartObject();
        g.writeFieldName("id");
        g.writeString(chars, 0, Hex.put(d.eventId(), chars, 0));
        g.writeFieldName("time");
        g.writeString(chars, 0, Rfc3339.format(d.timestamp(), chars, 0));
        g.writeFieldName("ingestTime");
        g.writeString(chars, 0, Rfc3339.format(d.ingestTimestamp(), chars, 0));
        final EventType type = EventFrames.typeOf(d.eventTypeRaw());
        final boolean other = type == EventType.OTHER || type == EventType.NULL_VAL;
        if (!other)
        {
            final byte[] name = EventTypes.nameUtf8(type);
            g.writeFieldName("type");
            utf8(g, name, 0, name.length);
        }
        g.writeStringField("source", EventTypes.name(d.source()));
        g.writeStringField("severity", EventTypes.name(d.severity()));

        final int pid = d.pid();
        if (pid != EventDecoder.pidNullValue())
        {
            g.writeNumberField("pid", pid);
        }
        final int ppid = d.ppid();
        if (ppid != EventDecoder.ppidNullValue())
        {
            g.writeNumberField("ppid", ppid);
        }
        final long uid = d.uid();
        if (uid != EventDecoder.uidNullValue())
        {
            g.writeNumberField("uid", uid);
        }
        final long cgroupId = d.cgroupId();
        if (cgroupId != 0)
        {
            g.writeNumberField("cgroupId", cgroupId);
        }
        final int exitCode = d.exitCode();
        if (exitCode != EventDecoder.exitCodeNullValue())
        {
            g.writeNumberField("exitCode", exitCode);
        }
        final long traceHi = d.traceId().hi();
        final long traceLo = d.traceId().lo();
        if ((traceHi | traceLo) != 0)
        {
            Hex.put(traceHi, chars, 0);
            Hex.put(traceLo, chars, 16);
            g.writeFieldName("traceId");
            g.writeString(chars, 0, 32);
        }
        hexField(g, "spanId", d.spanId());
        hexField(g, "parentSpanId", d.parentSpanId());
        // Attributes precede the strings in SBE order; keep them to write last.
        int attrBytes = 0;
        int attrCount = 0;
        for (final EventDecoder.AttributesDecoder a : d.attributes())
        {
            final int kl = a.keyLength();
            ensure(attrBytes + kl);
            a.getKey(bytes, attrBytes, kl);
            final int vl = a.valueLength();
            ensure(attrBytes + kl + vl);
            a.getValue(bytes, attrBytes + kl, vl);
            ensureOffsets(attrCount + 1);
            attrOffsets[2 * attrCount] = kl;
            attrOffsets[2 * attrCount + 1] = vl;
            attrBytes += kl + vl;
            attrCount++;
        }
        int relatedCount = 0;
        for (final EventDecoder.RelatedDecoder r : d.related())
        {
            if (relatedCount < related.length)
            {
                related[relatedCount++] = r.eventId();
            }
        }
        final long correlationId = d.correlationId();
        if (correlationId != 0)
        {
            g.writeObjectFieldStart("correlation");
            g.writeFieldName("id");
            g.writeString(chars, 0, Hex.put(correlationId, chars, 0));
            final int patternId = d.patternId();
            final String patternName = patternNames.apply(patternId);
            if (patternName != null)
            {
                g.writeStringField("pattern", patternName);
            }
            else
            {
                g.writeNumberField("pattern", patternId);
            }
            if (relatedCount > 0)
            {
                g.writeArrayFieldStart("related");
                for (int i = 0; i < relatedCount; i++)
                {
                    g.writeString(chars, 0, Hex.put(related[i], chars, 0));
                }
                g.writeEndArray();
            }
            g.writeEndObject();
        }
        final float business = d.impact().business();
        final boolean customerFacing = d.impact().customerFacing() == BooleanType.T;
        final boolean sloImpact = d.impact().sloImpact() == BooleanType.T;
        if (correlationId != 0 || business != 0f || customerFacing || sloImpact)
        {
            g.writeObjectFieldStart("impact");
            g.writeNumberField("business", business);
            g.writeBooleanField("customerFacing", customerFacing);
            g.writeBooleanField("sloImpact", sloImpact);
            g.writeEndObject();
        }
        int p = attrBytes;
        int n = d.nodeNameLength();
        ensure(p + n);
        p = string(g, "node", p, d.getNodeName(bytes, p, n));
        n = d.namespaceNameLength();
        ensure(p + n);
        p = string(g, "namespace", p, d.getNamespaceName(bytes, p, n));
        n = d.podLength();
        ensure(p + n);
        p = string(g, "pod", p, d.getPod(bytes, p, n));
        n = d.podUidLength();
        ensure(p + n);
        p = string(g, "podUid", p, d.getPodUid(bytes, p, n));
        n = d.containerNameLength();
        ensure(p + n);
        p = string(g, "container", p, d.getContainerName(bytes, p, n));
        n = d.containerIdLength();
        ensure(p + n);
        p = string(g, "containerId", p, d.getContainerId(bytes, p, n));
        n = d.unitLength();
        ensure(p + n);
        p = string(g, "unit", p, d.getUnit(bytes, p, n));
        n = d.commLength();
        ensure(p + n);
        p = string(g, "comm", p, d.getComm(bytes, p, n));
        n = d.messageLength();
        ensure(p + n);
        p = string(g, "message", p, d.getMessage(bytes, p, n));
        n = d.typeNameLength();
        ensure(p + n);
        final int typeNameLength = d.getTypeName(bytes, p, n);
        if (other)
        {
            g.writeFieldName("type");
            if (typeNameLength > 0)
            {
                utf8(g, bytes, p, typeNameLength);
            }
            else
            {
                g.writeString("unknown." + d.eventTypeRaw());
            }
        }
        if (attrCount > 0)
        {
            g.writeObjectFieldStart("attributes");
            int a = 0;
            for (int i = 0; i < attrCount; i++)
            {
                final int kl = attrOffsets[2 * i];
                final int vl = attrOffsets[2 * i + 1];
                g.writeFieldName(new String(bytes, a, kl, java.nio.charset.StandardCharsets.UTF_8));
                utf8(g, bytes, a + kl, vl);
                a += kl + vl;
            }
            g.writeEndObject();
        }
        g.writeEndObject();
    }

    private int string(final JsonGenerator g, final String name, final int offset, final int length) throws IOException
    {
        if (length > 0)
        {
            g.writeFieldName(name);
            utf8(g, bytes, offset, length);
        }
        return offset + length;
    }

    /**
     * Writes UTF-8 bytes as a string value: raw through a byte-based generator; a character-based one
     * (over a {@link java.io.Writer}) does not support {@link JsonGenerator#writeUTF8String}, so the
     * bytes are decoded for it. Shared with {@link JsonGroupWriter}.
     */
    static void utf8(final JsonGenerator g, final byte[] src, final int offset, final int length)
        throws IOException
    {
        if (g.getOutputTarget() instanceof java.io.Writer)
        {
            g.writeString(new String(src, offset, length, java.nio.charset.StandardCharsets.UTF_8));
        }
        else
        {
            g.writeUTF8String(src, offset, length);
        }
    }

    private void hexField(final JsonGenerator g, final String name, final long value) throws IOException
    {
        if (value != 0)
        {
            g.writeFieldName(name);
            g.writeString(chars, 0, Hex.put(value, chars, 0));
        }
    }

    private void ensure(final int capacity)
    {
        if (capacity > bytes.length)
        {
            bytes = java.util.Arrays.copyOf(bytes, Math.max(capacity, bytes.length * 2));
        }
    }

    private void ensureOffsets(final int count)
    {
        if (2 * count > attrOffsets.length)
        {
            attrOffsets = java.util.Arrays.copyOf(attrOffsets, attrOffsets.length * 2);
        }
    }
}
