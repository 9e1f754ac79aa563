package pooltag.core.ledger;

/**
 * Turns a kernel code address into the function (and module) it belongs to. The ledger calls it once per
 * distinct call site, never per event (it caches call site → site tag in a primitive map), so implementations
 * may be slow and may allocate. The Linux implementation reads {@code /proc/kallsyms} and {@code /proc/modules}.
 *
 * <p>Called only on the ledger's writer thread.
 */
public interface SymbolResolver {
    /** The start address of the function containing {@code address}, or 0 when unknown. */
    long functionStart(long address);

    /** The function's name (e.g. {@code alloc_pipe_info}) for a start returned by {@link #functionStart}, or null. */
    String name(long functionStart);

    /** The owning module in brackets ({@code [kernel]}, {@code [xfs]}), or null when unknown. */
    String module(long functionStart);

    /** Knows no symbols: every call site is its own site, named by its address in hex, module {@code [unknown]}. */
    SymbolResolver NONE = new SymbolResolver() {
        @Override
        public long functionStart(long address) {
            return 0;
        }

        @Override
        public String name(long functionStart) {
            return null;
        }

        @Override
        public String module(long functionStart) {
            return null;
        }
    };
}
