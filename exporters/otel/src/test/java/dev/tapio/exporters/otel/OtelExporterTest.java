package dev.tapio.exporters.otel;

import com.google.protobuf.ByteString;
import dev.tapio.engine.metrics.EngineCounters;
import dev.tapio.journal.Journal;
import dev.tapio.journal.JournalReader;
import dev.tapio.journal.JournalSettings;
import dev.tapio.journal.JournalTailer;
import com.sun.net.httpserver.HttpServer;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import static dev.tapio.exporters.otel.Await.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The OTLP exporter against a real OTLP/gRPC receiver on loopback, over journals the real engine wrote:
 * what arrives, with which ids, parents and attributes, and that the durable position holds across a
 * receiver that is down and across a restart of the exporter.
 */
class OtelExporterTest
{
    @TempDir
    Path tmp;

    private static OtelSettings settings(final int port, final double sample)
    {
        return OtelSettings.builder()
            .enabled(true)
            .endpoint("http://127.0.0.1:" + port)
            .sampleUncorrelated(sample)
            .exportTimeout(Duration.ofSeconds(2))
            .minBackoff(Duration.ofMillis(20))
            .maxBackoff(Duration.ofMillis(200))
            .build();
    }

    private static String hex(final ByteString bytes)
    {
        return HexFormat.of().formatHex(bytes.toByteArray());
    }

    private static Map<String, Object> attributes(final Span span)
    {
        final Map<String, Object> m = new HashMap<>();
        for (final KeyValue kv : span.getAttributesList())
        {
            final var v = kv.getValue();
            m.put(kv.getKey(), v.hasIntValue() ? (Object)v.getIntValue() : v.hasBoolValue() ? (Object)v.getBoolValue() :
                v.hasDoubleValue() ? (Object)v.getDoubleValue() : v.getStringValue());
        }
        return m;
    }

    @Test
    void deliversEveryGroupAsATraceWithTapioIdsOnceTheReceiverComesUpAndNothingAgainAfterARestart() throws Exception
    {
        final JournalSettings journal = JournalSettings.builder().dir(tmp.resolve("journal")).build();
        final JournaledScenario s = JournaledScenario.journal("interleaved-incidents", journal);
        assertEquals(7, s.groups.size(), "the scenario's groups");
        final int port = OtlpReceiver.freePort();

        final OtelExporter exporter = OtelExporter.create(journal, settings(port, 0), System.err).start();
        OtlpReceiver receiver = null;
        try
        {
            await("export attempts fail while no receiver listens", () -> exporter.failedExports() >= 2);
            assertEquals(-1, exporter.ackedIndex(), "nothing acked while the receiver is down");
            assertTrue(exporter.failing(), "the state gauge says failing");

            receiver = OtlpReceiver.start(port);
            final OtlpReceiver r = receiver;
            await("every group's spans arrive and the exporter catches up",
                () -> r.spans().size() >= s.groupSpans() && exporter.caughtUp() && exporter.ackedIndex() == s.lastIndex);
            assertTrue(exporter.stop(Duration.ofSeconds(5)), "stopped caught up");
            assertFalse(exporter.failing(), "an export succeeded since");
            assertEquals(s.groupSpans(), r.spans().size(), "each span once: " + exporter.stats());

            final Map<String, Span> bySpanId = r.spans().stream()
                .collect(Collectors.toMap(sp -> hex(sp.getSpanId()), sp -> sp));
            assertEquals(s.groupSpans(), bySpanId.size(), "no span id twice");
            final Set<String> traces = new HashSet<>();
            for (final JournaledScenario.Group g : s.groups)
            {
                traces.add(g.traceId());
                final Span root = bySpanId.get(g.rootSpanId());
                assertNotNull(root, "root span of " + g);
                assertEquals(g.traceId(), hex(root.getTraceId()), "root's trace id is the group's");
                assertTrue(root.getParentSpanId().isEmpty(), "the root has no parent");
                assertEquals(g.pattern(), root.getName());
                assertEquals(g.pattern(), attributes(root).get("tapio.pattern"));
                for (final long id : g.members())
                {
                    final JournaledScenario.Event e = s.events.get(id);
                    final Span child = bySpanId.get(e.spanId());
                    assertNotNull(child, "member span of event " + Long.toHexString(id));
                    assertEquals(g.traceId(), hex(child.getTraceId()), "member in the group's trace");
                    assertEquals(g.rootSpanId(), hex(child.getParentSpanId()), "member's parent is the root");
                    final Map<String, Object> a = attributes(child);
                    assertEquals(Long.toHexString(id), a.get("tapio.event.id"));
                    assertEquals(g.pattern(), a.get("tapio.pattern"));
                    assertEquals(emptyToNull(e.pod()), emptyToNull(a.get("k8s.pod.name")), "pod of " + a);
                    assertEquals(emptyToNull(e.namespace()), emptyToNull(a.get("k8s.namespace.name")));
                    assertEquals(emptyToNull(e.node()), emptyToNull(a.get("k8s.node.name")));
                    assertEquals(emptyToNull(e.comm()), emptyToNull(a.get("process.executable.name")));
                    if (e.exitCode() != null)
                    {
                        assertEquals((long)e.exitCode(), a.get("process.exit.code"));
                        if (e.exitCode() != 0)
                        {
                            assertEquals(Status.StatusCode.STATUS_CODE_ERROR, child.getStatus().getCode(), "a failed exit is an error");
                            assertEquals(Status.StatusCode.STATUS_CODE_ERROR, root.getStatus().getCode(), "so is its group");
                        }
                    }
                    if ("kernel.container.oom_kill".equals(a.get("tapio.event.type")))
                    {
                        assertEquals(Status.StatusCode.STATUS_CODE_ERROR, child.getStatus().getCode(), "an OOM kill is an error");
                    }
                    assertTrue(child.getStartTimeUnixNano() <= child.getEndTimeUnixNano());
                }
            }
            assertEquals(traces, r.spans().stream().map(sp -> hex(sp.getTraceId())).collect(Collectors.toSet()),
                "only group traces: uncorrelated events are not sampled by default");
            assertTrue(r.spans().stream().anyMatch(sp -> sp.getStatus().getCode() == Status.StatusCode.STATUS_CODE_ERROR));

            // A restart resumes after the durable position: it exports nothing more.
            final int before = r.spans().size();
            final OtelExporter again = OtelExporter.create(journal, settings(port, 0), System.err).start();
            try
            {
                await("the restarted exporter reaches the end", again::caughtUp);
                assertEquals(0, again.exportedSpans());
                assertEquals(s.lastIndex, again.ackedIndex());
            }
            finally
            {
                again.stop(Duration.ofSeconds(5));
            }
            assertEquals(before, r.spans().size(), "nothing sent twice");
        }
        finally
        {
            exporter.close();
            if (receiver != null)
            {
                receiver.close();
            }
        }
    }

