package pooltag.core.snapshot;

/**
 * The two pools of {@code !poolused} and PoolMon. On Linux, {@link #PAGED} means a reclaimable slab cache
 * ({@code reclaim_account} = 1: the kernel can give it back under pressure, like paged pool can be paged out)
 * and {@link #NONPAGED} everything else, vmalloc included.
 */
public enum Pool {
    NONPAGED("NonPaged", "Nonp"),
    PAGED("Paged", "Paged");

    private final String label;
    private final String poolmonType;

    Pool(String label, String poolmonType) {
        this.label = label;
        this.poolmonType = poolmonType;
    }

    /** As {@code !poolused} names it, and as JSON carries it. */
    public String label() {
        return label;
    }

    /** PoolMon's Type column. */
    public String poolmonType() {
        return poolmonType;
    }

    /** Parses {@code nonpaged}/{@code paged}/{@code Nonp}/{@code 0}/{@code 1} (WinDbg PoolType), case-insensitive. */
    public static Pool parse(String s) {
        return switch (s.trim().toLowerCase(java.util.Locale.ROOT)) {
            case "nonpaged", "nonp", "0", "np" -> NONPAGED;
            case "paged", "1", "p" -> PAGED;
            default -> throw new IllegalArgumentException("unknown pool '" + s + "' (nonpaged or paged)");
        };
    }
}
