package pooltag.core.rank;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import pooltag.core.ledger.Ledger;

/**
 * What one ranking needs to know about each distinct stack, read once per stack id and kept in arrays indexed by
 * that id: the cause its frames name ({@link StackCause#of}, as a small dense id), whether it was allocated inside
 * another allocation, and which reclaimable-object constructor it passes through.
 *
 * <p>Why: the ranking asks these per group of outstanding allocations, once for every suspect and every cell a
 * group belongs to; resolving the frames' names (a symbol lookup, a regex per frame) each time cost hundreds of
 * megabytes per ranking at 100,000 outstanding allocations. Stacks are few next to allocations, so resolving each
 * once makes the cost proportional to the distinct stacks, not to the outstanding table.
 *
 * <p>Invariant: every answer equals what resolving the stack's frames afresh would give; ids of stacks the ledger
 * interns after this was built are out of range (the ranking reads a ledger that no longer changes).
 */
final class StackFacts {
    /** Frames 0 and 1 are the allocator and the call site: a constructor there is its cache's own business. */
    private static final int SKIP = 2;

    private final Ledger ledger;
    private final Set<String> constructors;
    private final Set<String> objectConstructors;
    /** 0: not read yet; 1: read. */
    private final byte[] read;
    /** Index into {@link #causes}, or -1 when the stack names no system call or kernel thread. */
    private final int[] cause;
    private final boolean[] nested;
    /** {@link StackCause#constructor} from past the allocator frame (cells' consequence rule), or null. */
    private final String[] constructor;
    /** The first of {@code constructors}, in the set's iteration order, on a frame past the call site (and past an object constructor right above it), or null. */
    private final String[] passesThrough;
    private final List<String> causes = new ArrayList<>();

    StackFacts(Ledger ledger) {
        this.ledger = ledger;
        this.constructors = ledger.policy().reclaimableConstructors();
        this.objectConstructors = ledger.policy().objectConstructors();
        int n = ledger.stackCount();
        read = new byte[n];
        cause = new int[n];
        nested = new boolean[n];
        constructor = new String[n];
        passesThrough = new String[n];
    }

    /** Distinct causes seen so far: the bound of {@link #cause(int)}. */
    int causeCount() {
        return causes.size();
    }

    String causeName(int id) {
        return causes.get(id);
    }

    /** The cause id of stack {@code id}, or -1. */
    int cause(int id) {
        ensure(id);
        return cause[id];
    }

    boolean nested(int id) {
        ensure(id);
        return nested[id];
    }

    String constructor(int id) {
        ensure(id);
        return constructor[id];
    }

    String passesThrough(int id) {
        ensure(id);
        return passesThrough[id];
    }

    private void ensure(int id) {
        if (read[id] != 0) {
            return;
        }
        long[] frames = ledger.stackFrames(id);
        String[] names = new String[frames.length];
        for (int f = 0; f < frames.length; f++) {
            names[f] = ledger.functionName(frames[f]);
        }
        String c = StackCause.of(names);
        if (c == null) {
            cause[id] = -1;
        } else {
            int known = causes.indexOf(c);
            if (known < 0) {
                known = causes.size();
                causes.add(c);
            }
            cause[id] = known;
        }
        int alloc = StackCause.firstAllocator(names);
        nested[id] = alloc >= 0 && StackCause.nestedAllocator(names, alloc + 2) >= 0;
        int from = alloc < 0 ? SKIP : alloc + 2;
        if (from < names.length && names[from] != null && objectConstructors.contains(names[from])) {
            from++; // the call site under it made the object itself (an inode), not a companion of one
        }
        constructor[id] = StackCause.constructor(names, from, constructors);
        passesThrough[id] = null;
        search:
        for (String fn : constructors) {
            for (int f = from; f < names.length; f++) {
                if (fn.equals(names[f])) {
                    passesThrough[id] = fn;
                    break search;
                }
            }
        }
        read[id] = 1;
    }
}