    @Test
    void afterARestartBetweenAGroupsEventsAndItsRecordTheMembersAreFoundByWarmingUp() throws Exception
    {
        final JournalSettings journal = JournalSettings.builder().dir(tmp.resolve("journal")).build();
        final JournaledScenario s = JournaledScenario.journal("interleaved-incidents", journal);
        final JournaledScenario.Group first = s.groups.get(0);
        final long position = s.indexes.get(s.indexes.indexOf(first.index()) - 1);
        // An earlier run exported everything up to the record before the first group record, then stopped.
        try (JournalTailer earlier = JournalTailer.open(journal, OtelSettings.DEFAULT_TAILER))
        {
            while (earlier.lastReadIndex() < position)
            {
                earlier.poll((index, template, buffer, offset, length) -> { }, 1);
            }
            assertTrue(earlier.ack(position));
        }
        final int port = OtlpReceiver.freePort();
        try (OtlpReceiver r = OtlpReceiver.start(port);
             OtelExporter exporter = OtelExporter.create(journal, settings(port, 0), System.err).start())
        {
            await("the groups after the position arrive", () -> exporter.caughtUp() && exporter.ackedIndex() == s.lastIndex);
            assertEquals(s.groupSpansAfter(position), r.spans().size());
            assertEquals(s.groupSpans(), s.groupSpansAfter(position), "every group record lies after the position");
            assertEquals(0, exporter.missingMembers(), exporter.stats());
            for (final long id : first.members())
            {
                final Span child = r.spans().stream()
                    .filter(sp -> hex(sp.getSpanId()).equals(s.events.get(id).spanId())).findFirst().orElseThrow();
                final Map<String, Object> a = attributes(child);
                assertFalse(a.containsKey("tapio.event.missing"), a.toString());
                assertEquals(emptyToNull(s.events.get(id).node()), emptyToNull(a.get("k8s.node.name")));
                assertEquals(first.rootSpanId(), hex(child.getParentSpanId()));
            }
        }
    }

