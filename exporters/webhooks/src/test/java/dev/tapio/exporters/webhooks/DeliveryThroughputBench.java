package dev.tapio.exporters.webhooks;

import dev.tapio.codecs.sbe.EventType;
import dev.tapio.codecs.sbe.Severity;
import dev.tapio.engine.metrics.EngineCounters;
import dev.tapio.journal.JournalTailer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;

/**
 * Figures for the module's README, not run by default ({@code -Dtapio.bench=true}): deliveries per second to one
 * endpoint on loopback (one request per record, HTTP/1.1 keep-alive, signed CloudEvents), and records per
 * second an endpoint passes over when its filter refuses them (the SBE pre-filter, no JSON). Named *Bench so
 * the test suite does not pick it up (and report it skipped); run it with {@code -Dtest=DeliveryThroughputBench}.
 */
@EnabledIfSystemProperty(named = "tapio.bench", matches = "true")
class DeliveryThroughputBench
{
    @TempDir
    Path tmp;

    @Test
    void deliveriesAndFilteredRecordsPerSecond() throws Exception
    {
        final int delivered = 20_000;
        final int filtered = 1_000_000;
        try (TestJournal j = new TestJournal(tmp.resolve("journal"));
             Receiver r = Receiver.start(n -> Receiver.Answer.status(204)))
        {
            for (int i = 1; i <= delivered; i++)
            {
                j.event(i);
            }
            for (int i = 1; i <= filtered; i++)
            {
                j.event(delivered + i, EventType.K8S_POD_RUNNING, Severity.INFO, "web");
            }
            final PrintStream log = new PrintStream(System.err, true);
            final EndpointSettings all = EndpointSettings.builder("all", r.url()).secret(WebhookDeliveryTest.SECRET)
                .startFrom(JournalTailer.StartFrom.EARLIEST).build();
            final EndpointSettings none = EndpointSettings.builder("none", r.url()).secret(WebhookDeliveryTest.SECRET)
                .startFrom(JournalTailer.StartFrom.EARLIEST)
                .filter(new RecordFilter(RecordFilter.Records.EVENTS, List.of("kernel.*"), List.of(), "debug")).build();

            final WebhooksExporter skip = WebhooksExporter.create(j.settings, new WebhooksSettings(true, tmp.resolve("dead"),
                Duration.ofSeconds(1), List.of(none)), new EngineCounters(), log).start();
            final long t0 = System.nanoTime();
            WebhookDeliveryTest.await("all filtered", () -> skip.filtered("none") == delivered + filtered);
            final double skipSeconds = (System.nanoTime() - t0) / 1e9;
            skip.stop(Duration.ofSeconds(1));

            final WebhooksExporter send = WebhooksExporter.create(j.settings, new WebhooksSettings(true, tmp.resolve("dead"),
                Duration.ofSeconds(1), List.of(all)), new EngineCounters(), log).start();
            final long t1 = System.nanoTime();
            WebhookDeliveryTest.await("first records delivered", () -> send.delivered("all") == delivered);
            final double sendSeconds = (System.nanoTime() - t1) / 1e9;
            send.stop(Duration.ofSeconds(1));
            System.out.printf(Locale.ROOT, "webhooks: %d deliveries in %.2f s = %.0f/s to one loopback endpoint; " +
                "%d records filtered in %.2f s = %.0f/s%n", delivered, sendSeconds, delivered / sendSeconds,
                delivered + filtered, skipSeconds, (delivered + filtered) / skipSeconds);
        }
    }
}
