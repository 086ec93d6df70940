package dev.tapio.tools.replay;

import dev.tapio.codecs.EventFrames;
import dev.tapio.codecs.EventTypes;
import dev.tapio.codecs.sbe.EventDecoder;
import dev.tapio.codecs.sbe.EventType;
import dev.tapio.engine.correlate.EventFields;
import org.agrona.DirectBuffer;

import java.nio.ByteOrder;

/**
 * Replay's event filter: every filter given must match (AND); none given matches every event.
 *
 * <ul>
 *   <li>type: a {@link Glob} over the dotted type name ({@code k8s.pod.*}); for an event of a type the
 *       schema does not know, over its {@code typeName} (or {@code unknown.<n>}, as the JSON writer names it);</li>
 *   <li>namespace, pod, node: a {@link Glob} (exact when it has no wildcard) over the event's field;</li>
 *   <li>correlation: the event's correlation id (what JSON prints as {@code correlation.id}).</li>
 * </ul>
 *
 * Works on validated SBE bytes in place ({@link EventFields}); an exact string filter compares bytes,
 * a wildcard decodes the one field it looks at. Not thread-safe: one per scanning thread.
 */
public final class EventFilter
{
    private static final int CORRELATION = EventFrames.HEADER_LENGTH + EventDecoder.correlationIdEncodingOffset();

    private final Glob type;
    private final Glob namespace;
    private final Glob pod;
    private final Glob node;
    private final long correlation;
    private final boolean[] knownTypeMatches;
    private final boolean[] knownType;
    private final EventFields fields = new EventFields();
    private byte[] scratch = new byte[256];

    /**
     * @param correlation 0 for no correlation filter.
     */
    public EventFilter(final Glob type, final Glob namespace, final Glob pod, final Glob node, final long correlation)
    {
        this.type = type;
        this.namespace = namespace;
        this.pod = pod;
        this.node = node;
        this.correlation = correlation;
        int max = 0;
        for (final EventType t : EventTypes.knownTypeValues())
        {
            max = Math.max(max, t.value());
        }
        knownTypeMatches = new boolean[max + 1];
        knownType = new boolean[max + 1];
        for (final EventType t : EventTypes.knownTypeValues())
        {
            knownType[t.value()] = true;
            knownTypeMatches[t.value()] = type == null || type.matches(EventTypes.name(t));
        }
    }

    /** True when no filter is given: every event matches. */
    public boolean isEmpty()
    {
        return type == null && namespace == null && pod == null && node == null && correlation == 0;
    }

    /** The correlation id filtered on, or 0. */
    public long correlation()
    {
        return correlation;
    }

    /** True when a type, namespace, pod or node filter is given. */
    public boolean hasFieldFilters()
    {
        return type != null || namespace != null || pod != null || node != null;
    }

    /** Whether the event at {@code offset} (header first; it must have passed {@link EventFrames#validate}) matches. */
    public boolean matches(final DirectBuffer buffer, final int offset, final int length)
    {
        if (correlation != 0 && buffer.getLong(offset + CORRELATION, ByteOrder.LITTLE_ENDIAN) != correlation)
        {
            return false;
        }
        fields.wrap(buffer, offset, length);
        if (type != null && !typeMatches())
        {
            return false;
        }
        return field(namespace, EventFields.NAMESPACE) && field(pod, EventFields.POD) && field(node, EventFields.NODE);
    }

    private boolean typeMatches()
    {
        final int raw = fields.typeRaw();
        if (raw < knownType.length && knownType[raw])
        {
            return knownTypeMatches[raw];
        }
        final int n = fields.varLength(EventFields.TYPE_NAME);
        if (n == 0)
        {
            return type.matches("unknown." + raw);
        }
        copy(EventFields.TYPE_NAME, n);
        return type.matches(scratch, 0, n);
    }

    private boolean field(final Glob glob, final int field)
    {
        if (glob == null)
        {
            return true;
        }
        final int n = fields.varLength(field);
        copy(field, n);
        return glob.matches(scratch, 0, n);
    }

    private void copy(final int field, final int n)
    {
        if (scratch.length < n)
        {
            scratch = new byte[Math.max(n, 2 * scratch.length)];
        }
        fields.buffer().getBytes(fields.varOffset(field), scratch, 0, n);
    }

    @Override
    public String toString()
    {
        final StringBuilder b = new StringBuilder();
        append(b, "type", type);
        append(b, "namespace", namespace);
        append(b, "pod", pod);
        append(b, "node", node);
        if (correlation != 0)
        {
            b.append(b.length() == 0 ? "" : " ").append("correlation=").append(dev.tapio.codecs.Hex.toHex(correlation));
        }
        return b.length() == 0 ? "(none)" : b.toString();
    }

    private static void append(final StringBuilder b, final String name, final Glob g)
    {
        if (g != null)
        {
            b.append(b.length() == 0 ? "" : " ").append(name).append('=').append(g);
        }
    }
}
