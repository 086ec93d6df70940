package dev.tapio.engine.source;

import dev.tapio.codecs.EventFrames;
import dev.tapio.codecs.sbe.BooleanType;
import dev.tapio.codecs.sbe.EventEncoder;
import dev.tapio.codecs.sbe.EventType;
import dev.tapio.codecs.sbe.MessageHeaderEncoder;
import dev.tapio.codecs.sbe.Severity;
import dev.tapio.engine.spi.Publisher;
import dev.tapio.engine.spi.SlotWriter;
import dev.tapio.engine.spi.Source;
import dev.tapio.engine.spi.SourceContext;
import org.agrona.MutableDirectBuffer;

import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;
import java.util.concurrent.locks.LockSupport;

/**
 * A load generator: a realistic mix of event types (mostly kernel process and network events, some
 * Kubernetes, systemd, CNI and HTTP ones) over realistic key cardinalities (namespaces, pods,
 * containers, units), at a fixed rate or as fast as the ring takes them. Events are pre-built
 * templates encoded straight into ring slots: no allocation per event. Latency origins are the
 * intended send times, so a stalled ring shows up as latency (no coordinated omission).
 *
 * <p>Threading: {@link #run} on the source's own thread; {@link #published()} from any thread.
 */
public final class SyntheticSource implements Source
{
    /** How a fixed rate is kept. */
    public enum Pacing
    {
        /** Sleep until due, then send what is due as a batch: little CPU, bursty (default). */
        COARSE,
        /** Spin until each event is due: even spacing for latency benchmarks, one busy core. */
        PRECISE,
        /**
         * Sleep until due and send what is due as a batch, like {@link #COARSE}, but measure each event's
         * latency from its intended send time, like {@link #PRECISE}: the sleep's overshoot (tens of
         * microseconds) counts as latency, and the source leaves the cores to the engine. For latency
         * benchmarks on machines with fewer cores than threads.
         */
        PARKED
    }

    private static final int TEMPLATES = 8192;
    private static final SlotWriter<SyntheticSource> WRITER = SyntheticSource::write;

    private final String name;
    private final long rate;
    private final long events;
    private final int batch;
    private final Pacing pacing;
    private final Template[] templates;
    private final MessageHeaderEncoder header = new MessageHeaderEncoder();
    private final EventEncoder encoder = new EventEncoder();
    private long rng;
    private volatile long published;

    /**
     * @param rate   events per second; 0 for as fast as possible.
     * @param events events to send; 0 for no limit.
     * @param batch  most events claimed at once.
     */
    public SyntheticSource(
        final String name, final long rate, final long events, final int batch, final Pacing pacing, final long seed,
        final int namespaces, final int pods)
    {
        this.name = name;
        this.rate = rate;
        this.events = events;
        this.batch = batch;
        this.pacing = pacing;
        this.rng = seed == 0 ? 0x9E3779B97F4A7C15L : seed;
        this.templates = buildTemplates(new SplittableRandom(seed), namespaces, pods);
        for (final Template t : templates)
        {
            t.encoded = preEncode(t);
        }
    }

    @Override
    public String name()
    {
        return name;
    }

    @Override
    public dev.tapio.codecs.sbe.Source origin()
    {
        return dev.tapio.codecs.sbe.Source.SYNTHETIC;
    }

    /** Events handed to the publisher so far (accepted or not). */
    public long published()
    {
        return published;
    }

    /** The largest encoded template, for choosing a slot size. */
    public int largestEventLength()
    {
        int max = 0;
        for (final Template t : templates)
        {
            max = Math.max(max, t.encoded.length);
        }
        return max;
    }

