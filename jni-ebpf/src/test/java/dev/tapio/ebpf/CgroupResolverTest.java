package dev.tapio.ebpf;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

/** Container ids and pod uids from the cgroup paths that container runtimes write. */
class CgroupResolverTest
{
    static final String ID = "4b825dc642cb6eb9a060e54bf8d69288fbee4904a1b2c3d4e5f60718293a4b5c";
    static final String POD = "0f4e2c1a-9b8d-4e6f-a1b2-c3d4e5f60718";

    @TempDir
    Path dir;

    @Test
    void containerdUnderSystemdNamesTheContainerAndThePod()
    {
        final CgroupResolver.Container c = CgroupResolver.parse("0::/kubepods.slice/kubepods-burstable.slice/" +
            "kubepods-burstable-pod" + POD.replace('-', '_') + ".slice/cri-containerd-" + ID + ".scope\n");
        assertEquals(ID, c.id());
        assertEquals(POD, c.podUid());
    }

    @Test
    void cgroupfsDockerAndCrioLayouts()
    {
        assertEquals(ID, CgroupResolver.parse("0::/kubepods/besteffort/pod" + POD + "/" + ID + "\n").id());
        assertEquals(POD, CgroupResolver.parse("0::/kubepods/besteffort/pod" + POD + "/" + ID + "\n").podUid());
        assertEquals(ID, CgroupResolver.parse("0::/system.slice/docker-" + ID + ".scope\n").id());
        assertEquals(ID, CgroupResolver.parse("0::/machine.slice/crio-" + ID + ".scope\n").id());
        assertEquals(ID, CgroupResolver.parse("12:memory:/docker/" + ID + "\n11:cpu:/docker/" + ID + "\n").id());
    }

    @Test
    void aHostProcessIsNoContainer()
    {
        assertSame(CgroupResolver.NONE, CgroupResolver.parse("0::/user.slice/user-0.slice/session-1.scope\n"));
        assertSame(CgroupResolver.NONE, CgroupResolver.parse("0::/\n"));
        assertSame(CgroupResolver.NONE, CgroupResolver.parse("0::/system.slice/docker-" + ID.substring(1) + ".scope\n"));
        assertSame(CgroupResolver.NONE, CgroupResolver.parse("garbage"));
    }

    @Test
    void answersAreCachedByCgroupIdAndTheCacheIsBounded() throws Exception
    {
        final Path proc = Files.createDirectories(dir.resolve("proc"));
        Files.createDirectories(proc.resolve("10"));
        Files.writeString(proc.resolve("10/cgroup"), "0::/system.slice/docker-" + ID + ".scope\n");
        final CgroupResolver r = new CgroupResolver(2, proc, dir.resolve("no-cgroupfs"));
        assertEquals(ID, r.resolve(10, 77).id());
        Files.delete(proc.resolve("10/cgroup"));
        assertEquals(ID, r.resolve(10, 77).id(), "cached: the file is not read again");
        assertEquals(1, r.misses());
        assertSame(CgroupResolver.NONE, r.resolve(11, 78), "unreadable and not in the cgroup fs: none");
        assertSame(CgroupResolver.NONE, r.resolve(11, 78), "remembered as none");
        assertEquals(2, r.misses());
        Files.createDirectories(proc.resolve("12"));
        Files.writeString(proc.resolve("12/cgroup"), "0::/user.slice\n");
        r.resolve(12, 79);
        assertEquals(1, r.evictions(), "a third cgroup in a cache of two starts it afresh");
    }
}
