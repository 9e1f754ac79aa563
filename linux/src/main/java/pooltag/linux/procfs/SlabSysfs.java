package pooltag.linux.procfs;

import java.io.File;
import java.io.FileInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * What {@code /sys/kernel/slab} adds to slabinfo: which caches are reclaimable (the Paged pool), which names
 * are aliases of a merged cache, and (for tracing sessions, {@link #live()}) each cache's object and slot size, which
 * name the caches of kmem_cache_alloc events on kernels before 6.2 (their events carry the sizes, not the name).
 * Layout (SLUB): one directory per real cache (its own name when it cannot merge,
 * else a unique id such as {@code :0000080} or {@code :A-0000080} for accounted caches), and one symbolic link per
 * cache name that points at the directory it was merged into.
 */
public final class SlabSysfs {
    /**
     * Per cache directory: reclaim flag and every name that points at it (sorted); {@code objectSize} and
     * {@code slabSize} ({@code object_size}, {@code slab_size}: the cache's {@code s->object_size} and {@code s->size},
     * which kmem_cache_alloc reports as {@code bytes_req} and {@code bytes_alloc}), 0 when not read; {@code primary}
     * the one of {@code names} that {@code /proc/slabinfo} lists (the first creator's, which events carry), or null
     * when not known.
     */
    public record CacheDir(String dir, boolean reclaimable, List<String> names, long objectSize, long slabSize,
                           String primary) {
        public CacheDir(String dir, boolean reclaimable, List<String> names) {
            this(dir, reclaimable, names, 0, 0, null);
        }

        /**
         * The name the kernel gives this cache: slabinfo's, else the directory's own name (a cache that got a
         * directory of its own name takes no merges), else its only name; null when the directory holds several
         * names and slabinfo was not read.
         */
        public String kernelName() {
            if (primary != null) {
                return primary;
            }
            if (!dir.startsWith(":")) {
                return dir;
            }
            return names.size() == 1 ? names.get(0) : null;
        }
    }

    private final Map<String, CacheDir> byName;
    /** Directories by {@code object_size << 32 | slab_size}, sorted by directory; only those whose sizes were read. */
    private final Map<Long, List<CacheDir>> bySizes;

    private SlabSysfs(Map<String, CacheDir> byName) {
        this.byName = byName;
        Map<Long, TreeMap<String, CacheDir>> sized = new HashMap<>();
        for (CacheDir cd : byName.values()) {
            if (cd.slabSize() > 0) {
                sized.computeIfAbsent(sizeKey(cd.objectSize(), cd.slabSize()), k -> new TreeMap<>())
                        .putIfAbsent(cd.dir(), cd);
            }
        }
        Map<Long, List<CacheDir>> index = new HashMap<>(sized.size() * 2);
        sized.forEach((k, dirs) -> index.put(k, List.copyOf(dirs.values())));
        this.bySizes = index;
    }

    /** Sizes are at most 2^31 - 1 (parse bounds them; sysfs values above read as 0). */
    private static long sizeKey(long objectSize, long slabSize) {
        return objectSize << 32 | slabSize;
    }

    /** An empty view, for kernels without SLUB sysfs: every cache is NonPaged and has no aliases. */
    public static SlabSysfs absent() {
        return new SlabSysfs(Map.of());
    }

    /**
     * This machine's {@code /sys/kernel/slab} with each cache's sizes and slabinfo's name for it (what a tracing
     * session and a recording need), or {@link #absent()} where the kernel has none (SLAB, not SLUB).
     */
    public static SlabSysfs live() {
        Path root = Path.of("/sys/kernel/slab");
        if (!Files.isDirectory(root)) {
            return absent();
        }
        try {
            return read(root).withSizes(root, slabinfoNames(Path.of("/proc/slabinfo")));
        } catch (IOException e) {
            throw ProcfsSource.fileError(root, e);
        }
    }

    /**
     * The cache names a slabinfo file lists (the first word of each line after its two header lines); empty when it
     * cannot be read: then a merged directory's name stays unknown ({@link CacheDir#kernelName()}).
     */
    static java.util.Set<String> slabinfoNames(Path slabinfo) {
        try {
            return SlabinfoParser.names(Files.readString(slabinfo, StandardCharsets.ISO_8859_1));
        } catch (IOException | RuntimeException e) {
            return java.util.Set.of();
        }
    }

    /**
     * This view with each directory's {@code object_size} and {@code slab_size} read from {@code root} (0 where a
     * file cannot be read or is not a number) and its {@code primary}: the one name {@code slabinfoNames} holds.
     */
    SlabSysfs withSizes(Path root, java.util.Set<String> slabinfoNames) {
        Map<String, CacheDir> byDir = new TreeMap<>();
        for (CacheDir cd : byName.values()) {
            byDir.put(cd.dir(), cd);
        }
        byte[] buf = new byte[FLAG_READ];
        Map<String, CacheDir> out = new HashMap<>(byName.size() * 2);
        for (CacheDir cd : byDir.values()) {
            File d = new File(root.toFile(), cd.dir());
            String primary = null;
            for (String n : cd.names()) {
                if (slabinfoNames.contains(n)) {
                    primary = primary == null ? n : null;
                    if (primary == null) {
                        break; // two names in slabinfo for one directory: which the events carry is not known
                    }
                }
            }
            CacheDir sized = new CacheDir(cd.dir(), cd.reclaimable(), cd.names(),
                    readNumber(new File(d, "object_size"), buf), readNumber(new File(d, "slab_size"), buf), primary);
            for (String n : cd.names()) {
                out.put(n, sized);
            }
        }
        return new SlabSysfs(out);
    }

    /** A sysfs number attribute ({@code "192\n"}); 0 when unreadable, longer than {@code buf} or not a number. */
    private static long readNumber(File f, byte[] buf) {
        int n;
        try (FileInputStream in = new FileInputStream(f)) {
            n = in.read(buf);
        } catch (IOException e) {
            return 0;
        }
        if (n <= 0 || n >= buf.length) {
            return 0;
        }
        try {
            long v = Long.parseLong(new String(buf, 0, n, StandardCharsets.ISO_8859_1).trim());
            return v > 0 && v <= Integer.MAX_VALUE ? v : 0; // the bound sizeKey and parse rely on
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /**
     * The caches whose objects are {@code objectSize} bytes in {@code slabSize}-byte slots ({@code bytes_req} and
     * {@code bytes_alloc} of a kmem_cache_alloc event that names no cache), sorted by directory; empty when none has
     * them or the sizes were not read. Left out: the kmalloc caches (their allocations arrive as kmalloc events) and,
     * by {@code accounting} (the event's {@code SLAB_ACCOUNT} evidence: 1 set, 0 not, -1 unknown), merged
     * directories whose id says otherwise (SLUB's {@code :A-} ids are the accounted caches); a directory of a cache's
     * own name, which takes no merges, shows no flags and stays.
     */
    public List<CacheDir> cachesOfSizes(long objectSize, long slabSize, int accounting) {
        if (objectSize <= 0 || slabSize <= 0 || objectSize > Integer.MAX_VALUE || slabSize > Integer.MAX_VALUE) {
            return List.of();
        }
        List<CacheDir> same = bySizes.getOrDefault(sizeKey(objectSize, slabSize), List.of());
        List<CacheDir> found = new ArrayList<>(same.size());
        for (CacheDir cd : same) {
            String name = cd.kernelName();
            if (name != null && (name.startsWith("kmalloc-") || name.startsWith("dma-kmalloc-"))) {
                continue;
            }
            if (accounting >= 0 && cd.dir().startsWith(":")) {
                int dash = cd.dir().indexOf('-');
                boolean accountedId = dash > 0 && cd.dir().substring(1, dash).indexOf('A') >= 0;
                if (accountedId != (accounting == 1)) {
                    continue;
                }
            }
            found.add(cd);
        }
        return found;
    }

    /**
     * Reads the tree: the directory listed once, each name not starting with {@code :} resolved to its real path
     * (a merged cache's name is a link to its directory), one small read per cache directory.
     *
     * <p>Written with {@code java.io.File} and {@code FileInputStream} rather than {@code java.nio.file}: poolused
     * runs this once, interpreted, over 430 names here, and the NIO path (a {@code Path} and an attributes object
     * per name, a channel per flag) cost it 26 ms of a 145 ms start against 6 ms once compiled, while the kernel's
     * part is about 5 ms (docs/PERFORMANCE.md, start-up round 6). A link that resolves to nothing (dangling, a loop;
     * the kernel makes none) resolves to itself, so it reads as a cache directory of its own with no flag.
     *
     * @throws IOException when the directory cannot be listed
     */
    public static SlabSysfs read(Path root) throws IOException {
        return Reading.begin(root).finish();
    }

    /**
     * A read of the tree that more than one thread can work on: {@link #begin} lists it and resolves every name,
     * then any thread may read the reclaim flags ({@link #help}), each flag read once, by whichever thread claims it.
     * {@code ProcfsSource} begins it on a thread of its own, and the thread that needs the view helps with the flags
     * left once it has parsed the procfs files instead of waiting for them (the flags are the longer half: one open,
     * read and close per cache directory, 50 us each when interpreted; docs/PERFORMANCE.md, start-up round 6).
     */
    public static final class Reading {
        private final File dir;
        /** Each cache directory, and the names that resolve to it, sorted. */
        private final String[] dirs;
        private final List<List<String>> names;
        /** Written by the thread that claimed the index, before it counts the flag {@link #read}. */
        private final boolean[] reclaim;
        private final AtomicInteger claimed = new AtomicInteger();
        /** Flags read; its increments publish the {@code reclaim} writes before them. */
        private final AtomicInteger read = new AtomicInteger();
        /** The first failure of a flag read on any thread, thrown by {@link #finish()}. */
        private final AtomicReference<Throwable> failure = new AtomicReference<>();

        private Reading(File dir, Map<String, List<String>> namesByDir) {
            this.dir = dir;
            this.dirs = namesByDir.keySet().toArray(new String[0]);
            this.names = new ArrayList<>(dirs.length);
            for (String d : dirs) {
                List<String> n = namesByDir.get(d);
                n.sort(null);
                names.add(List.copyOf(n));
            }
            this.reclaim = new boolean[dirs.length];
        }

        /**
         * Lists {@code root} and resolves its names.
         *
         * @throws IOException when the directory cannot be listed
         */
        public static Reading begin(Path root) throws IOException {
            File dir = root.toFile();
            String[] entries = dir.list();
            if (entries == null) {
                // File.list gives no reason: NIO's listing throws the exception that says why (no such file, access).
                try (DirectoryStream<Path> ds = Files.newDirectoryStream(root)) {
                    throw new IOException(root + ": cannot list the directory");
                }
            }
            Map<String, List<String>> namesByDir = new HashMap<>(entries.length * 2);
            for (String name : entries) {
                // A name like ':A-0000080' is the unique id SLUB gives a mergeable cache's own directory (the names
                // merged into it are links to it): a directory, not a cache name. Any other name is a cache's own
                // directory or a link to the directory it was merged into; its real path's last element says which.
                if (name.startsWith(":")) {
                    namesByDir.computeIfAbsent(name, SlabSysfs::newNameList);
                    continue;
                }
                String real = new File(dir, name).getCanonicalPath();
                String target = real.substring(real.lastIndexOf('/') + 1);
                namesByDir.computeIfAbsent(target, SlabSysfs::newNameList).add(name);
            }
            return new Reading(dir, namesByDir);
        }

        /** Reads reclaim flags no thread has claimed yet, until none is left or one fails (kept for finish()). */
        public void help() {
            byte[] buf = new byte[FLAG_READ];
            for (int i = claimed.getAndIncrement(); i < dirs.length; i = claimed.getAndIncrement()) {
                try {
                    reclaim[i] = readFlag(new File(new File(dir, dirs[i]), "reclaim_account"), buf);
                } catch (RuntimeException | Error e) {
                    // The flag is unknown: finish() throws this, on the thread that wants the view, rather than give
                    // a view with the flag false; not thrown here, where a helper thread would print it as a stack
                    // trace (the flags left are read by the others).
                    failure.compareAndSet(null, e);
                    return;
                } finally {
                    read.incrementAndGet(); // even after a failure, so that finish() never waits for a dead thread
                }
            }
        }

        /**
         * The view: helps with the flags left, then waits for the ones other threads are still reading (each is one
         * small file read in progress, so the wait yields rather than blocks).
         */
        public SlabSysfs finish() {
            help();
            while (read.get() < dirs.length) {
                Thread.yield();
            }
            Throwable failed = failure.get();
            if (failed instanceof RuntimeException r) {
                throw r;
            }
            if (failed instanceof Error err) {
                throw err;
            }
            Map<String, CacheDir> byName = new HashMap<>(dirs.length * 3);
            for (int i = 0; i < dirs.length; i++) {
                CacheDir cd = new CacheDir(dirs[i], reclaim[i], names.get(i));
                for (String n : cd.names()) {
                    byName.put(n, cd);
                }
            }
            return new SlabSysfs(byName);
        }
    }

    private static List<String> newNameList(String dir) {
        return new ArrayList<>(2);
    }

    /**
     * True when the file holds {@code 1} (surrounding white space ignored, as the kernel's {@code "1\n"}). One open,
     * one read and one close: a sysfs attribute gives its whole value to the first read, as a regular file gives
     * all it has when that is less than asked for. {@code Files.readString} also made an fstat and a second read
     * to find the end, about 460 more system calls over a machine's 230 cache directories, which poolused pays on
     * every run (docs/PERFORMANCE.md, start-up). A value that fills {@code buf} is read on, up to
     * {@link #MAX_FLAG_BYTES}: a file longer than a sysfs attribute can be is not a flag (false).
     */
    private static boolean readFlag(File f, byte[] buf) {
        byte[] b = buf;
        int n;
        try {
            try (FileInputStream in = new FileInputStream(f)) {
                n = in.read(b);
                if (n == b.length) {
                    b = Arrays.copyOf(b, MAX_FLAG_BYTES + 1);
                    int r;
                    while (n < b.length && (r = in.read(b, n, b.length - n)) > 0) {
                        n += r;
                    }
                    if (n > MAX_FLAG_BYTES) {
                        return false;
                    }
                }
            }
        } catch (IOException e) {
            return false;
        }
        return n > 0 && new String(b, 0, n, StandardCharsets.ISO_8859_1).trim().equals("1");
    }

    /**
     * Bytes read at most from a flag file: a sysfs attribute holds at most a page ({@code sysfs_emit}'s bound), 4 KiB
     * on x86-64; pages of 16 or 64 KiB elsewhere allow more, but no flag's {@code "1\n"} needs it.
     */
    private static final int MAX_FLAG_BYTES = 4096;

    /** Bytes read at once from a flag file: far more than {@code "1\n"}. */
    private static final int FLAG_READ = 64;

    /**
     * The view as text, one line per cache directory: {@code dir TAB 0|1 (reclaim_account) TAB names} (names
     * separated by spaces), then, when the sizes were read, {@code TAB object_size TAB slab_size TAB primary}
     * (primary empty when not known); sorted by directory; {@link #parse} reads it back (a recording's SLAB_SYSFS
     * block; recordings made before the sizes were kept have the three fields only).
     */
    public String toText() {
        Map<String, CacheDir> dirs = new TreeMap<>();
        for (CacheDir cd : byName.values()) {
            dirs.put(cd.dir(), cd);
        }
        StringBuilder sb = new StringBuilder(dirs.size() * 40);
        for (CacheDir cd : dirs.values()) {
            sb.append(cd.dir()).append('\t').append(cd.reclaimable() ? '1' : '0').append('\t')
                    .append(String.join(" ", cd.names()));
            if (cd.slabSize() > 0) {
                sb.append('\t').append(cd.objectSize()).append('\t').append(cd.slabSize()).append('\t')
                        .append(cd.primary() == null ? "" : cd.primary());
            }
            sb.append('\n');
        }
        return sb.toString();
    }

    /**
     * Reads {@link #toText()}'s form.
     *
     * @throws IllegalArgumentException naming the line, when a line is not {@code dir TAB 0|1 TAB names}, optionally
     *                                  followed by {@code TAB object_size TAB slab_size TAB primary}
     */
    public static SlabSysfs parse(String text) {
        Map<String, CacheDir> byName = new HashMap<>();
        int lineNo = 0;
        for (String line : text.split("\n")) {
            lineNo++;
            if (line.isEmpty()) {
                continue;
            }
            String[] f = line.split("\t", -1);
            if ((f.length != 3 && f.length != 6) || f[0].isEmpty() || !(f[1].equals("0") || f[1].equals("1"))) {
                throw new IllegalArgumentException("line " + lineNo
                        + " is not 'dir TAB 0|1 TAB names [TAB object_size TAB slab_size TAB primary]'");
            }
            List<String> names = f[2].isEmpty() ? List.of() : List.of(f[2].split(" "));
            long objectSize = 0;
            long slabSize = 0;
            String primary = null;
            if (f.length == 6) {
                objectSize = sizeField(f[3], lineNo);
                slabSize = sizeField(f[4], lineNo);
                primary = f[5].isEmpty() ? null : f[5];
                if (primary != null && !names.contains(primary)) {
                    throw new IllegalArgumentException("line " + lineNo + ": primary name '" + primary
                            + "' is not one of the directory's names");
                }
            }
            CacheDir cd = new CacheDir(f[0], f[1].equals("1"), names, objectSize, slabSize, primary);
            for (String n : names) {
                byName.put(n, cd);
            }
        }
        return new SlabSysfs(byName);
    }

    /** A size field of {@link #parse}: a decimal count of bytes, 0 to 2^31 - 1 (no slab object is larger). */
    private static long sizeField(String s, int lineNo) {
        try {
            long v = Long.parseLong(s);
            if (v >= 0 && v <= Integer.MAX_VALUE) {
                return v;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException("line " + lineNo + ": size '" + s + "' is not a byte count");
    }

    /** True when the cache named {@code name} has {@code reclaim_account} = 1. */
    public boolean reclaimable(String name) {
        CacheDir cd = byName.get(name);
        return cd != null && cd.reclaimable();
    }

    /** Other names merged into the same cache as {@code name}, sorted; empty when it is not merged. */
    public List<String> aliases(String name) {
        CacheDir cd = byName.get(name);
        if (cd == null) {
            return List.of();
        }
        List<String> out = new ArrayList<>(cd.names().size());
        for (String n : cd.names()) {
            if (!n.equals(name)) {
                out.add(n);
            }
        }
        return out;
    }

    /**
     * Each name merged into a cache of {@code rows} (slabinfo's names: a merged name has no row), to the one name of
     * its directory that {@code rows} holds: the name the kernel's kmem_cache events carry for all of them. A
     * directory with no such name, or with several, maps nothing: which name its events carry is not known.
     */
    public Map<String, String> mergedInto(java.util.Set<String> rows) {
        Map<String, String> out = new TreeMap<>();
        for (Map.Entry<String, CacheDir> e : byName.entrySet()) {
            if (rows.contains(e.getKey())) {
                continue;
            }
            String row = null;
            int found = 0;
            for (String other : e.getValue().names()) {
                if (rows.contains(other)) {
                    row = other;
                    found++;
                }
            }
            if (found == 1) {
                out.put(e.getKey(), row);
            }
        }
        return out;
    }

    /**
     * Whether the kernel has the {@code kmalloc-cg-*} caches that take {@code __GFP_ACCOUNT} kmallocs (Linux 5.14 on,
     * unless booted with {@code cgroup.memory=nokmem}); null when this view knows no cache at all (sysfs unreadable,
     * or a recording made before pooltag kept it), so nothing can be said.
     */
    public Boolean hasAccountedKmallocCaches() {
        if (byName.isEmpty()) {
            return null;
        }
        for (String n : byName.keySet()) {
            if (n.startsWith("kmalloc-cg-")) {
                return Boolean.TRUE;
            }
        }
        return Boolean.FALSE;
    }

    /** The cache directory a name resolves to, or null when sysfs does not know it. */
    public CacheDir dirOf(String name) {
        return byName.get(name);
    }
}
