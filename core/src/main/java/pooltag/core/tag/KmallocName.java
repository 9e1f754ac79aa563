package pooltag.core.tag;

/**
 * The one spelling of kmalloc size-class cache names, as the kernel's own {@code /proc/slabinfo} writes them
 * ({@code kmalloc_info[]} in {@code mm/slab_common.c}): sizes that are whole KiB are written {@code 1k}, {@code 2k},
 * ... ({@code kmalloc-96}, {@code kmalloc-1k}, {@code kmalloc-cg-2k}, {@code dma-kmalloc-8k}); others in bytes. The
 * ledger names its tags with it, and every door that takes or prints a kmalloc tag ({@code hit}, {@code find},
 * {@code kd}, {@code report}, the web page) goes through it, so {@code kmalloc-1024} is never a second name for
 * {@code kmalloc-1k}.
 *
 * <p>Variants are the kernel's {@code enum kmalloc_cache_type} as {@code kmalloc_type()} picks one from the GFP
 * bits (see {@code pooltag.core.event.Gfp}).
 */
public final class KmallocName {
    /** {@code kmalloc-N}: plain requests. */
    public static final int NORMAL = 0;
    /** {@code kmalloc-cg-N}: {@code __GFP_ACCOUNT} (memcg-accounted) requests. */
    public static final int CG = 1;
    /** {@code kmalloc-rcl-N}: {@code __GFP_RECLAIMABLE} requests; the caches are reclaimable (Paged). */
    public static final int RCL = 2;
    /** {@code dma-kmalloc-N}: {@code __GFP_DMA} requests. */
    public static final int DMA = 3;
    /** How many variants there are; variant ids are 0 .. VARIANTS - 1. */
    public static final int VARIANTS = 4;

    private KmallocName() {
    }

    /** A size as slabinfo writes it in a cache name: {@code 96}, {@code 1k}, {@code 1536}, {@code 32k}. */
    public static String size(long bytes) {
        return bytes >= 1024 && bytes % 1024 == 0 ? (bytes / 1024) + "k" : Long.toString(bytes);
    }

    /** The name prefix of a variant: {@code kmalloc-}, {@code kmalloc-cg-}, {@code kmalloc-rcl-}, {@code dma-kmalloc-}. */
    public static String prefix(int variant) {
        return switch (variant) {
            case CG -> "kmalloc-cg-";
            case RCL -> "kmalloc-rcl-";
            case DMA -> "dma-kmalloc-";
            default -> "kmalloc-";
        };
    }

    /**
     * The cache that serves {@code bytes} of a variant, as slabinfo names it. Sizes above the largest slab class are
     * {@code kmalloc_large} page allocations; they get a name of the same shape ({@code kmalloc-16k}) that slabinfo
     * does not list.
     */
    public static String of(int variant, long bytes) {
        return prefix(variant) + size(bytes);
    }

    /**
     * The object size a kmalloc cache's name states ({@code kmalloc-cg-512} 512, {@code kmalloc-1k} 1024,
     * {@code dma-kmalloc-96} 96, {@code kmalloc-rnd-01-64} 64), or -1 for a name that is not a kmalloc cache's.
     */
    public static long sizeOf(String name) {
        if (!name.contains("kmalloc-")) {
            return -1;
        }
        String last = name.substring(name.lastIndexOf('-') + 1);
        boolean k = last.endsWith("k");
        String digits = k ? last.substring(0, last.length() - 1) : last;
        if (digits.isEmpty() || digits.length() > 9 || !digits.chars().allMatch(c -> c >= '0' && c <= '9')) {
            return -1;
        }
        long n = Long.parseLong(digits);
        return n == 0 ? -1 : k ? n * 1024 : n;
    }

    /** {@code kmalloc-<size>} for a plain size class: {@code of(NORMAL, bytes)}. */
    public static String plain(long bytes) {
        return of(NORMAL, bytes);
    }
}
