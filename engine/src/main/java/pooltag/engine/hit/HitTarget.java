package pooltag.engine.hit;

import java.io.IOException;
import java.nio.file.Path;
import java.util.AbstractCollection;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import pooltag.core.error.PooltagException;
import pooltag.core.tag.TagKind;
import pooltag.core.tag.TagResolver;
import pooltag.linux.kmem.TraceConfig;
import pooltag.linux.procfs.SlabSysfs;
import pooltag.linux.symbols.KernelSymbols;
import pooltag.linux.tracefs.TracefsInstance;
import pooltag.linux.tracefs.KernelFiles;

/**
 * A hit tag (the Linux PoolHitTag) as the user typed it, resolved once against one kernel (the live one, or a
 * recording's slabinfo and kallsyms) by core's {@link TagResolver}: the same grammar for {@code hit}, {@code find},
 * {@code kd}, {@code serve} and {@code record --hit}. It names
 * <ul>
 *   <li>slab caches by exact name or wildcard ({@code dentry}, {@code kmalloc-cg-*}): kernel filter
 *       {@code name == "X"} on kmem_cache_alloc/free; where an event has no {@code name} (kmem_cache_alloc before
 *       6.2, kmem_cache_free before 5.12), allocations are caught by the cache's object and slot sizes
 *       ({@code bytes_req == 632 && bytes_alloc == 640}, from {@code /sys/kernel/slab}; the note says which other
 *       caches share them) and frees are not filtered (frees of held blocks still break);</li>
 *   <li>kmalloc size classes ({@code kmalloc-1024}, {@code kmalloc-100}, a bare {@code 100}: the class that serves
 *       it, kept as slabinfo spells it, {@code kmalloc-1k}): {@code bytes_alloc == N} on kmalloc (frees carry no
 *       size, so only allocations are filtered; frees of held blocks still break);</li>
 *   <li>kernel functions, call sites ({@code alloc_pipe_info}, {@code site:pipe_*}): {@code call_site.function == X}
 *       on kmalloc, kfree, kmem_cache_alloc and kmem_cache_free;</li>
 *   <li>modules ({@code [xfs]}, {@code mod:xfs}): call sites in the module's text,
 *       {@code call_site >= start && call_site < end}.</li>
 * </ul>
 * Stack tags cannot be hit tags: the kernel cannot filter on a stack it has not taken yet.
 *
 * <p>The filters are stacktrace triggers, so only the tag's events carry a kernel stack; {@link #matches} and
 * {@link #inSite} recognise the tag's events by their own fields, for the {@link BreakDetector}.
 */
public final class HitTarget {
    /** More names than this make a kernel filter too long to be worth it (and mostly mean a too-wide wildcard). */
    static final int MAX_NAMES = 64;
    private static final java.util.regex.Pattern KMALLOC_CLASS = java.util.regex.Pattern.compile("kmalloc-(\\d{1,9})(k?)");
    private static final List<String> SITE_EVENTS = List.of("kmem/kmalloc", "kmem/kfree", "kmem/kmem_cache_alloc",
            "kmem/kmem_cache_free");

    private final String tag;
    private final TagKind kind;
    private final List<String> ledgerNames;
    private final Map<String, String> triggers;
    private final Set<String> caches;
    private final long[] kmallocBytes;
    /** Pairs {start, end}: sites' functions or modules' text, end exclusive. */
    private final long[] ranges;

    /** Each merged name the tag matched, to the cache its events name; empty when none. */
    private final java.util.SortedMap<String, String> merged;
    /** Pairs {object size, slot size} of the named caches, which identify their allocations where events name none. */
    private final long[] cacheSizes;
    /** What the breaks include beyond the tag's own blocks (caches that share its sizes), "" when nothing. */
    private final String sizeNote;

    /**
     * Which of kmem_cache_alloc and kmem_cache_free carry the cache's {@code name} on the kernel the tag is armed on
     * (kmem_cache_alloc from 6.2, kmem_cache_free from 5.12); where one does not, a cache is filtered by its sizes.
     */
    public record CacheNameFields(boolean alloc, boolean free) {
        /** Both named: this machine's kernel class (6.2 on), and the assumption where the formats cannot be read. */
        public static final CacheNameFields BOTH = new CacheNameFields(true, true);

