package pooltag.linux.recording;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

/**
 * A recording whose merge thread died (its writer threw: a full disk) ends its wait at once instead of sampling into
 * a queue no one drains for the rest of {@code --duration}; and the sample queue never grows past its bound.
 */
class RecorderFailureTest {
    @Test
    void aDeadMergeThreadEndsTheWaitAtOnce() throws InterruptedException {
        AtomicInteger waits = new AtomicInteger();
        AtomicInteger samples = new AtomicInteger();
        Recorder.Waits failed = new Recorder.Waits() {
            @Override
            public boolean awaitStopRequest(Duration d) {
                waits.incrementAndGet();
                return false; // no signal: a dead merge thread never releases the stop latch
            }

            @Override
            public Throwable failure() {
                return waits.get() >= 2 ? new IllegalStateException("No space left on device") : null;
            }
        };
        long t0 = System.nanoTime();
        boolean stopped = Recorder.runUntil(failed, Duration.ofHours(1).toNanos(), samples::incrementAndGet);
        assertFalse(stopped, "a failure is not a stop request");
        assertEquals(2, waits.get(), "the loop ends on the first look after the failure");
        assertEquals(1, samples.get(), "no sample is taken once the session failed");
        assertTrue(System.nanoTime() - t0 < Duration.ofSeconds(10).toNanos());
    }

    @Test
    void aHealthySessionSamplesUntilTheDurationOrAStop() throws InterruptedException {
        AtomicInteger samples = new AtomicInteger();
        AtomicInteger waits = new AtomicInteger();
        Recorder.Waits stopAtThird = new Recorder.Waits() {
            @Override
            public boolean awaitStopRequest(Duration d) {
                return waits.incrementAndGet() == 3;
            }

            @Override
            public Throwable failure() {
                return null;
            }
        };
        assertTrue(Recorder.runUntil(stopAtThird, Duration.ofHours(1).toNanos(), samples::incrementAndGet));
        assertEquals(2, samples.get());
    }

    @Test
    void theSampleQueueDropsTheOldestAndCountsThem() {
        SampleQueue q = new SampleQueue(4);
        for (int i = 0; i < 10; i++) {
            q.offer(RecordingWriter.samplePayload(i, "s" + i));
        }
        assertEquals(6, q.dropped());
        for (int i = 6; i < 10; i++) {
            assertEquals(i, pooltag.linux.ring.Le.i64(q.poll(), 0), "the newest samples are kept, in order");
        }
        assertNull(q.poll());
    }

    @Test
    void theSinkQueueIsBounded() {
        SampleQueue q = new SampleQueue();
        for (int i = 0; i < SampleQueue.CAPACITY * 3; i++) {
            q.offer(new byte[8]);
        }
        assertEquals(2L * SampleQueue.CAPACITY, q.dropped());
    }
}
