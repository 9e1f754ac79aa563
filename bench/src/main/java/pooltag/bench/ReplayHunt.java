package pooltag.bench;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

import pooltag.core.event.AllocEventConsumer;

import pooltag.core.ledger.Ledger;
import pooltag.linux.kmem.EventMerger;
import pooltag.linux.kmem.InlineFloor;
import pooltag.linux.kmem.KmemDecoder;
import pooltag.linux.kmem.KmemTagPolicy;
import pooltag.linux.kmem.NameTable;
import pooltag.linux.kmem.Page;
import pooltag.linux.kmem.SlabCacheCatalog;
import pooltag.linux.ring.PageCursor;
import pooltag.linux.recording.RecordingReader;
import pooltag.linux.symbols.KernelSymbolResolver;

/**
 * A hunt's merge thread on a real recording, without the kernel: every page of {@code RECORDING} is read into memory
 * once, then each pass runs them through a fresh merger (in read order, the horizon moving with each page's read time,
 * as a replay does) into a fresh ledger built as a live hunt builds its own (the recording's cache names, pool kinds
 * and symbols, Linux's tag policy, recent sites tracked with hunt's window). Prints the nanoseconds per event of each
 * pass: the figure the merge thread's code decides, apart from reading, waking and the JIT (docs/PERFORMANCE.md
 * "hunt, round 9"; bench/replay-hunt.sh makes the recording and alternates two builds).
 *
 * <p>Usage: {@code java -cp bench/target/benchmarks.jar pooltag.bench.ReplayHunt RECORDING [PASSES]}
 */
public final class ReplayHunt {
    /** Hunt's recent-site window (Hunter.LEADER_AGE, LEADER_WINDOW), in ns. */
    private static final long LEADER_AGE = 300_000_000L;
    private static final long LEADER_WINDOW = 2_300_000_000L;

    /**
     * {@code -Dreplay.mode=}: {@code ledger} (hunt's, the default), {@code norecent} (without the recent-site
     * tracking hunt's ranking uses), {@code decode} (merge and decode only: a consumer that reads each event's type
     * and address), {@code pair} (merge, decode and {@link LiveFloor.MinimalPairing}, pairfloor.c's pairing),
     * {@code inline} (the same pairing on each page walked and decoded in read order, no merger: InlineFloor's walk),
     * to split the per-event cost.
     */
    private static final String MODE = System.getProperty("replay.mode", "ledger");

    private ReplayHunt() {
    }

    /** The least consumer: reads what pairing needs (type, address) so the decode is not optimised away. */
    private static final class AddressSum implements AllocEventConsumer {
        long sum;

        @Override
        public void onEvent(pooltag.core.event.AllocEvent e) {
            sum += e.address() ^ e.type();
        }

        @Override
        public void onLoss(int cpu, long count) {
        }
    }

    public static void main(String[] args) {
        if (args.length < 1) {
            System.err.println("usage: ReplayHunt RECORDING [PASSES]");
            System.exit(2);
        }
        if (!MODE.equals("ledger") && !MODE.equals("norecent") && !MODE.equals("decode") && !MODE.equals("pair")
                && !MODE.equals("inline")) {
            System.err.println("ReplayHunt: -Dreplay.mode is ledger, norecent, decode, pair or inline, not " + MODE);
            System.exit(2);
        }
        Path file = Path.of(args[0]);
        int passes = args.length > 1 ? Integer.parseInt(args[1]) : 7;
        try (RecordingReader r = RecordingReader.open(file)) {
            List<Page> pages = r.readPages();
            NameTable names = r.names();
            for (int pass = 1; pass <= passes && MODE.equals("inline"); pass++) {
                LiveFloor.MinimalPairing pairing = new LiveFloor.MinimalPairing();
                InlineFloor.Walk walk = new InlineFloor.Walk(new PageCursor(r.schema().header(), "replay"),
                        new KmemDecoder(r.schema(), names), pairing);
                long t0 = System.nanoTime();
                long events = 0;
                for (Page p : pages) {
                    events += walk.page(p.data, p.length, p.cpu);
                }
                long nanos = System.nanoTime() - t0;
                System.out.printf(Locale.ROOT, "pass %d: %d events in %d pages, %.3f s, %.1f ns per event, %s; %s%n",
                        pass, events, pages.size(), nanos / 1e9, (double) nanos / events, pairing.describe(),
                        walk.describeSkipped());
            }
            for (int pass = 1; pass <= passes && !MODE.equals("inline"); pass++) {
                Ledger ledger = new Ledger(new SlabCacheCatalog(names, r.slabSysfs()),
                        new KernelSymbolResolver(r.symbols()), KmemTagPolicy.ledgerOptions());
                if (!MODE.equals("norecent")) {
                    ledger.trackRecentSites(LEADER_AGE, LEADER_WINDOW, -1);
                }
                AllocEventConsumer consumer = MODE.equals("decode") ? new AddressSum()
                        : MODE.equals("pair") ? new LiveFloor.MinimalPairing() : ledger;
                EventMerger m = new EventMerger(r.cpus(), r.schema().header(), new KmemDecoder(r.schema(), names),
                        1_000_000_000L, p -> { });
                long t0 = System.nanoTime();
                long horizon = Long.MIN_VALUE;
                for (Page p : pages) {
                    horizon = Math.max(horizon, p.readNanos);
                    m.addPage(p);
                    m.emit(horizon, false, consumer);
                }
                m.emit(Long.MAX_VALUE, true, consumer);
                long nanos = System.nanoTime() - t0;
                // the fields before "ns per event" keep their places: bench/replay-hunt.sh reads the 10th
                System.out.printf(Locale.ROOT, "pass %d: %d events in %d pages, %.3f s, %.1f ns per event, %s%n",
                        pass, m.totalEvents(), pages.size(), nanos / 1e9, (double) nanos / m.totalEvents(),
                        (consumer == ledger ? ledger.stats().outstanding() + " outstanding at the end"
                                : consumer instanceof LiveFloor.MinimalPairing mp ? mp.describe() : "no ledger")
                                + "; " + m.malformedRecords() + " malformed records and " + m.skippedPages()
                                + " broken pages skipped");
            }
        }
    }
}
