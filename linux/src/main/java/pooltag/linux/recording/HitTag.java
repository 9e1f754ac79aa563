package pooltag.linux.recording;

import java.util.List;

import pooltag.core.error.PooltagException;
import pooltag.core.tag.TagKind;
import pooltag.linux.kmem.TraceConfig;
import pooltag.linux.symbols.KernelSymbols;

/**
 * Turns a "hit tag" (the Linux PoolHitTag) into stacktrace triggers, so only that tag's events carry stacks:
 * <ul>
 *   <li>a slab cache name (listed in /proc/slabinfo): {@code name == "X"} on kmem_cache_alloc/free;</li>
 *   <li>a kernel function: {@code call_site.function == X} on kmalloc, kfree, kmem_cache_alloc and
 *       kmem_cache_free (accepted by this kernel's filter parser; it matches the function's whole range);</li>
 *   <li>{@code kmalloc-N}: {@code bytes_alloc == N} on kmalloc (frees carry no size, so only allocations).</li>
 * </ul>
 * Lookup order follows the project's tag rule: cache, then function, then kmalloc size class.
 */
public final class HitTag {
    private HitTag() {
    }

    /**
     * What the tag names, in the project's resolution order: {@link TagKind#CACHE} for a slab cache or a
     * {@code kmalloc-N} size class, {@link TagKind#SITE} for a kernel function.
     *
     * @throws PooltagException for a tag that is none of these
     */
    public static TagKind kindOf(String tag, String slabinfo, KernelSymbols symbols) {
        if (!tag.matches("[A-Za-z0-9_.:\\-]+")) {
            throw new PooltagException("hit tag '" + tag + "': only letters, digits and _ . : - are allowed");
        }
        if (isCache(tag, slabinfo) || kmallocBytes(tag) > 0) {
            return TagKind.CACHE;
        }
        if (symbols.resolveFunctionRange(tag) != null) {
            return TagKind.SITE;
        }
        throw new PooltagException("hit tag '" + tag + "' is neither a slab cache in /proc/slabinfo, a kernel "
                + "function in /proc/kallsyms, nor kmalloc-<size>");
    }

    /** @param slabinfo text of /proc/slabinfo (for cache names) */
    public static TraceConfig apply(TraceConfig cfg, String tag, String slabinfo, KernelSymbols symbols) {
        kindOf(tag, slabinfo, symbols);
        long kmalloc = kmallocBytes(tag);
        if (kmalloc > 0) {
            // kmalloc-N is in slabinfo too, but kmalloc() reports through the kmalloc event, which has no cache name.
            return cfg.withStackTrigger("kmem/kmalloc", "bytes_alloc == " + kmalloc);
        }
        if (isCache(tag, slabinfo)) {
            String f = "name == \"" + tag + "\"";
            return cfg.withStackTrigger("kmem/kmem_cache_alloc", f).withStackTrigger("kmem/kmem_cache_free", f);
        }
        if (symbols.resolveFunctionRange(tag) != null) {
            String f = "call_site.function == " + tag;
            TraceConfig c = cfg;
            for (String e : List.of("kmem/kmalloc", "kmem/kfree", "kmem/kmem_cache_alloc", "kmem/kmem_cache_free")) {
                if (cfg.events().contains(e)) {
                    c = c.withStackTrigger(e, f);
                }
            }
            return c;
        }
        throw new PooltagException("hit tag '" + tag + "' is neither a slab cache in /proc/slabinfo, a kernel "
                + "function in /proc/kallsyms, nor kmalloc-<size>");
    }

    /**
     * The object size of a plain kmalloc size class as slabinfo spells it ({@code kmalloc-192}, {@code kmalloc-8k}),
     * or -1. The {@code -cg}, {@code -rcl} and {@code dma-} variants are real caches and go by name.
     */
    public static long kmallocBytes(String tag) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("kmalloc-(\\d+)(k?)").matcher(tag);
        if (!m.matches()) {
            return -1;
        }
        long n = Long.parseLong(m.group(1));
        return m.group(2).isEmpty() ? n : n * 1024;
    }

    static boolean isCache(String tag, String slabinfo) {
        for (String line : slabinfo.split("\n")) {
            int sp = line.indexOf(' ');
            if (sp > 0 && line.substring(0, sp).equals(tag)) {
                return true;
            }
        }
        return false;
    }
}
