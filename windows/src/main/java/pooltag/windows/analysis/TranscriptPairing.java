package pooltag.windows.analysis;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

import pooltag.core.snapshot.Loss;
import pooltag.windows.parse.HitEvent;
import pooltag.windows.parse.Transcript;

/**
 * Pairs the allocations and frees of a PoolHitTag transcript by block address and groups what stays allocated by
 * stack: the unattended version of "break, {@code kb}, {@code g}" at every hit.
 *
 * @param allocs      allocation breaks with an address
 * @param frees       free breaks with an address
 * @param paired      allocations whose free was seen
 * @param outstanding allocations never freed, grouped by stack; most allocations first, then most bytes
 * @param loss        {@code unpairedFrees}: frees of blocks allocated before the transcript began;
 *                    {@code lostEvents}: allocations of an address still live, so the transcript missed a free;
 *                    {@code skippedRecords}: breaks without an address (from the transcript)
 */
public record TranscriptPairing(long allocs, long frees, long paired, List<OutstandingStack> outstanding, Loss loss) {
    public TranscriptPairing {
        outstanding = List.copyOf(outstanding);
    }

    public static TranscriptPairing of(Transcript t) {
        Map<Long, HitEvent> live = new LinkedHashMap<>();
        long allocs = 0;
        long frees = 0;
        long paired = 0;
        long unpairedFrees = 0;
        long missedFrees = 0;
        for (HitEvent e : t.events()) {
            if (e.address() == 0) {
                continue;
            }
            if (e.kind() == HitEvent.Kind.ALLOC) {
                allocs++;
                if (live.remove(e.address()) != null) {
                    missedFrees++;
                }
                live.put(e.address(), e);
            } else {
                frees++;
                if (live.remove(e.address()) != null) {
                    paired++;
                } else {
                    unpairedFrees++;
                }
            }
        }
        Map<List<String>, List<HitEvent>> byStack = new LinkedHashMap<>();
        for (HitEvent e : live.values()) {
            byStack.computeIfAbsent(e.frames(), k -> new ArrayList<>()).add(e);
        }
        List<OutstandingStack> groups = new ArrayList<>();
        for (Map.Entry<List<String>, List<HitEvent>> g : byStack.entrySet()) {
            long bytes = 0;
            TreeSet<String> tags = new TreeSet<>();
            List<Long> addresses = new ArrayList<>();
            for (HitEvent e : g.getValue()) {
                bytes += e.bytes();
                tags.add(e.tag());
                addresses.add(e.address());
            }
            groups.add(new OutstandingStack(g.getKey(), g.getValue().size(), bytes, List.copyOf(tags), addresses));
        }
        groups.sort(Comparator.comparingLong(OutstandingStack::count).reversed()
                .thenComparing(Comparator.comparingLong(OutstandingStack::bytes).reversed()));
        Loss loss = new Loss(missedFrees, unpairedFrees, 0, false).plus(t.loss());
        return new TranscriptPairing(allocs, frees, paired, groups, loss);
    }

    /** Allocations never freed, over all stacks. */
    public long outstandingCount() {
        return outstanding.stream().mapToLong(OutstandingStack::count).sum();
    }

    public long outstandingBytes() {
        return outstanding.stream().mapToLong(OutstandingStack::bytes).sum();
    }
}
