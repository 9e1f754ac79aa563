package pooltag.core.ledger;

/**
 * The GFP bits that choose which kmalloc cache serves a request, with their values on Linux 4.x to 6.18
 * ({@code include/linux/gfp_types.h}: {@code ___GFP_DMA_BIT} = 0, {@code ___GFP_RECLAIMABLE_BIT} = 4,
 * {@code ___GFP_ACCOUNT_BIT} = 22; unchanged since the flags became an enum in 6.5). The kernel's
 * {@code kmalloc_type()} checks them in this order: DMA, then RECLAIMABLE, then ACCOUNT.
 *
 * <p>A decoder that can read the values from the {@code gfp_flags} {@code __print_flags} table of the event's
 * {@code format} should prefer those; these are the fallback.
 */
public final class Gfp {
    /** {@code __GFP_DMA}: served by {@code dma-kmalloc-N}. */
    public static final long DMA = 0x01;
    /** {@code __GFP_RECLAIMABLE}: served by {@code kmalloc-rcl-N}, a reclaimable (Paged) cache. */
    public static final long RECLAIMABLE = 0x10;
    /** {@code __GFP_ACCOUNT} (memcg accounting): served by {@code kmalloc-cg-N}. */
    public static final long ACCOUNT = 0x400000;

    static final int NORMAL = 0;
    static final int CG = 1;
    static final int RCL = 2;
    static final int DMA_KMALLOC = 3;

    private Gfp() {
    }

    /** The kmalloc variant for these flags: NORMAL, CG, RCL or DMA_KMALLOC, as {@code kmalloc_type()} picks it. */
    static int kmallocVariant(long gfp) {
        if ((gfp & (DMA | RECLAIMABLE | ACCOUNT)) == 0) {
            return NORMAL;
        }
        if ((gfp & DMA) != 0) {
            return DMA_KMALLOC;
        }
        if ((gfp & RECLAIMABLE) != 0) {
            return RCL;
        }
        return CG;
    }

    /**
     * The cache name as {@code /proc/slabinfo} spells it: sizes that are whole KiB are written {@code 1k},
     * {@code 2k}, ... as the kernel's {@code kmalloc_info} table does ({@code kmalloc-96}, {@code kmalloc-1k},
     * {@code kmalloc-cg-2k}). Sizes above the largest slab class (8 KiB here) are {@code kmalloc_large}
     * page allocations; they get a name of the same shape ({@code kmalloc-16k}) that slabinfo does not list.
     */
    static String kmallocName(int variant, long bytes) {
        String size = bytes >= 1024 && bytes % 1024 == 0 ? (bytes / 1024) + "k" : Long.toString(bytes);
        return switch (variant) {
            case CG -> "kmalloc-cg-" + size;
            case RCL -> "kmalloc-rcl-" + size;
            case DMA_KMALLOC -> "dma-kmalloc-" + size;
            default -> "kmalloc-" + size;
        };
    }
}
