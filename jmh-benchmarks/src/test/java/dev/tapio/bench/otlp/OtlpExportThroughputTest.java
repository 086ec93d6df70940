package dev.tapio.bench.otlp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The OTLP throughput harness, small (two copies of the scenarios, one round, the receiver in its own JVM): the
 * copies keep every labelled incident (time slots apart, so they neither merge nor break), and a round counts the
 * spans the journal implies on both ends.
 */
class OtlpExportThroughputTest
{
    @TempDir
    Path work;

    @Test
    void twoCopiesOfTheScenariosGiveTwiceTheirGroupsAndEverySpanArrivesOnce() throws Exception
    {
        final Path scenarios = Path.of("../scenarios"); // Surefire runs in jmh-benchmarks/
        long labelledGroups = 0;
        try (Stream<Path> files = Files.list(scenarios))
        {
            for (final Path f : files.filter(p -> p.toString().endsWith(".expected.json")).toList())
            {
                final JsonNode expected = new ObjectMapper().readTree(f.toFile());
                labelledGroups += expected.get("groups").size();
            }
        }
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        final OtlpExportThroughput.Summary s = OtlpExportThroughput.parse("--copies", "2", "--rounds", "1", "--warmup", "0",
            "--scenarios", scenarios.toString(), "--work", work.toString()).run(new PrintStream(out, true, StandardCharsets.UTF_8));

        final String report = out.toString(StandardCharsets.UTF_8);
        assertEquals(2 * labelledGroups, s.journal().groups(), "each copy correlates into the labelled groups: " + report);
        assertEquals(s.journal().groupSpans() + s.journal().uncorrelated(), s.spansPerRound(), report);
        assertTrue(s.journal().events() > s.journal().uncorrelated() && s.journal().uncorrelated() > 0, report);
        assertTrue(report.contains("round 1: ") && report.contains("receiver ok") && s.spansPerSecond() > 0, report);
    }
}
