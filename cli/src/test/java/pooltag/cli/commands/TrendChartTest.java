package pooltag.cli.commands;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class TrendChartTest {
    @Test
    void axisTopIsARoundNumberInTheLabelledUnit() {
        double top = 116_928;
        double unit = TrendChart.unitOf(top);
        assertEquals(1024, unit);
        assertEquals(200, TrendChart.niceCeiling(top / unit));
    }

    @Test
    void everyTickOfAnAxisReadsInTheAxisUnit() {
        double mib = 1 << 20;
        assertEquals("0.4 MiB", TrendChart.bytes(0.4 * mib, TrendChart.unitOf(2 * mib)));
        assertEquals("0 MiB", TrendChart.bytes(0, mib));
        assertEquals("997 B", TrendChart.bytes(997, TrendChart.unitOf(997)));
    }
}
