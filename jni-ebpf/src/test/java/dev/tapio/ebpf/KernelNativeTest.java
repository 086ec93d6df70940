package dev.tapio.ebpf;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The shim's error path on the real kernel: a refused open throws an IOException that says what failed,
 * with errno and libbpf's last message. Run, like the module's other tests, under -Xcheck:jni (the pom),
 * which reports JNI misuse on the way there. Needs root and the native shim; otherwise skipped.
 */
@Timeout(60)
class KernelNativeTest
{
    @BeforeAll
    static void needsTheKernel() throws Exception
    {
        final String reason = KernelCollector.unavailableReason();
        Assumptions.assumeTrue(reason == null, () -> "kernel collector unavailable: " + reason);
        final int uid = (Integer)Files.getAttribute(Path.of("/proc/self"), "unix:uid");
        Assumptions.assumeTrue(uid == 0, "loading BPF programs needs root (CAP_BPF and CAP_PERFMON); uid is " + uid);
    }

    @Test
    void perfBuffersOfAPageCountNotAPowerOfTwoAreRefusedWithTheReason()
    {
        final IOException e = assertThrows(IOException.class,
            () -> KernelNative.open(false, false, 3, 1, 4096, KernelNative.ALL_KINDS));
        assertTrue(e.getMessage().startsWith("creating the perf buffers: Invalid argument (errno 22); libbpf: "), e::getMessage);
        assertFalse(e.getMessage().contains("libbpf: libbpf:"), e::getMessage);
    }
}
