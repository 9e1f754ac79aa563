package pooltag.linux.cgroup;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import pooltag.core.cgroup.CgroupSnapshot;
import pooltag.core.cgroup.CgroupUsage;
import pooltag.core.cgroup.KernelMemoryKind;
import pooltag.core.error.PooltagException;

/**
 * Per-cgroup kernel memory from the memory controller's own accounting files, no tracing: what
 * {@code poolused --by cgroup}, {@code mon --by cgroup} and the exporter's {@code pooltag_cgroup_kernel_bytes} show.
 *
 * <ul>
 *   <li>cgroup v2: {@code memory.stat}'s {@code slab_reclaimable}, {@code slab_unreclaimable}, {@code kernel_stack},
 *       {@code pagetables}, {@code percpu}, {@code sock}, {@code vmalloc} (bytes; a kernel that lacks a field shows
 *       it unknown). The root cgroup has no {@code memory.stat} on older kernels: its row is then the sum of its
 *       children.</li>
 *   <li>cgroup v1: {@code memory.kmem.usage_in_bytes} (all kernel memory, no breakdown) and
 *       {@code memory.kmem.tcp.usage_in_bytes} (socket buffers); v1's {@code memory.stat} has no kernel fields.</li>
 * </ul>
 * Values are read per directory in one walk; a cgroup removed during the walk, one without the memory controller's
 * files and those beyond {@link #MAX_CGROUPS} are each counted in {@link CgroupSnapshot#left()}.
 * Cost: two small file reads per cgroup (v1) or one (v2); about 0.1 ms per cgroup here.
 */
public final class CgroupKernelMemory {
    /** At most this many cgroups are read per snapshot; the rest are counted (over the cap), never silently dropped. */
    public static final int MAX_CGROUPS = 20_000;

    static final List<KernelMemoryKind> V2_KINDS = List.of(KernelMemoryKind.SLAB_RECLAIMABLE,
            KernelMemoryKind.SLAB_UNRECLAIMABLE, KernelMemoryKind.KERNEL_STACK, KernelMemoryKind.PAGETABLES,
            KernelMemoryKind.PERCPU, KernelMemoryKind.SOCK, KernelMemoryKind.VMALLOC);
    static final List<KernelMemoryKind> V1_KINDS = List.of(KernelMemoryKind.KMEM, KernelMemoryKind.SOCK);

    private final CgroupHierarchy hierarchy;

    public CgroupKernelMemory(CgroupHierarchy hierarchy) {
        this.hierarchy = hierarchy;
    }

    /** The running system's memory hierarchy. */
    public static CgroupKernelMemory live() {
        return new CgroupKernelMemory(CgroupHierarchy.live());
    }

    public CgroupHierarchy hierarchy() {
        return hierarchy;
    }

    /** The kinds this hierarchy reports. */
    public List<KernelMemoryKind> kinds() {
        return hierarchy.version() == 2 ? V2_KINDS : V1_KINDS;
    }

