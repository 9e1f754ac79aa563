package pooltag.core.ledger;

import java.util.Arrays;

/**
 * Frees that found no traced allocation, per key and over event time: objects made before tracing began (or whose
 * allocation event was lost) being freed now. The kernel's {@code /proc/slabinfo} count drops with each of them while
 * no survivor of the trace moves, so a hunt that compares the two must know how many fell when; this is that record.
 * The ledger keeps two: one keyed by cache tag for frees that name their cache ({@code kmem_cache_free} carries a name
 * from Linux 5.12 on), one keyed by the freed address's alignment for {@code kfree}, which names none.
 *
 * <p>Shape: per key, a cumulative count now and up to {@value #MAX_RUNS_PER_KEY} <i>runs</i> {@code (first free,
 * last free, frees before the run)}. A free joins its key's last run when it comes less than the key's run span
 * after that run's first free (2^24 ns, about 17 ms, at first) and the run holds fewer than its cap of frees
 * ({@value #FIRST_RUN_FREES} at first), and opens a new run otherwise. A run's first and last
 * times are exact, so a burst (a process exiting closes its thousands of objects within milliseconds) is placed to the
 * nanosecond whatever else is freed around it: the count is exact at every time outside a run's {@code [first, last)}
 * and bounded within it ({@link #atLeastBy}, {@link #atMostBy}), by the run's frees. When a key's runs are full, or all
 * keys together hold {@value #MAX_RUNS}, the key with the most runs merges them pairwise and doubles its span: the
 * counts stay exact, only the spans in which they are merely bounded widen: span and cap double together, so a run of a
 * key thinned k times holds at most 64 x 2^k frees, and the count inside it is known within that. Memory: at most
 * {@value #MAX_RUNS} runs of 24 bytes (1.5 MiB); a key's arrays hold at most twice its runs or {@value #FIRST_RUNS},
 * whichever is more.
 *
 * <p>Times are taken as nondecreasing per key (the merge delivers events in time order); a free earlier than its
 * key's latest is counted at that latest time. Writer thread only (the ledger's); nothing allocated per free except
 * when a key's arrays grow.
 */
final class UnpairedFreeSeries {
    static final int MAX_RUNS_PER_KEY = 512;
    static final int MAX_RUNS = 1 << 16;
    static final long FIRST_SPAN_NANOS = 1L << 24;
    /** Frees a run holds at most before it is thinned; doubles with the span. */
    static final int FIRST_RUN_FREES = 64;
    private static final int FIRST_RUNS = 8;

    /** Cumulative unpaired frees per key (cache tag or alignment), now. */
    private long[] counts = new long[0];
    /** Per key: each run's first and last free (ns, event clock) and the key's frees before the run. */
    private long[][] runFirst = new long[0][];
    private long[][] runLast = new long[0][];
    private long[][] runBefore = new long[0][];
    private int[] runs = new int[0];
    /** Per key: a free at least this long after the last run's first free opens a new run (0: not yet set). */
    private long[] spanNanos = new long[0];
    private int totalRuns;

    /** One unpaired free of {@code key} (0 or more) at {@code nanos} on the event clock. */
    void add(int key, long nanos) {
        if (key >= counts.length) {
            growKeys(key);
        }
        int r = runs[key];
        if (r > 0 && nanos < runLast[key][r - 1]) {
            nanos = runLast[key][r - 1];
        }
        if (r == 0 || nanos - runFirst[key][r - 1] >= spanNanos[key]
                || counts[key] - runBefore[key][r - 1] >= (long) FIRST_RUN_FREES * spanNanos[key] / FIRST_SPAN_NANOS) {
            openRun(key, nanos);
        } else {
            runLast[key][r - 1] = nanos;
        }
        counts[key]++;
    }

    private void growKeys(int key) {
        int n = Math.max(key + 1, Math.max(16, counts.length * 2));
        counts = Arrays.copyOf(counts, n);
        runFirst = Arrays.copyOf(runFirst, n);
        runLast = Arrays.copyOf(runLast, n);
        runBefore = Arrays.copyOf(runBefore, n);
        runs = Arrays.copyOf(runs, n);
        spanNanos = Arrays.copyOf(spanNanos, n);
    }

