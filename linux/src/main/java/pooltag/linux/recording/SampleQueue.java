package pooltag.linux.recording;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The {@code /proc/slabinfo} samples waiting for a recording's writer (the merge thread): at most {@link #CAPACITY};
 * when full, the oldest is dropped and counted, so a writer that stalls or died never makes the sampling thread
 * grow the heap. The samples are queued compressed (gzipped by the thread that read them, off the merge thread).
 * Any thread offers, the writer polls.
 */
final class SampleQueue {
    /** Samples held at most: 32 s of the 500 ms cadence, a few hundred KiB (each about 6 KiB, gzipped). */
    static final int CAPACITY = 64;

    private final ArrayBlockingQueue<byte[]> queue;
    private final AtomicLong dropped = new AtomicLong();

    SampleQueue() {
        this(CAPACITY);
    }

    SampleQueue(int capacity) {
        this.queue = new ArrayBlockingQueue<>(capacity);
    }

    /**
     * Queues a SLABINFO_SAMPLE payload ({@link RecordingWriter#samplePayload}), dropping (and counting) the oldest
     * when the queue is full.
     */
    void offer(byte[] s) {
        while (!queue.offer(s)) {
            if (queue.poll() != null) {
                dropped.incrementAndGet();
            }
        }
    }

    /** The oldest queued payload, or null. */
    byte[] poll() {
        return queue.poll();
    }

    /** Samples dropped because the writer did not keep up. */
    long dropped() {
        return dropped.get();
    }
}
