package pooltag.engine.publish;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import org.junit.jupiter.api.Test;

class AddressPolicyTest {
    @Test
    void rawKernelPointerIsMasked() {
        assertEquals("vmalloc:<addr>_pages=1_vmalloc", AddressPolicy.scrub("vmalloc:0xffffffffc08a1234_pages=1_vmalloc"));
    }

    @Test
    void physAddressWithoutSymbolIsMasked() {
        assertEquals("vmalloc:phys=<addr>_ioremap", AddressPolicy.scrub("vmalloc:phys=0x00000000fed00000_ioremap"));
    }

    @Test
    void bareSixteenDigitPointerIsMasked() {
        assertEquals("x <addr> y", AddressPolicy.scrub("x ffff8881003a2b40 y"));
    }

    @Test
    void cacheNamesWithNumbersStayAsTheyAre() {
        for (String tag : new String[] {"kmalloc-8192", "dma-kmalloc-512", "kmalloc-rcl-96", "vmalloc:alloc_large_system_hash",
                "ext4_inode_cache", "TCPv6", "~3fa2c1d0", "alloc_pipe_info+0x1a4/0x4c0"}) {
            assertSame(tag, AddressPolicy.scrub(tag), tag);
        }
    }
}