    @Override
    public void run(final SourceContext context)
    {
        final Publisher publisher = context.publisher();
        final long limit = events == 0 ? Long.MAX_VALUE : events;
        long sent = 0;
        if (rate == 0)
        {
            while (sent < limit && context.running())
            {
                final int n = (int)Math.min(batch, limit - sent);
                publisher.publishBatch(WRITER, this, n, 0, 0);
                sent += n;
                published = sent;
            }
            return;
        }
        final long period = Math.max(1, 1_000_000_000L / rate);
        final long start = System.nanoTime();
        while (sent < limit && context.running())
        {
            final long now = System.nanoTime();
            final long due = Math.min(limit, (now - start) / period + 1);
            if (due > sent)
            {
                final int n = (int)Math.min(batch, due - sent);
                // Precise pacing measures from intended send times (no coordinated omission);
                // coarse pacing sends in bursts by design, so it measures from the actual publish.
                publisher.publishBatch(WRITER, this, n, pacing != Pacing.COARSE ? start + sent * period : 0, period);
                sent += n;
                published = sent;
                continue;
            }
            final long wait = start + sent * period - now;
            if (pacing == Pacing.PRECISE)
            {
                if (wait > 2_000_000)
                {
                    LockSupport.parkNanos(wait - 1_000_000);
                }
                else
                {
                    Thread.onSpinWait();
                }
            }
            else
            {
                LockSupport.parkNanos(wait);
            }
        }
    }

    /**
     * Encodes the next generated event into {@code buffer} at offset 0, outside any engine (for
     * baselines and tests that need the same mix).
     *
     * @return the encoded length, or -1 when it does not fit {@code capacity}.
     */
    public int encodeSample(final MutableDirectBuffer buffer, final int capacity, final long timestamp, final long eventId)
    {
        return encode(buffer, capacity, timestamp, eventId);
    }

    private static int write(
        final MutableDirectBuffer buffer, final int capacity, final long ingestTimestamp, final long eventId,
        final int index, final SyntheticSource self)
    {
        return self.encode(buffer, capacity, ingestTimestamp, eventId);
    }

    private int encode(final MutableDirectBuffer buffer, final int capacity, final long ingestTimestamp, final long eventId)
    {
        long x = rng;
        x ^= x << 13;
        x ^= x >>> 7;
        x ^= x << 17;
        rng = x;
        final Template t = templates[(int)(x & (TEMPLATES - 1))];
        final byte[] encoded = t.encoded;
        if (encoded.length > capacity)
        {
            return -1;
        }
        // The template was encoded once with SBE; copy it whole and set what differs per event.
        buffer.putBytes(0, encoded);
        encoder.wrap(buffer, EventFrames.HEADER_LENGTH)
            .eventId(eventId)
            .timestamp(ingestTimestamp)
            .ingestTimestamp(ingestTimestamp);
        return encoded.length;
    }

    /** Encodes a template with SBE into its byte form (ids and times zero). */
    private byte[] preEncode(final Template t)
    {
        final org.agrona.concurrent.UnsafeBuffer b = new org.agrona.concurrent.UnsafeBuffer(new byte[t.encodedLength()]);
        final EventEncoder e = encoder.wrapAndApplyHeader(b, 0, header)
            .eventId(0)
            .nodeId(0)
            .timestamp(0)
            .ingestTimestamp(0)
            .eventType(t.type)
            .source(t.source)
            .severity(t.severity)
            .pid(t.pid)
            .ppid(t.ppid)
            .uid(t.uid)
            .cgroupId(t.cgroupId)
            .exitCode(t.exitCode)
            .spanId(0)
            .parentSpanId(0)
            .correlationId(0)
            .patternId(0);
        e.traceId().hi(0).lo(0);
        e.impact().business(0f).customerFacing(BooleanType.F).sloImpact(BooleanType.F);
        final EventEncoder.AttributesEncoder a = e.attributesCount(t.attrKeys.length);
        for (int i = 0; i < t.attrKeys.length; i++)
        {
            a.next().putKey(t.attrKeys[i], 0, t.attrKeys[i].length).putValue(t.attrValues[i], 0, t.attrValues[i].length);
        }
        e.relatedCount(0);
        e.putNodeName(EMPTY, 0, 0)
            .putNamespaceName(t.namespace, 0, t.namespace.length)
            .putPod(t.pod, 0, t.pod.length)
            .putPodUid(t.podUid, 0, t.podUid.length)
            .putContainerName(t.container, 0, t.container.length)
            .putContainerId(t.containerId, 0, t.containerId.length)
            .putUnit(t.unit, 0, t.unit.length)
            .putComm(t.comm, 0, t.comm.length)
            .putMessage(t.message, 0, t.message.length)
            .putTypeName(t.typeName, 0, t.typeName.length);
        final int length = EventFrames.HEADER_LENGTH + e.encodedLength();
        if (length != b.capacity())
        {
            throw new IllegalStateException("template length mismatch: " + length + " != " + b.capacity());
        }
        return b.byteArray();
    }

