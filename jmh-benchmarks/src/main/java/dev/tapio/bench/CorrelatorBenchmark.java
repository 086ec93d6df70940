package dev.tapio.bench;

import dev.tapio.codecs.EventDraft;
import dev.tapio.codecs.sbe.EventType;
import dev.tapio.codecs.sbe.Source;
import dev.tapio.engine.correlate.CorrelationCounters;
import dev.tapio.engine.correlate.CorrelationSettings;
import dev.tapio.engine.correlate.Correlator;
import dev.tapio.engine.correlate.EventFields;
import dev.tapio.engine.correlate.RulesLoader;
import dev.tapio.engine.metrics.EngineCounters;
import org.agrona.concurrent.UnsafeBuffer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;

/**
 * The correlate stage's engine alone, on one thread, with many live groups:
 *
 * <pre>
 *   pre-encoded events (off-heap) ─► EventFields.wrap ─► Correlator.process ─► (group records counted)
 * </pre>
 *
 * Workload: {@code containers} containers restart round-robin (k8s.pod.restarted, built-in
 * crash-loop and cascade/oom candidates), one event every 1 µs of event time, so each container's
 * group completes at its third restart and then stays live (retained 30 min) taking late members;
 * every fourth event is unrelated noise (kernel.process.exec). After warm-up every container has a
 * live group: {@code containers} groups in the table. Reports events/s; run with {@code -prof gc}
 * for B/op.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {
    "--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED",
    "--add-exports", "java.base/sun.nio.ch=ALL-UNNAMED",
    "--add-opens", "java.base/java.nio=ALL-UNNAMED" })
public class CorrelatorBenchmark
{
    static final int BATCH = 4096;
    static final int SLOT = 512;

    @Param({ "100000" })
    int containers;

    private UnsafeBuffer events;
    private int[] lengths;
    private int count;
    private int next;
    private long time;
    private Correlator correlator;
    private final EventFields fields = new EventFields();
    long groupRecords;

    @Setup
    public void setup() throws Exception
    {
        count = containers * 4;
        events = new UnsafeBuffer(ByteBuffer.allocateDirect(count * SLOT));
        lengths = new int[count];
        final EventDraft d = new EventDraft();
        final UnsafeBuffer scratch = new UnsafeBuffer(new byte[SLOT]);
        for (int i = 0; i < count; i++)
        {
            d.reset();
            final int c = i % containers;
            if (i % 4 == 3)
            {
                d.type = EventType.KERNEL_PROCESS_EXEC;
                d.text(EventDraft.COMM).set("sh");
                d.pid = 1000 + c;
            }
            else
            {
                d.type = EventType.K8S_POD_RESTARTED;
                d.text(EventDraft.NAMESPACE).set("ns-" + (c % 50));
                d.text(EventDraft.POD).set("app-" + c + "-7c5d8f9b6-x2x1k");
                d.text(EventDraft.CONTAINER).set("app");
                d.text(EventDraft.NODE).set("node-" + (c % 20));
                d.exitCode = 1;
            }
            d.hasEventId = true;
            d.eventId = i + 1;
            final int n = d.encode(scratch, 0, SLOT, 1, 0, Source.KUBERNETES);
            events.putBytes(i * SLOT, scratch, 0, n);
            lengths[i] = n;
        }
        correlator = new Correlator(RulesLoader.builtin(),
            CorrelationSettings.builder().maxGroups(containers * 2).nodeName("bench").build(),
            new CorrelationCounters(new EngineCounters()), (b, o, l) -> groupRecords++);
        time = 1_700_000_000_000_000_000L;
        // Warm the table: every container gets its group.
        for (int i = 0; i < count * 2; i++)
        {
            one();
        }
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public int process()
    {
        int r = 0;
        for (int i = 0; i < BATCH; i++)
        {
            r += one();
        }
        return r;
    }

    private int one()
    {
        final int i = next;
        next = i + 1 == count ? 0 : i + 1;
        final int offset = i * SLOT;
        time += 1_000;
        events.putLong(offset + 8 + 16, time, java.nio.ByteOrder.LITTLE_ENDIAN);
        fields.wrap(events, offset, lengths[i]);
        return correlator.process(fields);
    }

    public int liveGroups()
    {
        return correlator.liveGroups();
    }
}
