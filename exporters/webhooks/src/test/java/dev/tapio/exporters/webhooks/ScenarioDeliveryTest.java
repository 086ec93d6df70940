package dev.tapio.exporters.webhooks;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tapio.engine.Engine;
import dev.tapio.engine.EngineSettings;
import dev.tapio.engine.ProducerMode;
import dev.tapio.engine.ThreadingMode;
import dev.tapio.engine.correlate.CorrelationSettings;
import dev.tapio.engine.correlate.RulesLoader;
import dev.tapio.engine.metrics.EngineCounters;
import dev.tapio.engine.ring.BackpressurePolicy;
import dev.tapio.engine.source.FileSource;
import dev.tapio.journal.JournalSettings;
import dev.tapio.journal.JournalSink;
import dev.tapio.journal.JournalTailer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A scenario of {@code scenarios/} journaled by the real engine (event time, built-in rules), delivered to an
 * endpoint that wants one pattern: it gets the group's member events — named by their pattern although the
 * journal keeps only its id in events — and then the group record, nothing else.
 */
class ScenarioDeliveryTest
{
    @TempDir
    Path tmp;

    @Test
    void aPatternFilterDeliversTheGroupsMemberEventsAndThenItsRecord() throws Exception
    {
        final JournalSettings journal = JournalSettings.builder().dir(tmp.resolve("journal")).build();
        final ByteArrayOutputStream log = new ByteArrayOutputStream();
        final Engine engine = Engine.builder()
            .threading(ThreadingMode.SHARED)
            .producers(ProducerMode.SINGLE)
            .idOrigin(EngineSettings.FIXED_ID_ORIGIN)
            .nodeName("node-7")
            .rules(RulesLoader.builtin())
            .correlation(CorrelationSettings.builder().clock(CorrelationSettings.Clock.EVENT).build())
            .errorStream(new PrintStream(log, true))
            .source(new FileSource("input", "../../scenarios/crash-loop.jsonl", 1 << 20), BackpressurePolicy.BLOCK)
            .sink(new JournalSink("journal", journal, new PrintStream(log, true)))
            .build()
            .start();
        while (!engine.awaitSources(Duration.ofSeconds(1)))
        {
            // a small file
        }
        assertTrue(engine.stop(), log.toString());

        try (Receiver r = Receiver.start(n -> Receiver.Answer.status(200)))
        {
            final VirtualTime time = new VirtualTime();
            final WebhooksExporter x = WebhooksExporter.create(journal, new WebhooksSettings(true, tmp.resolve("dead"),
                Duration.ofSeconds(1), List.of(EndpointSettings.builder("incidents", r.url())
                    .secret(WebhookDeliveryTest.SECRET)
                    .startFrom(JournalTailer.StartFrom.EARLIEST)
                    .filter(new RecordFilter(RecordFilter.Records.BOTH, List.of(), List.of("crash-loop"), "debug"))
                    .build())), new EngineCounters(), new PrintStream(log, true), time.context()).start();
            // 10 events and 1 group record: the 5 members, the other container's restart (it opened a crash-loop
            // group that never completed) and the group record pass; 4 events are in no crash-loop group
            WebhookDeliveryTest.await("everything passed or filtered", () -> x.delivered("incidents") + x.filtered("incidents") == 11);
            assertTrue(x.stop(Duration.ofSeconds(1)));

            final List<String> eventIds = new ArrayList<>();
            JsonNode group = null;
            for (final Receiver.Request q : r.requests())
            {
                final JsonNode ce = RecordDecoder.JSON.readTree(q.body());
                assertEquals("crash-loop", ce.get("tapiopattern").asText(), ce.toString());
                assertEquals(q.header("webhook-id"), ce.get("id").asText());
                if (ce.get("type").asText().startsWith("dev.tapio.group."))
                {
                    group = ce;
                }
                else
                {
                    assertEquals("crash-loop", ce.get("data").get("correlation").get("pattern").asText());
                    eventIds.add(ce.get("data").get("id").asText());
                }
            }
            assertEquals(List.of("00000000a5000004", "00000000a5000005", "00000000a5000006", "00000000a5000008", "00000000a5000009",
                "00000000a500000a"), eventIds.stream().sorted().toList(), "every event correlated by crash-loop");
            assertEquals("dev.tapio.group.complete", group.get("type").asText());
            assertEquals(List.of("00000000a5000004", "00000000a5000005", "00000000a5000006", "00000000a5000009", "00000000a500000a"),
                java.util.stream.StreamSupport.stream(group.get("data").get("events").spliterator(), false).map(JsonNode::asText)
                    .sorted().toList(), "the scenario's expected members, each delivered before the group");
            assertEquals(7, x.delivered("incidents"));
            assertEquals(r.requests().get(r.requests().size() - 1).header("webhook-id"), group.get("id").asText(),
                "the group record comes after its members");
            assertEquals(4, x.filtered("incidents"));
        }
    }
}