    private static final byte[] EMPTY = new byte[0];

    /** One pre-built event shape. */
    private static final class Template
    {
        EventType type;
        dev.tapio.codecs.sbe.Source source;
        Severity severity = Severity.INFO;
        int pid = EventEncoder.pidNullValue();
        int ppid = EventEncoder.ppidNullValue();
        long uid = EventEncoder.uidNullValue();
        long cgroupId;
        int exitCode = EventEncoder.exitCodeNullValue();
        byte[] namespace = EMPTY;
        byte[] pod = EMPTY;
        byte[] podUid = EMPTY;
        byte[] container = EMPTY;
        byte[] containerId = EMPTY;
        byte[] unit = EMPTY;
        byte[] comm = EMPTY;
        byte[] message = EMPTY;
        byte[] typeName = EMPTY;
        byte[][] attrKeys = new byte[0][];
        byte[][] attrValues = new byte[0][];
        byte[] encoded;

        int encodedLength()
        {
            int n = EventFrames.MIN_ENCODED_LENGTH + namespace.length + pod.length + podUid.length + container.length +
                containerId.length + unit.length + comm.length + message.length + typeName.length;
            for (int i = 0; i < attrKeys.length; i++)
            {
                n += 4 + attrKeys[i].length + attrValues[i].length;
            }
            return n;
        }
    }

    private static final String[] WORKLOADS = {
        "web", "api", "checkout", "cart", "payments", "search", "auth", "catalog", "orders", "inventory", "redis",
        "postgres", "kafka", "nginx", "envoy", "worker", "scheduler", "metrics", "logging", "gateway"
    };
    private static final String[] COMMS = {
        "nginx", "envoy", "java", "python3", "node", "postgres", "redis-server", "sh", "bash", "curl", "true", "sleep",
        "containerd-shim", "runc", "kubelet", "coredns", "pause", "ls", "cat", "grep"
    };
    private static final String[] UNITS = {
        "containerd.service", "docker.service", "kubelet.service", "systemd-journald.service", "sshd.service",
        "cron.service", "systemd-resolved.service", "chronyd.service", "node-exporter.service", "nginx.service"
    };

    /** Type weights per thousand; the mix of a busy Kubernetes node. */
    private static final Object[][] MIX = {
        { EventType.KERNEL_PROCESS_EXEC, 300 }, { EventType.KERNEL_PROCESS_EXIT, 280 },
        { EventType.KERNEL_NETWORK_RETRANSMIT, 100 }, { EventType.KERNEL_NETWORK_RESET, 30 },
        { EventType.KERNEL_CONTAINER_OOM_KILL, 5 }, { EventType.K8S_POD_CREATED, 20 },
        { EventType.K8S_POD_SCHEDULED, 20 }, { EventType.K8S_POD_RUNNING, 20 }, { EventType.K8S_POD_FAILED, 5 },
        { EventType.K8S_POD_RESTARTED, 15 }, { EventType.K8S_POD_DELETED, 10 }, { EventType.K8S_EVENT_WARNING, 30 },
        { EventType.K8S_NODE_PRESSURE, 5 }, { EventType.SYSTEMD_UNIT_STARTED, 30 },
        { EventType.SYSTEMD_UNIT_STOPPED, 20 }, { EventType.SYSTEMD_UNIT_FAILED, 10 },
        { EventType.CNI_IP_ALLOCATED, 20 }, { EventType.CNI_IP_RELEASED, 15 }, { EventType.CNI_ERROR, 5 },
        { EventType.HTTP_ERROR_RATE, 20 }, { EventType.OTHER, 10 }
    };

