package dev.tapio.ebpf;

import dev.tapio.codecs.EventDraft;
import dev.tapio.codecs.Utf8Text;
import dev.tapio.codecs.sbe.EventType;
import dev.tapio.codecs.sbe.Severity;
import dev.tapio.engine.spi.Publisher;
import dev.tapio.engine.spi.SlotWriter;
import dev.tapio.engine.spi.Source;
import dev.tapio.engine.spi.SourceContext;
import dev.tapio.engine.spi.SourceUnavailableException;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;

/**
 * The kernel collector: loads Tapio's BPF programs through {@link KernelNative}, polls their records
 * into one direct buffer, and encodes each straight into a ring slot. Nothing is allocated per event:
 * the record is read in place, its strings are copied into a reused {@link EventDraft}.
 *
 * <pre>
 *   kernel: tracepoint ─► BPF program ─► perf buffer (per CPU) or BPF ring buffer
 *   JNI:    poll ─► copy records into the direct buffer
 *   here:   for each record: fill the draft, claim a slot, encode (latency measured from the kernel's timestamp)
 * </pre>
 *
 * Loss is exact: the kernel counts what each program tried to emit and what the output map refused;
 * the shim counts what it received and the perf buffer's lost-sample records ({@link #stats()}). On stop
 * the programs are detached, what they left in the buffers is drained and published, and the final
 * figures are kept, so that after {@link #run} returned they balance to the record.
 * cgroup → container id and pod uid come from {@code /proc/<pid>/cgroup}, once per cgroup ({@link CgroupResolver}).
 * When the kernel collector cannot run (no shim built, no privileges, no BTF) {@link #run} throws
 * {@link SourceUnavailableException} with the reason in one line; the collector manager reports it
 * {@code unavailable}, tries again only after {@code restart.unavailableRetry}, and keeps running the other sources.
 */
public final class KernelCollector implements Source
{
    private static final SlotWriter<KernelCollector> WRITER = KernelCollector::write;
    /** Distinct cgroups remembered (container id or none); beyond, the cache starts afresh. */
    static final int CGROUP_CACHE = 16_384;
    static final long COUNTERS_EVERY_NANOS = 250_000_000L;
    private static final Path TRACEFS_EXEC = Path.of("/sys/kernel/tracing/events/sched/sched_process_exec/id");

    private final String name;
    private final KernelSettings settings;
    private final ByteBuffer buffer;
    private final UnsafeBuffer view = new UnsafeBuffer(new byte[0]);
    private final EventDraft draft = new EventDraft();
    private final Ascii text = new Ascii();
    private final long[] finalStats = new long[KernelNative.STATS];
    private final long[] liveStats = new long[KernelNative.STATS];
    /** The loss accounting as engine counters, set from {@link #stats()} about every {@link #COUNTERS_EVERY_NANOS}. */
    private org.agrona.concurrent.status.AtomicCounter[] exported;
    private long countersAt;
    private final CgroupResolver cgroups = new CgroupResolver(CGROUP_CACHE);
    private final long epochMinusMonotonic;
    private volatile long handle;
    /** Guarded by this: run() owns the handle and releases it on its way out. */
    private boolean inRun;
    private volatile String health = "not started";
    private volatile boolean usedBtf;

    public KernelCollector(final String name, final KernelSettings settings)
    {
        this.name = name;
        this.settings = settings;
        // One poll drains every per-CPU buffer, so the buffer holds all of them at once (or the ring buffer).
        final long perf = (long)settings.perfPages() * 4096L * Runtime.getRuntime().availableProcessors();
        final long cap = Math.min(Integer.MAX_VALUE - 8, 2 * Math.max(perf, settings.ringbufBytes()) + 4096);
        this.buffer = ByteBuffer.allocateDirect((int)cap);
        view.wrap(buffer);
        final Instant now = Instant.now();
        this.epochMinusMonotonic = now.getEpochSecond() * 1_000_000_000L + now.getNano() - System.nanoTime();
    }

    @Override
    public String name()
    {
        return name;
    }

    @Override
    public dev.tapio.codecs.sbe.Source origin()
    {
        return dev.tapio.codecs.sbe.Source.KERNEL;
    }

    /** "healthy", or why not (one line). */
    public String health()
    {
        return health;
    }

    /** Whether the tp_btf programs were chosen (tracefs absent, or configured). */
    public boolean usesBtfPrograms()
    {
        return usedBtf;
    }

