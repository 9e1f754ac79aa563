package pooltag.bench;

import java.util.Locale;
import java.util.concurrent.CountDownLatch;

import pooltag.core.event.AllocEvent;
import pooltag.core.event.AllocEventConsumer;
import pooltag.core.ledger.Ledger;
import pooltag.linux.kmem.KmemTagPolicy;
import pooltag.linux.kmem.MergeWarmUp;
import pooltag.linux.kmem.SessionStats;
import pooltag.linux.kmem.StopSignals;
import pooltag.linux.kmem.TraceConfig;
import pooltag.linux.kmem.TraceSession;
import pooltag.linux.kmem.SlabCacheCatalog;
import pooltag.linux.procfs.SlabSysfs;
import pooltag.linux.symbols.KernelSymbolResolver;
import pooltag.linux.symbols.KernelSymbols;

/**
 * A live floor for {@code hunt}'s CPU in Java (docs/PERFORMANCE.md round 22; issue 14): pooltag's own trace session
 * (per-CPU readers, page pool, merge across CPUs, decode, the merge path warmed up first, hunt's buffer and
 * sub-buffers) driving a consumer that does less than hunt's, so bench/compare.sh can split hunt's CPU live:
 * <ul>
 *   <li>{@code decode}: reads each event's type and address, nothing else (what reading, ordering and decoding cost);
 *   <li>{@code pair}: {@code bench/pairfloor.c}'s pairing in Java: one open-addressing table keyed by address (address,
 *       call site, bytes), a count per call site, a free finds and removes its allocation;
 *   <li>{@code ledger}: pooltag's {@link Ledger} as hunt builds it, without publishing, stacks or ranking.
 * </ul>
 * Not part of pooltag; a benchmark peer, as pairfloor. Runs until SIGTERM or SIGINT, then prints one line to stderr
 * ("livefloor: N events ..."). Usage (root):
 * {@code java --enable-native-access=ALL-UNNAMED -Dfloor.mode=MODE -cp bench/target/benchmarks.jar
 * pooltag.bench.LiveFloor}
 */
public final class LiveFloor {
    private static final String MODE = System.getProperty("floor.mode", "decode");

    private LiveFloor() {
    }

    /** The least consumer: reads what pairing needs (type, address) so the decode is not optimised away. */
    private static final class AddressSum implements AllocEventConsumer {
        long sum;

        @Override
        public void onEvent(AllocEvent e) {
            sum += e.address() ^ e.type();
        }

        @Override
        public void onLoss(int cpu, long count) {
        }
    }

    /**
     * pairfloor.c's pairing: linear probing over parallel arrays (address; call-site index and bytes), deletion by
     * backward shift; call sites interned in a second table with an allocation count each. Grows at 3/4 load.
     */
    public static final class MinimalPairing implements AllocEventConsumer {
        private long[] keys = new long[1 << 17];
        private long[] vals = new long[1 << 17]; // call-site index (high 32) | bytes (low 32)
        private int count;
        private long[] siteKeys = new long[1 << 14];
        private int[] siteIndex = new int[1 << 14];
        private long[] siteAllocs = new long[1 << 14];
        private int sites;
        long paired;
        long unpaired;

        private static int mix(long a) {
            long h = a * 0x9E3779B97F4A7C15L;
            return (int) (h ^ (h >>> 32));
        }

        @Override
        public void onEvent(AllocEvent e) {
            long a = e.address();
            if (a == 0) {
                return;
            }
            int type = e.type();
            if (type == AllocEvent.ALLOC) {
                int site = site(e.callSite());
                siteAllocs[site]++;
                put(a, ((long) site << 32) | (e.bytesAllocated() & 0xffff_ffffL));
            } else if (type == AllocEvent.FREE) {
                if (remove(a)) {
                    paired++;
                } else {
                    unpaired++;
                }
            }
        }

        private int site(long callSite) {
            int m = siteKeys.length - 1;
            int i = mix(callSite) & m;
            while (siteKeys[i] != 0) {
                if (siteKeys[i] == callSite) {
                    return siteIndex[i];
                }
                i = (i + 1) & m;
            }
            if ((sites + 1) * 4 > siteKeys.length * 3) {
                growSites();
                return site(callSite);
            }
            siteKeys[i] = callSite;
            siteIndex[i] = sites;
            if (sites == siteAllocs.length) {
                siteAllocs = java.util.Arrays.copyOf(siteAllocs, sites * 2);
            }
            return sites++;
        }

