package pooltag.windows.analysis;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

import pooltag.core.ledger.CacheCatalog;
import pooltag.core.ledger.Ledger;
import pooltag.core.ledger.LedgerStats;
import pooltag.core.ledger.SymbolResolver;
import pooltag.core.snapshot.Loss;
import pooltag.core.snapshot.Pool;
import pooltag.core.tag.TagKind;
import pooltag.windows.parse.Transcript;

/**
 * A debugger transcript replayed into core's {@link Ledger}, the one pairing engine of every door (live tracing,
 * recordings, transcripts): allocations and frees pair by block address there, and what stays allocated is
 * grouped by the stack printed at its break, each group named by its owner ({@link OwnerFrame}). The unattended
 * version of "break, {@code kb}, {@code g}" at every hit.
 *
 * @param allocs      allocation breaks with an address
 * @param frees       free breaks with an address
 * @param paired      allocations whose free was seen
 * @param outstanding allocations never freed, grouped by stack; most allocations first, then most bytes, then
 *                    transcript order
 * @param loss        {@code unpairedFrees}: frees of blocks allocated before the transcript began;
 *                    {@code lostEvents}: allocations of an address still live, so the transcript missed a free;
 *                    {@code skippedRecords}: breaks without an address (from the transcript)
 */
public record TranscriptReplay(long allocs, long frees, long paired, List<OutstandingStack> outstanding, Loss loss) {
    public TranscriptReplay {
        outstanding = List.copyOf(outstanding);
    }

    public static TranscriptReplay of(Transcript t) {
        CacheCatalog tags = new CacheCatalog() {
            @Override
            public String name(int cacheId) {
                return t.cacheName(cacheId);
            }

            @Override
            public Pool pool(int cacheId) {
                return t.cachePool(cacheId);
            }
        };
        Ledger ledger = new Ledger(tags, SymbolResolver.NONE, Math.max(16, t.events().size()));
        t.replay(ledger);
        LedgerStats st = ledger.stats();

        // What is still outstanding, in transcript order (the replay clock is the break's position).
        List<long[]> rows = new ArrayList<>();
        ledger.forEachOutstanding((address, bytes, allocNanos, pid, cacheTag, siteTag, stackId, pool, cgroup) ->
                rows.add(new long[] {address, bytes, allocNanos, cacheTag, stackId}));
        rows.sort(Comparator.comparingLong(r -> r[2]));
        Map<Integer, List<long[]>> byStack = new LinkedHashMap<>();
        for (long[] r : rows) {
            byStack.computeIfAbsent((int) r[4], k -> new ArrayList<>()).add(r);
        }
        List<OutstandingStack> groups = new ArrayList<>();
        for (Map.Entry<Integer, List<long[]>> g : byStack.entrySet()) {
            int stackId = g.getKey();
            List<String> frames = stackId < 0 ? List.of()
                    : Arrays.stream(ledger.stackFrames(stackId)).mapToObj(t::frameText).toList();
            long bytes = 0;
            long unsized = 0; // the ledger holds 0 bytes for a size the transcript did not show (HitEvent.bytes)
            TreeSet<String> names = new TreeSet<>();
            List<Long> addresses = new ArrayList<>();
            for (long[] r : g.getValue()) {
                bytes += r[1];
                unsized += r[1] == 0 ? 1 : 0;
                names.add(ledger.tagName(TagKind.CACHE, (int) r[3]));
                addresses.add(r[0]);
            }
            groups.add(new OutstandingStack(frames, OwnerFrame.of(frames), g.getValue().size(), bytes, unsized,
                    List.copyOf(names), addresses));
        }
        groups.sort(Comparator.comparingLong(OutstandingStack::count).reversed()
                .thenComparing(Comparator.comparingLong(OutstandingStack::bytes).reversed()));
        Loss loss = new Loss(st.doubleAllocs(), st.unpairedFrees(), 0, false).plus(t.loss());
        return new TranscriptReplay(st.allocs(), st.frees() + st.unpairedFrees(), st.frees(), groups, loss);
    }

    /** Allocations never freed, over all stacks. */
    public long outstandingCount() {
        return outstanding.stream().mapToLong(OutstandingStack::count).sum();
    }

    /** Requested bytes never freed, over the allocations whose size the transcript shows. */
    public long outstandingBytes() {
        return outstanding.stream().mapToLong(OutstandingStack::bytes).sum();
    }

    /** Allocations never freed whose size the transcript does not show. */
    public long outstandingUnsized() {
        return outstanding.stream().mapToLong(OutstandingStack::unsized).sum();
    }
}
