package pooltag.linux.tracefs;

/**
 * The counters of {@code per_cpu/cpuN/stats} (events, not bytes). With overwrite off, a full buffer drops new
 * events and counts them in {@link #dropped}; with it on, old events are overwritten and counted in
 * {@link #overrun}. {@link #lost()} is what pooltag reports as lost.
 */
public record CpuStats(long entries, long overrun, long commitOverrun, long dropped, long read) {
    /**
     * The largest counter taken as written (2^48, 2.8e14 events: a session at 10 M events/s per CPU reaches it after
     * nine months). Recordings store this text raw, so a file may say anything: a negative count is not a counter and
     * is skipped, a larger one is clamped, and sums of five counters over {@code RecordingFormat.MAX_CPUS} CPUs
     * (2^62) cannot overflow.
     */
    static final long COUNTER_MAX = 1L << 48;

    public long lost() {
        return overrun + commitOverrun + dropped;
    }

    static CpuStats parse(String text) {
        long entries = 0, overrun = 0, commitOverrun = 0, dropped = 0, read = 0;
        for (String line : text.split("\n")) {
            int c = line.indexOf(':');
            if (c < 0) {
                continue;
            }
            String k = line.substring(0, c).trim();
            String v = line.substring(c + 1).trim();
            long n;
            try {
                n = Long.parseLong(v);
            } catch (NumberFormatException e) {
                continue; // timestamps ("oldest event ts: 1.5") are not counters
            }
            if (n < 0) {
                continue;
            }
            n = Math.min(n, COUNTER_MAX);
            switch (k) {
                case "entries" -> entries = n;
                case "overrun" -> overrun = n;
                case "commit overrun" -> commitOverrun = n;
                case "dropped events" -> dropped = n;
                case "read events" -> read = n;
                default -> { }
            }
        }
        return new CpuStats(entries, overrun, commitOverrun, dropped, read);
    }

    /** Parses stats text (recordings store it raw). */
    public static CpuStats parseText(String text) {
        return parse(text);
    }
}
