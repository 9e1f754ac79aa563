package pooltag.windows.parse;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import pooltag.core.event.AllocEvent;
import pooltag.core.event.AllocEventConsumer;
import pooltag.core.snapshot.Loss;
import pooltag.core.snapshot.Pool;

/**
 * The breaks of a debugger transcript (PoolHitTag, or conditional breakpoints on the allocator), in the order they
 * happened, and their replay into the ledger.
 *
 * <p>Invariants: cache id i names the i-th distinct (tag, pool) among the events, in order of first appearance
 * (a break whose pool the transcript does not show counts as NonPaged); frame id k (from 1) is the k-th distinct
 * call site printed in any stack. Immutable.
 */
public final class Transcript {
    /** Nanoseconds between two breaks on the replay clock: more than the ledger's clock tick (about 1 ms). */
    public static final long BREAK_NANOS = 4_000_000L;

    private final List<HitEvent> events;
    private final Loss loss;
    private final List<String> cacheNames = new ArrayList<>();
    private final List<Pool> cachePools = new ArrayList<>();
    private final Map<String, Integer> cacheIds = new HashMap<>();
    private final List<String> frameTexts = new ArrayList<>();
    private final Map<String, Long> frameIds = new HashMap<>();

    /**
     * @param events allocations and frees of the watched tag
     * @param loss   {@link Loss#skippedRecords()} counts breaks whose block address the transcript never shows
     *               (they cannot be paired)
     */
    public Transcript(List<HitEvent> events, Loss loss) {
        this.events = List.copyOf(events);
        this.loss = loss;
        for (HitEvent e : this.events) {
            if (cacheIds.putIfAbsent(cacheKey(e), cacheNames.size()) == null) {
                cacheNames.add(e.tag());
                cachePools.add(e.pool() == null ? Pool.NONPAGED : e.pool());
            }
            for (String site : e.frames()) {
                if (frameIds.putIfAbsent(site, (long) frameTexts.size() + 1) == null) {
                    frameTexts.add(site);
                }
            }
        }
    }

    public List<HitEvent> events() {
        return events;
    }

    public Loss loss() {
        return loss;
    }

    /** The tag of cache id {@code id}. */
    public String cacheName(int id) {
        return cacheNames.get(id);
    }

    /** The pool of cache id {@code id}. */
    public Pool cachePool(int id) {
        return cachePools.get(id);
    }

    /** The call site of frame id {@code id}, or null for an id the transcript did not give. */
    public String frameText(long id) {
        return id >= 1 && id <= frameTexts.size() ? frameTexts.get((int) id - 1) : null;
    }

    private static String cacheKey(HitEvent e) {
        return e.tag() + '\u0000' + (e.pool() == null ? Pool.NONPAGED : e.pool());
    }

    /**
     * Hands the events to a consumer as the core allocation-event currency ({@link AllocEvent#SOURCE_WINDOWS_POOL}).
     * A transcript has no clock: the k-th replayed break is at {@code k * BREAK_NANOS}, which keeps their order
     * through the ledger's clock ticks. An allocation whose stack was printed is followed by a
     * {@link AllocEvent#STACK} event (same cpu and pid) whose frames are frame ids. Breaks without an address are
     * not replayed (they are in {@link Loss#skippedRecords()}).
     */
    public void replay(AllocEventConsumer consumer) {
        View v = new View();
        long seq = 0;
        for (HitEvent e : events) {
            if (e.address() == 0) {
                continue;
            }
            v.event = e;
            v.seq = seq++;
            v.type = e.kind() == HitEvent.Kind.ALLOC ? AllocEvent.ALLOC : AllocEvent.FREE;
            consumer.onEvent(v);
            if (v.type == AllocEvent.ALLOC && !e.frames().isEmpty()) {
                v.type = AllocEvent.STACK;
                consumer.onEvent(v);
            }
        }
        consumer.onEnd(loss.truncated());
    }

    /** The reusable view: valid only during {@link AllocEventConsumer#onEvent}. */
    private final class View implements AllocEvent {
        HitEvent event;
        long seq;
        int type;

        @Override
        public int type() {
            return type;
        }

        @Override
        public int source() {
            return SOURCE_WINDOWS_POOL;
        }

        @Override
        public long timestampNanos() {
            return seq * BREAK_NANOS;
        }

        @Override
        public int cpu() {
            return 0;
        }

        @Override
        public int pid() {
            return 0;
        }

        @Override
        public long address() {
            return event.address();
        }

        @Override
        public long callSite() {
            return 0;
        }

        @Override
        public long bytesRequested() {
            return event.kind() == HitEvent.Kind.ALLOC ? event.bytes() : 0;
        }

        @Override
        public long bytesAllocated() {
            return bytesRequested();
        }

        @Override
        public int cacheId() {
            return cacheIds.get(cacheKey(event));
        }

        @Override
        public long gfpFlags() {
            return 0;
        }

        @Override
        public int stackDepth() {
            return type == STACK ? event.frames().size() : 0;
        }

        @Override
        public long stackFrame(int i) {
            return frameIds.get(event.frames().get(i));
        }
    }
}
