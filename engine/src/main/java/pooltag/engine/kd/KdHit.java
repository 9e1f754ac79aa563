package pooltag.engine.kd;

import java.util.List;
import java.util.Map;

import pooltag.core.error.PooltagException;
import pooltag.core.tag.KmallocName;
import pooltag.core.tag.TagKind;
import pooltag.linux.kmem.TraceConfig;
import pooltag.linux.recording.HitTag;
import pooltag.linux.symbols.KernelSymbols;
import pooltag.engine.hit.HitTarget;

/**
 * A PoolHitTag value resolved against one kernel (the live one, or a recording's): what it names, the name the ledger
 * keeps it under, the {@code stacktrace} triggers that give only its events a kernel stack (the filters of
 * {@link HitTag}, as {@code pooltag hit} and {@code pooltag record --hit} install them), and what identifies its events
 * in the stream.
 *
 * @param tag          as typed, prefix included ({@code alloc_pipe_info}, {@code cache:dentry})
 * @param kind         {@link TagKind#CACHE} (a slab cache or a kmalloc size class) or {@link TagKind#SITE}
 * @param ledgerName   the ledger's spelling: the name, or slabinfo's for a kmalloc class ({@code kmalloc-1k})
 * @param triggers     event key ({@code kmem/kmalloc}) to the filter of its stacktrace trigger
 * @param kmallocBytes the size class in bytes for {@code kmalloc-N} (matched on {@code bytes_alloc}), else -1
 * @param siteStart    for a site, the function's first address (its events have {@code call_site} in
 *                     [siteStart, siteEnd)); else 0
 * @param siteEnd      exclusive end of the function; else 0
 */
record KdHit(String tag, TagKind kind, String ledgerName, Map<String, String> triggers, long kmallocBytes,
             long siteStart, long siteEnd) {
    KdHit {
        triggers = Map.copyOf(triggers);
    }

    /**
     * @param slabinfo the kernel's {@code /proc/slabinfo} text (cache names), "" when unknown
     * @throws UnknownTagException one line, when the tag names no cache, kernel function or kmalloc class
     */
    static KdHit resolve(String typed, String slabinfo, KernelSymbols symbols) {
        try {
            return resolveOrThrow(typed, slabinfo, symbols);
        } catch (UnknownTagException e) {
            throw e;
        } catch (PooltagException e) {
            // Every failure here is a name that resolves to nothing traceable; tracing itself is not touched yet.
            throw new UnknownTagException(e.getMessage(), e);
        }
    }

    private static KdHit resolveOrThrow(String typed, String slabinfo, KernelSymbols symbols) {
        String name = typed;
        TagKind forced = null;
        int colon = typed.indexOf(':');
        if (colon > 0) {
            String prefix = typed.substring(0, colon);
            switch (prefix) {
                case "cache" -> forced = TagKind.CACHE;
                case "site" -> forced = TagKind.SITE;
                case "mod", "module", "stack" -> throw new PooltagException("hit tag '" + typed + "': only a slab"
                        + " cache, a kernel function or kmalloc-<size> can be a hit tag (the kernel filters events by"
                        + " cache name, call site or size)");
                default -> {
                    // not a kind prefix: left to HitTag, which explains what a tag may be
                }
            }
            if (forced != null) {
                name = typed.substring(colon + 1);
            }
        }
        TagKind natural = HitTag.kindOf(name, slabinfo, symbols);
        long[] range = symbols.resolveFunctionRange(name);
        Map<String, String> triggers;
        TagKind kind;
        if (forced == TagKind.SITE && natural == TagKind.CACHE) {
            // A name that is both a cache and a function, and the user asked for the function: HitTag would pick
            // the cache, so the site's triggers are written here with HitTag's filter.
            if (range == null) {
                throw new PooltagException("hit tag '" + typed + "': no kernel function named " + name);
            }
            String f = "call_site.function == " + name;
            triggers = new java.util.LinkedHashMap<>();
            for (String e : List.of("kmem/kmalloc", "kmem/kfree", "kmem/kmem_cache_alloc", "kmem/kmem_cache_free")) {
                triggers.put(e, f);
            }
            kind = TagKind.SITE;
        } else if (forced == TagKind.CACHE && natural != TagKind.CACHE) {
            throw new PooltagException("hit tag '" + typed + "': no slab cache named " + name + " in /proc/slabinfo");
        } else {
            triggers = HitTag.apply(TraceConfig.kmem(), name, slabinfo, symbols).stackTriggers();
            kind = natural;
        }
        long kmalloc = kind == TagKind.CACHE ? HitTag.kmallocBytes(name) : -1;
        // Slabinfo spells whole-KiB classes with a k, and so does the ledger.
        String ledgerName = kmalloc <= 0 ? name : KmallocName.plain(kmalloc);
        return new KdHit(typed, kind, ledgerName, triggers, kmalloc,
                kind == TagKind.SITE ? range[0] : 0, kind == TagKind.SITE ? range[1] : 0);
    }

    /** True when {@code callSite} lies in the site's function. */
    boolean inSite(long callSite) {
        return kind == TagKind.SITE && Long.compareUnsigned(callSite, siteStart) >= 0
                && Long.compareUnsigned(callSite, siteEnd) < 0;
    }
}
