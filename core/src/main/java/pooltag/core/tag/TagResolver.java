package pooltag.core.tag;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;

/**
 * Resolves a tag as a user types it into the tags it means, in the order the workflow fixes:
 * <ol>
 *   <li>{@code cache:}, {@code site:}, {@code mod:} (or {@code module:}) and {@code stack:} force the kind;</li>
 *   <li>otherwise {@code ~3fa2c1d0} is a stack and {@code [xfs]} a module (their spellings are unambiguous);</li>
 *   <li>otherwise an exact cache name, then a kernel function (a site), then a kmalloc size class:
 *       {@code kmalloc-100} or a bare {@code 100} means the class that serves 100 bytes, {@code kmalloc-128}
 *       ({@code kmalloc-cg-}, {@code kmalloc-rcl-} and {@code dma-kmalloc-} keep their variant).</li>
 * </ol>
 * {@code *} and {@code ?} are wildcards as in {@code !poolused} ({@link TagPattern}); with no prefix the first kind
 * (caches, then functions) with at least one match wins. Size classes are only tried for literal text.
 *
 * <p><b>Merged caches.</b> SLUB merges caches of one size and flags: a merged name has no slabinfo row and its
 * events carry the name of the cache it joined. Given those names ({@link #withMergedCaches}), a cache match may be
 * a merged name; it resolves to the cache its events name, once however many merged names matched, and the
 * resolution says which ({@link Resolution#merged()}).
 *
 * <p>The caller supplies the name tables: cache names from slabinfo and the ledger, function names from the
 * symbolizer (every kernel function, not only those seen allocating: {@code hit} may name one before it
 * allocates), module names, stack tags. Pure; no I/O. Lookups are {@code contains} on the given collections,
 * so pass sets for large tables.
 */
public final class TagResolver {
    /** The kmalloc size classes of {@code kmalloc_info} (x86_64, 4 KiB pages), ascending. */
    static final long[] KMALLOC_CLASSES = {8, 16, 32, 64, 96, 128, 192, 256, 512, 1024, 2048, 4096, 8192};

    /**
     * @param kind    the kind the text resolved to; null when nothing matched
     * @param matches the tag names, in the order of the name table (one for an exact name)
     * @param note    how it resolved, or why nothing matched, in words a user can act on
     * @param merged  each merged cache name that matched, to the cache in {@code matches} its events name (sorted;
     *                empty when none did)
     */
    public record Resolution(String text, TagKind kind, List<String> matches, String note,
                             java.util.SortedMap<String, String> merged) {
        public Resolution(String text, TagKind kind, List<String> matches, String note) {
            this(text, kind, matches, note, java.util.Collections.emptySortedMap());
        }

        public boolean isEmpty() {
            return matches.isEmpty();
        }

        /**
         * "" when no merged name matched; else which names share which cache and what that means for anything
         * filtered or counted by cache: {@code UNIX: merged by SLUB into signal_cache}.
         */
        public String mergeNote() {
            return TagResolver.mergeNote(merged);
        }
    }

    /**
     * "" for an empty map; else which merged names share which cache ({@code UNIX: merged by SLUB into signal_cache})
     * and what that means for anything filtered or counted by cache.
     *
     * @param merged merged cache name to the cache its events name
     */
    public static String mergeNote(java.util.SortedMap<String, String> merged) {
        if (merged.isEmpty()) {
            return "";
        }
        java.util.Map<String, List<String>> byCache = new java.util.TreeMap<>();
        merged.forEach((name, cache) -> byCache.computeIfAbsent(cache, k -> new ArrayList<>()).add(name));
        List<String> parts = new ArrayList<>();
        byCache.forEach((cache, names) -> parts.add(String.join(", ", names) + ": merged by SLUB into " + cache));
        return String.join("; ", parts) + "; the kernel names a merged cache by the cache it joined, so its"
                + " allocations are that cache's, every merged name's among them";
    }

    private final Collection<String> caches;
    private final Collection<String> functions;
    private final Collection<String> modules;
    private final Collection<String> stacks;
    /** Merged cache name to the cache its events name; never a name of {@link #caches}. */
    private java.util.Map<String, String> mergedCaches = java.util.Map.of();

    public TagResolver(Collection<String> caches, Collection<String> functions, Collection<String> modules,
                       Collection<String> stacks) {
        this.caches = caches;
        this.functions = functions;
        this.modules = modules;
        this.stacks = stacks;
    }

    /**
     * Also resolves cache names SLUB merged into a cache of this resolver's: {@code merged} maps each to the cache its
     * events name (names that are themselves caches here are ignored). Returns this.
     */
    public TagResolver withMergedCaches(java.util.Map<String, String> merged) {
        java.util.Map<String, String> m = new java.util.HashMap<>();
        merged.forEach((name, cache) -> {
            if (!caches.contains(name)) {
                m.put(name, cache);
            }
        });
        this.mergedCaches = m;
        return this;
    }