    @Test
    void aGroupArrivingLongAfterARestartAtTheEndOfTheJournalStillFindsItsMembers() throws Exception
    {
        final JournalSettings source = JournalSettings.builder().dir(tmp.resolve("source")).build();
        final JournaledScenario s = JournaledScenario.journal("interleaved-incidents", source);
        final List<byte[]> records = new java.util.ArrayList<>();
        try (JournalReader reader = JournalReader.open(source))
        {
            reader.seek(Long.MIN_VALUE, Long.MAX_VALUE);
            while (reader.read((index, template, buffer, offset, length) ->
            {
                final byte[] copy = new byte[length];
                buffer.getBytes(offset, copy);
                records.add(copy);
            }, 1024) > 0 || !reader.done())
            {
                // copy everything
            }
        }
        final int firstGroup = s.indexes.indexOf(s.groups.get(0).index());
        final JournalSettings journal = JournalSettings.builder().dir(tmp.resolve("journal")).build();
        final Journal writer = Journal.open(journal, new EngineCounters());
        final int port = OtlpReceiver.freePort();
        try (OtlpReceiver r = OtlpReceiver.start(port))
        {
            long last = -1;
            for (int i = 0; i < firstGroup; i++)
            {
                last = writer.append(new UnsafeBuffer(records.get(i)), 0, records.get(i).length);
            }
            // An earlier run exported (acked) everything journaled so far: only events.
            try (OtelExporter earlier = OtelExporter.create(journal, settings(port, 0), System.err).start())
            {
                final long end = last;
                await("the earlier run acks the events", () -> earlier.caughtUp() && earlier.ackedIndex() == end);
                assertEquals(0, earlier.exportedSpans());
            }
            try (OtelExporter exporter = OtelExporter.create(journal, settings(port, 0), System.err).start())
            {
                await("the restarted exporter is at the end", exporter::caughtUp);
                for (int i = firstGroup; i < records.size(); i++)
                {
                    last = writer.append(new UnsafeBuffer(records.get(i)), 0, records.get(i).length);
                }
                final long end = last;
                await("the groups arrive", () -> exporter.caughtUp() && exporter.ackedIndex() == end);
                assertEquals(0, exporter.missingMembers(), exporter.stats());
                assertEquals(s.groupSpans(), r.spans().size());
                assertTrue(r.spans().stream().noneMatch(sp -> attributes(sp).containsKey("tapio.event.missing")));
            }
        }
        finally
        {
            writer.close();
        }
    }

    @Test
    void stoppingWhileTheCollectorIsDownGivesUpAfterTheDrainAndAcksNothing() throws Exception
    {
        final JournalSettings journal = JournalSettings.builder().dir(tmp.resolve("journal")).build();
        JournaledScenario.journal("crash-loop", journal);
        final OtelSettings settings = OtelSettings.builder()
            .enabled(true)
            .endpoint("http://127.0.0.1:" + OtlpReceiver.freePort())
            .exportTimeout(Duration.ofMillis(500))
            .minBackoff(Duration.ofMillis(20))
            .maxBackoff(Duration.ofMillis(50))
            .build();
        final OtelExporter exporter = OtelExporter.create(journal, settings, System.err).start();
        await("a failed export", () -> exporter.failedExports() >= 1);
        final long before = System.nanoTime();
        assertFalse(exporter.stop(Duration.ofMillis(300)), "not caught up");
        final long tookMillis = (System.nanoTime() - before) / 1_000_000;
        assertTrue(tookMillis < 300 + 2 * 500 + 3000, "stop is bounded by the drain and one export: " + tookMillis + " ms");
        assertEquals(-1, exporter.ackedIndex());
        assertEquals(0, exporter.exportedSpans());
        try (JournalTailer tailer = JournalTailer.open(journal, OtelSettings.DEFAULT_TAILER))
        {
            assertEquals(-1, tailer.ackedIndex(), "the durable position did not move: the next run sends everything");
        }
    }

    @Test
    void sendsEachUncorrelatedEventAsASingleSpanTraceWhenSampledAtRatioOne() throws Exception
    {
        final JournalSettings journal = JournalSettings.builder().dir(tmp.resolve("journal")).build();
        final JournaledScenario s = JournaledScenario.journal("interleaved-incidents", journal);
        final long uncorrelated = s.uncorrelatedEvents();
        assertTrue(uncorrelated > 0, "the scenario has events in no group");
        final int port = OtlpReceiver.freePort();
        try (OtlpReceiver r = OtlpReceiver.start(port);
             OtelExporter exporter = OtelExporter.create(journal, settings(port, 1), System.err).start())
        {
            await("everything arrives", () -> exporter.caughtUp() && exporter.ackedIndex() == s.lastIndex);
            assertEquals(s.groupSpans() + uncorrelated, r.spans().size());
            for (final JournaledScenario.Event e : s.events.values())
            {
                if (e.correlationId() != 0)
                {
                    continue;
                }
                final List<Span> single = r.spans().stream().filter(sp -> hex(sp.getSpanId()).equals(e.spanId())).toList();
                assertEquals(1, single.size(), "event " + Long.toHexString(e.id()));
                assertEquals(e.traceId(), hex(single.get(0).getTraceId()));
                assertTrue(single.get(0).getParentSpanId().isEmpty());
                assertFalse(s.groups.stream().anyMatch(g -> g.traceId().equals(e.traceId())), "its own trace");
            }
        }
    }

