package pooltag.cli.exporter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import pooltag.core.cgroup.CgroupSnapshot;
import pooltag.core.cgroup.CgroupUsage;
import pooltag.core.cgroup.KernelMemoryKind;
import pooltag.core.snapshot.Loss;
import pooltag.core.snapshot.UsageSnapshot;

/** pooltag_cgroup_kernel_bytes: own bytes per cgroup and kind, top N plus other, read at every scrape. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class CgroupSeriesTest {
    static final List<KernelMemoryKind> V1 = List.of(KernelMemoryKind.KMEM, KernelMemoryKind.SOCK);

    static long[] v1(long kmem, long sock) {
        long[] v = new long[KernelMemoryKind.values().length];
        java.util.Arrays.fill(v, CgroupUsage.UNKNOWN);
        v[KernelMemoryKind.KMEM.ordinal()] = kmem;
        v[KernelMemoryKind.SOCK.ordinal()] = sock;
        return v;
    }

    /** / holds 1,000,003 in all; /pods/a grows by 40,961 per scrape. */
    static CgroupSnapshot host(long grown) {
        Map<String, long[]> m = new HashMap<>();
        m.put("/", v1(1_000_003 + grown, 8192));
        m.put("/pods", v1(500_009 + grown, 8192));
        m.put("/pods/a", v1(100_003 + grown, 4096));
        m.put("/pods/b", v1(200_003, 4096));
        m.put("/system", v1(7_001, 0));
        return CgroupSnapshot.ofHierarchical(0, "test", V1, m, new CgroupSnapshot.Left(1, 0, 0));
    }

    @Test
    void topCgroupsByOwnBytesKeepTheirPathAndTheRestIsOther() {
        List<CgroupCollector.Series> s = CgroupCollector.select(host(0), 2);
        Map<String, Long> kmem = new HashMap<>();
        for (CgroupCollector.Series x : s) {
            if (x.kind().equals("kmem")) {
                kmem.put(x.cgroup(), x.bytes());
            }
        }
        // Own totals (kmem + sock): / = 1000003 - 500009 - 7001 = 492993 (+0); /pods/b 200003 + 4096;
        // /pods 500009 - 300006 = 200003 (+0); /pods/a 100003 + 4096; /system 7001.
        assertEquals(Map.of("/", 492_993L, "/pods/b", 200_003L, "other", 200_003L + 100_003L + 7_001L), kmem);
        assertEquals(3 * 2, s.size(), "(top + 1) x kinds series");
        long sum = s.stream().filter(x -> x.kind().equals("kmem")).mapToLong(CgroupCollector.Series::bytes).sum();
        assertEquals(1_000_003L, sum, "own bytes add up to the root's total: nothing counted twice");
    }

    @Test
    void eachScrapeReadsAFreshSnapshot() throws Exception {
        AtomicLong scrapes = new AtomicLong();
        UsageSnapshot empty = new UsageSnapshot(0, "none", List.of(), Loss.NONE);
        try (Exporter e = Exporter.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), () -> empty, null, 5,
                () -> host(40_961 * scrapes.incrementAndGet()), 10)) {
            String first = ExporterTest.scrape(e.port());
            String second = ExporterTest.scrape(e.port());
            double a1 = ExporterTest.value(first, "pooltag_cgroup_kernel_bytes", "cgroup=\"/pods/a\"", "kind=\"kmem\"");
            double a2 = ExporterTest.value(second, "pooltag_cgroup_kernel_bytes", "cgroup=\"/pods/a\"", "kind=\"kmem\"");
            assertEquals(100_003 + 40_961, a1);
            assertEquals(40_961, a2 - a1);
            // The parent's own bytes do not move with its child's growth.
            assertEquals(ExporterTest.value(first, "pooltag_cgroup_kernel_bytes", "cgroup=\"/pods\"", "kind=\"kmem\""),
                    ExporterTest.value(second, "pooltag_cgroup_kernel_bytes", "cgroup=\"/pods\"", "kind=\"kmem\""));
            assertEquals(5, ExporterTest.value(second, "pooltag_cgroups"));
            assertEquals(1, ExporterTest.value(second, "pooltag_cgroups_unreadable"));
            assertEquals(0, ExporterTest.value(second, "pooltag_cgroup_kernel_bytes", "cgroup=\"other\"", "kind=\"kmem\""));
            assertTrue(second.contains("# HELP pooltag_cgroup_kernel_bytes"), second);
        }
    }

    @Test
    void withoutACgroupSourceThereAreNoCgroupSeries() throws Exception {
        UsageSnapshot empty = new UsageSnapshot(0, "none", List.of(), Loss.NONE);
        try (Exporter e = Exporter.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), () -> empty, null, 5)) {
            assertFalse(ExporterTest.scrape(e.port()).contains("pooltag_cgroup_kernel_bytes"));
        }
    }
}
