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
    /**
     * A session as the wait loop sees it: a stop request at wait {@code stopAt}, a failure from wait {@code failFrom}
     * on, no room at look {@code fullAt} (0: never), counting both.
     */
    private static final class Session implements Recorder.Waits {
        final int stopAt;
        final int failFrom;
        final int fullAt;
        int waits;
        int looks;

        Session(int stopAt, int failFrom, int fullAt) {
            this.stopAt = stopAt;
            this.failFrom = failFrom;
            this.fullAt = fullAt;
        }

        @Override
        public boolean awaitStopRequest(Duration d) {
            return ++waits == stopAt; // a dead merge thread never releases the stop latch: no stop then
        }

        @Override
        public Throwable failure() {
            return failFrom > 0 && waits >= failFrom ? new IllegalStateException("No space left on device") : null;
        }

        @Override
        public boolean outOfRoom() {
            return ++looks == fullAt;
        }
    }

    @Test
    void aDeadMergeThreadEndsTheWaitAtOnce() throws InterruptedException {
        AtomicInteger samples = new AtomicInteger();
        Session failed = new Session(0, 2, 0);
        long t0 = System.nanoTime();
        Recorder.Ending ending = Recorder.runUntil(failed, Duration.ofHours(1).toNanos(), samples::incrementAndGet);
        assertEquals(Recorder.Ending.FAILED, ending, "a failure is not a stop request");
        assertEquals(2, failed.waits, "the loop ends on the first look after the failure");
        assertEquals(1, samples.get(), "no sample is taken once the session failed");
        assertTrue(System.nanoTime() - t0 < Duration.ofSeconds(10).toNanos());
    }

    @Test
    void aHealthySessionSamplesUntilTheDurationOrAStop() throws InterruptedException {
        AtomicInteger samples = new AtomicInteger();
        Session stopAtThird = new Session(3, 0, 0);
        assertEquals(Recorder.Ending.STOPPED,
                Recorder.runUntil(stopAtThird, Duration.ofHours(1).toNanos(), samples::incrementAndGet));
        assertEquals(2, samples.get());
        assertEquals(Recorder.Ending.DURATION, Recorder.runUntil(stopAtThird, 0, samples::incrementAndGet));
    }

    /**
     * A disk filling up stops the recording at the next look, before the duration, as a signal would (the file is then
     * written with what was traced), instead of failing the session at the first short write and losing it all.
     */
    @Test
    void aFileSystemWithoutRoomEndsTheWaitAtTheNextLook() throws InterruptedException {
        AtomicInteger samples = new AtomicInteger();
        Session filling = new Session(0, 0, 4);
        assertEquals(Recorder.Ending.OUT_OF_ROOM,
                Recorder.runUntil(filling, Duration.ofHours(1).toNanos(), samples::incrementAndGet));
        assertEquals(4, filling.looks);
        assertEquals(3, samples.get(), "one sample per wait before the look that found no room");
    }

    @Test
    void roomToGoOnKeepsTheReserveAndAnEighthOfTheSpool() {
        long mib = 1 << 20;
        assertTrue(DiskRoom.roomToGoOn(300 * mib, 0, 256 * mib));
        assertFalse(DiskRoom.roomToGoOn(256 * mib, 0, 256 * mib), "exactly the reserve is not more than it");
        // 800 MiB spooled: 100 MiB more must stay free to compress it into the file
        assertTrue(DiskRoom.roomToGoOn(357 * mib, 800 * mib, 256 * mib));
        assertFalse(DiskRoom.roomToGoOn(356 * mib, 800 * mib, 256 * mib));
        assertTrue(DiskRoom.roomToGoOn(Long.MAX_VALUE, Long.MAX_VALUE, 256 * mib), "no overflow at the extremes");
        assertTrue(DiskRoom.roomToGoOn(300 * mib, -5, 256 * mib), "a negative spool counts as none");
        assertEquals(256 * mib, DiskRoom.KEEP_FREE_BYTES, "the default reserve (no -Dpooltag.record.keepFreeMiB)");
        // the property's bounds: a huge value once shifted into a negative reserve, which turned the guard off
        assertEquals(mib, DiskRoom.keepFreeBytes(0));
        assertEquals(mib, DiskRoom.keepFreeBytes(-7));
        assertEquals(128 * mib, DiskRoom.keepFreeBytes(128));
        assertEquals(8L << 40, DiskRoom.keepFreeBytes(99_999_999_999_999L));
        assertFalse(DiskRoom.roomToGoOn(74L << 30, 0, DiskRoom.keepFreeBytes(Long.MAX_VALUE)),
                "a reserve asked beyond any disk keeps the guard on: nothing starts");
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