    @Test
    void sendsOverOtlpHttpProtobufToo() throws Exception
    {
        final JournalSettings journal = JournalSettings.builder().dir(tmp.resolve("journal")).build();
        final JournaledScenario s = JournaledScenario.journal("crash-loop", journal);
        assertEquals(1, s.groups.size());
        final List<Span> received = new java.util.concurrent.CopyOnWriteArrayList<>();
        final HttpServer http = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        http.createContext("/v1/traces", exchange ->
        {
            final ExportTraceServiceRequest request = ExportTraceServiceRequest.parseFrom(exchange.getRequestBody().readAllBytes());
            request.getResourceSpansList().forEach(rs -> rs.getScopeSpansList().forEach(ss -> received.addAll(ss.getSpansList())));
            final byte[] body = ExportTraceServiceResponse.getDefaultInstance().toByteArray();
            exchange.getResponseHeaders().add("Content-Type", "application/x-protobuf");
            exchange.sendResponseHeaders(200, body.length == 0 ? -1 : body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        http.start();
        final OtelSettings settings = OtelSettings.builder()
            .enabled(true)
            .protocol(OtelSettings.Protocol.HTTP)
            .endpoint("http://127.0.0.1:" + http.getAddress().getPort() + "/v1/traces")
            .build();
        try (OtelExporter exporter = OtelExporter.create(journal, settings, System.err).start())
        {
            await("the crash loop arrives", () -> exporter.caughtUp() && exporter.ackedIndex() == s.lastIndex);
            assertEquals(s.groupSpans(), received.size());
            final JournaledScenario.Group g = s.groups.get(0);
            assertEquals("crash-loop", g.pattern());
            assertTrue(received.stream().allMatch(sp -> hex(sp.getTraceId()).equals(g.traceId())));
            final Span exit = received.stream().filter(sp -> "kernel.process.exit".equals(sp.getName())).findFirst().orElseThrow();
            final Map<String, Object> a = attributes(exit);
            assertEquals(2L, a.get("process.exit.code"));
            assertEquals("ledger", a.get("process.executable.name"));
            assertEquals("containerd://c0ffee000002", a.get("container.id"));
            assertEquals(Status.StatusCode.STATUS_CODE_ERROR, exit.getStatus().getCode());
            final Span restart = received.stream().filter(sp -> "k8s.pod.restarted".equals(sp.getName())).findFirst().orElseThrow();
            assertEquals("payments", attributes(restart).get("k8s.namespace.name"));
            assertEquals("ledger-5f6d7c8b9-m3n4p", attributes(restart).get("k8s.pod.name"));
            assertEquals(g.rootSpanId(), hex(restart.getParentSpanId()));
        }
        finally
        {
            http.stop(0);
        }
    }

    @Test
    void withSeveralRequestsInFlightOnlyTheRefusedBatchesAreSentAgain() throws Exception
    {
        final JournalSettings journal = JournalSettings.builder().dir(tmp.resolve("journal")).build();
        final JournaledScenario s = JournaledScenario.journal("interleaved-incidents", journal);
        final long expected = s.groupSpans() + s.uncorrelatedEvents();
        try (OtlpReceiver receiver = OtlpReceiver.start(0))
        {
            receiver.rejectEvery(3);
            final OtelSettings settings = OtelSettings.builder()
                .enabled(true)
                .endpoint("http://127.0.0.1:" + receiver.port())
                .sampleUncorrelated(1)
                .batchSpans(4)
                .maxInFlight(4)
                .exportTimeout(Duration.ofSeconds(2))
                .minBackoff(Duration.ofMillis(5))
                .maxBackoff(Duration.ofMillis(20))
                .build();
            final OtelExporter exporter = OtelExporter.create(journal, settings, System.err).start();
            try
            {
                await("every span arrives and the journal is acked",
                    () -> exporter.ackedIndex() == s.lastIndex && receiver.spans().size() >= expected);
            }
            finally
            {
                exporter.stop(Duration.ofSeconds(5));
            }
            assertTrue(receiver.rejected() > 0, "some batches were refused");
            assertEquals(receiver.rejected(), exporter.failedExports(), "each refused batch counted once");
            assertEquals(expected, receiver.spans().size(), "accepted batches are not sent again: " + exporter.stats());
            assertEquals(expected, receiver.spans().stream().map(sp -> hex(sp.getSpanId())).distinct().count(),
                "every span, once");
            assertEquals(expected, exporter.exportedSpans());
        }
    }

    private static Object emptyToNull(final Object o)
    {
        return o == null || "".equals(o) ? null : o;
    }
}
