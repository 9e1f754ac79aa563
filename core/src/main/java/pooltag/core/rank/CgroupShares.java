package pooltag.core.rank;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import pooltag.core.collect.LongIntHashMap;
import pooltag.core.ledger.Ledger;
import pooltag.core.tag.TagKind;

/**
 * Which cgroups hold a suspect's outstanding bytes ({@code hunt --tag-by cgroup}: "the hunt names the container"):
 * for each suspect, the cgroups whose tasks made its outstanding allocations, most bytes first, with their share.
 * One pass over the outstanding table for all suspects; for a report, not per event. Writer thread (or after the
 * session stopped).
 */
public final class CgroupShares {
    /** @param share bytes / the suspect's outstanding bytes, in [0,1] */
    public record Share(String cgroup, long outstanding, long bytes, double share) {
    }

    private CgroupShares() {
    }

    /**
     * The top {@code n} cgroups of each suspect, in the suspects' order; empty lists when the ledger does not track
     * cgroups. A suspect of kind cgroup holds all of its bytes in itself.
     */
    public static List<List<Share>> of(Ledger ledger, List<Suspect> suspects, int n) {
        List<List<Share>> out = new ArrayList<>(suspects.size());
        if (!ledger.tracksCgroups() || suspects.isEmpty()) {
            suspects.forEach(s -> out.add(List.of()));
            return out;
        }
        // Per suspect: (kind, tag id, pool) to match, and cgroup tag -> {count, bytes}.
        int k = suspects.size();
        TagKind[] kinds = new TagKind[k];
        int[][] ids = new int[k][];
        int[] pools = new int[k];
        List<Map<Integer, long[]>> acc = new ArrayList<>(k);
        for (int i = 0; i < k; i++) {
            Suspect s = suspects.get(i);
            kinds[i] = s.kind();
            ids[i] = ledger.tagIds(s.kind(), s.tag());
            pools[i] = s.pool().ordinal();
            acc.add(new HashMap<>());
        }
        ledger.forEachOutstanding((addr, bytes, allocNs, pid, cacheTag, siteTag, stackId, pool) -> {
            int cg = -2;
            for (int i = 0; i < k; i++) {
                if (pools[i] != pool) {
                    continue;
                }
                int tag = switch (kinds[i]) {
                    case CACHE -> cacheTag;
                    case SITE -> siteTag;
                    case MODULE -> ledger.moduleOfSite(siteTag);
                    case STACK -> stackId;
                    case CGROUP -> cg == -2 ? (cg = ledger.cgroupAt(addr)) : cg;
                    default -> ledger.outstandingTagAt(kinds[i], addr);
                };
                if (tag < 0 || !contains(ids[i], tag)) {
                    continue;
                }
                if (cg == -2) {
                    cg = ledger.cgroupAt(addr);
                }
                long[] c = acc.get(i).computeIfAbsent(cg, x -> new long[2]);
                c[0]++;
                c[1] += bytes;
            }
        });
        return ranked(ledger, acc, n);
    }

    /**
     * The top {@code n} cgroups of each finding, in the findings' order: the cgroups whose tasks made the outstanding
     * allocations of its members' cells (cache, site, pool); empty lists when the ledger does not track cgroups.
     */
    public static List<List<Share>> ofFindings(Ledger ledger, List<Finding> findings, int n) {
        List<List<Share>> out = new ArrayList<>(findings.size());
        if (!ledger.tracksCgroups() || findings.isEmpty()) {
            findings.forEach(f -> out.add(List.of()));
            return out;
        }
        // cell key (cache id, site id, pool) -> finding index; a cell belongs to one finding
        LongIntHashMap cellFinding = new LongIntHashMap(64, -1);
        List<Map<Integer, long[]>> acc = new ArrayList<>(findings.size());
        for (int f = 0; f < findings.size(); f++) {
            acc.add(new HashMap<>());
            for (Finding.Member m : findings.get(f).members()) {
                for (int cache : ledger.tagIds(TagKind.CACHE, m.cache())) {
                    for (int site : ledger.tagIds(TagKind.SITE, m.site())) {
                        long key = ((long) cache << 34) | ((long) site << 2) | m.pool().ordinal();
                        if (cellFinding.get(key) == -1) {
                            cellFinding.put(key, f);
                        }
                    }
                }
            }
        }
        ledger.forEachOutstanding((addr, bytes, allocNs, pid, cacheTag, siteTag, stackId, pool) -> {
            int f = cellFinding.get(((long) cacheTag << 34) | ((long) siteTag << 2) | pool);
            if (f < 0) {
                return;
            }
            long[] c = acc.get(f).computeIfAbsent(ledger.cgroupAt(addr), x -> new long[2]);
            c[0]++;
            c[1] += bytes;
        });
        return ranked(ledger, acc, n);
    }

    /** Per target, its top {@code n} cgroups by bytes (ties: lower cgroup id first) with their share. */
    private static List<List<Share>> ranked(Ledger ledger, List<Map<Integer, long[]>> acc, int n) {
        List<List<Share>> out = new ArrayList<>(acc.size());
        for (int i = 0; i < acc.size(); i++) {
            long total = 0;
            for (long[] c : acc.get(i).values()) {
                total += c[1];
            }
            List<Map.Entry<Integer, long[]>> es = new ArrayList<>(acc.get(i).entrySet());
            es.sort((a, b) -> a.getValue()[1] != b.getValue()[1] ? Long.compare(b.getValue()[1], a.getValue()[1])
                    : Integer.compare(a.getKey(), b.getKey()));
            List<Share> shares = new ArrayList<>(Math.min(n, es.size()));
            for (Map.Entry<Integer, long[]> e : es) {
                if (shares.size() >= n) {
                    break;
                }
                String name = e.getKey() < 0 ? "[unresolved]" : ledger.tagName(TagKind.CGROUP, e.getKey());
                shares.add(new Share(name, e.getValue()[0], e.getValue()[1],
                        total == 0 ? 0 : (double) e.getValue()[1] / total));
            }
            out.add(List.copyOf(shares));
        }
        return out;
    }

    private static boolean contains(int[] a, int v) {
        for (int x : a) {
            if (x == v) {
                return true;
            }
        }
        return false;
    }
}
