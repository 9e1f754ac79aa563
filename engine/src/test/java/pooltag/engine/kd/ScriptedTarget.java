package pooltag.engine.kd;

import pooltag.engine.hit.Break;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.function.BooleanSupplier;

import pooltag.core.error.PooltagException;
import pooltag.core.snapshot.Loss;
import pooltag.core.snapshot.Pool;
import pooltag.core.snapshot.UsageSnapshot;
import pooltag.core.tag.TagPattern;

/**
 * An in-memory target for console tests: hits and outstanding allocations are given up front, every call that
 * changes the kernel's state is recorded in {@link #calls} ({@code arm <tag>}, {@code disarm}, {@code go},
 * {@code close}) so tests can check what the console asked of the kernel.
 */
public final class ScriptedTarget implements KdTarget {
    /** The tag armHit refuses, as a real target refuses a tag that names nothing. */
    public static final String UNKNOWN_TAG = "no_such_tag";

    public final List<String> calls = new CopyOnWriteArrayList<>();
    /** Tags armHit refuses; a test adds 'Abc' to play a Linux kernel, where no tag has the page's name. */
    public final java.util.Set<String> unknownTags = new java.util.HashSet<>(java.util.Set.of(UNKNOWN_TAG));
    public final Deque<Break> hits = new ArrayDeque<>();
    public final List<Allocation> outstanding = new ArrayList<>();
    public final CountDownLatch inGo = new CountDownLatch(1);
    public Symbols symbols = new Symbols(184523, 63, false);
    public UsageSnapshot usage;
    public Loss loss = Loss.NONE;
    /** When no hit of the armed tag is left: wait for the cancel (live kernel) instead of ending (recording). */
    public boolean waitWhenNoHits;
    public volatile int closes;
    /** What {@link #hitsNotKept} answers: a test raises it to play hits a full queue did not keep. */
    public volatile long hitsNotKept;
    private String armed;

    @Override
    public String describe() {
        return "scripted test target";
    }

    @Override
    public Symbols reload() {
        calls.add("reload");
        return symbols;
    }

    @Override
    public UsageSnapshot usage() {
        return usage;
    }

    /** The note armHit returns per tag, as a real target returns HitTarget's merge note; "" for any other. */
    public final java.util.Map<String, String> mergeNotes = new java.util.HashMap<>();

    @Override
    public String armHit(String linuxTag) {
        if (unknownTags.contains(linuxTag)) {
            throw new UnknownTagException("no tag '" + linuxTag + "': not a slab cache, kernel function or kmalloc size",
                    null);
        }
        calls.add("arm " + linuxTag);
        armed = linuxTag;
        return mergeNotes.getOrDefault(linuxTag, "");
    }

    @Override
    public void disarmHit() {
        calls.add("disarm");
        armed = null;
    }

    @Override
    public long hitsNotKept() {
        return hitsNotKept;
    }

    @Override
    public Optional<Break> go(BooleanSupplier cancelled) {
        calls.add("go");
        if (armed == null) {
            throw new AssertionError("go called with nothing armed");
        }
        inGo.countDown();
        while (!hits.isEmpty()) {
            Break b = hits.poll();
            if (b.tag().equals(armed)) {
                return Optional.of(b);
            }
        }
        if (!waitWhenNoHits) {
            return Optional.empty();
        }
        while (!cancelled.getAsBoolean()) {
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return Optional.empty();
            }
        }
        return Optional.empty();
    }

    @Override
    public Found poolfind(TagPattern tag, Pool pool) {
        List<Allocation> out = new ArrayList<>();
        for (Allocation a : outstanding) {
            if (tag.matches(a.tag()) && (pool == null || a.pool() == pool)) {
                out.add(a);
            }
        }
        return new Found(out, loss);
    }

    @Override
    public Optional<Allocation> pool(long address) {
        for (Allocation a : outstanding) {
            if (Long.compareUnsigned(address, a.address()) >= 0
                    && Long.compareUnsigned(address - a.address(), a.size()) < 0) {
                return Optional.of(a);
            }
        }
        return Optional.empty();
    }

    @Override
    public void close() {
        closes++;
        calls.add("close");
    }
}