        private void growSites() {
            long[] k = siteKeys;
            int[] v = siteIndex;
            siteKeys = new long[k.length * 2];
            siteIndex = new int[k.length * 2];
            int m = siteKeys.length - 1;
            for (int j = 0; j < k.length; j++) {
                if (k[j] != 0) {
                    int i = mix(k[j]) & m;
                    while (siteKeys[i] != 0) {
                        i = (i + 1) & m;
                    }
                    siteKeys[i] = k[j];
                    siteIndex[i] = v[j];
                }
            }
        }

        private void put(long a, long v) {
            if ((count + 1) * 4 > keys.length * 3) {
                grow();
            }
            int m = keys.length - 1;
            int i = mix(a) & m;
            while (keys[i] != 0) {
                if (keys[i] == a) {
                    vals[i] = v; // a double allocation: the newer one stands
                    return;
                }
                i = (i + 1) & m;
            }
            keys[i] = a;
            vals[i] = v;
            count++;
        }

        private boolean remove(long a) {
            int m = keys.length - 1;
            int i = mix(a) & m;
            while (keys[i] != a) {
                if (keys[i] == 0) {
                    return false;
                }
                i = (i + 1) & m;
            }
            int hole = i;
            int j = i;
            while (true) { // backward shift: keep every key reachable from its home without an empty slot between
                j = (j + 1) & m;
                long k = keys[j];
                if (k == 0) {
                    break;
                }
                int home = mix(k) & m;
                if (((j - home) & m) >= ((j - hole) & m)) {
                    keys[hole] = k;
                    vals[hole] = vals[j];
                    hole = j;
                }
            }
            keys[hole] = 0;
            count--;
            return true;
        }

        private void grow() {
            long[] k = keys;
            long[] v = vals;
            keys = new long[k.length * 2];
            vals = new long[k.length * 2];
            count = 0;
            for (int j = 0; j < k.length; j++) {
                if (k[j] != 0) {
                    put(k[j], v[j]);
                }
            }
        }

        @Override
        public void onLoss(int cpu, long count) {
        }

        public String describe() {
            return String.format(Locale.ROOT, "%d paired, %d unpaired frees, %d outstanding, %d call sites", paired,
                    unpaired, count, sites);
        }
    }

    public static void main(String[] args) throws Exception {
        if (!MODE.equals("decode") && !MODE.equals("pair") && !MODE.equals("ledger")) {
            System.err.println("livefloor: -Dfloor.mode is decode, pair or ledger, not " + MODE);
            System.exit(2);
        }
        KernelSymbols symbols = KernelSymbols.load();
        // hunt's buffer (its default --rate) and 64 KiB sub-buffers
        TraceSession session = TraceSession.open(TraceConfig.kmem().withBulkSubbuf());
        AllocEventConsumer consumer;
        MinimalPairing pairing = null;
        Ledger ledger = null;
        if (MODE.equals("pair")) {
            consumer = pairing = new MinimalPairing();
        } else if (MODE.equals("ledger")) {
            consumer = ledger = newLedger(session, symbols);
        } else {
            consumer = new AddressSum();
        }
        final MinimalPairing pairingF = pairing;
        final Ledger ledgerF = ledger;
        session.warmUpMerge(() -> {
            AllocEventConsumer c = MODE.equals("pair") ? new MinimalPairing()
                    : MODE.equals("ledger") ? newLedger(session, symbols) : new AddressSum();
            return new MergeWarmUp.Scratch(c, () -> { });
        }, new long[] {0xffff_ffff_8100_0000L}, MergeWarmUp.DEFAULT_EVENTS);
        CountDownLatch done = new CountDownLatch(1);
        try (StopSignals signals = StopSignals.install(System.err)) {
            signals.onStop(done::countDown);
            session.start(consumer);
            System.err.println("livefloor: tracing (" + MODE + "), " + session.config().describeBuffer());
            done.await();
            SessionStats stats = session.stop();
            System.err.printf(Locale.ROOT, "livefloor: %d events, lost by the kernel %d, by the backlog %d, %d malformed"
                    + " records and %d broken pages skipped; %s%n", stats.totalEvents(), stats.lostByKernel(),
                    stats.backlogEvents(), stats.malformedRecords(), stats.skippedPages(),
                    pairingF != null ? pairingF.describe()
                            : ledgerF != null ? ledgerF.stats().outstanding() + " outstanding" : "decode only");
        }
    }

    private static Ledger newLedger(TraceSession session, KernelSymbols symbols) {
        return new Ledger(new SlabCacheCatalog(session.decoder().names(), SlabSysfs.live()),
                new KernelSymbolResolver(symbols), KmemTagPolicy.ledgerOptions());
    }
}
