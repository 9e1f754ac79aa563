package pooltag.core.rank;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.LongFunction;

/**
 * Folded stacks for flamegraph.pl, speedscope and the like: one line per distinct call path,
 * {@code root;caller;...;allocator N}, root first, weighted by outstanding bytes. Pure: the caller supplies the
 * frame → name function (the symbolizer), so the same stacks fold differently with or without symbols.
 */
public final class CollapsedStacks {
    private CollapsedStacks() {
    }

    /**
     * @param stacks    stacks with their outstanding bytes; frames innermost first, as the ledger keeps them
     *                  ({@code [no stack]} groups fold to a single frame of that name)
     * @param frameName names a frame address ({@code alloc_pipe_info+0x1c}); never null. Semicolons and spaces
     *                  in names are replaced by {@code _}, since they separate frames and the weight.
     * @return lines sorted by path; paths that symbolize alike are merged and their bytes summed; zero weights
     *         are left out
     */
    public static List<String> fold(List<StackSummary> stacks, LongFunction<String> frameName) {
        Map<String, Long> merged = new TreeMap<>();
        StringBuilder sb = new StringBuilder();
        for (StackSummary s : stacks) {
            if (s.bytes() <= 0) {
                continue;
            }
            sb.setLength(0);
            long[] f = s.frames();
            if (f.length == 0) {
                sb.append(clean(s.stackTag()));
            }
            for (int i = f.length - 1; i >= 0; i--) {
                if (sb.length() > 0) {
                    sb.append(';');
                }
                sb.append(clean(frameName.apply(f[i])));
            }
            merged.merge(sb.toString(), s.bytes(), Long::sum);
        }
        List<String> out = new ArrayList<>(merged.size());
        for (Map.Entry<String, Long> e : merged.entrySet()) {
            out.add(e.getKey() + " " + e.getValue());
        }
        return out;
    }

    /** The ledger's per-stack groups of one tag ({@link pooltag.core.ledger.Ledger#outstandingByStack}) as input. */
    public static List<StackSummary> ofGroups(List<pooltag.core.ledger.StackGroup> groups) {
        List<StackSummary> out = new ArrayList<>(groups.size());
        for (pooltag.core.ledger.StackGroup g : groups) {
            out.add(new StackSummary(g.tag(), g.count(), g.bytes(), g.frames()));
        }
        return out;
    }

    private static String clean(String name) {
        return name.replace(';', '_').replace(' ', '_');
    }
}