    /**
     * Reads every cgroup of the hierarchy now.
     *
     * @throws PooltagException when the hierarchy's root cannot be read at all (one line, with the path)
     */
    public CgroupSnapshot take() {
        long t = System.nanoTime();
        Path top = hierarchy.mountPoint();
        if (!Files.isDirectory(top)) {
            throw new PooltagException("cannot read cgroups: " + top + " is not a directory");
        }
        String rootPath = hierarchy.mountRoot();
        Map<String, long[]> values = new HashMap<>();
        long vanished = 0;
        long overCap = 0;
        long noController = 0;
        ArrayDeque<Object[]> todo = new ArrayDeque<>();
        todo.add(new Object[] {top, rootPath});
        while (!todo.isEmpty()) {
            Object[] next = todo.poll();
            Path dir = (Path) next[0];
            String path = (String) next[1];
            if (values.size() >= MAX_CGROUPS) {
                overCap++;
                continue;
            }
            long[] v = read(dir, dir.equals(top));
            if (v == null) {
                // The directory still there: its files are missing, i.e. the memory controller is not enabled in it.
                if (Files.isDirectory(dir)) {
                    noController++;
                } else {
                    vanished++;
                }
                continue;
            }
            values.put(path, v);
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, Files::isDirectory)) {
                for (Path child : ds) {
                    String name = child.getFileName().toString();
                    todo.add(new Object[] {child, path.equals("/") ? "/" + name : path + "/" + name});
                }
            } catch (IOException e) {
                // removed between its read and its listing: its values stand, its children are gone with it
            }
        }
        if (!values.containsKey(rootPath)) {
            throw new PooltagException("cannot read the kernel memory of cgroup " + rootPath + " at " + top
                    + (hierarchy.version() == 2 ? " (memory.stat)" : " (memory.kmem.usage_in_bytes)")
                    + ": is this root, and is the memory controller enabled?");
        }
        return CgroupSnapshot.ofHierarchical(t, hierarchy.describe(), kinds(), values,
                new CgroupSnapshot.Left(vanished, overCap, noController));
    }

    /** One cgroup's values per kind ordinal, or null when it is gone. */
    private long[] read(Path dir, boolean isRoot) {
        long[] v = new long[KernelMemoryKind.values().length];
        Arrays.fill(v, CgroupUsage.UNKNOWN);
        try {
            if (hierarchy.version() == 2) {
                Path stat = dir.resolve("memory.stat");
                if (isRoot && !Files.exists(stat)) {
                    return rootFromChildren(dir, v);
                }
                parseV2Stat(Files.readString(stat, StandardCharsets.US_ASCII), v);
            } else {
                v[KernelMemoryKind.KMEM.ordinal()] = number(dir.resolve("memory.kmem.usage_in_bytes"));
                Path tcp = dir.resolve("memory.kmem.tcp.usage_in_bytes");
                v[KernelMemoryKind.SOCK.ordinal()] = Files.exists(tcp) ? number(tcp) : CgroupUsage.UNKNOWN;
            }
            return v;
        } catch (NoSuchFileException e) {
            return null;
        } catch (IOException | NumberFormatException e) {
            return null;
        }
    }

    /** v2's root has no memory.stat before Linux 5.x: sum the children's (hierarchical) values. */
    private long[] rootFromChildren(Path dir, long[] v) throws IOException {
        for (KernelMemoryKind k : V2_KINDS) {
            v[k.ordinal()] = 0;
        }
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, Files::isDirectory)) {
            for (Path child : ds) {
                long[] c = new long[v.length];
                Arrays.fill(c, CgroupUsage.UNKNOWN);
                try {
                    parseV2Stat(Files.readString(child.resolve("memory.stat"), StandardCharsets.US_ASCII), c);
                } catch (NoSuchFileException e) {
                    continue;
                }
                for (KernelMemoryKind k : V2_KINDS) {
                    if (c[k.ordinal()] > 0) {
                        v[k.ordinal()] += c[k.ordinal()];
                    }
                }
            }
        }
        return v;
    }

    /** Fills the v2 kinds from {@code memory.stat} text ({@code name value} lines, bytes). */
    static void parseV2Stat(String text, long[] v) {
        int start = 0;
        int n = text.length();
        while (start < n) {
            int end = text.indexOf('\n', start);
            if (end < 0) {
                end = n;
            }
            int sp = text.indexOf(' ', start);
            if (sp > start && sp < end) {
                KernelMemoryKind k = KernelMemoryKind.ofLabel(text.substring(start, sp));
                if (k != null && V2_KINDS.contains(k)) {
                    v[k.ordinal()] = Long.parseLong(text.substring(sp + 1, end).trim());
                }
            }
            start = end + 1;
        }
    }

    private static long number(Path p) throws IOException {
        return Long.parseLong(Files.readString(p, StandardCharsets.US_ASCII).trim());
    }
}