        /** The running kernel's, from its tracefs format files; {@link #BOTH} where they cannot be read. */
        public static CacheNameFields live() {
            try {
                Path kmem = pooltag.linux.tracefs.Tracefs.locate().root().resolve("events/kmem");
                return new CacheNameFields(hasName(kmem.resolve("kmem_cache_alloc/format")),
                        hasName(kmem.resolve("kmem_cache_free/format")));
            } catch (IOException | RuntimeException e) {
                return BOTH; // the kernel's own refusal, explained by TracefsInstance, says the rest
            }
        }

        private static boolean hasName(Path format) throws IOException {
            return pooltag.linux.ring.EventFormat.parse("kmem", KernelFiles.read(format), format.toString())
                    .field("name") != null;
        }
    }

    private HitTarget(String tag, TagKind kind, List<String> ledgerNames, Map<String, String> triggers,
                      Set<String> caches, long[] kmallocBytes, long[] ranges,
                      java.util.SortedMap<String, String> merged, long[] cacheSizes, String sizeNote) {
        this.tag = tag;
        this.kind = kind;
        this.ledgerNames = List.copyOf(ledgerNames);
        this.triggers = Map.copyOf(triggers);
        this.caches = Set.copyOf(caches);
        this.kmallocBytes = kmallocBytes;
        this.ranges = ranges;
        this.merged = java.util.Collections.unmodifiableSortedMap(new java.util.TreeMap<>(merged));
        this.cacheSizes = cacheSizes;
        this.sizeNote = sizeNote;
    }

    /**
     * Resolves against the running kernel ({@code /proc/slabinfo}, needs root).
     *
     * @throws PooltagException one line, when slabinfo cannot be read or the tag names nothing a hit can filter
     */
    public static HitTarget resolveLive(String typed, KernelSymbols symbols) {
        return resolve(typed, cacheNames(liveSlabinfo(typed)), SlabSysfs.live(), symbols, CacheNameFields.live());
    }

    /**
     * The running kernel's {@code /proc/slabinfo} text, read to resolve {@code typed} (needs root).
     *
     * @throws PooltagException one line naming the tag, when it cannot be read
     */
    public static String liveSlabinfo(String typed) {
        try {
            return KernelFiles.read(Path.of("/proc/slabinfo"));
        } catch (IOException e) {
            throw new PooltagException("cannot read /proc/slabinfo to resolve the tag '" + typed + "': "
                    + e.getMessage() + " (run as root)", e);
        }
    }

    /**
     * As {@link #resolve(String, String, SlabSysfs, KernelSymbols)} without {@code /sys/kernel/slab}: a cache SLUB
     * merged into another is then unknown by its own name.
     */
    public static HitTarget resolve(String typed, String slabinfo, KernelSymbols symbols) {
        return resolve(typed, slabinfo, SlabSysfs.absent(), symbols);
    }

    /**
     * @param slabinfo the kernel's {@code /proc/slabinfo} text (cache names), "" when unknown
     * @param sysfs    its {@code /sys/kernel/slab}: a name merged into another cache resolves to that cache
     * @throws PooltagException one line, when the tag names no cache, function, kmalloc class or module
     */
    public static HitTarget resolve(String typed, String slabinfo, SlabSysfs sysfs, KernelSymbols symbols) {
        return resolve(typed, cacheNames(slabinfo), sysfs, symbols, CacheNameFields.BOTH);
    }

    /**
     * As {@link #resolve(String, String, SlabSysfs, KernelSymbols)} for a kernel whose events carry the cache name
     * as {@code fields} says.
     */
    public static HitTarget resolve(String typed, String slabinfo, SlabSysfs sysfs, KernelSymbols symbols,
                                    CacheNameFields fields) {
        return resolve(typed, cacheNames(slabinfo), sysfs, symbols, fields);
    }

    /**
     * Resolves against a recording: its caches are those its slabinfo listed and those its events named (a recording
     * without slabinfo, or a cache created after slabinfo was read, still answers {@code kmalloc-*}), and the names
     * its {@code SLAB_SYSFS} block says were merged into one of them.
     *
     * @param slabinfo the recording's slabinfo at start, "" when it has none
     * @param sysfs the recording's {@code /sys/kernel/slab}, {@link SlabSysfs#absent()} when it has none
     * @param seenCaches the cache tags its replay charged
     */
    public static HitTarget resolveInRecording(String typed, String slabinfo, SlabSysfs sysfs,
                                               java.util.Collection<String> seenCaches, KernelSymbols symbols) {
        Set<String> caches = cacheNames(slabinfo);
        caches.addAll(seenCaches);
        return resolve(typed, caches, sysfs, symbols, CacheNameFields.BOTH);
    }

