package pooltag.core.ledger;

import java.util.TreeMap;

import pooltag.core.snapshot.Pool;

/** A symbol table of a few functions; counts how often it is asked, to prove the ledger asks once per site. */
public final class FakeSymbols implements SymbolResolver, CacheCatalog {
    private final TreeMap<Long, String[]> functions = new TreeMap<>();
    private final java.util.Map<Integer, String> cacheNames = new java.util.HashMap<>();
    private final java.util.Set<Integer> paged = new java.util.HashSet<>();
    public int functionLookups;
    public int nameLookups;
    public int cacheLookups;

    public FakeSymbols function(long start, String name, String module) {
        functions.put(start, new String[]{name, module});
        return this;
    }

    public FakeSymbols cache(int id, String name, Pool pool) {
        cacheNames.put(id, name);
        if (pool == Pool.PAGED) {
            paged.add(id);
        }
        return this;
    }

    /** Functions are 0x1000 bytes long. */
    @Override
    public long functionStart(long address) {
        functionLookups++;
        var e = functions.floorEntry(address);
        return e != null && address - e.getKey() < 0x1000 ? e.getKey() : 0;
    }

    @Override
    public String name(long functionStart) {
        nameLookups++;
        String[] f = functions.get(functionStart);
        return f == null ? null : f[0];
    }

    @Override
    public String module(long functionStart) {
        String[] f = functions.get(functionStart);
        return f == null ? null : f[1];
    }

    @Override
    public String name(int cacheId) {
        cacheLookups++;
        return cacheNames.get(cacheId);
    }

    @Override
    public Pool pool(int cacheId) {
        return paged.contains(cacheId) ? Pool.PAGED : Pool.NONPAGED;
    }
}
