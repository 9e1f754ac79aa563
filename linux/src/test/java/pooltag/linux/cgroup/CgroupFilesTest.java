package pooltag.linux.cgroup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import pooltag.core.cgroup.CgroupSnapshot;
import pooltag.core.cgroup.CgroupUsage;
import pooltag.core.cgroup.KernelMemoryKind;
import pooltag.core.error.PooltagException;

/** Hierarchy detection and the accounting files, on trees shaped like this machine's (v1) and a v2 host's. */
class CgroupFilesTest {
    /** This machine's /proc/self/mountinfo, cgroup lines (Linux 6.18): v2 mounted for systemd, memory on v1. */
    static final String MOUNTINFO_V1 = String.join("\n",
            "22 1 253:0 / / rw,relatime - ext4 /dev/vda rw",
            "30 22 0:27 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755",
            "31 30 0:28 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu",
            "34 30 0:31 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory",
            "39 30 0:36 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd",
            "40 30 0:37 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw", "");
    static final String MOUNTINFO_V2 = String.join("\n",
            "22 1 253:0 / / rw,relatime - ext4 /dev/vda rw",
            "30 22 0:27 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 rw,nsdelegate", "");

    static void write(Path p, String text) throws Exception {
        Files.createDirectories(p.getParent());
        Files.writeString(p, text);
    }

    static Path v1Tree(Path root) throws Exception {
        write(root.resolve("proc/self/mountinfo"), MOUNTINFO_V1);
        write(root.resolve("sys/fs/cgroup/unified/cgroup.controllers"), "hugetlb\n");
        Path mem = root.resolve("sys/fs/cgroup/memory");
        // Hierarchical, as the kernel reports: / = 1000003 includes /a (300007) which includes /a/b (100003).
        write(mem.resolve("memory.kmem.usage_in_bytes"), "1000003\n");
        write(mem.resolve("memory.kmem.tcp.usage_in_bytes"), "4096\n");
        write(mem.resolve("a/memory.kmem.usage_in_bytes"), "300007\n");
        write(mem.resolve("a/memory.kmem.tcp.usage_in_bytes"), "4096\n");
        write(mem.resolve("a/b/memory.kmem.usage_in_bytes"), "100003\n");
        write(mem.resolve("a/b/memory.kmem.tcp.usage_in_bytes"), "4096\n");
        // v1 memory.stat has user pages only: not read.
        write(mem.resolve("a/b/memory.stat"), "cache 4386816\nrss 1617920\n");
        return root;
    }

    @Test
    void v1MemoryHierarchyIsChosenWhenV2LacksTheMemoryController(@TempDir Path root) throws Exception {
        CgroupHierarchy h = CgroupHierarchy.detect(v1Tree(root));
        assertEquals(1, h.version());
        assertEquals(root.resolve("sys/fs/cgroup/memory"), h.mountPoint());
        assertEquals("/", h.mountRoot());
    }

    @Test
    void v2IsChosenWhenItHasTheMemoryController(@TempDir Path root) throws Exception {
        write(root.resolve("proc/self/mountinfo"), MOUNTINFO_V2);
        write(root.resolve("sys/fs/cgroup/cgroup.controllers"), "cpuset cpu io memory hugetlb pids\n");
        CgroupHierarchy h = CgroupHierarchy.detect(root);
        assertEquals(2, h.version());
        assertEquals(root.resolve("sys/fs/cgroup"), h.mountPoint());
    }

    @Test
    void noMemoryControllerAnywhereIsOneLine(@TempDir Path root) throws Exception {
        write(root.resolve("proc/self/mountinfo"), MOUNTINFO_V2);
        write(root.resolve("sys/fs/cgroup/cgroup.controllers"), "cpu pids\n");
        PooltagException e = assertThrows(PooltagException.class, () -> CgroupHierarchy.detect(root));
        assertTrue(e.getMessage().contains("no cgroup hierarchy with the memory controller"), e.getMessage());
    }

    @Test
    void procPidCgroupLinesNameTheMemoryHierarchy() {
        CgroupHierarchy v1 = new CgroupHierarchy(1, Path.of("/m"), "/");
        String text = "9:name=systemd:/\n8:pids:/\n4:memory:/process_api/66a8\n1:cpu:/\n0::/\n";
        assertEquals("/process_api/66a8", v1.pathIn(text));
        assertEquals("/x", v1.pathIn("3:cpu,memory:/x\n"));
        assertNull(v1.pathIn("1:cpu:/\n0::/\n"));
        CgroupHierarchy v2 = new CgroupHierarchy(2, Path.of("/c"), "/");
        assertEquals("/kubepods/pod1/c1", v2.pathIn("0::/kubepods/pod1/c1\n"));
        assertEquals("/last", v1.pathIn("4:memory:/last")); // no newline at the end
        // The hierarchy's id, as cgroup_attach_task's dst_root names it: the number before the first colon.
        assertEquals(4, v1.idIn(text));
        assertEquals(3, v1.idIn("3:cpu,memory:/x\n"));
        assertEquals(-1, v1.idIn("1:cpu:/\n0::/\n"));
        assertEquals(0, v2.idIn(text));
        assertEquals(-1, v2.idIn("4:memory:/x\n"));
    }