    private static HitTarget resolve(String typed, Set<String> cacheNames, SlabSysfs sysfs, KernelSymbols symbols,
                                     CacheNameFields fields) {
        TagResolver.Resolution r;
        try {
            r = new TagResolver(cacheNames, new Functions(symbols), moduleNames(symbols), Set.of())
                    .withMergedCaches(sysfs.mergedInto(cacheNames)).resolve(typed);
        } catch (IllegalArgumentException e) {
            throw new PooltagException("hit tag '" + typed + "': " + e.getMessage());
        }
        if (r.kind() == TagKind.STACK) {
            throw new PooltagException("hit tag '" + typed + "': a stack tag cannot be a hit tag (the kernel filters"
                    + " events by cache name, call site, size or module; stacks come after the filter)");
        }
        if (r.isEmpty()) {
            throw new PooltagException("hit tag '" + typed + "': " + r.note());
        }
        // Several static functions may share a name: one name, one filter term. (A merged cache name already came
        // back as the cache its events name: r.merged() says which.)
        List<String> names = List.copyOf(new java.util.LinkedHashSet<>(r.matches()));
        if (names.size() > MAX_NAMES) {
            throw new PooltagException("hit tag '" + typed + "' matches " + r.matches().size() + " "
                    + r.kind().label() + " tags; at most " + MAX_NAMES + " can be armed at once (narrow the wildcard)");
        }
        for (String n : names) {
            if (!n.matches("\\[?[A-Za-z0-9_.\\-]+]?")) {
                throw new PooltagException("hit tag '" + typed + "': '" + n + "' cannot go into a kernel filter"
                        + " (only letters, digits and _ . - are allowed)");
            }
        }
        Map<String, String> triggers = new LinkedHashMap<>();
        Set<String> caches = new HashSet<>();
        long[] kmalloc = new long[0];
        long[] ranges = new long[0];
        long[] cacheSizes = new long[0];
        List<String> sizeNotes = new ArrayList<>();
        switch (r.kind()) {
            case CACHE -> {
                List<String> byName = new ArrayList<>();
                List<String> bySize = new ArrayList<>();
                List<String> byObjectSize = new ArrayList<>();
                for (String n : names) {
                    long bytes = kmallocBytes(n);
                    if (bytes > 0) {
                        // kmalloc() reports through the kmalloc event, which names no cache: filter on the class size.
                        kmalloc = Arrays.copyOf(kmalloc, kmalloc.length + 1);
                        kmalloc[kmalloc.length - 1] = bytes;
                        bySize.add("bytes_alloc == " + bytes);
                    }
                    // A cache merged into a kmalloc class allocates through kmem_cache_alloc, which names the class.
                    if (bytes <= 0 || r.merged().containsValue(n)) {
                        caches.add(n);
                        byName.add("name == \"" + n + "\"");
                        SlabSysfs.CacheDir dir = sysfs.dirOf(n);
                        if (dir != null && dir.slabSize() > 0) {
                            cacheSizes = append(cacheSizes, dir.objectSize(), dir.slabSize());
                            byObjectSize.add("(bytes_req == " + dir.objectSize() + " && bytes_alloc == "
                                    + dir.slabSize() + ")");
                            if (!fields.alloc()) {
                                sizeNotes.add(sizeNote(n, dir, sysfs));
                            }
                        } else if (!fields.alloc()) {
                            throw new PooltagException("hit tag '" + typed + "': this kernel's kmem_cache_alloc names"
                                    + " no cache (before 6.2) and /sys/kernel/slab gives no object and slot size for "
                                    + n + " to catch its allocations by; hit one of its call sites instead");
                        }
                    }
                }
                if (!bySize.isEmpty()) {
                    triggers.put("kmem/kmalloc", String.join(" || ", bySize));
                }
                if (!byName.isEmpty()) {
                    String f = String.join(" || ", byName);
                    triggers.put("kmem/kmem_cache_alloc", fields.alloc() ? f : String.join(" || ", byObjectSize));
                    if (fields.free()) {
                        triggers.put("kmem/kmem_cache_free", f);
                    }
                }
            }
            case SITE -> {
                List<String> or = new ArrayList<>();
                for (String n : names) {
                    long[] range = symbols.resolveFunctionRange(n);
                    ranges = append(ranges, range[0], range[1]);
                    or.add(KernelSymbols.callSiteWithin(range));
                }
                String f = String.join(" || ", or);
                for (String e : SITE_EVENTS) {
                    triggers.put(e, f);
                }
            }
            case MODULE -> {
                List<String> or = new ArrayList<>();
                for (String n : names) {
                    long[] range = moduleRange(symbols, n.substring(1, n.length() - 1));
                    ranges = append(ranges, range[0], range[1]);
                    or.add(KernelSymbols.callSiteWithin(range));
                }
                String f = String.join(" || ", or);
                for (String e : SITE_EVENTS) {
                    triggers.put(e, f);
                }
            }
            default -> throw new IllegalStateException(r.kind().toString());
        }
        for (String f : triggers.values()) {
            int bytes = TracefsInstance.stackTriggerBytes(f);
            if (bytes > TracefsInstance.MAX_WRITE_BYTES) {
                throw new PooltagException("hit tag '" + typed + "' matches " + names.size() + " " + r.kind().label()
                        + " tags; their trigger is " + bytes + " bytes, more than the kernel takes in one write ("
                        + TracefsInstance.MAX_WRITE_BYTES + "): narrow the wildcard");
            }
        }
        return new HitTarget(typed, r.kind(), names, triggers, caches, kmalloc, ranges, r.merged(), cacheSizes,
                String.join("; ", sizeNotes));
    }

