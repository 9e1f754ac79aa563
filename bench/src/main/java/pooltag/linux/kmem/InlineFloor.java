package pooltag.linux.kmem;

import java.io.IOException;
import java.util.Locale;
import java.util.concurrent.locks.LockSupport;

import pooltag.bench.LiveFloor;
import pooltag.core.event.AllocEventConsumer;
import pooltag.linux.ring.DecodeException;
import pooltag.linux.ring.PageCursor;

/**
 * {@code bench/pairfloor.c} in Java, for the language's share of hunt's CPU (docs/PERFORMANCE.md round 22; issue
 * 14): one thread, pooltag's instance setup (hunt's buffer, 64 KiB sub-buffers, the four slab events), non-blocking
 * reads of every CPU's {@code trace_pipe_raw} in turn into one heap page, each page walked ({@link PageCursor}) and
 * decoded ({@link KmemDecoder}) in read order and paired by {@link LiveFloor.MinimalPairing}; a 2 ms sleep when no CPU
 * had a full sub-buffer (pairfloor polls instead; the JDK has no poll over several files). What it leaves out, as
 * pairfloor: ordering across CPUs, names, stacks, ranking, the page pool and its reader threads. Not part of pooltag.
 * In the bench module's copy of this package because {@link RawPipe} is package-private.
 *
 * <p>Usage (root): {@code java --enable-native-access=ALL-UNNAMED -cp bench/target/benchmarks.jar
 * pooltag.linux.kmem.InlineFloor}; SIGTERM ends it with one line on stderr ("inlinefloor: N events ...").
 */
public final class InlineFloor {
    private InlineFloor() {
    }

    public static void main(String[] args) throws Exception {
        TraceSession session = TraceSession.open(TraceConfig.kmem().withBulkSubbuf());
        int cpus = session.instance().cpuCount();
        int pageSize = session.schema().header().pageSize();
        RawPipe[] pipes = new RawPipe[cpus];
        LiveFloor.MinimalPairing pairing = new LiveFloor.MinimalPairing();
        Walk walk = new Walk(new PageCursor(session.schema().header(), "inline floor"), session.decoder(), pairing);
        byte[] page = new byte[pageSize];
        long events = 0;
        try (StopSignals signals = StopSignals.install(System.err)) {
            boolean[] stop = new boolean[1];
            Object lock = new Object();
            signals.onStop(() -> {
                synchronized (lock) {
                    stop[0] = true;
                }
            });
            for (int c = 0; c < cpus; c++) {
                pipes[c] = session.openRaw(c);
            }
            warmUp(session);
            session.instance().setTracingOn(true);
            System.err.println("inlinefloor: tracing, " + session.config().describeBuffer());
            boolean stopping = false;
            while (true) {
                boolean fullPage = false;
                boolean any = false;
                for (int c = 0; c < cpus; c++) {
                    int n;
                    while ((n = pipes[c].read(page, pageSize)) > 0) {
                        events += walk.page(page, n, c);
                        any = true;
                        // a page short of full is the one the kernel is writing: wait for more, as pairfloor
                        if (!stopping && partial(page, pageSize)) {
                            break;
                        }
                        fullPage = true;
                    }
                }
                if (stopping && !any) {
                    break; // tracing is off and every CPU answered EMPTY: drained
                }
                if (!stopping) {
                    synchronized (lock) {
                        stopping = stop[0];
                    }
                    if (stopping) {
                        session.instance().setTracingOn(false);
                        continue;
                    }
                }
                if (!fullPage) {
                    LockSupport.parkNanos(2_000_000L);
                }
            }
            long lost = 0;
            for (int c = 0; c < cpus; c++) {
                lost += session.instance().cpuStats(c).lost();
            }
            System.err.printf(Locale.ROOT, "inlinefloor: %d events, lost by the kernel %d, %s; %s%n", events, lost,
                    walk.describeSkipped(), pairing.describe());
        } finally {
            for (RawPipe p : pipes) {
                if (p != null) {
                    try {
                        p.close();
                    } catch (IOException e) {
                        System.err.println("inlinefloor: " + e.getMessage());
                    }
                }
            }
            session.close();
        }
    }

    /** The page's commit field (bytes of events in it) leaves more than a big record's room unused. */
    private static boolean partial(byte[] page, int pageSize) {
        long commit = pooltag.linux.ring.Le.i64(page, 8) & ((1L << 27) - 1);
        return commit + 1024 < pageSize - 16;
    }

    /**
     * One page walked, decoded and handed on in read order (the live floor's loop and ReplayHunt's {@code inline}
     * mode). What it cannot use is counted, never passed over: records the decoder refuses (too short for their
     * event's fields) and pages whose header or records are broken (the rest of such a page is skipped).
     */
    public static final class Walk {
        private final PageCursor cursor;
        private final KmemDecoder decoder;
        private final AllocEventConsumer consumer;
        private final EventView view = new EventView();
        private long malformedRecords;
        private long brokenPages;

        public Walk(PageCursor cursor, KmemDecoder decoder, AllocEventConsumer consumer) {
            this.cursor = cursor;
            this.decoder = decoder;
            this.consumer = consumer;
        }

        /** Walks the first {@code n} bytes of {@code page}, read from {@code cpu}; returns the events decoded. */
        public long page(byte[] page, int n, int cpu) {
            long events = 0;
            try {
                cursor.load(page, 0, n, 0);
                while (cursor.next()) {
                    int r = decoder.decode(cursor.buffer(), cursor.payloadOffset(), cursor.payloadLength(),
                            cursor.timestamp(), cpu, view);
                    if (r == KmemDecoder.DECODED) {
                        consumer.onEvent(view);
                        events++;
                    } else if (r == KmemDecoder.MALFORMED) {
                        malformedRecords++;
                    }
                }
            } catch (DecodeException e) {
                brokenPages++;
            }
            return events;
        }

        /** "N malformed records and M broken pages skipped". */
        public String describeSkipped() {
            return malformedRecords + " malformed records and " + brokenPages + " broken pages skipped";
        }
    }

    /**
     * The decode, the page walk and the pairing compiled before tracing: the session's merge warm-up (made-up pages,
     * pooltag's own decoder and cursor) drives a scratch pairing; this class's walk loop compiles on the first live
     * pages, within milliseconds.
     */
    private static void warmUp(TraceSession session) {
        session.warmUpMerge(() -> new MergeWarmUp.Scratch(new LiveFloor.MinimalPairing(), () -> { }),
                new long[] {0xffff_ffff_8100_0000L}, MergeWarmUp.DEFAULT_EVENTS);
    }
}
