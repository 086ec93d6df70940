package dev.tapio.exporters.otel;

import dev.tapio.codecs.sbe.EventDecoder;
import dev.tapio.codecs.sbe.GroupDecoder;
import dev.tapio.codecs.sbe.MessageHeaderDecoder;
import dev.tapio.engine.Engine;
import dev.tapio.engine.EngineSettings;
import dev.tapio.engine.ProducerMode;
import dev.tapio.engine.ThreadingMode;
import dev.tapio.engine.correlate.CorrelationSettings;
import dev.tapio.engine.correlate.RulesLoader;
import dev.tapio.engine.ring.BackpressurePolicy;
import dev.tapio.engine.source.FileSource;
import dev.tapio.journal.JournalReader;
import dev.tapio.journal.JournalRecords;
import dev.tapio.journal.JournalSettings;
import dev.tapio.journal.JournalSink;
import io.opentelemetry.api.trace.SpanId;
import io.opentelemetry.api.trace.TraceId;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A scenario of {@code scenarios/} journaled by the real engine (offline: event time, built-in rules, one
 * source, as {@code tapio correlate}), and what the journal then holds, decoded independently of the
 * exporter: the groups and the events by id, so tests can compare what a receiver got with it.
 */
final class JournaledScenario
{
    /** One event as journaled. */
    record Event(long id, String traceId, String spanId, long correlationId, String pod, String namespace,
        String node, String container, Integer exitCode, String comm)
    {
    }

    /** One group record as journaled. */
    record Group(long index, String pattern, String traceId, String rootSpanId, List<Long> members)
    {
    }

    final Map<Long, Event> events = new LinkedHashMap<>();
    final List<Group> groups = new ArrayList<>();
    final List<Long> indexes = new ArrayList<>();
    long lastIndex;

    private JournaledScenario()
    {
    }

    static Path scenario(final String name)
    {
        // Surefire runs in the module directory (exporters/otel).
        return Path.of("../../scenarios", name + ".jsonl");
    }

    /** Runs the engine over the scenario into the journal of {@code journal} and reads the journal back. */
    static JournaledScenario journal(final String scenario, final JournalSettings journal) throws Exception
    {
        final ByteArrayOutputStream log = new ByteArrayOutputStream();
        final Engine engine = Engine.builder()
            .threading(ThreadingMode.SHARED)
            .producers(ProducerMode.SINGLE)
            .idOrigin(EngineSettings.FIXED_ID_ORIGIN)
            .nodeName("node-7")
            .rules(RulesLoader.builtin())
            .correlation(CorrelationSettings.builder().clock(CorrelationSettings.Clock.EVENT).build())
            .errorStream(new PrintStream(log, true))
            .source(new FileSource("input", scenario(scenario).toString(), 1 << 20), BackpressurePolicy.BLOCK)
            .sink(new JournalSink("journal", journal, new PrintStream(log, true)))
            .build()
            .start();
        while (!engine.awaitSources(Duration.ofSeconds(1)))
        {
            // a small file: done in milliseconds
        }
        if (!engine.stop() || engine.counters().totalDropped() != 0)
        {
            throw new AssertionError("journaling engine: " + engine.counters().snapshot() + " " + log);
        }
        return read(journal);
    }

    static JournaledScenario read(final JournalSettings journal) throws Exception
    {
        final JournaledScenario s = new JournaledScenario();
        final MessageHeaderDecoder header = new MessageHeaderDecoder();
        final EventDecoder e = new EventDecoder();
        final GroupDecoder g = new GroupDecoder();
        try (JournalReader reader = JournalReader.open(journal))
        {
            reader.seek(Long.MIN_VALUE, Long.MAX_VALUE);
            while (reader.read((index, template, buffer, offset, length) ->
            {
                s.lastIndex = index;
                s.indexes.add(index);
                header.wrap(buffer, offset);
                if (template == JournalRecords.EVENT)
                {
                    e.wrap(buffer, offset + MessageHeaderDecoder.ENCODED_LENGTH, header.blockLength(), header.version());
                    final long id = e.eventId();
                    final String trace = TraceId.fromLongs(e.traceId().hi(), e.traceId().lo());
                    final String span = SpanId.fromLong(e.spanId());
                    final long correlation = e.correlationId();
                    final Integer exit = e.exitCode() == EventDecoder.exitCodeNullValue() ? null : e.exitCode();
                    e.attributes().forEach(a ->
                    {
                        a.key();
                        a.value();
                    });
                    e.related().forEach(r -> r.eventId());
                    final String node = e.nodeName();
                    final String namespace = e.namespaceName();
                    final String pod = e.pod();
                    e.podUid();
                    final String container = e.containerName();
                    e.containerId();
                    e.unit();
                    final String comm = e.comm();
                    s.events.put(id, new Event(id, trace, span, correlation, pod, namespace, node, container, exit, comm));
                }
                else if (template == JournalRecords.GROUP)
                {
                    g.wrap(buffer, offset + MessageHeaderDecoder.ENCODED_LENGTH, header.blockLength(), header.version());
                    final String trace = TraceId.fromLongs(g.traceId().hi(), g.traceId().lo());
                    final String root = SpanId.fromLong(g.rootSpanId());
                    final List<Long> members = new ArrayList<>();
                    g.members().forEach(m -> members.add(m.eventId()));
                    g.actions().forEach(a -> a.text());
                    s.groups.add(new Group(index, g.patternName(), trace, root, members));
                }
            }, 1024) > 0 || !reader.done())
            {
                // read everything
            }
        }
        return s;
    }

    /** Spans the exporter should send: one per listed member and one root per group. */
    int groupSpans()
    {
        return groupSpansAfter(-1);
    }

    /** Spans of the groups journaled after {@code index}. */
    int groupSpansAfter(final long index)
    {
        return groups.stream().filter(g -> g.index() > index).mapToInt(g -> g.members().size() + 1).sum();
    }

    long uncorrelatedEvents()
    {
        return events.values().stream().filter(e -> e.correlationId() == 0).count();
    }
}