    /**
     * A snapshot of the loss accounting, indexed by {@link KernelNative}'s {@code STAT_*}: received, lost
     * (perf lost-sample records), overflow, perf dropped, and the kernel's counters ({@code STAT_KERNEL + kind}
     * = records of that kind the programs emitted; {@link KernelNative#STAT_OUTPUT_FAILED}). While running,
     * the kernel's counters run ahead of what was received by the records in flight. Once {@link #run}
     * returned, the final figures, taken after the programs were detached and the buffers drained: then
     * the sum of the kinds = received + output failed exactly (+ overflow, which is 0), and for perf output
     * failed = perf dropped.
     */
    public long[] stats()
    {
        final long[] out = new long[KernelNative.STATS];
        synchronized (this)
        {
            if (handle != 0)
            {
                KernelNative.stats(handle, out);
            }
            else
            {
                System.arraycopy(finalStats, 0, out, 0, out.length);
            }
        }
        return out;
    }

    /**
     * Registers the loss accounting beside the engine's counters ({@code docs/CONFIG.md}, kernel):
     * {@code tapio_kernel_records_total{source,result="received|output_failed|lost_reported|overflow"}} and
     * {@code tapio_kernel_emitted_total{source,kind}}.
     */
    @Override
    public void counters(final dev.tapio.engine.metrics.EngineCounters counters)
    {
        final org.agrona.concurrent.status.AtomicCounter[] c = new org.agrona.concurrent.status.AtomicCounter[KernelNative.STATS];
        final String records = "tapio_kernel_records_total{source=\"" + name + "\",result=\"";
        c[KernelNative.STAT_RECEIVED] = counters.counter(records + "received\"}");
        c[KernelNative.STAT_LOST] = counters.counter(records + "lost_reported\"}");
        c[KernelNative.STAT_OVERFLOW] = counters.counter(records + "overflow\"}");
        c[KernelNative.STAT_OUTPUT_FAILED] = counters.counter(records + "output_failed\"}");
        for (int kind = KernelRecord.EXEC; kind <= KernelRecord.RESET; kind++)
        {
            c[KernelNative.STAT_KERNEL + kind] = counters.counter("tapio_kernel_emitted_total{source=\"" + name +
                "\",kind=\"" + KernelSettings.KIND_NAMES.get(kind - 1) + "\"}");
        }
        exported = c;
    }

    /** Copies the figures into the exported counters; the run thread only. */
    private void export(final long[] figures)
    {
        final org.agrona.concurrent.status.AtomicCounter[] c = exported;
        if (c == null)
        {
            return;
        }
        for (int i = 0; i < c.length; i++)
        {
            if (c[i] != null && figures[i] >= 0)
            {
                c[i].setRelease(figures[i]);
            }
        }
    }

    /** Why the kernel collector cannot start here, or null when it may; checked without loading anything. */
    public static String unavailableReason()
    {
        return KernelNative.unavailableReason();
    }

    @Override
    public void run(final SourceContext context) throws Exception
    {
        final String unavailable = KernelNative.unavailableReason();
        if (unavailable != null)
        {
            health = "unavailable: " + unavailable;
            throw new SourceUnavailableException(unavailable);
        }
        final boolean btf = settings.programs() == KernelSettings.Programs.BTF ||
            settings.programs() == KernelSettings.Programs.AUTO && !Files.isReadable(TRACEFS_EXEC);
        usedBtf = btf;
        try
        {
            synchronized (this)
            {
                inRun = true;
                handle = KernelNative.open(settings.output() == KernelSettings.Output.RINGBUF, btf, settings.perfPages(),
                    settings.wakeupEvents(), settings.ringbufBytes(), settings.kinds());
            }
        }
        catch (final IOException e)
        {
            synchronized (this)
            {
                inRun = false;
            }
            health = "unavailable: " + explain(e.getMessage(), btf);
            throw new SourceUnavailableException(explain(e.getMessage(), btf), e);
        }
        try
        {
            health = "healthy";
            final Publisher publisher = context.publisher();
            final int timeout = (int)Math.max(1, settings.pollTimeout().toMillis());
            while (context.running())
            {
                context.heartbeat(); // alive even on a quiet kernel: restart.hangTimeout can tell a stuck poll
                final int n = KernelNative.poll(handle, buffer, timeout);
                if (n < 0)
                {
                    context.errors().record("kernel poll", "source " + name + ": polling the kernel's buffers failed: errno " + -n);
                    continue;
                }
                publishAll(publisher, n);
                final long now = System.nanoTime();
                if (exported != null && now - countersAt >= COUNTERS_EVERY_NANOS)
                {
                    countersAt = now;
                    KernelNative.stats(handle, liveStats);
                    export(liveStats);
                }
            }
            // Stopping: once no program runs, take what they left, so that nothing emitted goes unread and
            // the final stats balance exactly (the engine still accepts events until run returns).
            final int detached = KernelNative.detach(handle);
            if (detached < 0)
            {
                context.errors().record("kernel detach", "source " + name +
                    ": waiting for the detached programs failed (errno " + -detached + "); the final stats may miss their last records");
            }
            int n;
            while ((n = KernelNative.drain(handle, buffer)) > 0)
            {
                publishAll(publisher, n);
            }
            if (n < 0)
            {
                context.errors().record("kernel drain", "source " + name + ": draining the kernel's buffers failed: errno " + -n);
            }
            health = "stopped";
        }
        finally
        {
            synchronized (this)
            {
                inRun = false;
                release();
            }
        }
    }