    /** How cache {@code name}'s allocations are caught on a kernel whose kmem_cache_alloc names none, and with what. */
    private static String sizeNote(String name, SlabSysfs.CacheDir dir, SlabSysfs sysfs) {
        List<String> others = new ArrayList<>();
        for (SlabSysfs.CacheDir d : sysfs.cachesOfSizes(dir.objectSize(), dir.slabSize(), -1)) {
            if (!d.dir().equals(dir.dir())) {
                String k = d.kernelName();
                others.add(k != null ? k : String.join(" ", d.names()));
            }
        }
        return name + "'s allocations are caught by their sizes (" + dir.objectSize() + " B objects in "
                + dir.slabSize() + " B slots: this kernel's kmem_cache_alloc names no cache)"
                + (others.isEmpty() ? "" : "; " + String.join(", ", others) + " " + (others.size() == 1 ? "has" : "have")
                + " the same sizes, and " + (others.size() == 1 ? "its" : "their") + " allocations break too");
    }

    /**
     * "" unless the breaks include more than the tag's own blocks: the tag names a cache SLUB merged into another
     * ({@code aio_kiocb} into {@code file_lock_cache}: the hits are the shared cache's, every merged name's
     * allocations among them), or a cache caught by its sizes that other caches share (kernels before 6.2).
     */
    public String mergeNote() {
        String m = TagResolver.mergeNote(merged);
        return m.isEmpty() ? sizeNote : sizeNote.isEmpty() ? m : m + "; " + sizeNote;
    }

    /** Each merged cache name the tag matched, to the cache its events name ({@code UNIX -> signal_cache}). */
    public java.util.SortedMap<String, String> merged() {
        return merged;
    }

    /** As typed ({@code alloc_pipe_info}, {@code cache:dentry}, {@code kmalloc-*}). */
    public String tag() {
        return tag;
    }

    /** CACHE (caches and kmalloc classes), SITE or MODULE. */
    public TagKind kind() {
        return kind;
    }

    /** The tags it names, as the ledger spells them ({@code kmalloc-1k}, {@code [xfs]}). */
    public List<String> ledgerNames() {
        return ledgerNames;
    }

    /** Event key ({@code kmem/kmalloc}) to the filter of its stacktrace trigger. */
    public Map<String, String> triggers() {
        return triggers;
    }

