package pooltag.windows.parse;

import java.util.List;

import pooltag.core.event.AllocEvent;
import pooltag.core.event.AllocEventConsumer;
import pooltag.core.snapshot.Loss;

/**
 * The PoolHitTag breaks of a debugger transcript, in the order they happened.
 *
 * @param events  allocations and frees of the watched tag
 * @param loss    {@link Loss#skippedRecords()} counts breaks whose block address the transcript never shows (they
 *                cannot be paired)
 */
public record Transcript(List<HitEvent> events, Loss loss) {
    public Transcript {
        events = List.copyOf(events);
    }

    /**
     * Hands the events to a consumer as the core allocation-event currency ({@link AllocEvent#SOURCE_WINDOWS_POOL}).
     * A transcript has no clock: the timestamp is the event's position (0, 1, 2...), which keeps their order. Breaks
     * without an address are not replayed (they are in {@link Loss#skippedRecords()}).
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
            consumer.onEvent(v);
        }
        consumer.onEnd(loss.truncated());
    }

    /** The reusable view: valid only during {@link AllocEventConsumer#onEvent}. */
    private static final class View implements AllocEvent {
        HitEvent event;
        long seq;

        @Override
        public int type() {
            return event.kind() == HitEvent.Kind.ALLOC ? ALLOC : FREE;
        }

        @Override
        public int source() {
            return SOURCE_WINDOWS_POOL;
        }

        @Override
        public long timestampNanos() {
            return seq;
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
            return -1;
        }

        @Override
        public long gfpFlags() {
            return 0;
        }

        @Override
        public int stackDepth() {
            return 0;
        }

        @Override
        public long stackFrame(int i) {
            throw new IndexOutOfBoundsException("a transcript event carries its stack as text: HitEvent.frames()");
        }
    }
}