    /** The buffer polls copy records into (tests fill it themselves). */
    ByteBuffer pollBuffer()
    {
        return buffer;
    }

    /** Decodes and publishes the records in the first {@code n} bytes of {@link #pollBuffer()}. */
    void publishAll(final Publisher publisher, final int n)
    {
        int pos = 0;
        while (pos + 4 <= n)
        {
            final int length = view.getInt(pos, java.nio.ByteOrder.LITTLE_ENDIAN);
            final int at = pos + 4;
            if (length >= KernelRecord.LENGTH)
            {
                publish(publisher, at);
            }
            pos += (4 + length + 7) & ~7;
        }
    }

    /** Keeps the final stats and frees the programs and buffers; the caller holds the lock. */
    private void release()
    {
        final long h = handle;
        if (h != 0)
        {
            KernelNative.stats(h, finalStats);
            export(finalStats);
            handle = 0;
            KernelNative.close(h);
        }
    }

    /** Turns libbpf's refusal into what to do about it. */
    static String explain(final String message, final boolean btf)
    {
        final String m = message == null ? "" : message;
        if (m.contains("errno 1)") || m.contains("Operation not permitted"))
        {
            return "needs CAP_BPF and CAP_PERFMON (or CAP_SYS_ADMIN), or root: " + m;
        }
        if (!btf && (m.contains("errno 2)") || m.contains("No such file")))
        {
            return "tracefs not mounted at /sys/kernel/tracing (or the tracepoint is missing; programs: btf works without it): " + m;
        }
        return m;
    }

    private void publish(final Publisher publisher, final int at)
    {
        if (!fill(at))
        {
            publisher.reject("kernel record of unknown kind " + KernelRecord.kind(view, at));
            return;
        }
        final long ts = KernelRecord.i64(view, at, KernelRecord.TS_NS);
        publisher.publishBatch(WRITER, this, 1, ts, 0);
    }

    private static int write(
        final MutableDirectBuffer slot, final int capacity, final long ingestTimestamp, final long eventId, final int index,
        final KernelCollector self)
    {
        return self.draft.encode(slot, 0, capacity, ingestTimestamp, eventId, dev.tapio.codecs.sbe.Source.KERNEL);
    }

