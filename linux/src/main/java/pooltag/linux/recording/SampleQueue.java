package pooltag.linux.recording;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The {@code /proc/slabinfo} samples waiting for a recording's writer (the merge thread): at most {@link #CAPACITY};
 * when full, the oldest is dropped and counted, so a writer that stalls or died never makes the sampling thread
 * grow the heap. Any thread offers, the writer polls.
 */
final class SampleQueue {
    /** Samples held at most: 32 s of the 500 ms cadence, a few hundred KiB (each about 6 KiB gzipped). */
    static final int CAPACITY = 64;

    /** A sample as it will be written: {@code nanos} CLOCK_MONOTONIC when read, its text. */
    record Sample(long nanos, String text) {
    }

    private final ArrayBlockingQueue<Sample> queue;
    private final AtomicLong dropped = new AtomicLong();

    SampleQueue() {
        this(CAPACITY);
    }

    SampleQueue(int capacity) {
        this.queue = new ArrayBlockingQueue<>(capacity);
    }

    /** Queues {@code s}, dropping (and counting) the oldest sample when the queue is full. */
    void offer(Sample s) {
        while (!queue.offer(s)) {
            if (queue.poll() != null) {
                dropped.incrementAndGet();
            }
        }
    }

    /** The oldest queued sample, or null. */
    Sample poll() {
        return queue.poll();
    }

    /** Samples dropped because the writer did not keep up. */
    long dropped() {
        return dropped.get();
    }
}
