package dev.tapio.exporters.grpc;

import dev.tapio.codecs.EventFrames;
import dev.tapio.codecs.EventTypes;
import dev.tapio.codecs.sbe.EventDecoder;
import dev.tapio.codecs.sbe.EventType;
import dev.tapio.codecs.sbe.GroupDecoder;
import dev.tapio.codecs.sbe.MessageHeaderDecoder;
import dev.tapio.codecs.sbe.Severity;
import dev.tapio.codecs.api.SubscribeRequest;
import org.agrona.DirectBuffer;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.ToIntFunction;

/**
 * A subscriber's filter, compiled once from its {@link SubscribeRequest} and applied to encoded records
 * (SBE bytes, header first): type globs (precomputed for every known type; matched on the name's bytes
 * for other types), namespaces (exact, on the bytes), patterns (ids for events, names for groups) and a
 * minimum severity. Matching allocates nothing. Not thread-safe: it holds its decoders, so the fan-out
 * thread and a replaying thread each use their own ({@link #copy()}).
 */
final class RecordFilter
{
    private final boolean events;
    private final boolean groups;
    private final List<String> globs;
    private final boolean[] knownTypeMatches;
    private final byte[][] otherGlobs;
    private final byte[][] namespaces;
    private final int[] patternIds;
    private final byte[][] patternNames;
    private final int minSeverity;

    private final MessageHeaderDecoder header = new MessageHeaderDecoder();
    private final EventDecoder event = new EventDecoder();
    private final GroupDecoder group = new GroupDecoder();
    private byte[] scratch = new byte[128];

    private RecordFilter(final boolean events, final boolean groups, final List<String> globs,
        final byte[][] namespaces, final int[] patternIds, final byte[][] patternNames, final int minSeverity)
    {
        this.events = events;
        this.groups = groups;
        this.globs = globs;
        this.namespaces = namespaces;
        this.patternIds = patternIds;
        this.patternNames = patternNames;
        this.minSeverity = minSeverity;
        this.otherGlobs = new byte[globs.size()][];
        for (int i = 0; i < globs.size(); i++)
        {
            otherGlobs[i] = globs.get(i).getBytes(StandardCharsets.UTF_8);
        }
        final EventType[] all = EventType.values();
        knownTypeMatches = new boolean[all.length];
        for (final EventType t : all)
        {
            final byte[] name = EventTypes.nameUtf8(t);
            if (name != null)
            {
                knownTypeMatches[t.ordinal()] = matchesAny(otherGlobs, name, name.length);
            }
        }
    }

    /**
     * Compiles a request's filter.
     *
     * @param patternIdOf the id of a pattern name, or -1 when unknown; null when no rules are loaded
     *                    (then patterns match groups by name and events not at all).
     * @throws IllegalArgumentException naming the request field at fault.
     */
    static RecordFilter compile(final SubscribeRequest r, final ToIntFunction<String> patternIdOf)
    {
        final List<String> globs = new ArrayList<>();
        for (final String g : r.getTypesList())
        {
            if (g.isEmpty())
            {
                throw new IllegalArgumentException("types: an empty glob");
            }
            globs.add(g);
        }
        final byte[][] ns = new byte[r.getNamespacesCount()][];
        for (int i = 0; i < ns.length; i++)
        {
            ns[i] = r.getNamespaces(i).getBytes(StandardCharsets.UTF_8);
        }
        final int[] ids = new int[r.getPatternsCount()];
        final byte[][] names = new byte[r.getPatternsCount()][];
        for (int i = 0; i < ids.length; i++)
        {
            final String p = r.getPatterns(i);
            names[i] = p.getBytes(StandardCharsets.UTF_8);
            ids[i] = patternIdOf == null ? -1 : patternIdOf.applyAsInt(p);
            if (patternIdOf != null && ids[i] < 0)
            {
                throw new IllegalArgumentException("patterns: unknown pattern '" + p + "'");
            }
        }
        int min = -1;
        if (!r.getMinSeverity().isEmpty())
        {
            final Severity s = EventTypes.severityOf(r.getMinSeverity());
            if (s == null)
            {
                throw new IllegalArgumentException("min_severity: expected one of " + EventTypes.severityNames());
            }
            min = s.value();
        }
        final SubscribeRequest.Include include = r.getInclude();
        if (include == SubscribeRequest.Include.UNRECOGNIZED)
        {
            throw new IllegalArgumentException("include: unknown value");
        }
        return new RecordFilter(include != SubscribeRequest.Include.GROUPS, include != SubscribeRequest.Include.EVENTS,
            globs, ns, ids, names, min);
    }

    /** The same filter with its own decoders, for another thread. */
    RecordFilter copy()
    {
        return new RecordFilter(events, groups, globs, namespaces, patternIds, patternNames, minSeverity);
    }