    /** Fills the draft from the record at {@code at}; false for a kind this version does not know. */
    private boolean fill(final int at)
    {
        final UnsafeBuffer b = view;
        final int kind = KernelRecord.kind(b, at);
        final EventDraft d = draft.reset();
        d.source = dev.tapio.codecs.sbe.Source.KERNEL;
        d.timestamp = KernelRecord.i64(b, at, KernelRecord.TS_NS) + epochMinusMonotonic;
        final int pid = KernelRecord.i32(b, at, KernelRecord.PID);
        if (pid != 0)
        {
            d.pid = pid; // 0: the kernel could not tell whose it was (TCP in a softirq), so no pid rather than the idle task
        }
        final int ppid = KernelRecord.i32(b, at, KernelRecord.PPID);
        if (ppid != 0)
        {
            d.ppid = ppid;
        }
        d.uid = KernelRecord.i32(b, at, KernelRecord.UID) & 0xFFFF_FFFFL;
        d.cgroupId = KernelRecord.i64(b, at, KernelRecord.CGROUP_ID);
        final CgroupResolver.Container container = cgroups.resolve(d.pid, d.cgroupId);
        if (container.id.length > 0)
        {
            d.text(EventDraft.CONTAINER_ID).set(container.id);
            if (container.podUid.length > 0)
            {
                d.text(EventDraft.POD_UID).set(container.podUid);
            }
        }
        final Utf8Text comm = d.text(EventDraft.COMM);
        text.clear().cstr(b, at + KernelRecord.COMM, KernelRecord.COMM_LENGTH).into(comm);
        final long aux = KernelRecord.i64(b, at, KernelRecord.AUX);
        switch (kind)
        {
            case KernelRecord.EXEC:
                d.type = EventType.KERNEL_PROCESS_EXEC;
                d.severity = Severity.INFO;
                attribute(d, "process.executable.path");
                text.clear().cstr(b, at + KernelRecord.FILENAME, KernelRecord.FILENAME_LENGTH)
                    .into(d.attributeValue(d.attributeCount() - 1));
                text.into(d.text(EventDraft.MESSAGE));
                return true;
            case KernelRecord.EXIT:
            {
                d.type = EventType.KERNEL_PROCESS_EXIT;
                final int code = KernelRecord.i32(b, at, KernelRecord.EXIT_CODE);
                d.exitCode = code;
                d.severity = code == 0 && aux == 0 ? Severity.INFO : Severity.WARNING;
                if (aux != 0)
                {
                    attribute(d, "process.exit.signal");
                    text.clear().num(aux).into(d.attributeValue(d.attributeCount() - 1));
                    text.clear().ascii("killed by signal ").num(aux).into(d.text(EventDraft.MESSAGE));
                }
                else
                {
                    text.clear().ascii("exited with code ").num(code).into(d.text(EventDraft.MESSAGE));
                }
                return true;
            }
            case KernelRecord.OOM_KILL:
                d.type = EventType.KERNEL_CONTAINER_OOM_KILL;
                d.severity = Severity.ERROR;
                if (aux > 0)
                {
                    attribute(d, "process.memory.anon_rss_kib");
                    text.clear().num(aux).into(d.attributeValue(d.attributeCount() - 1));
                }
                text.clear().ascii("OOM killer chose ").cstr(b, at + KernelRecord.COMM, KernelRecord.COMM_LENGTH)
                    .ascii(" (pid ").num(d.pid).ascii(")").into(d.text(EventDraft.MESSAGE));
                return true;
            case KernelRecord.RETRANSMIT:
            case KernelRecord.RESET:
                d.type = kind == KernelRecord.RETRANSMIT ? EventType.KERNEL_NETWORK_RETRANSMIT : EventType.KERNEL_NETWORK_RESET;
                d.severity = Severity.WARNING;
                network(d, b, at, kind, aux);
                return true;
            default:
                return false;
        }
    }

    private void network(final EventDraft d, final UnsafeBuffer b, final int at, final int kind, final long state)
    {
        final int family = KernelRecord.u16(b, at, KernelRecord.NET_FAMILY);
        final int sport = KernelRecord.u16(b, at, KernelRecord.NET_SPORT);
        final int dport = KernelRecord.u16(b, at, KernelRecord.NET_DPORT);
        attribute(d, "network.transport");
        text.clear().ascii("tcp").into(d.attributeValue(d.attributeCount() - 1));
        attribute(d, "network.local.address");
        text.clear().ip(b, at + KernelRecord.NET_SADDR, family).into(d.attributeValue(d.attributeCount() - 1));
        attribute(d, "network.local.port");
        text.clear().num(sport).into(d.attributeValue(d.attributeCount() - 1));
        attribute(d, "network.peer.address");
        text.clear().ip(b, at + KernelRecord.NET_DADDR, family).into(d.attributeValue(d.attributeCount() - 1));
        attribute(d, "network.peer.port");
        text.clear().num(dport).into(d.attributeValue(d.attributeCount() - 1));
        attribute(d, "tcp.state");
        text.clear().ascii(KernelRecord.tcpState(state)).into(d.attributeValue(d.attributeCount() - 1));
        text.clear().ascii(kind == KernelRecord.RETRANSMIT ? "TCP retransmit " :
                state == 2 ? "TCP connection refused " : "TCP reset ")
            .endpoint(b, at + KernelRecord.NET_SADDR, family, sport).ascii(" -> ")
            .endpoint(b, at + KernelRecord.NET_DADDR, family, dport)
            .ascii(" (").ascii(KernelRecord.tcpState(state)).ascii(")").into(d.text(EventDraft.MESSAGE));
    }

    private static void attribute(final EventDraft d, final String key)
    {
        final int i = d.addAttribute();
        d.attributeKey(i).set(key);
    }

    @Override
    public void close()
    {
        synchronized (this)
        {
            // While run() still polls (it did not stop in time) it owns the handle and releases it on its way out.
            if (!inRun)
            {
                release();
            }
        }
    }

