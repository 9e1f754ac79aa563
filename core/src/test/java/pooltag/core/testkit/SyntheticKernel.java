package pooltag.core.testkit;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import pooltag.core.ledger.CacheCatalog;
import pooltag.core.ledger.SymbolResolver;
import pooltag.core.snapshot.Pool;

/**
 * A kernel made up for tests and benchmarks: functions are 0x1000-byte blocks, named {@code fn_<hex>} (the low 24
 * bits of the start) unless given a real name, all in {@code [kernel]}; caches are {@code cache_<id>}, Paged when
 * the id is a multiple of 5. Asked once per distinct call site or cache id by the ledger, so names are built on
 * demand.
 */
public final class SyntheticKernel implements SymbolResolver, CacheCatalog {
    private final Map<Long, String> names;

    /** Functions named {@code fn_<hex>} only. */
    public SyntheticKernel() {
        this(new ConcurrentHashMap<>());
    }

    /** Functions whose start is a key of {@code names} (read at each question, so it may grow) take that name. */
    public SyntheticKernel(Map<Long, String> names) {
        this.names = names;
    }

    /** The start of the function holding {@code address}. */
    public static long functionOf(long address) {
        return address & ~0xfffL;
    }

    /** The name a function starting at {@code start} gets when it has no real one. */
    public static String syntheticName(long start) {
        return "fn_" + Long.toHexString(start & 0xffffff);
    }

    @Override
    public long functionStart(long address) {
        return functionOf(address);
    }

    @Override
    public String name(long functionStart) {
        String known = names.isEmpty() ? null : names.get(functionStart);
        return known != null ? known : syntheticName(functionStart);
    }

    @Override
    public String module(long functionStart) {
        return "[kernel]";
    }

    @Override
    public String name(int cacheId) {
        return "cache_" + cacheId;
    }

    @Override
    public Pool pool(int cacheId) {
        return cacheId % 5 == 0 ? Pool.PAGED : Pool.NONPAGED;
    }
}
