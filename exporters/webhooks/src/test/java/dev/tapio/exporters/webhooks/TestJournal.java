package dev.tapio.exporters.webhooks;

import dev.tapio.codecs.EventDraft;
import dev.tapio.codecs.sbe.EventType;
import dev.tapio.codecs.sbe.GroupEncoder;
import dev.tapio.codecs.sbe.GroupStatus;
import dev.tapio.codecs.sbe.MessageHeaderEncoder;
import dev.tapio.codecs.sbe.Severity;
import dev.tapio.codecs.sbe.Source;
import dev.tapio.engine.metrics.EngineCounters;
import dev.tapio.journal.Journal;
import dev.tapio.journal.JournalSettings;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;

/** A journal the test appends encoded events and group records to, as the engine's journal sink would. */
final class TestJournal implements AutoCloseable
{
    /** 2026-11-23T10:00:00Z in epoch nanoseconds. */
    static final long TIME = 1_795_428_000_000_000_000L;

    final JournalSettings settings;
    private final Journal journal;
    private final UnsafeBuffer buffer = new UnsafeBuffer(ByteBuffer.allocateDirect(4096));

    TestJournal(final Path dir) throws IOException
    {
        settings = JournalSettings.builder().dir(dir).build();
        journal = Journal.open(settings, new EngineCounters());
    }

    /** Appends an event; returns its journal index. */
    long event(final long id, final EventType type, final Severity severity, final String pod)
    {
        final EventDraft d = new EventDraft();
        d.reset();
        d.hasEventId = true;
        d.eventId = id;
        d.timestamp = TIME + id * 1_000_000L;
        d.type = type;
        d.severity = severity;
        d.source = Source.KUBERNETES;
        d.text(EventDraft.NODE).set("worker-1");
        d.text(EventDraft.NAMESPACE).set("shop");
        d.text(EventDraft.POD).set(pod);
        d.text(EventDraft.MESSAGE).set("event " + id);
        final int n = d.encode(buffer, 0, buffer.capacity(), d.timestamp, id, Source.KUBERNETES);
        return append(n);
    }

    long event(final long id)
    {
        return event(id, EventType.K8S_POD_RESTARTED, Severity.WARNING, "web-" + id);
    }

    /** Appends a complete group record of pattern {@code pattern} (id 3). */
    long group(final long id, final String pattern)
    {
        final ExpandableArrayBuffer b = new ExpandableArrayBuffer(1024);
        final GroupEncoder g = new GroupEncoder().wrapAndApplyHeader(b, 0, new MessageHeaderEncoder());
        g.groupId(id).nodeId(7).patternId(3).status(GroupStatus.COMPLETE).rootSpanId(11)
            .start(TIME).end(TIME + 1_000_000_000L).rootCauseEventId(0).confidence(0.5f).memberCount(1);
        g.membersCount(1).next().eventId(1).timestamp(TIME).step((short)0);
        g.actionsCount(0);
        g.patternName(pattern).outcome("pod-crash-loop").groupKey("pod=shop/web-1").rootCauseSummary("it crashed");
        final int n = MessageHeaderEncoder.ENCODED_LENGTH + g.encodedLength();
        buffer.putBytes(0, b, 0, n);
        return append(n);
    }

    private long append(final int length)
    {
        final long index = journal.append(buffer, 0, length);
        if (index < 0)
        {
            throw new IllegalStateException("append failed: " + index);
        }
        return index;
    }

    @Override
    public void close()
    {
        journal.close();
    }
}