    private static Template[] buildTemplates(final SplittableRandom r, final int namespaces, final int pods)
    {
        int total = 0;
        for (final Object[] m : MIX)
        {
            total += (Integer)m[1];
        }
        final Template[] out = new Template[TEMPLATES];
        for (int i = 0; i < TEMPLATES; i++)
        {
            int pick = r.nextInt(total);
            EventType type = EventType.OTHER;
            for (final Object[] m : MIX)
            {
                pick -= (Integer)m[1];
                if (pick < 0)
                {
                    type = (EventType)m[0];
                    break;
                }
            }
            out[i] = template(r, type, namespaces, pods);
        }
        return out;
    }

    private static Template template(final SplittableRandom r, final EventType type, final int namespaces, final int pods)
    {
        final Template t = new Template();
        t.type = type;
        final int podIndex = r.nextInt(pods);
        final int ns = podIndex % namespaces;
        final String workload = WORKLOADS[podIndex % WORKLOADS.length];
        final String namespace = "team-" + ns;
        final String pod = workload + "-" + Long.toHexString(0x7d9c0000L + podIndex).substring(0, 5) + "-" +
            Integer.toString(podIndex % 997, 36);
        final String podUid = new java.util.UUID(0x5eed0000_0000_4000L | podIndex, 0x8000_0000_0000_0000L | podIndex * 31L)
            .toString();
        final String containerId = String.format("%016x%016x%016x%016x", podIndex * 0x9E3779B97F4A7C15L, (long)podIndex,
            podIndex * 31L, podIndex * 131L);
        final int pid = 1000 + r.nextInt(4_000_000);
        final String comm = COMMS[r.nextInt(COMMS.length)];
        switch (type)
        {
            case KERNEL_PROCESS_EXEC:
            case KERNEL_PROCESS_EXIT:
            case KERNEL_NETWORK_RETRANSMIT:
            case KERNEL_NETWORK_RESET:
            case KERNEL_CONTAINER_OOM_KILL:
                t.source = dev.tapio.codecs.sbe.Source.KERNEL;
                t.pid = pid;
                t.ppid = pid - 1 - r.nextInt(900);
                t.uid = r.nextInt(10) < 7 ? 0 : 1000 + r.nextInt(100);
                t.cgroupId = 4096 + podIndex;
                t.comm = utf8(comm);
                t.containerId = utf8(containerId);
                if (type == EventType.KERNEL_PROCESS_EXIT)
                {
                    final int e = r.nextInt(100);
                    t.exitCode = e < 90 ? 0 : e < 97 ? 1 : 137;
                }
                else if (type == EventType.KERNEL_NETWORK_RETRANSMIT || type == EventType.KERNEL_NETWORK_RESET)
                {
                    t.severity = type == EventType.KERNEL_NETWORK_RESET ? Severity.WARNING : Severity.INFO;
                    attrs(t, "net.peer.ip", "10.244." + r.nextInt(256) + "." + r.nextInt(256),
                        "net.peer.port", Integer.toString(new int[]{ 80, 443, 5432, 6379, 8080, 9092 }[r.nextInt(6)]));
                }
                else if (type == EventType.KERNEL_CONTAINER_OOM_KILL)
                {
                    t.severity = Severity.ERROR;
                    attrs(t, "process.rss", Integer.toString(256 + r.nextInt(4096)) + "MiB");
                }
                break;
            case K8S_POD_CREATED:
            case K8S_POD_SCHEDULED:
            case K8S_POD_RUNNING:
            case K8S_POD_FAILED:
            case K8S_POD_RESTARTED:
            case K8S_POD_DELETED:
            case K8S_EVENT_WARNING:
                t.source = dev.tapio.codecs.sbe.Source.KUBERNETES;
                t.namespace = utf8(namespace);
                t.pod = utf8(pod);
                t.podUid = utf8(podUid);
                t.container = utf8(workload);
                if (type == EventType.K8S_POD_FAILED || type == EventType.K8S_EVENT_WARNING)
                {
                    t.severity = Severity.WARNING;
                    t.message = utf8(type == EventType.K8S_EVENT_WARNING ?
                        "Back-off restarting failed container " + workload : "Pod failed: container exited with 1");
                }
                else if (type == EventType.K8S_POD_RESTARTED)
                {
                    t.severity = Severity.WARNING;
                    t.exitCode = r.nextBoolean() ? 1 : 137;
                    t.message = utf8(t.exitCode == 137 ? "OOMKilled" : "Error");
                }
                break;
            case K8S_NODE_PRESSURE:
                t.source = dev.tapio.codecs.sbe.Source.KUBERNETES;
                t.severity = Severity.WARNING;
                attrs(t, "k8s.node.condition", new String[]{ "MemoryPressure", "DiskPressure", "PIDPressure" }[r.nextInt(3)]);
                break;
            case SYSTEMD_UNIT_STARTED:
            case SYSTEMD_UNIT_STOPPED:
            case SYSTEMD_UNIT_FAILED:
                t.source = dev.tapio.codecs.sbe.Source.SYSTEMD;
                t.unit = utf8(UNITS[r.nextInt(UNITS.length)]);
                if (type == EventType.SYSTEMD_UNIT_FAILED)
                {
                    t.severity = Severity.ERROR;
                    t.exitCode = 1 + r.nextInt(3);
                    t.message = utf8("Main process exited, code=exited, status=" + t.exitCode + "/FAILURE");
                }
                break;
            case CNI_IP_ALLOCATED:
            case CNI_IP_RELEASED:
            case CNI_ERROR:
                t.source = dev.tapio.codecs.sbe.Source.CNI;
                t.namespace = utf8(namespace);
                t.pod = utf8(pod);
                t.containerId = utf8(containerId);
                attrs(t, "net.host.ip", "10.244." + (podIndex >> 8 & 0xFF) + "." + (podIndex & 0xFF));
                if (type == EventType.CNI_ERROR)
                {
                    t.severity = Severity.ERROR;
                    t.message = utf8("failed to allocate for range 0: no IP addresses available in range set");
                }
                break;
            case HTTP_ERROR_RATE:
                t.source = dev.tapio.codecs.sbe.Source.KUBERNETES;
                t.severity = Severity.ERROR;
                t.namespace = utf8(namespace);
                t.pod = utf8(pod);
                attrs(t, "service.name", workload, "http.error_rate", "0." + (10 + r.nextInt(80)));
                break;
            default:
                t.source = dev.tapio.codecs.sbe.Source.SYNTHETIC;
                t.typeName = utf8("custom.audit");
                t.message = utf8("user " + r.nextInt(500) + " ran kubectl exec");
                break;
        }
        return t;
    }

    private static void attrs(final Template t, final String... kv)
    {
        t.attrKeys = new byte[kv.length / 2][];
        t.attrValues = new byte[kv.length / 2][];
        for (int i = 0; i < kv.length / 2; i++)
        {
            t.attrKeys[i] = utf8(kv[2 * i]);
            t.attrValues[i] = utf8(kv[2 * i + 1]);
        }
    }

    private static byte[] utf8(final String s)
    {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
