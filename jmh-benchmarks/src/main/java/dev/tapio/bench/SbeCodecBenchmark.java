package dev.tapio.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tapio.bench.baseline.BaselineEvent;
import dev.tapio.codecs.EventFrames;
import dev.tapio.codecs.sbe.EventDecoder;
import dev.tapio.codecs.sbe.EventEncoder;
import dev.tapio.codecs.sbe.MessageHeaderDecoder;
import dev.tapio.codecs.sbe.MessageHeaderEncoder;
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
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One event encoded and decoded: Tapio's SBE flyweights against Jackson databind on a POJO.
 *
 * <pre>
 *   sbeEncode:           fields ──EventEncoder──► [ UnsafeBuffer over a direct ByteBuffer ]
 *   sbeDecode:           [ direct buffer ] ──EventDecoder──► every field ──► Blackhole
 *                          (strings copied out as UTF-8 bytes into one reused byte[])
 *
 *   jacksonSerialize:    BaselineEvent ──ObjectMapper.writeValueAsBytes──► byte[]        (baseline)
 *   jacksonDeserialize:  byte[] ──ObjectMapper.readValue──► new BaselineEvent          (baseline)
 * </pre>
 *
 * The event is {@link PodEvent} variant 0 in its enriched shape: a Kubernetes pod event with
 * namespace, pod, pod uid, container, container id, message, node, trace context and two attributes
 * (566 bytes as SBE, 805 as JSON). The ObjectMapper is built once and reused, as any real user does.
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
public class SbeCodecBenchmark
{
    private final PodEvent event = PodEvent.variant(0);
    private final MessageHeaderEncoder headerEncoder = new MessageHeaderEncoder();
    private final EventEncoder encoder = new EventEncoder();
    private final MessageHeaderDecoder headerDecoder = new MessageHeaderDecoder();
    private final EventDecoder decoder = new EventDecoder();
    private final byte[] scratch = new byte[1024];
    private final ObjectMapper mapper = new ObjectMapper();

    private UnsafeBuffer encodeBuffer;
    private UnsafeBuffer encoded;
    private BaselineEvent pojo;
    private byte[] json;

    @Setup(Level.Trial)
    public void setUp() throws IOException
    {
        encodeBuffer = new UnsafeBuffer(ByteBuffer.allocateDirect(1024));
        encoded = new UnsafeBuffer(ByteBuffer.allocateDirect(1024));
        final int length = event.encode(encoded, 0, headerEncoder, encoder, true, PodEvent.EVENT_ID,
            PodEvent.INGEST_TIMESTAMP);
        if (EventFrames.validate(encoded, 0, length) != EventFrames.OK)
        {
            throw new IllegalStateException("fixture does not validate");
        }
        pojo = event.toPojo(true);
        json = mapper.writeValueAsBytes(pojo);
        final BaselineEvent back = mapper.readValue(json, BaselineEvent.class);
        if (!pojo.message.equals(back.message) || back.traceIdLo != pojo.traceIdLo || back.attributes.size() != 2)
        {
            throw new IllegalStateException("POJO does not round-trip: " + back);
        }
    }

    /** Tapio: every field of the event into the buffer. */
    @Benchmark
    public int sbeEncode()
    {
        return event.encode(
            encodeBuffer, 0, headerEncoder, encoder, true, PodEvent.EVENT_ID, PodEvent.INGEST_TIMESTAMP);
    }

    /** Tapio: every field out of the buffer, strings as UTF-8 bytes. */
    @Benchmark
    public void sbeDecode(final Blackhole bh)
    {
        headerDecoder.wrap(encoded, 0);
        final EventDecoder d = decoder.wrap(
            encoded, EventFrames.HEADER_LENGTH, headerDecoder.blockLength(), headerDecoder.version());
        bh.consume(d.eventId());
        bh.consume(d.nodeId());
        bh.consume(d.timestamp());
        bh.consume(d.ingestTimestamp());
        bh.consume(d.eventType());
        bh.consume(d.source());
        bh.consume(d.severity());
        bh.consume(d.pid());
        bh.consume(d.ppid());
        bh.consume(d.uid());
        bh.consume(d.cgroupId());
        bh.consume(d.exitCode());
        bh.consume(d.traceId().hi());
        bh.consume(d.traceId().lo());
        bh.consume(d.spanId());
        bh.consume(d.parentSpanId());
        bh.consume(d.correlationId());
        bh.consume(d.patternId());
        bh.consume(d.impact().business());
        bh.consume(d.impact().customerFacing());
        bh.consume(d.impact().sloImpact());
        final byte[] s = scratch;
        int p = 0;
        for (final EventDecoder.AttributesDecoder a : d.attributes())
        {
            p += a.getKey(s, p, a.keyLength());
            p += a.getValue(s, p, a.valueLength());
        }
        for (final EventDecoder.RelatedDecoder r : d.related())
        {
            bh.consume(r.eventId());
        }
        p += d.getNodeName(s, p, d.nodeNameLength());
        p += d.getNamespaceName(s, p, d.namespaceNameLength());
        p += d.getPod(s, p, d.podLength());
        p += d.getPodUid(s, p, d.podUidLength());
        p += d.getContainerName(s, p, d.containerNameLength());
        p += d.getContainerId(s, p, d.containerIdLength());
        p += d.getUnit(s, p, d.unitLength());
        p += d.getComm(s, p, d.commLength());
        p += d.getMessage(s, p, d.messageLength());
        p += d.getTypeName(s, p, d.typeNameLength());
        bh.consume(p);
        bh.consume(s);
    }

    /** Baseline: the POJO to JSON bytes. */
    @Benchmark
    public byte[] jacksonSerialize() throws IOException
    {
        return mapper.writeValueAsBytes(pojo);
    }

    /** Baseline: JSON bytes to a new POJO (every field, attributes as a map). */
    @Benchmark
    public void jacksonDeserialize(final Blackhole bh) throws IOException
    {
        final BaselineEvent e = mapper.readValue(json, BaselineEvent.class);
        bh.consume(e);
        final Map<String, String> attributes = e.attributes;
        bh.consume(attributes);
    }
}
