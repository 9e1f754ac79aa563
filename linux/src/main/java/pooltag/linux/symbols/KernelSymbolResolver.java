package pooltag.linux.symbols;

import pooltag.core.ledger.SymbolResolver;

/**
 * The ledger's view of {@link KernelSymbols}: call sites to the start of their function, and names and modules of
 * functions. The ledger asks once per distinct call site, so a binary search per question is fine.
 */
public final class KernelSymbolResolver implements SymbolResolver {
    private final KernelSymbols symbols;

    public KernelSymbolResolver(KernelSymbols symbols) {
        this.symbols = symbols;
    }

    @Override
    public long functionStart(long address) {
        int i = symbols.indexOf(address);
        return i < 0 ? 0 : symbols.start(i);
    }

    @Override
    public String name(long functionStart) {
        return symbols.functionName(functionStart);
    }

    @Override
    public String module(long functionStart) {
        int i = symbols.indexOf(functionStart);
        if (i < 0) {
            return null;
        }
        String m = symbols.module(i);
        return m == null ? "[kernel]" : "[" + m + "]";
    }
}
