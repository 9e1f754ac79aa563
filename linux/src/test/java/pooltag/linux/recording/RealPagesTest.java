package pooltag.linux.recording;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import pooltag.core.event.AllocEvent;
import pooltag.core.event.AllocEventConsumer;
import pooltag.linux.kmem.EventMerger;
import pooltag.linux.kmem.KmemDecoder;
import pooltag.linux.kmem.NameTable;
import pooltag.linux.kmem.Page;

/** 32 real pages recorded on the test machine under a find/tar workload (cut with bench/make-pages.py). */
class RealPagesTest {
    @Test
    void realPagesDecodeCompletelyInOrderWithCacheNames(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("real.ptrec");
        try (InputStream in = RealPagesTest.class.getResourceAsStream("/real-pages.ptrec")) {
            Files.write(f, in.readAllBytes());
        }
        try (RecordingReader r = RecordingReader.open(f)) {
            long[] n = new long[3]; // events, cache events with a name, time going backwards
            long[] last = {Long.MIN_VALUE};
            RecordingReader.Replay rp = r.replay(new AllocEventConsumer() {
                @Override
                public void onEvent(AllocEvent e) {
                    n[0]++;
                    if (e.source() == AllocEvent.SOURCE_KMEM_CACHE && r.names().name(e.cacheId()) != null) {
                        n[1]++;
                    }
                    if (e.timestampNanos() < last[0]) {
                        n[2]++;
                    }
                    last[0] = e.timestampNanos();
                }

                @Override
                public void onLoss(int cpu, long count) {
                }
            }, 1_000_000_000L);
            assertTrue(rp.complete());
            assertEquals(32, rp.pages());
            assertEquals(0, rp.malformedRecords());
            assertEquals(0, rp.skippedPages());
            assertEquals(0, rp.otherEvents());
            assertEquals(0, n[2], "merged stream is in timestamp order");
            long cache = rp.eventsByKind()[KmemDecoder.KIND_CACHE_ALLOC] + rp.eventsByKind()[KmemDecoder.KIND_CACHE_FREE];
            assertEquals(cache, n[1], "every kmem_cache event carries a cache name");
            assertTrue(n[0] > 32 * 10, "real pages hold many events: " + n[0]);
            assertTrue(r.names().size() >= 2, "several caches: " + r.names().size());

            // what record's merge thread counts without decoding: the same events per kind as the decoding replay
            EventMerger counter = new EventMerger(r.cpus(), r.schema().header(),
                    new KmemDecoder(r.schema(), new NameTable()), 0, p -> { });
            AllocEventConsumer none = new AllocEventConsumer() {
                @Override
                public void onEvent(AllocEvent e) {
                }

                @Override
                public void onLoss(int cpu, long count) {
                }
            };
            try (RecordingReader again = RecordingReader.open(f)) { // a reader's pages are read once
                for (Page p : again.readPages()) {
                    counter.countPage(p, none);
                }
            }
            for (int k = 0; k < KmemDecoder.KINDS; k++) {
                assertEquals(rp.eventsByKind()[k], counter.events(k), KmemDecoder.kindName(k));
            }
            assertEquals(n[0], counter.totalEvents());
            assertEquals(0, counter.malformedRecords() + counter.skippedPages() + counter.otherEvents());
        }
    }
}