    @Test
    void aContainerSeesItsOwnCgroupAsTheMountRoot() {
        CgroupHierarchy h = new CgroupHierarchy(2, Path.of("/sys/fs/cgroup"), "/kubepods/pod1");
        assertEquals(Path.of("/sys/fs/cgroup/c1"), h.directory("/kubepods/pod1/c1"));
        assertEquals(Path.of("/sys/fs/cgroup"), h.directory("/kubepods/pod1"));
        assertNull(h.directory("/kubepods/pod2"));
    }

    @Test
    void v1KmemIsReadPerCgroupAndSelfExcludesChildren(@TempDir Path root) throws Exception {
        CgroupKernelMemory r = new CgroupKernelMemory(CgroupHierarchy.detect(v1Tree(root)));
        CgroupSnapshot s = r.take();
        assertEquals(3, s.rows().size());
        assertEquals(0, s.unreadable());
        CgroupUsage top = s.row("/");
        CgroupUsage a = s.row("/a");
        CgroupUsage b = s.row("/a/b");
        assertEquals(1000003, top.subtree(KernelMemoryKind.KMEM));
        assertEquals(1000003 - 300007, top.self(KernelMemoryKind.KMEM));
        assertEquals(300007 - 100003, a.self(KernelMemoryKind.KMEM));
        assertEquals(100003, b.self(KernelMemoryKind.KMEM));
        assertEquals(4096, b.self(KernelMemoryKind.SOCK));
        assertEquals(0, a.self(KernelMemoryKind.SOCK));
        assertEquals(CgroupUsage.UNKNOWN, b.self(KernelMemoryKind.SLAB_RECLAIMABLE));
        // Self values add up to the root's kernel total: nothing counted twice.
        long sum = s.rows().stream().mapToLong(CgroupUsage::selfTotal).sum();
        assertEquals(top.subtreeTotal(), sum);
    }

    @Test
    void v2MemoryStatKernelFieldsAreRead(@TempDir Path root) throws Exception {
        write(root.resolve("proc/self/mountinfo"), MOUNTINFO_V2);
        Path cg = root.resolve("sys/fs/cgroup");
        write(cg.resolve("cgroup.controllers"), "memory\n");
        String stat = "anon 1000\nfile 2000\nkernel 99999\nkernel_stack 16384\npagetables 8192\nsec_pagetables 0\n"
                + "percpu 2880\nsock 4096\nvmalloc 12288\nshmem 0\nslab_reclaimable 50000\nslab_unreclaimable 70001\n"
                + "slab 120001\n";
        write(cg.resolve("memory.stat"), stat);
        write(cg.resolve("pod/memory.stat"), stat.replace("70001", "30011"));
        CgroupSnapshot s = new CgroupKernelMemory(CgroupHierarchy.detect(root)).take();
        CgroupUsage pod = s.row("/pod");
        assertEquals(30011, pod.self(KernelMemoryKind.SLAB_UNRECLAIMABLE));
        assertEquals(50000, pod.self(KernelMemoryKind.SLAB_RECLAIMABLE));
        assertEquals(16384, pod.self(KernelMemoryKind.KERNEL_STACK));
        assertEquals(12288, pod.self(KernelMemoryKind.VMALLOC));
        assertEquals(CgroupUsage.UNKNOWN, pod.self(KernelMemoryKind.KMEM));
        assertEquals(70001 - 30011, s.row("/").self(KernelMemoryKind.SLAB_UNRECLAIMABLE));
        assertEquals(50000 + 30011 + 16384 + 8192 + 2880 + 4096 + 12288, pod.selfTotal());
    }

    @Test
    void aCgroupWithoutTheMemoryControllerIsCountedAsSuchNotAsVanished(@TempDir Path root) throws Exception {
        write(root.resolve("proc/self/mountinfo"), MOUNTINFO_V2);
        Path cg = root.resolve("sys/fs/cgroup");
        write(cg.resolve("cgroup.controllers"), "memory\n");
        write(cg.resolve("memory.stat"), "slab_unreclaimable 10\n");
        write(cg.resolve("pod/memory.stat"), "slab_unreclaimable 5\n");
        java.nio.file.Files.createDirectories(cg.resolve("pod/nomem")); // memory not in pod's subtree_control
        CgroupSnapshot s = new CgroupKernelMemory(CgroupHierarchy.detect(root)).take();
        assertEquals(new CgroupSnapshot.Left(0, 0, 1), s.left());
        assertEquals(1, s.unreadable());
        assertEquals(false, s.truncated());
        assertEquals(2, s.rows().size());
    }

    @Test
    void aStatLineGivesFlagsAndStartTimeEvenWithParensInTheName() {
        String line = "4242 (a) b (c)) S 1 4242 4242 0 -1 4194560 153 0 0 0 0 0 0 0 20 0 1 0 5512345 1000 100";
        long[] f = PidCgroupResolver.parseStat(line);
        assertEquals(4194560, f[0]);
        assertEquals(5512345, f[1]);
        assertNull(PidCgroupResolver.parseStat("4242 (x) S 1"));
    }
}
