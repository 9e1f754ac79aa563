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
     */
    public record Resolution(String text, TagKind kind, List<String> matches, String note) {
        public boolean isEmpty() {
            return matches.isEmpty();
        }
    }

    private final Collection<String> caches;
    private final Collection<String> functions;
    private final Collection<String> modules;
    private final Collection<String> stacks;

    public TagResolver(Collection<String> caches, Collection<String> functions, Collection<String> modules,
                       Collection<String> stacks) {
        this.caches = caches;
        this.functions = functions;
        this.modules = modules;
        this.stacks = stacks;
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
        Resolution r = match(text, TagKind.CACHE, text, caches);
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
                Resolution r = match(text, kind, rest, caches);
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
