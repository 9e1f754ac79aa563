package pooltag.cli.commands;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;

/** {@code poolused --from}: Windows captures re-sorted and filtered with WinDbg's flags, through the same table. */
class PoolUsedFromCaptureTest {
    @Test
    void poolmonSnapshotResortedByNonPagedWithWildcard() {
        // poolmon-1.txt: "MmCa Nonp 2221934 2050648 171286 55091904", "MmSt Paged 2269405 2095404 174001 156097152"
        CliRun r = CliRun.of("poolused", "--from", CliRun.fixture("poolmon-1.txt"), "2", "Mm*");
        assertEquals(0, r.exit(), r.err());
        assertEquals(List.of(
                " Sorting by NonPaged Pool Consumed",
                "",
                "               NonPaged                  Paged",
                " Tag     Allocs         Used     Allocs         Used",
                "",
                " MmCa    171286     55091904          0            0",
                " MmSt         0            0     174001    156097152",
                "",
                " TOTAL   171286     55091904     174001    156097152"), r.outLines());
    }

    @Test
    void poolusedCaptureResortedByPagedKeepsDescriptionsAndSaysItWasElided() {
        CliRun r = CliRun.of("poolused", "--from", CliRun.fixture("poolused-2.txt"), "4");
        assertEquals(0, r.exit(), r.err());
        assertEquals(" CM31         0            0      19797     91705344\tInternal Configuration manager allocations ,"
                + " Binary: nt!cm", r.outLines().get(5));
        // The capture's author elided rows with "...": the table says the input is incomplete.
        assertTrue(r.outLines().get(r.outLines().size() - 1).endsWith("input cut short"), r.out());
    }

    @Test
    void linuxFileIsRejectedAsWindowsCapture() {
        CliRun r = CliRun.of("poolused", "--from", CliRun.fixture("../procfs-slabinfo-sample.txt"));
        assertEquals(2, r.exit());
        assertTrue(r.err().startsWith("pooltag: "), r.err());
        assertTrue(r.err().contains(":1: this is a Linux /proc/slabinfo, not Windows pool data"), r.err());
    }
}
