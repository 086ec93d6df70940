package dev.tapio.tools.replay;

import dev.tapio.codecs.EventFrames;
import dev.tapio.codecs.EventTypes;
import dev.tapio.codecs.Hex;
import dev.tapio.codecs.Rfc3339;
import dev.tapio.codecs.sbe.EventDecoder;
import dev.tapio.codecs.sbe.EventType;
import dev.tapio.codecs.sbe.GroupDecoder;
import dev.tapio.codecs.sbe.MessageHeaderDecoder;
import dev.tapio.codecs.sbe.Severity;
import dev.tapio.engine.correlate.EventFields;
import org.agrona.DirectBuffer;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.function.IntFunction;

/**
 * {@code --format table}: one row per event under a header, for a terminal; a group is one summary row.
 *
 * <pre>
 * TIME                      TYPE                        NODE          NAMESPACE/POD[/CONTAINER]           SEVERITY  CORRELATION/PATTERN          MESSAGE
 * 2026-11-23T10:01:05.000Z  k8s.pod.restarted           worker-1      shop/cart-7f9c/app                  warning   5d1c0e7a2b9f4410/crash-loop  container app restarted
 * 2026-11-23T10:03:05.000Z  group                       crash-loop complete  key=container=shop/cart-7f9c/app  members=4  id=5d1c0e7a2b9f4410  root cause: container app …
 * </pre>
 *
 * Times are UTC to the millisecond; a value wider than its column pushes the rest of the row right
 * rather than being cut, except the message (cut at {@value #MESSAGE_WIDTH} characters with …).
 * Control characters in journal strings print as {@code ?}, so a record cannot drive the terminal.
 * Allocates per row (strings); for people, not pipelines (use json there).
 */
public final class TableRecordPrinter implements RecordPrinter
{
    static final int MESSAGE_WIDTH = 80;
    private static final int[] WIDTHS = { 24, 26, 12, 34, 8, 28 };
    private static final String[] HEADERS = {
        "TIME", "TYPE", "NODE", "NAMESPACE/POD[/CONTAINER]", "SEVERITY", "CORRELATION/PATTERN", "MESSAGE" };
    private static final int CORRELATION = EventFrames.HEADER_LENGTH + EventDecoder.correlationIdEncodingOffset();
    private static final int PATTERN = EventFrames.HEADER_LENGTH + EventDecoder.patternIdEncodingOffset();

    private final OutputStream out;
    private final IntFunction<String> patternNames;
    private final EventFields fields = new EventFields();
    private final MessageHeaderDecoder header = new MessageHeaderDecoder();
    private final GroupDecoder group = new GroupDecoder();
    private final StringBuilder row = new StringBuilder(256);
    private final char[] time = new char[Rfc3339.FORMATTED_LENGTH];
    private byte[] scratch = new byte[256];
    private boolean headerWritten;

    public TableRecordPrinter(final OutputStream out, final IntFunction<String> patternNames)
    {
        this.out = out;
        this.patternNames = patternNames;
    }

    @Override
    public void event(final DirectBuffer buffer, final int offset, final int length) throws IOException
    {
        fields.wrap(buffer, offset, length);
        row.setLength(0);
        cell(0, millis(fields.timestamp()));
        cell(1, typeName());
        cell(2, var(EventFields.NODE));
        final String ns = var(EventFields.NAMESPACE);
        final String pod = var(EventFields.POD);
        final String container = var(EventFields.CONTAINER);
        final StringBuilder where = new StringBuilder();
        if (!ns.isEmpty() || !pod.isEmpty())
        {
            where.append(ns).append('/').append(pod);
            if (!container.isEmpty())
            {
                where.append('/').append(container);
            }
        }
        cell(3, where.length() == 0 ? "-" : where.toString());
        final int severity = fields.severityRaw();
        final Severity s = Severity.get((short)severity);
        cell(4, s == Severity.NULL_VAL ? Integer.toString(severity) : EventTypes.name(s));
        final long correlation = buffer.getLong(offset + CORRELATION, ByteOrder.LITTLE_ENDIAN);
        if (correlation == 0)
        {
            cell(5, "-");
        }
        else
        {
            final int patternId = buffer.getShort(offset + PATTERN, ByteOrder.LITTLE_ENDIAN) & 0xFFFF;
            final String name = patternNames.apply(patternId);
            cell(5, Hex.toHex(correlation) + "/" + (name != null ? name : Integer.toString(patternId)));
        }
        final String message = var(EventFields.MESSAGE);
        row.append(message.length() > MESSAGE_WIDTH ? message.substring(0, MESSAGE_WIDTH - 1) + "…" : message);
        write();
    }

