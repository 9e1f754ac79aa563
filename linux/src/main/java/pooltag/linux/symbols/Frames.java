package pooltag.linux.symbols;

import java.util.ArrayList;
import java.util.List;
import java.util.function.IntToLongFunction;

import pooltag.linux.symbols.KernelSymbols;

/**
 * Kernel stacks as views print them: {@code symbol+0xoff [module]}, innermost first, starting at the allocator. The
 * kernel's record starts inside the tracepoint that took it ({@code trace_event_raw_event_kmalloc}); those frames
 * say nothing about the caller and are left out, as WinDbg's {@code kb} starts at ExAllocatePoolWithTag.
 */
public final class Frames {
    private Frames() {
    }

    /** Index of the first frame worth printing. */
    public static int firstAllocatorFrame(KernelSymbols symbols, int depth, IntToLongFunction frame) {
        int i = 0;
        while (i < depth - 1) {
            String name = symbols.functionName(frame.applyAsLong(i));
            if (name == null || !(name.startsWith("trace_event_raw_event_") || name.startsWith("__traceiter_")
                    || name.startsWith("perf_trace_"))) {
                break;
            }
            i++;
        }
        return i;
    }

    public static List<String> symbolize(KernelSymbols symbols, long[] frames) {
        List<String> out = new ArrayList<>(frames.length);
        for (int i = firstAllocatorFrame(symbols, frames.length, j -> frames[j]); i < frames.length; i++) {
            out.add(symbols.format(frames[i]));
        }
        return out;
    }

    /** Function names only, root first: a line of folded stacks for flamegraph.pl and speedscope. */
    public static String functionName(KernelSymbols symbols, long address) {
        String n = symbols.functionName(address);
        return n == null ? "[unknown]" : n;
    }
}