    /** {@code base} with this tag's stacktrace triggers on the events {@code base} traces. */
    public TraceConfig config(TraceConfig base) {
        TraceConfig c = base;
        for (Map.Entry<String, String> t : triggers.entrySet()) {
            if (base.events().contains(t.getKey())) {
                c = c.withStackTrigger(t.getKey(), t.getValue());
            }
        }
        return c;
    }

    /** True for a cache the tag names by name (not a kmalloc class). */
    public boolean namesCache(String cacheName) {
        return cacheName != null && caches.contains(cacheName);
    }

    /** True when a kmalloc allocation of {@code bytesAllocated} falls in one of the tag's size classes. */
    public boolean namesKmallocClass(long bytesAllocated) {
        for (long b : kmallocBytes) {
            if (b == bytesAllocated) {
                return true;
            }
        }
        return false;
    }

    /**
     * True when a kmem_cache allocation whose event names no cache has the object and slot sizes of one of the tag's
     * caches (kernels before 6.2).
     */
    public boolean namesCacheBySizes(long bytesRequested, long bytesAllocated) {
        for (int i = 0; i < cacheSizes.length; i += 2) {
            if (cacheSizes[i] == bytesRequested && cacheSizes[i + 1] == bytesAllocated) {
                return true;
            }
        }
        return false;
    }

    /** True when {@code callSite} lies in one of the tag's functions or modules. */
    public boolean inSite(long callSite) {
        for (int i = 0; i < ranges.length; i += 2) {
            if (Long.compareUnsigned(callSite, ranges[i]) >= 0 && Long.compareUnsigned(callSite, ranges[i + 1]) < 0) {
                return true;
            }
        }
        return false;
    }

    @Override
    public String toString() {
        return tag + " (" + kind.label() + ": " + String.join(", ", ledgerNames) + ")";
    }

    /**
     * The object size of a plain kmalloc size class as slabinfo spells it ({@code kmalloc-192}, {@code kmalloc-8k}),
     * or -1. The {@code -cg}, {@code -rcl} and {@code dma-} variants are real caches and go by name.
     */
    static long kmallocBytes(String tag) {
        java.util.regex.Matcher m = KMALLOC_CLASS.matcher(tag);
        if (!m.matches()) {
            return -1;
        }
        long n = Long.parseLong(m.group(1));
        return m.group(2).isEmpty() ? n : n * 1024;
    }

    private static long[] append(long[] a, long start, long end) {
        long[] out = Arrays.copyOf(a, a.length + 2);
        out[a.length] = start;
        out[a.length + 1] = end;
        return out;
    }

    /** Cache names of a slabinfo text (header and comment lines skipped). */
    static Set<String> cacheNames(String slabinfo) {
        return pooltag.linux.procfs.SlabinfoParser.names(slabinfo);
    }

    private static Set<String> moduleNames(KernelSymbols symbols) {
        Set<String> out = new HashSet<>();
        for (int i = 0; i < symbols.size(); i++) {
            String m = symbols.module(i);
            if (m != null && !m.isEmpty()) {
                out.add("[" + m + "]");
            }
        }
        return out;
    }

    /** The span of a module's text symbols. */
    private static long[] moduleRange(KernelSymbols symbols, String module) {
        long start = -1;
        long end = 0;
        for (int i = 0; i < symbols.size(); i++) {
            if (module.equals(symbols.module(i))) {
                if (start == -1 || Long.compareUnsigned(symbols.start(i), start) < 0) {
                    start = symbols.start(i);
                }
                if (Long.compareUnsigned(symbols.end(i), end) > 0) {
                    end = symbols.end(i);
                }
            }
        }
        return new long[] {start, end};
    }

    /** Kernel function names as a collection: {@code contains} is a hash lookup, iteration walks the table. */
    private static final class Functions extends AbstractCollection<String> {
        private final KernelSymbols symbols;

        Functions(KernelSymbols symbols) {
            this.symbols = symbols;
        }

        @Override
        public boolean contains(Object o) {
            return o instanceof String s && symbols.resolveFunctionRange(s) != null;
        }

        @Override
        public Iterator<String> iterator() {
            return new Iterator<>() {
                int i;

                @Override
                public boolean hasNext() {
                    return i < symbols.size();
                }

                @Override
                public String next() {
                    return symbols.name(i++);
                }
            };
        }

        @Override
        public int size() {
            return symbols.size();
        }
    }
}