    @Override
    public void group(final DirectBuffer buffer, final int offset, final int length) throws IOException
    {
        header.wrap(buffer, offset);
        group.wrap(buffer, offset + EventFrames.HEADER_LENGTH, header.blockLength(), header.version());
        final long id = group.groupId();
        final long end = group.end();
        final int memberCount = group.memberCount();
        final short status = group.statusRaw();
        for (final GroupDecoder.MembersDecoder ignored : group.members())
        {
            // skip to the actions
        }
        for (final GroupDecoder.ActionsDecoder a : group.actions())
        {
            a.skipText();
        }
        final String pattern = clean(group.patternName());
        group.skipOutcome();
        final String key = clean(group.groupKey());
        final String summary = clean(group.rootCauseSummary());
        row.setLength(0);
        cell(0, millis(end));
        cell(1, "group");
        row.append(pattern.isEmpty() ? "-" : pattern).append(' ').append(status(status))
            .append("  key=").append(key.isEmpty() ? "-" : key)
            .append("  members=").append(memberCount)
            .append("  id=").append(Hex.toHex(id));
        if (!summary.isEmpty())
        {
            row.append("  root cause: ").append(summary);
        }
        write();
    }

    @Override
    public void flush() throws IOException
    {
        out.flush();
    }

    private static String status(final short raw)
    {
        switch (raw)
        {
            case 0:
                return "open";
            case 1:
                return "complete";
            case 2:
                return "expired";
            default:
                return "unknown";
        }
    }

    private void write() throws IOException
    {
        if (!headerWritten)
        {
            headerWritten = true;
            final StringBuilder h = new StringBuilder();
            for (int i = 0; i < HEADERS.length; i++)
            {
                h.append(HEADERS[i]);
                if (i < WIDTHS.length)
                {
                    pad(h, HEADERS[i].length(), WIDTHS[i]);
                }
            }
            out.write(h.append('\n').toString().getBytes(StandardCharsets.UTF_8));
        }
        while (row.length() > 0 && row.charAt(row.length() - 1) == ' ')
        {
            row.setLength(row.length() - 1);
        }
        row.append('\n');
        out.write(row.toString().getBytes(StandardCharsets.UTF_8));
    }

    private void cell(final int column, final String value)
    {
        row.append(value);
        pad(row, value.length(), WIDTHS[column]);
    }

    private static void pad(final StringBuilder b, final int length, final int width)
    {
        for (int i = length; i < width; i++)
        {
            b.append(' ');
        }
        b.append("  ");
    }

    private String millis(final long epochNanos)
    {
        Rfc3339.format(epochNanos, time, 0);
        // yyyy-MM-ddTHH:mm:ss.SSS + Z
        return new String(time, 0, 23) + 'Z';
    }

    private String typeName()
    {
        final int raw = fields.typeRaw();
        final EventType t = EventFrames.typeOf(raw);
        if (t != EventType.OTHER)
        {
            return EventTypes.name(t);
        }
        final String name = var(EventFields.TYPE_NAME);
        return name.isEmpty() ? "unknown." + raw : name;
    }

    private String var(final int field)
    {
        final int n = fields.varLength(field);
        if (n == 0)
        {
            return "";
        }
        if (scratch.length < n)
        {
            scratch = new byte[Math.max(n, 2 * scratch.length)];
        }
        fields.buffer().getBytes(fields.varOffset(field), scratch, 0, n);
        return clean(new String(scratch, 0, n, StandardCharsets.UTF_8));
    }

    /** Control characters (newlines included) become '?': one record, one row, nothing for the terminal to obey. */
    static String clean(final String s)
    {
        for (int i = 0; i < s.length(); i++)
        {
            final char c = s.charAt(i);
            if (c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0))
            {
                final char[] a = s.toCharArray();
                for (int j = i; j < a.length; j++)
                {
                    final char d = a[j];
                    if (d < 0x20 || d == 0x7f || (d >= 0x80 && d < 0xa0))
                    {
                        a[j] = '?';
                    }
                }
                return new String(a);
            }
        }
        return s;
    }
}
