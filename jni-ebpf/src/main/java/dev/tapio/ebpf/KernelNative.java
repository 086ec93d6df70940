package dev.tapio.ebpf;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * The JNI shim over libbpf ({@code src/main/native/tapio_jni.c}). The library is built by this module's
 * Maven build into the jar; when the build machine lacked clang, bpftool or libbpf it is absent and
 * {@link #unavailableReason()} says why (the kernel collector then reports itself unhealthy with it).
 */
public final class KernelNative
{
    /** Bit per record kind for {@link #open}: {@code 1 << KernelRecord.EXEC} and so on. */
    public static final int ALL_KINDS = (1 << KernelRecord.EXEC) | (1 << KernelRecord.EXIT) |
        (1 << KernelRecord.OOM_KILL) | (1 << KernelRecord.RETRANSMIT) | (1 << KernelRecord.RESET);

    /** Indexes into {@link #stats}'s array: records copied to Java. */
    public static final int STAT_RECEIVED = 0;
    /** Perf: the totals of the PERF_RECORD_LOST records read, i.e. the losses the kernel has reported so far. */
    public static final int STAT_LOST = 1;
    /** Records that did not fit the poll buffer (none: a poll stops before the buffer could overflow). */
    public static final int STAT_OVERFLOW = 2;
    /**
     * Perf: the samples the perf events dropped by their own count (PERF_FORMAT_LOST), -1 before Linux 6.0
     * or with the ring buffer. Perf reports a loss by a PERF_RECORD_LOST written in front of the next
     * sample that fits on that CPU, so {@link #STAT_LOST} lags this by the losses not reported yet (and
     * keeps lagging once the programs stop); this one equals the kernel's output failures at any time.
     */
    public static final int STAT_PERF_DROPPED = 3;
    /** Kernel-side counters start here: {@code STAT_KERNEL + KernelRecord.EXEC} = exec records emitted. */
    public static final int STAT_KERNEL = 4;
    /** Kernel side: emits the output map refused (full). */
    public static final int STAT_OUTPUT_FAILED = STAT_KERNEL;
    public static final int STATS = STAT_KERNEL + 8;

    private static final String RESOURCE = "/dev/tapio/ebpf/native/";
    private static final String UNAVAILABLE;

    static
    {
        UNAVAILABLE = load();
    }

    private KernelNative()
    {
    }

    /** Null when the shim is loaded; else why not, in one line. */
    public static String unavailableReason()
    {
        return UNAVAILABLE;
    }

    private static String load()
    {
        if (!System.getProperty("os.name", "").startsWith("Linux"))
        {
            return "the kernel collector needs Linux (this is " + System.getProperty("os.name") + ")";
        }
        try (InputStream reason = KernelNative.class.getResourceAsStream(RESOURCE + "UNAVAILABLE"))
        {
            if (reason != null)
            {
                return "not built: " + new String(reason.readAllBytes(), StandardCharsets.UTF_8).trim();
            }
        }
        catch (final IOException e)
        {
            return "cannot read the build's reason: " + e.getMessage();
        }
        try (InputStream lib = KernelNative.class.getResourceAsStream(RESOURCE + "libtapio-ebpf.so"))
        {
            if (lib == null)
            {
                return "not built: libtapio-ebpf.so is missing from the jar";
            }
            final Path tmp = Files.createTempFile("libtapio-ebpf", ".so");
            tmp.toFile().deleteOnExit();
            Files.copy(lib, tmp, StandardCopyOption.REPLACE_EXISTING);
            System.load(tmp.toString());
            return null;
        }
        catch (final IOException | UnsatisfiedLinkError e)
        {
            return "cannot load libtapio-ebpf.so: " + e.getMessage() + " (is libbpf1 installed?)";
        }
    }

    /**
     * Loads the programs of {@code kinds} and attaches them; the output buffer exists before they run.
     *
     * @param ringbuf        a BPF ring buffer of {@code ringbufBytes} instead of per-CPU perf buffers
     * @param btf            tp_btf programs (no tracefs needed) instead of classic tracepoints
     * @param perfPages      pages per CPU of each perf buffer (a power of two)
     * @param wakeupEvents   perf: wake the reader every this many records (1: at once)
     * @return a handle for the other calls
     * @throws IOException with errno and libbpf's last message when the kernel refuses
     */
    static native long open(boolean ringbuf, boolean btf, int perfPages, int wakeupEvents, int ringbufBytes, int kinds)
        throws IOException;

    /**
     * Waits up to {@code timeoutMs} for records and copies them into {@code buffer} (direct) as
     * {@code [u32 length][record][padding to 8]}.
     *
     * @return bytes written, or a negative errno
     */
    static native int poll(long handle, ByteBuffer buffer, int timeoutMs);

    /**
     * Takes what waits in the buffers without waiting for a wake-up, like {@link #poll}.
     *
     * @return bytes written (0: nothing left), or a negative errno
     */
    static native int drain(long handle, ByteBuffer buffer);

    /**
     * Detaches every program and waits (an RCU grace period) until none is still running, so the
     * kernel's counters no longer move: a {@link #drain} to 0 then {@link #stats} gives exact final figures.
     *
     * @return 0, or a negative errno when the wait failed (the programs are detached all the same)
     */
    static native int detach(long handle);

    /** Fills {@code out} (length {@link #STATS}): received, lost, overflow, perf dropped, then the kernel's counters. */
    static native void stats(long handle, long[] out);

    static native void close(long handle);
}