    public Resolution resolve(String typed) {
        String text = typed.trim();
        if (text.isEmpty()) {
            throw new IllegalArgumentException("empty tag");
        }
        int colon = text.indexOf(':');
        if (colon > 0) {
            String prefix = text.substring(0, colon).toLowerCase(Locale.ROOT);
            String rest = text.substring(colon + 1);
            TagKind forced = switch (prefix) {
                case "cache" -> TagKind.CACHE;
                case "site" -> TagKind.SITE;
                case "mod", "module" -> TagKind.MODULE;
                case "stack" -> TagKind.STACK;
                default -> null; // not a kind prefix: vmalloc:... and the like are plain names
            };
            if (forced != null) {
                if (rest.isEmpty()) {
                    throw new IllegalArgumentException("nothing after '" + prefix + ":'");
                }
                return forced(text, forced, rest);
            }
        }
        if (text.startsWith("~")) {
            return match(text, TagKind.STACK, text, stacks);
        }
        if (text.startsWith("[") && text.endsWith("]")) {
            return match(text, TagKind.MODULE, text, modules);
        }
        Resolution r = matchCaches(text, text);
        if (!r.isEmpty()) {
            return r;
        }
        r = match(text, TagKind.SITE, text, functions);
        if (!r.isEmpty()) {
            return r;
        }
        if (TagPattern.of(text).isLiteral()) {
            String cls = kmallocClass(text);
            if (cls != null) {
                return new Resolution(text, TagKind.CACHE, List.of(cls),
                        "'" + text + "' is served by the kmalloc size class " + cls);
            }
        }
        return new Resolution(text, null, List.of(), "no cache, kernel function or kmalloc size class matches '"
                + text + "' (prefix cache:, site:, mod: or stack: to choose the kind; * and ? are wildcards)");
    }

    private Resolution forced(String text, TagKind kind, String rest) {
        return switch (kind) {
            case CACHE -> {
                Resolution r = matchCaches(text, rest);
                String cls = r.isEmpty() && TagPattern.of(rest).isLiteral() ? kmallocClass(rest) : null;
                yield cls == null ? r : new Resolution(text, kind, List.of(cls),
                        "'" + rest + "' is served by the kmalloc size class " + cls);
            }
            case SITE -> match(text, kind, rest, functions);
            case MODULE -> match(text, kind, rest.startsWith("[") ? rest : "[" + rest + "]", modules);
            case STACK -> match(text, kind, rest.startsWith("~") ? rest : "~" + rest, stacks);
            default -> throw new IllegalStateException(kind.toString());
        };
    }

    /** Caches, then merged names mapped to the cache their events name (each cache once, in first-match order). */
    private Resolution matchCaches(String text, String pattern) {
        Resolution own = match(text, TagKind.CACHE, pattern, caches);
        if (mergedCaches.isEmpty()) {
            return own;
        }
        Resolution viaMerge = match(text, TagKind.CACHE, pattern, mergedCaches.keySet());
        if (viaMerge.isEmpty()) {
            return own;
        }
        java.util.LinkedHashSet<String> names = new java.util.LinkedHashSet<>(own.matches());
        java.util.SortedMap<String, String> merged = new java.util.TreeMap<>();
        for (String m : viaMerge.matches()) {
            String cache = mergedCaches.get(m);
            merged.put(m, cache);
            names.add(cache);
        }
        String note = own.isEmpty() && merged.size() == 1
                ? "'" + merged.firstKey() + "' is merged into the cache " + merged.get(merged.firstKey())
                : names.size() + " " + TagKind.CACHE.label() + " tags match '" + pattern + "'";
        return new Resolution(text, TagKind.CACHE, List.copyOf(names), note,
                java.util.Collections.unmodifiableSortedMap(merged));
    }

    private static Resolution match(String text, TagKind kind, String pattern, Collection<String> names) {
        TagPattern p = TagPattern.of(pattern);
        if (p.isLiteral()) {
            return names.contains(pattern)
                    ? new Resolution(text, kind, List.of(pattern), "a " + kind.label() + " tag")
                    : new Resolution(text, kind, List.of(), "no " + kind.label() + " tag is named '" + pattern + "'");
        }
        List<String> out = new ArrayList<>();
        for (String n : names) {
            if (p.matches(n)) {
                out.add(n);
            }
        }
        return new Resolution(text, kind, List.copyOf(out), out.isEmpty()
                ? "no " + kind.label() + " tag matches '" + pattern + "'"
                : out.size() + " " + kind.label() + " tags match '" + pattern + "'");
    }

    /**
     * The kmalloc class serving a request: {@code kmalloc-100}, {@code kmalloc-cg-100}, {@code 100},
     * {@code kmalloc-2k}; null when the text is not a size or the size is beyond the largest class.
     */
    static String kmallocClass(String text) {
        String prefix;
        String size;
        if (text.startsWith("dma-kmalloc-")) {
            prefix = "dma-kmalloc-";
        } else if (text.startsWith("kmalloc-cg-")) {
            prefix = "kmalloc-cg-";
        } else if (text.startsWith("kmalloc-rcl-")) {
            prefix = "kmalloc-rcl-";
        } else if (text.startsWith("kmalloc-")) {
            prefix = "kmalloc-";
        } else {
            prefix = "kmalloc-";
            if (text.isEmpty() || !Character.isDigit(text.charAt(0))) {
                return null;
            }
        }
        size = text.startsWith(prefix) ? text.substring(prefix.length()) : text;
        long bytes;
        try {
            String s = size.toLowerCase(Locale.ROOT);
            bytes = s.endsWith("k") ? Long.parseLong(s.substring(0, s.length() - 1)) * 1024 : Long.parseLong(s);
        } catch (NumberFormatException e) {
            return null;
        }
        if (bytes <= 0) {
            return null;
        }
        for (long c : KMALLOC_CLASSES) {
            if (c >= bytes) {
                return prefix + KmallocName.size(c);
            }
        }
        return null;
    }
}
