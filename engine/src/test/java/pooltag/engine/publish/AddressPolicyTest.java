package pooltag.engine.publish;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import org.junit.jupiter.api.Test;

class AddressPolicyTest {
    @Test
    void aPairKeepsItsCgroupPathAndScrubsOnlyItsTag() {
        String id = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
        String cg = "/kubepods/pod1/cri-containerd-" + id + ".scope";
        assertEquals("kmalloc-64@" + cg, AddressPolicy.scrubPairTag("kmalloc-64@" + cg));
        assertEquals("<addr>@" + cg, AddressPolicy.scrubPairTag("0xffffffffc08a1234@" + cg));
        assertEquals("<addr>@/user.slice/user@1000.service",
                AddressPolicy.scrubPairTag("ffffffffc08a1234@/user.slice/user@1000.service"));
        assertEquals("x <addr> y", AddressPolicy.scrubPairTag("x ffff8881003a2b40 y"), "no pair: scrubbed whole");
        assertEquals("/cri-containerd-<addr>.scope", AddressPolicy.scrub("/cri-containerd-" + id + ".scope"),
                "scrub alone would take the container id");
    }

    @Test
    void anErrorMessageLosesOnlyKernelAddresses() {
        // the kernel's forms: 0x and 8+ hex digits, 16 bare digits from ffff; bounded so ffff... inside a word stays
        assertEquals("at <addr> and <addr>, not xffff8881234abcd0",
                AddressPolicy.scrubMessage("at 0xffffffffc0a1b2c3 and ffff8881234abcd0, not xffff8881234abcd0"));
        // what a user typed: scrub() would mask the 15-digit number and the run of a's, scrubMessage() keeps them
        String typed = "0x1f and 123456789012345 and aaaaaaaaaaaaaaaa";
        assertEquals(typed, AddressPolicy.scrubMessage(typed));
        assertEquals("0x1f and <addr> and <addr>", AddressPolicy.scrub(typed));
    }

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
