package dev.tapio.tools.replay;

import dev.tapio.codecs.EventFrames;
import dev.tapio.codecs.sbe.GroupDecoder;
import dev.tapio.codecs.sbe.MessageHeaderDecoder;
import dev.tapio.engine.correlate.Pattern;
import dev.tapio.engine.correlate.RuleSet;
import org.agrona.DirectBuffer;

import java.util.function.IntFunction;

/**
 * Pattern names by id for the events replay prints ({@code "pattern":"crash-loop"}). The journal keeps
 * the id in each event and the name only in group records, so names come from the built-in rules and
 * from every group record the scan passes (a user pattern's events print its numeric id until a group
 * record of that pattern has been read: events come before their group in the journal).
 * Not thread-safe: the scanning thread.
 */
public final class PatternNames implements IntFunction<String>
{
    private final String[] names = new String[65_536];
    private final MessageHeaderDecoder header = new MessageHeaderDecoder();
    private final GroupDecoder group = new GroupDecoder();

    public PatternNames(final RuleSet rules)
    {
        for (final Pattern p : rules.patterns())
        {
            names[p.id()] = p.name();
        }
    }

    @Override
    public String apply(final int id)
    {
        return id >= 0 && id < names.length ? names[id] : null;
    }

    /** Learns the name of the group record at {@code offset} (validated bytes, header first). */
    public void learn(final DirectBuffer buffer, final int offset)
    {
        header.wrap(buffer, offset);
        group.wrap(buffer, offset + EventFrames.HEADER_LENGTH, header.blockLength(), header.version());
        final int id = group.patternId();
        for (final GroupDecoder.MembersDecoder ignored : group.members())
        {
            // skip to the actions
        }
        for (final GroupDecoder.ActionsDecoder a : group.actions())
        {
            a.skipText();
        }
        final int n = group.patternNameLength();
        if (n == 0)
        {
            return;
        }
        final String known = names[id];
        if (known == null || known.length() != n || !sameName(known, buffer, n))
        {
            names[id] = group.patternName();
        }
    }

    private boolean sameName(final String known, final DirectBuffer buffer, final int n)
    {
        // the decoder sits at the length prefix of patternName; the bytes follow it
        final int at = group.limit() + 2;
        for (int i = 0; i < n; i++)
        {
            if (buffer.getByte(at + i) != (byte)known.charAt(i))
            {
                return false;
            }
        }
        return true;
    }
}