    /** Whether an encoded Event (header first) passes. */
    boolean matchesEvent(final DirectBuffer buffer, final int offset)
    {
        if (!events)
        {
            return false;
        }
        header.wrap(buffer, offset);
        final EventDecoder d = event.wrap(buffer, offset + EventFrames.HEADER_LENGTH, header.blockLength(), header.version());
        if (minSeverity >= 0)
        {
            final short s = d.severityRaw();
            if (s == Severity.NULL_VAL.value() || s < minSeverity)
            {
                return false;
            }
        }
        if (patternIds.length > 0)
        {
            if (d.correlationId() == 0 || !contains(patternIds, d.patternId()))
            {
                return false;
            }
        }
        final boolean otherType;
        if (otherGlobs.length > 0)
        {
            final EventType t = EventFrames.typeOf(d.eventTypeRaw());
            otherType = t == EventType.OTHER;
            if (!otherType && !knownTypeMatches[t.ordinal()])
            {
                return false;
            }
        }
        else
        {
            otherType = false;
        }
        if (namespaces.length == 0 && !otherType)
        {
            return true;
        }
        final EventDecoder.AttributesDecoder a = d.attributes();
        while (a.hasNext())
        {
            a.next();
            a.skipKey();
            a.skipValue();
        }
        final EventDecoder.RelatedDecoder rel = d.related();
        while (rel.hasNext())
        {
            rel.next();
        }
        d.skipNodeName();
        if (namespaces.length > 0)
        {
            final int n = d.namespaceNameLength();
            ensure(n);
            d.getNamespaceName(scratch, 0, n);
            if (!matchesExactly(namespaces, scratch, n))
            {
                return false;
            }
        }
        else
        {
            d.skipNamespaceName();
        }
        if (!otherType)
        {
            return true;
        }
        d.skipPod();
        d.skipPodUid();
        d.skipContainerName();
        d.skipContainerId();
        d.skipUnit();
        d.skipComm();
        d.skipMessage();
        final int n = d.typeNameLength();
        ensure(n);
        d.getTypeName(scratch, 0, n);
        return matchesAny(otherGlobs, scratch, n);
    }

    /** Whether an encoded Group (header first) passes: only patterns apply to groups. */
    boolean matchesGroup(final DirectBuffer buffer, final int offset)
    {
        if (!groups)
        {
            return false;
        }
        if (patternNames.length == 0)
        {
            return true;
        }
        header.wrap(buffer, offset);
        final GroupDecoder g = group.wrap(buffer, offset + MessageHeaderDecoder.ENCODED_LENGTH, header.blockLength(), header.version());
        if (contains(patternIds, g.patternId()))
        {
            return true;
        }
        final GroupDecoder.MembersDecoder m = g.members();
        while (m.hasNext())
        {
            m.next();
        }
        final GroupDecoder.ActionsDecoder a = g.actions();
        while (a.hasNext())
        {
            a.next();
            a.skipText();
        }
        final int n = g.patternNameLength();
        ensure(n);
        g.getPatternName(scratch, 0, n);
        return matchesExactly(patternNames, scratch, n);
    }

    private void ensure(final int n)
    {
        if (scratch.length < n)
        {
            scratch = new byte[Math.max(n, scratch.length * 2)];
        }
    }

    private static boolean contains(final int[] values, final int v)
    {
        for (final int x : values)
        {
            if (x == v)
            {
                return true;
            }
        }
        return false;
    }

    private static boolean matchesExactly(final byte[][] candidates, final byte[] s, final int n)
    {
        for (final byte[] c : candidates)
        {
            if (c.length == n && java.util.Arrays.equals(c, 0, n, s, 0, n))
            {
                return true;
            }
        }
        return false;
    }

    private static boolean matchesAny(final byte[][] globs, final byte[] s, final int n)
    {
        if (globs.length == 0)
        {
            return true;
        }
        for (final byte[] g : globs)
        {
            if (glob(g, s, n))
            {
                return true;
            }
        }
        return false;
    }

    /** {@code *} any run of bytes (dots included), {@code ?} one byte, anything else itself; iterative, no allocation. */
    static boolean glob(final byte[] g, final byte[] s, final int n)
    {
        int gi = 0;
        int si = 0;
        int star = -1;
        int mark = 0;
        while (si < n)
        {
            if (gi < g.length && (g[gi] == '?' || g[gi] == s[si]))
            {
                gi++;
                si++;
            }
            else if (gi < g.length && g[gi] == '*')
            {
                star = gi++;
                mark = si;
            }
            else if (star >= 0)
            {
                gi = star + 1;
                si = ++mark;
            }
            else
            {
                return false;
            }
        }
        while (gi < g.length && g[gi] == '*')
        {
            gi++;
        }
        return gi == g.length;
    }
}
