package pooltag.core.rank;

import java.util.ArrayList;
import java.util.List;

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
        // Per suspect: (kind, tag id, pool) to match; its cgroups' counts in the accumulator.
        int k = suspects.size();
        TagKind[] kinds = new TagKind[k];
        int[][] ids = new int[k][];
        int[] pools = new int[k];
        for (int i = 0; i < k; i++) {
            Suspect s = suspects.get(i);
            kinds[i] = s.kind();
            ids[i] = ledger.tagIds(s.kind(), s.tag());
            pools[i] = s.pool().ordinal();
        }
        Acc acc = new Acc(k, ledger.tagCount(TagKind.CGROUP));
        ledger.forEachOutstanding((addr, bytes, allocNs, pid, cacheTag, siteTag, stackId, pool, cgroup) -> {
            for (int i = 0; i < k; i++) {
                if (pools[i] != pool) {
                    continue;
                }
                int tag = switch (kinds[i]) {
                    case CACHE -> cacheTag;
                    case SITE -> siteTag;
                    case MODULE -> ledger.moduleOfSite(siteTag);
                    case STACK -> stackId;
                    default -> ledger.cgroupTagOf(kinds[i], cgroup, cacheTag, siteTag);
                };
                if (tag >= 0 && contains(ids[i], tag)) {
                    acc.add(i, cgroup, bytes);
                }
            }
        });
        return acc.ranked(ledger, n);
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
        for (int f = 0; f < findings.size(); f++) {
            for (Finding.Member m : findings.get(f).members()) {
                for (int cache : ledger.tagIds(TagKind.CACHE, m.cache())) {
                    for (int site : ledger.tagIds(TagKind.SITE, m.site())) {
                        long key = SuspectRanker.cellKey(cache, site, m.pool().ordinal());
                        if (cellFinding.get(key) == -1) {
                            cellFinding.put(key, f);
                        }
                    }
                }
            }
        }
        Acc acc = new Acc(findings.size(), ledger.tagCount(TagKind.CGROUP));
        ledger.forEachOutstanding((addr, bytes, allocNs, pid, cacheTag, siteTag, stackId, pool, cgroup) -> {
            int f = cellFinding.get(SuspectRanker.cellKey(cacheTag, siteTag, pool));
            if (f >= 0) {
                acc.add(f, cgroup, bytes);
            }
        });
        return acc.ranked(ledger, n);
    }

    /**
     * Outstanding count and bytes per (target, cgroup tag), in flat primitive arrays indexed
     * {@code target * cgroups + cgroup}: cgroup tags are dense and bounded ({@code CgroupTags}' limit), so an add is
     * two array writes, no boxing, no map.
     */
    private static final class Acc {
        final int cgroups;
        final long[] count;
        final long[] bytes;

        Acc(int targets, int cgroups) {
            this.cgroups = cgroups;
            this.count = new long[targets * cgroups];
            this.bytes = new long[targets * cgroups];
        }

        void add(int target, int cgroup, long b) {
            int i = target * cgroups + cgroup;
            count[i]++;
            bytes[i] += b;
        }

        /** Per target, its top {@code n} cgroups by bytes (ties: lower cgroup id first) with their share. */
        List<List<Share>> ranked(Ledger ledger, int n) {
            int targets = cgroups == 0 ? 0 : count.length / cgroups;
            List<List<Share>> out = new ArrayList<>(targets);
            for (int t = 0; t < targets; t++) {
                int base = t * cgroups;
                long total = 0;
                List<Integer> held = new ArrayList<>();
                for (int c = 0; c < cgroups; c++) {
                    if (count[base + c] != 0) {
                        total += bytes[base + c];
                        held.add(c);
                    }
                }
                held.sort((a, b) -> bytes[base + a] != bytes[base + b] ? Long.compare(bytes[base + b], bytes[base + a])
                        : Integer.compare(a, b));
                List<Share> shares = new ArrayList<>(Math.min(n, held.size()));
                for (int c : held) {
                    if (shares.size() >= n) {
                        break;
                    }
                    shares.add(new Share(ledger.tagName(TagKind.CGROUP, c), count[base + c], bytes[base + c],
                            total == 0 ? 0 : (double) bytes[base + c] / total));
                }
                out.add(List.copyOf(shares));
            }
            return out;
        }
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
