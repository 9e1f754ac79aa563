package pooltag.engine.hit;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import pooltag.engine.testkit.Live;
import pooltag.linux.procfs.SlabSysfs;
import pooltag.linux.symbols.KernelSymbols;

/**
 * Every merged cache name of the running kernel, as its /sys/kernel/slab and /proc/slabinfo have them (nothing made
 * up here): each resolves as a hit tag to one slabinfo row, and that row is its own cache: the row's object size
 * (slabinfo's 4th column, the slab's per-object size {@code s->size}) is the {@code slab_size} of the name's own
 * sysfs entry, and the row's name links to the same directory. ({@code object_size} would not do: it leaves out the
 * slot's padding, 184 for the directory holding pid and cred on this 6.18 VM, whose slabinfo row says 192.)
 */
class MergedCachesLiveTest {
    @Test
    void everyMergedNameOfThisKernelResolvesToTheRowOfItsOwnCache() throws Exception {
        Live.assumeLive();
        Path slab = Path.of("/sys/kernel/slab");
        Assumptions.assumeTrue(Files.isDirectory(slab), "no /sys/kernel/slab (SLAB, not SLUB): nothing is merged");
        String slabinfo = Files.readString(Path.of("/proc/slabinfo"));
        Map<String, Long> objsize = new TreeMap<>();
        for (String line : slabinfo.split("\n")) {
            String[] f = line.trim().split("\\s+");
            if (f.length >= 4 && !line.startsWith("#") && !line.startsWith("slabinfo")) {
                objsize.put(f[0], Long.parseLong(f[3]));
            }
        }
        SlabSysfs sysfs = SlabSysfs.live();
        KernelSymbols none = KernelSymbols.parse("", "", "none");
        int merged = 0;
        java.util.List<String> links;
        try (var ls = Files.list(slab)) {
            links = ls.filter(Files::isSymbolicLink).map(p -> p.getFileName().toString()).sorted().toList();
        }
        for (String name : links) {
            if (objsize.containsKey(name) || !name.matches("[A-Za-z0-9_.\\-]+")) {
                continue; // a cache with its own row, or a name no tag grammar can type
            }
            HitTarget t = HitTarget.resolve("cache:" + name, slabinfo, sysfs, none);
            assertEquals(1, t.ledgerNames().size(), name + " -> " + t.ledgerNames());
            String row = t.ledgerNames().get(0);
            long own = Long.parseLong(Files.readString(slab.resolve(name).resolve("slab_size")).trim());
            assertEquals(own, objsize.get(row), name + " resolved to " + row + ", a cache of another object size");
            assertEquals(Files.readSymbolicLink(slab.resolve(name)).getFileName().toString(), sysfs.dirOf(row).dir(),
                    name + " and " + row + " link to different directories");
            assertEquals(Map.of(name, row), t.merged());
            merged++;
        }
        System.out.println("MergedCachesLiveTest: " + merged + " merged cache names, each resolved to its own cache");
        if (merged == 0) {
            System.err.println("MergedCachesLiveTest skipped: this kernel merges no cache (slab_nomerge or slub_debug)");
        }
        Assumptions.assumeTrue(merged > 0, "this kernel merges no cache");
    }
}