    private void openRun(int key, long nanos) {
        if (runs[key] == MAX_RUNS_PER_KEY) {
            thin(key);
        } else if (totalRuns >= MAX_RUNS && runs[mostRuns()] > 1) {
            thin(mostRuns());
        }
        int r = runs[key];
        if (runFirst[key] == null) {
            runFirst[key] = new long[FIRST_RUNS];
            runLast[key] = new long[FIRST_RUNS];
            runBefore[key] = new long[FIRST_RUNS];
            spanNanos[key] = FIRST_SPAN_NANOS;
        } else if (r == runFirst[key].length) {
            int n = Math.min(MAX_RUNS_PER_KEY, r * 2);
            runFirst[key] = Arrays.copyOf(runFirst[key], n);
            runLast[key] = Arrays.copyOf(runLast[key], n);
            runBefore[key] = Arrays.copyOf(runBefore[key], n);
        }
        runFirst[key][r] = nanos;
        runLast[key][r] = nanos;
        runBefore[key][r] = counts[key];
        runs[key] = r + 1;
        totalRuns++;
    }

    /** Merges {@code key}'s runs pairwise: run 2j's first free and count before, run 2j + 1's last free. */
    private void thin(int key) {
        int r = runs[key];
        int half = (r + 1) / 2;
        long[] first = runFirst[key];
        long[] last = runLast[key];
        long[] before = runBefore[key];
        for (int j = 0; j < half; j++) {
            first[j] = first[2 * j];
            before[j] = before[2 * j];
            last[j] = last[Math.min(2 * j + 1, r - 1)];
        }
        runs[key] = half;
        totalRuns -= r - half;
        int keep = Math.max(FIRST_RUNS, 2 * half);
        if (first.length > keep) { // thinned for the cap on all keys: give back what it no longer uses
            runFirst[key] = Arrays.copyOf(first, keep);
            runLast[key] = Arrays.copyOf(last, keep);
            runBefore[key] = Arrays.copyOf(before, keep);
        }
        spanNanos[key] *= 2;
    }

    private int mostRuns() {
        int k = 0;
        for (int i = 1; i < runs.length; i++) {
            if (runs[i] > runs[k]) {
                k = i;
            }
        }
        return k;
    }

    /** Runs held across all keys (at most {@value #MAX_RUNS}). */
    int runsHeld() {
        return totalRuns;
    }

    /** Unpaired frees of {@code key} so far. */
    long total(int key) {
        return key >= 0 && key < counts.length ? counts[key] : 0;
    }

    /** The last run of {@code key} whose first free is at or before {@code nanos}, or -1. */
    private int runAt(int key, long nanos) {
        if (key < 0 || key >= counts.length || runs[key] == 0 || nanos < runFirst[key][0]) {
            return -1;
        }
        int i = Arrays.binarySearch(runFirst[key], 0, runs[key], nanos);
        if (i < 0) {
            return -i - 2;
        }
        while (i + 1 < runs[key] && runFirst[key][i + 1] == nanos) {
            i++;
        }
        return i;
    }

    private long inRun(int key, int r) {
        return (r + 1 < runs[key] ? runBefore[key][r + 1] : counts[key]) - runBefore[key][r];
    }

    /** The fewest unpaired frees of {@code key} there can have been at or before {@code nanos} (event clock). */
    long atLeastBy(int key, long nanos) {
        int r = runAt(key, nanos);
        if (r < 0) {
            return 0;
        }
        // the run's first free is at or before nanos; all of it when its last free is too
        return runBefore[key][r] + (nanos >= runLast[key][r] ? inRun(key, r) : 1);
    }

    /** The most unpaired frees of {@code key} there can have been at or before {@code nanos} (event clock). */
    long atMostBy(int key, long nanos) {
        int r = runAt(key, nanos);
        if (r < 0) {
            return 0;
        }
        // all but the run's last free, which comes after nanos, when nanos falls inside the run
        return runBefore[key][r] + inRun(key, r) - (nanos >= runLast[key][r] ? 0 : 1);
    }

    /**
     * Unpaired frees of {@code key} at or before {@code nanos} (event clock): exact outside a run's
     * {@code [first, last)}, spread evenly over the run's frees inside it, so always between {@link #atLeastBy} and
     * {@link #atMostBy}.
     */
    double countBy(int key, long nanos) {
        int r = runAt(key, nanos);
        if (r < 0) {
            return 0;
        }
        long before = runBefore[key][r];
        long n = inRun(key, r);
        long first = runFirst[key][r];
        long last = runLast[key][r];
        if (nanos >= last) {
            return before + n;
        }
        // first <= nanos < last, so the run has at least two frees: its first is in, its last is out
        return before + 1 + (n - 2) * (double) (nanos - first) / (last - first);
    }
}
