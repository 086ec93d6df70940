package dev.tapio.ebpf;

import dev.tapio.engine.config.ConfigException;
import dev.tapio.engine.config.ConfigNode;

import java.time.Duration;
import java.util.List;
import java.util.Locale;

/**
 * Options of the kernel collector ({@code sources: kernel: ...}); every option and its default is in
 * docs/CONFIG.md. Immutable.
 */
public final class KernelSettings
{
    /** Where the BPF programs write. */
    public enum Output
    {
        /** Per-CPU perf buffers (BPF_MAP_TYPE_PERF_EVENT_ARRAY), as the design says; the default. */
        PERF,
        /** One BPF ring buffer shared by all CPUs (ordered, no per-CPU memory). */
        RINGBUF
    }

    /** Which flavour of the programs to attach. */
    public enum Programs
    {
        /** Classic tracepoints when tracefs is mounted, else tp_btf. */
        AUTO,
        TRACEPOINT,
        BTF
    }

    public static final List<String> KIND_NAMES = List.of("exec", "exit", "oom", "retransmit", "reset");

    private final Output output;
    private final Programs programs;
    private final int perfPages;
    private final int wakeupEvents;
    private final int ringbufBytes;
    private final int kinds;
    private final Duration pollTimeout;

    private KernelSettings(final Output output, final Programs programs, final int perfPages, final int wakeupEvents,
        final int ringbufBytes, final int kinds, final Duration pollTimeout)
    {
        this.output = output;
        this.programs = programs;
        this.perfPages = perfPages;
        this.wakeupEvents = wakeupEvents;
        this.ringbufBytes = ringbufBytes;
        this.kinds = kinds;
        this.pollTimeout = pollTimeout;
    }

    /** The defaults: perf buffers of 256 pages (1 MiB) per CPU, wake-up per record, every program. */
    public static KernelSettings defaults()
    {
        return new KernelSettings(Output.PERF, Programs.AUTO, 256, 1, 16 << 20, KernelNative.ALL_KINDS, Duration.ofMillis(100));
    }

    public KernelSettings withOutput(final Output o)
    {
        return new KernelSettings(o, programs, perfPages, wakeupEvents, ringbufBytes, kinds, pollTimeout);
    }

    public KernelSettings withPrograms(final Programs p)
    {
        return new KernelSettings(output, p, perfPages, wakeupEvents, ringbufBytes, kinds, pollTimeout);
    }

    public KernelSettings withPerfPages(final int pages)
    {
        if (pages < 1 || Integer.bitCount(pages) != 1)
        {
            throw new IllegalArgumentException("perfPages must be a power of two, got " + pages);
        }
        return new KernelSettings(output, programs, pages, wakeupEvents, ringbufBytes, kinds, pollTimeout);
    }

    public KernelSettings withWakeupEvents(final int n)
    {
        return new KernelSettings(output, programs, perfPages, Math.max(1, n), ringbufBytes, kinds, pollTimeout);
    }

    /** The BPF ring buffer's size: a power of two of at least a page (4096), as the kernel requires. */
    public KernelSettings withRingbufBytes(final int bytes)
    {
        if (bytes < 4096 || Integer.bitCount(bytes) != 1)
        {
            throw new IllegalArgumentException("ringbufBytes must be a power of two of at least 4096, got " + bytes);
        }
        return new KernelSettings(output, programs, perfPages, wakeupEvents, bytes, kinds, pollTimeout);
    }

    public static KernelSettings fromConfig(final ConfigNode c) throws ConfigException
    {
        final Output output = Output.valueOf(c.choice("output", "perf", "perf", "ringbuf").toUpperCase(Locale.ROOT));
        final Programs programs = Programs.valueOf(
            c.choice("programs", "auto", "auto", "tracepoint", "btf").toUpperCase(Locale.ROOT));
        final int pages = c.intValue("perfPages", 256, 1, 1 << 16);
        if (Integer.bitCount(pages) != 1)
        {
            throw c.error("perfPages", "must be a power of two (pages per CPU), got " + pages);
        }
        final int wakeup = c.intValue("wakeupEvents", 1, 1, 1 << 20);
        final long rb = c.bytes("ringbufBytes", 16 << 20, 4096, 1L << 30);
        if (Long.bitCount(rb) != 1)
        {
            throw c.error("ringbufBytes", "must be a power of two, got " + rb);
        }
        int kinds = KernelNative.ALL_KINDS;
        if (c.has("events"))
        {
            kinds = 0;
            final List<String> names = c.stringList("events");
            for (int i = 0; i < names.size(); i++)
            {
                final int k = KIND_NAMES.indexOf(names.get(i));
                if (k < 0)
                {
                    throw c.error("events", i, "unknown kernel event \"" + names.get(i) + "\" (expected " + KIND_NAMES + ")");
                }
                kinds |= 1 << (k + 1);
            }
        }
        final Duration poll = c.duration("pollTimeout", Duration.ofMillis(100));
        return new KernelSettings(output, programs, pages, wakeup, (int)rb, kinds, poll);
    }

    public Output output()
    {
        return output;
    }

    public Programs programs()
    {
        return programs;
    }

    public int perfPages()
    {
        return perfPages;
    }

    public int wakeupEvents()
    {
        return wakeupEvents;
    }

    public int ringbufBytes()
    {
        return ringbufBytes;
    }

    /** Bit {@code 1 << kind} per program to load. */
    public int kinds()
    {
        return kinds;
    }

    public Duration pollTimeout()
    {
        return pollTimeout;
    }
}
