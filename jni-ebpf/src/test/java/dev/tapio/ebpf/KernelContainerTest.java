package dev.tapio.ebpf;

import dev.tapio.codecs.EventDraft;
import dev.tapio.codecs.sbe.EventType;
import dev.tapio.engine.Engine;
import dev.tapio.engine.spi.EventView;
import dev.tapio.engine.spi.Sink;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A process in a cgroup named the way containerd names a Kubernetes container gets that container's
 * id and pod uid on its kernel events, also when it is gone before the collector looks (/bin/true).
 * Needs root, cgroup v2 and the native shim; skipped with the reason otherwise.
 */
@Timeout(60)
class KernelContainerTest
{
    private static final Path CGROUP2 = CgroupResolver.cgroup2Root();

    @BeforeEach
    void needsTheKernel() throws Exception
    {
        KernelTestSupport.assumeKernelCollector();
        Assumptions.assumeTrue(CGROUP2 != null && Files.isRegularFile(CGROUP2.resolve("cgroup.procs")),
            "no cgroup v2 file system mounted (/proc/self/mountinfo)");
    }

    @Test
    void aShortLivedProcessInAContainerCgroupCarriesTheContainerIdAndPodUid() throws Exception
    {
        final Path top = CGROUP2.resolve("tapio-test-" + ProcessHandle.current().pid());
        final Path leaf = top.resolve("kubepods-burstable-pod" + CgroupResolverTest.POD.replace('-', '_') + ".slice")
            .resolve("cri-containerd-" + CgroupResolverTest.ID + ".scope");
        Files.createDirectories(leaf);
        final List<String> seen = new CopyOnWriteArrayList<>();
        final KernelCollector kernel = new KernelCollector("kernel", KernelSettings.defaults());
        final Engine engine = KernelTestSupport.start(kernel, new Sink()
            {
                final EventDraft d = new EventDraft();

                @Override
                public String name()
                {
                    return "containers";
                }

                @Override
                public void onEvent(final EventView event)
                {
                    d.from(event.decoder());
                    if (d.type == EventType.KERNEL_PROCESS_EXEC && "tapio-ctr-true".equals(d.text(EventDraft.COMM).toString()))
                    {
                        seen.add(d.text(EventDraft.CONTAINER_ID) + " " + d.text(EventDraft.POD_UID));
                    }
                }
            });
        try
        {
            // A copy of /bin/true named tapio-ctr-true, so nothing else on the machine matches its comm.
            final Path exe = Files.copy(Path.of("/bin/true"), Files.createTempDirectory("tapio-ctr").resolve("tapio-ctr-true"));
            exe.toFile().setExecutable(true);
            final Process p = new ProcessBuilder("sh", "-c", "echo $$ > " + leaf.resolve("cgroup.procs") + " && exec " + exe)
                .inheritIO().start();
            assertEquals(0, p.waitFor());
            KernelTestSupport.until(() -> !seen.isEmpty(), java.time.Duration.ofSeconds(30), () -> "no exec event of tapio-ctr-true");
            assertEquals(List.of(CgroupResolverTest.ID + " " + CgroupResolverTest.POD), seen);
            Files.delete(exe);
        }
        finally
        {
            assertTrue(engine.stop());
            Files.deleteIfExists(leaf);
            Files.deleteIfExists(leaf.getParent());
            Files.deleteIfExists(top);
        }
    }
}
