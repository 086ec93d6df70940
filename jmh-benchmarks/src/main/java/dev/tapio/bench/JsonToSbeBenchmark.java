package dev.tapio.bench;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.StreamWriteFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tapio.bench.baseline.BaselineEvent;
import dev.tapio.codecs.EventDraft;
import dev.tapio.codecs.EventFrames;
import dev.tapio.codecs.json.EventFormatException;
import dev.tapio.codecs.json.JsonEventReader;
import dev.tapio.codecs.json.JsonEventWriter;
import dev.tapio.codecs.sbe.EventEncoder;
import dev.tapio.codecs.sbe.MessageHeaderEncoder;
import dev.tapio.codecs.sbe.Source;
import org.agrona.concurrent.UnsafeBuffer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * The engine's JSON boundaries, against what a competent user writes with Jackson databind.
 *
 * <pre>
 *   ingest (JSON Lines source):
 *     jsonToSbe:   byte[] line ─JsonEventReader.read─► EventDraft ─EventDraft.encode─► [ off-heap slot ]
 *     jsonToPojo:  byte[] line ──ObjectMapper.readValue──► new BaselineEvent                     (baseline)
 *
 *   egress (JSON Lines sink):
 *     sbeToJson:   [ off-heap event ] ──JsonEventWriter──► JsonGenerator ──► reused byte sink
 *     pojoToJson:  BaselineEvent ──ObjectMapper.writeValueAsBytes──► new byte[]               (baseline)
 * </pre>
 *
 * Input is {@link PodEvent#jsonLine()}: 636 bytes, the ingest shape of the Kubernetes pod event (RFC 3339
 * time, hex id, two attributes). Output is the enriched shape (node, trace context, ingest time: 566 B
 * as SBE, about 800 B as JSON). The generator lives as long as the sink, as in {@code FileSink}: one per
 * output stream, flushed per event here so that each operation produces the full line in memory.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {
    "--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED",
    "--add-opens", "java.base/java.nio=ALL-UNNAMED",
    "--add-exports", "java.base/sun.nio.ch=ALL-UNNAMED" })
public class JsonToSbeBenchmark
{
    /** The event is 526 B as SBE, over the engine's default 512 B slot; see PipelineThroughputBenchmark. */
    private static final int SLOT_SIZE = PipelineThroughputBenchmark.SLOT_SIZE;

    private final PodEvent event = PodEvent.variant(0);
    private final JsonEventReader reader = new JsonEventReader();
    private final EventDraft draft = new EventDraft();
    private final JsonEventWriter writer = new JsonEventWriter();
    private final ObjectMapper mapper = new ObjectMapper();
    private final ReusableBytes sink = new ReusableBytes(1024);

    private byte[] line;
    private UnsafeBuffer slot;
    private UnsafeBuffer enriched;
    private BaselineEvent pojo;
    private JsonGenerator generator;

    @Setup(Level.Trial)
    public void setUp() throws IOException, EventFormatException
    {
        line = event.jsonLine();
        slot = new UnsafeBuffer(ByteBuffer.allocateDirect(SLOT_SIZE));
        enriched = new UnsafeBuffer(ByteBuffer.allocateDirect(SLOT_SIZE));
        event.encode(enriched, 0, new MessageHeaderEncoder(), new EventEncoder(), true, PodEvent.EVENT_ID,
            PodEvent.INGEST_TIMESTAMP);
        pojo = event.toPojo(true);
        generator = JsonFactory.builder().disable(StreamWriteFeature.AUTO_CLOSE_TARGET).build()
            .createGenerator(sink, JsonEncoding.UTF8);
        generator.setRootValueSeparator(null);

        // The fixtures must mean what the benchmarks say.
        final int length = jsonToSbe();
        if (length < 0 || EventFrames.validate(slot, 0, length) != EventFrames.OK)
        {
            throw new IllegalStateException("JSON line did not encode: " + length);
        }
        final BaselineEvent parsed = jsonToPojo();
        if (!event.message.equals(parsed.message) || parsed.attributes.size() != 2)
        {
            throw new IllegalStateException("JSON line did not map to the POJO: " + parsed);
        }
        final int written = sbeToJson();
        final String out = new String(sink.array(), 0, written, StandardCharsets.UTF_8);
        if (!out.contains("\"traceId\":\"4bf92f3577b34da6a3ce929d0e0e4736\"") || !out.contains(event.podUid))
        {
            throw new IllegalStateException("SBE → JSON wrote " + out);
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException
    {
        generator.close();
    }

    /** Tapio ingest: JSON line → EventDraft → SBE in an off-heap slot. */
    @Benchmark
    public int jsonToSbe() throws EventFormatException
    {
        reader.read(line, 0, line.length, draft);
        return draft.encode(slot, 0, SLOT_SIZE, PodEvent.INGEST_TIMESTAMP, PodEvent.EVENT_ID, Source.FILE);
    }

    /** Baseline ingest: JSON line → POJO with Jackson databind. */
    @Benchmark
    public BaselineEvent jsonToPojo() throws IOException
    {
        return mapper.readValue(line, BaselineEvent.class);
    }

    /** Tapio egress: SBE event → JSON bytes through a long-lived generator. */
    @Benchmark
    public int sbeToJson() throws IOException
    {
        sink.reset();
        writer.write(enriched, 0, generator);
        generator.flush();
        return sink.size();
    }

    /** Baseline egress: POJO → JSON bytes with Jackson databind. */
    @Benchmark
    public byte[] pojoToJson() throws IOException
    {
        return mapper.writeValueAsBytes(pojo);
    }

    /** A byte sink whose buffer is reused across events (reset per event), and readable in place. */
    static final class ReusableBytes extends ByteArrayOutputStream
    {
        ReusableBytes(final int capacity)
        {
            super(capacity);
        }

        byte[] array()
        {
            return buf;
        }
    }
}
