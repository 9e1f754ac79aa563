package pooltag.core.event;

import pooltag.core.tag.KmallocName;

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

    private Gfp() {
    }

    /** The {@link KmallocName} variant for these flags, as {@code kmalloc_type()} picks it. */
    public static int kmallocVariant(long gfp) {
        if ((gfp & (DMA | RECLAIMABLE | ACCOUNT)) == 0) {
            return KmallocName.NORMAL;
        }
        if ((gfp & DMA) != 0) {
            return KmallocName.DMA;
        }
        if ((gfp & RECLAIMABLE) != 0) {
            return KmallocName.RCL;
        }
        return KmallocName.CG;
    }
}
