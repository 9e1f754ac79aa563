package pooltag.linux.kmem;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The sub-buffer size option and what the session derives from the page size. */
class SubBufferSizingTest {
    @Test
    void thePoolHoldsTheSameBytesWhateverThePageSize() {
        assertEquals(TraceSession.PAGES_PER_CPU, TraceSession.poolPagesPerCpu(4096));
        assertEquals(TraceSession.PAGES_PER_CPU / 16, TraceSession.poolPagesPerCpu(64 * 1024));
        assertEquals(TraceSession.PAGES_PER_CPU, TraceSession.poolPagesPerCpu(1024), "never more pages than 4 KiB ones");
        assertEquals(4, TraceSession.poolPagesPerCpu(4 << 20), "at least one page, here four of 4 MiB");
        assertEquals(1, TraceSession.poolPagesPerCpu(1 << 30));
    }

    @Test
    void theConfigCarriesTheSizeAndTheStartUpLineSaysIt() {
        TraceConfig d = TraceConfig.kmem();
        assertEquals(0, d.subbufKb(), "the kernel's default unless asked");
        assertFalse(d.describeBuffer().contains("sub-buffer"));
        TraceConfig c = d.withSubbufKb(64).withBufferSizeKb(2048).withExpectedRate(1000);
        assertEquals(64, c.subbufKb(), "kept through the other with* methods");
        assertTrue(c.describeBuffer().contains("read in 64 KiB sub-buffers"), c.describeBuffer());
        assertTrue(c.describeBuffer().contains("--buffer-kb"), "the option is still named");
        assertEquals(64, c.withFilter("kmem/kmalloc", "bytes_req > 8").withStackTrigger("kmem/kmalloc", "")
                .withEvents(TraceConfig.KMEM_EVENTS).withReorderWindow(java.time.Duration.ofMillis(5)).subbufKb());
        assertThrows(IllegalArgumentException.class, () -> d.withSubbufKb(-1));
        assertThrows(IllegalArgumentException.class, () -> d.withSubbufKb(2048), "above the largest page pooltag reads");
    }

    @Test
    void huntAndRecordAskForTheBulkSizeUnlessOneIsSet() {
        assertEquals(Integer.getInteger("pooltag.subbufKb", 64), TraceConfig.BULK_SUBBUF_KB,
                "64 KiB unless -Dpooltag.subbufKb says otherwise");
        assertEquals(TraceConfig.BULK_SUBBUF_KB, TraceConfig.kmem().withBulkSubbuf().subbufKb());
        assertEquals(4, TraceConfig.kmem().withSubbufKb(4).withBulkSubbuf().subbufKb(), "an explicit size is kept");
        TraceConfig sized = TraceConfig.kmem().withBufferSizeKb(2048).withBulkSubbuf();
        assertEquals(2048, sized.bufferSizeKbPerCpu(), "the buffer option survives");
    }
}