    /** A reused ASCII/UTF-8 byte builder: no allocation per event. */
    static final class Ascii
    {
        private byte[] bytes = new byte[256];
        private int length;

        Ascii clear()
        {
            length = 0;
            return this;
        }

        private void ensure(final int more)
        {
            if (length + more > bytes.length)
            {
                bytes = java.util.Arrays.copyOf(bytes, Math.max(bytes.length * 2, length + more));
            }
        }

        Ascii ascii(final String s)
        {
            ensure(s.length());
            for (int i = 0; i < s.length(); i++)
            {
                bytes[length++] = (byte)s.charAt(i);
            }
            return this;
        }

        Ascii cstr(final UnsafeBuffer b, final int offset, final int max)
        {
            final int n = KernelRecord.cstrLength(b, offset, 0, max);
            ensure(n);
            b.getBytes(offset, bytes, length, n);
            length += n;
            return this;
        }

        Ascii num(final long v)
        {
            if (v < 0)
            {
                ensure(1);
                bytes[length++] = '-';
                return num(-v);
            }
            ensure(20);
            final int start = length;
            long x = v;
            do
            {
                bytes[length++] = (byte)('0' + x % 10);
                x /= 10;
            }
            while (x != 0);
            for (int i = start, j = length - 1; i < j; i++, j--)
            {
                final byte t = bytes[i];
                bytes[i] = bytes[j];
                bytes[j] = t;
            }
            return this;
        }

        /**
         * An address as text: IPv4 dotted; IPv6 as RFC 5952 writes it (lower-case hex, the longest run of two
         * or more zero groups as "::"), except an IPv4-mapped one (::ffff:a.b.c.d, what a dual-stack socket,
         * e.g. any Java socket, holds for an IPv4 peer), which is the IPv4 address it maps.
         */
        Ascii ip(final UnsafeBuffer b, final int offset, final int family)
        {
            if (family == KernelRecord.AF_INET6 && !v4Mapped(b, offset))
            {
                int zeros = -1;
                int zerosLength = 1;
                for (int i = 0; i < 8; i++)
                {
                    int j = i;
                    while (j < 8 && group(b, offset, j) == 0)
                    {
                        j++;
                    }
                    if (j - i > zerosLength)
                    {
                        zeros = i;
                        zerosLength = j - i;
                    }
                    i = j;
                }
                for (int i = 0; i < 8; i++)
                {
                    if (i == zeros)
                    {
                        ascii("::");
                        i += zerosLength - 1;
                        continue;
                    }
                    if (i > 0 && i != zeros + zerosLength)
                    {
                        ascii(":");
                    }
                    hex(group(b, offset, i));
                }
                return this;
            }
            final int v4 = family == KernelRecord.AF_INET6 ? offset + 12 : offset;
            for (int i = 0; i < 4; i++)
            {
                if (i > 0)
                {
                    ascii(".");
                }
                num(b.getByte(v4 + i) & 0xFF);
            }
            return this;
        }

        /** address:port, an IPv6 address in brackets ([::1]:443). */
        Ascii endpoint(final UnsafeBuffer b, final int offset, final int family, final int port)
        {
            final boolean brackets = family == KernelRecord.AF_INET6 && !v4Mapped(b, offset);
            if (brackets)
            {
                ascii("[");
            }
            ip(b, offset, family);
            if (brackets)
            {
                ascii("]");
            }
            return ascii(":").num(port);
        }

        private static boolean v4Mapped(final UnsafeBuffer b, final int offset)
        {
            for (int i = 0; i < 10; i++)
            {
                if (b.getByte(offset + i) != 0)
                {
                    return false;
                }
            }
            return b.getByte(offset + 10) == (byte)0xFF && b.getByte(offset + 11) == (byte)0xFF;
        }

        private static int group(final UnsafeBuffer b, final int offset, final int i)
        {
            return ((b.getByte(offset + 2 * i) & 0xFF) << 8) | (b.getByte(offset + 2 * i + 1) & 0xFF);
        }

        private void hex(final int v)
        {
            ensure(4);
            boolean started = false;
            for (int shift = 12; shift >= 0; shift -= 4)
            {
                final int nibble = (v >> shift) & 0xF;
                if (nibble != 0 || started || shift == 0)
                {
                    bytes[length++] = (byte)"0123456789abcdef".charAt(nibble);
                    started = true;
                }
            }
        }

        void into(final Utf8Text target)
        {
            target.set(bytes, 0, length);
        }

        @Override
        public String toString()
        {
            return new String(bytes, 0, length, StandardCharsets.UTF_8);
        }
    }
}
