package pooltag.linux.procfs;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * {@code /proc/meminfo} in KiB, for PoolMon's memory header: {@code SUnreclaim} plays "Pool N" (nonpaged) and
 * {@code SReclaimable} plays "Pool P" (paged). Values absent from the file read as -1.
 */
public record Meminfo(long memTotalKb, long memAvailableKb, long slabUnreclaimKb, long slabReclaimKb,
                      long vmallocUsedKb) {
    public static Meminfo read(Path file) {
        String text = ProcfsSource.read(file);
        Map<String, Long> m = new HashMap<>();
        for (String line : text.split("\n")) {
            int colon = line.indexOf(':');
            if (colon < 0) {
                continue;
            }
            String[] v = SlabinfoParser.fields(line.substring(colon + 1));
            try {
                m.put(line.substring(0, colon), Long.parseLong(v[0]));
            } catch (NumberFormatException e) {
                // A field this reader does not use; meminfo fields are all "N kB" today.
            }
        }
        return new Meminfo(m.getOrDefault("MemTotal", -1L), m.getOrDefault("MemAvailable", -1L),
                m.getOrDefault("SUnreclaim", -1L), m.getOrDefault("SReclaimable", -1L),
                m.getOrDefault("VmallocUsed", -1L));
    }

    public static Meminfo live() {
        return read(Path.of("/proc/meminfo"));
    }
}
