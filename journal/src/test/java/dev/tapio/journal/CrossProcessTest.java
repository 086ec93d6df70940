package dev.tapio.journal;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The journal across processes: a tailer reading while a child JVM appends, and what survives when
 * that child is killed with SIGKILL (kill -9) mid-append or right after an ack.
 */
class CrossProcessTest
{
    @TempDir
    Path dir;

    private Process child(final String... args) throws IOException
    {
        final List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        for (final String a : ManagementFactory.getRuntimeMXBean().getInputArguments())
        {
            if (!a.startsWith("-agentlib") && !a.startsWith("-javaagent"))
            {
                cmd.add(a);
            }
        }
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(JournalChild.class.getName());
        cmd.addAll(Arrays.asList(args));
        return new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    }

    /** Reads the child's lines until one starts with {@code prefix}; fails after the deadline. */
    private static String awaitLine(final BufferedReader out, final String prefix, final long seconds) throws Exception
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        String line;
        while ((line = out.readLine()) != null)
        {
            if (line.startsWith(prefix))
            {
                return line;
            }
            assertTrue(System.nanoTime() < deadline, "no \"" + prefix + "\" from the child in time");
        }
        throw new AssertionError("child ended without \"" + prefix + "\"");
    }

    @Test
    void tailerReadsWhileAnotherProcessAppendsAndKeepsWhatSurvivesKillDashNine() throws Exception
    {
        final Process p = child("append", dir.toString(), "-1");
        final List<Long> ids = new ArrayList<>();
        final List<String> mismatches = new ArrayList<>();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8)))
        {
            awaitLine(out, "appended 999", 60);
            try (JournalTailer t = JournalTailer.open(JournalSettings.builder().dir(dir).build(), "live"))
            {
                final RecordHandler check = (index, template, b, o, l) ->
                {
                    final long id = b.getLong(o + 8, ByteOrder.LITTLE_ENDIAN);
                    ids.add(id);
                    if (ids.size() < 200 && !Arrays.equals(Records.event(id, Records.TIME + id), Records.copy(b, o, l)))
                    {
                        mismatches.add("id " + id);
                    }
                };
                // Read while the child writes, until well past what it had written when we started.
                final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                while (ids.size() < 20_000 && System.nanoTime() < deadline)
                {
                    t.poll(check, 256);
                }
                assertTrue(ids.size() >= 20_000, "read only " + ids.size() + " while the child appended");

                final long lastReported = Long.parseLong(awaitLine(out, "appended", 60).substring(9));
                p.destroyForcibly();                                  // SIGKILL: no shutdown hook, no close
                assertTrue(p.waitFor(30, TimeUnit.SECONDS));
                assertEquals(137, p.exitValue());

                final long deadline2 = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (t.poll(check, 4096) > 0 && System.nanoTime() < deadline2)
                {
                    // drain what the killed process left
                }
                assertTrue(ids.get(ids.size() - 1) >= lastReported,
                    "the last record the child reported before the kill (" + lastReported + ") survived");

                // A restarted engine appends after whatever the killed one left, and the tailer gets it.
                final int before = ids.size();
                final long started = System.nanoTime();
                try (Journal j = Journal.open(JournalSettings.builder().dir(dir).build(), new dev.tapio.engine.metrics.EngineCounters()))
                {
                    final byte[] e = Records.event(ids.size(), Records.TIME + ids.size());
                    assertTrue(j.append(Records.direct(e, 0), 0, e.length) >= 0);
                }
                System.out.println("append after kill -9 took " + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started) + " ms");
                final long deadline3 = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (ids.size() == before && System.nanoTime() < deadline3)
                {
                    t.poll(check, 16);
                }
                assertEquals(before + 1, ids.size(), "the restarted writer's record is delivered");
            }
        }
        finally
        {
            p.destroyForcibly();
        }
        assertEquals(List.of(), mismatches);
        for (int i = 0; i < ids.size(); i++)
        {
            assertEquals(i, ids.get(i).longValue(), "records in order, none missing, none doubled");
        }
    }

    @Test
    void anAckSurvivesKillDashNineOfTheTailerProcess() throws Exception
    {
        final Process writer = child("append", dir.toString(), "5000");
        assertTrue(writer.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, writer.exitValue());

        final Process reader = child("ack", dir.toString(), "bridge", "1234");
        final long acked;
        try (BufferedReader out = new BufferedReader(new InputStreamReader(reader.getInputStream(), StandardCharsets.UTF_8)))
        {
            acked = Long.parseLong(awaitLine(out, "acked ", 60).substring(6));
        }
        finally
        {
            reader.destroyForcibly();
            assertTrue(reader.waitFor(30, TimeUnit.SECONDS));
        }
        try (JournalTailer t = JournalTailer.open(JournalSettings.builder().dir(dir).build(), "bridge"))
        {
            assertEquals(acked, t.ackedIndex());
            final long[] firstId = {-1};
            t.poll((index, template, b, o, l) -> firstId[0] = b.getLong(o + 8, ByteOrder.LITTLE_ENDIAN), 1);
            assertEquals(1234, firstId[0], "delivery resumes with the record after the acked one");
        }
    }
}
