package pooltag.windows.parse;

/** What a Windows capture holds, as {@link FormatDetector} tells it from the text. */
public enum CaptureKind {
    /** WinDbg {@code !poolused}: per-tag outstanding allocations and bytes (old, new and verbose layouts). */
    POOLUSED("!poolused"),
    /** A PoolMon screen or a {@code poolmon /n} snapshot file. */
    POOLMON("PoolMon"),
    /** WinDbg {@code !poolfind}: the blocks that carry a tag. */
    POOLFIND("!poolfind"),
    /** A debugger session that set {@code nt!PoolHitTag} and broke on allocations and frees. */
    POOLHITTAG("PoolHitTag transcript"),
    /** {@code !verifier 3} (or {@code 0xf}) with Driver Verifier pool tracking: outstanding allocations. */
    VERIFIER("!verifier"),
    /** pooltag.txt: tag to binary and description. */
    POOLTAG_TXT("pooltag.txt");

    private final String title;

    CaptureKind(String title) {
        this.title = title;
    }

    /** The name users know the output by, for messages. */
    public String title() {
        return title;
    }
}
