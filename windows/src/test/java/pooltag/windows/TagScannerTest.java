package pooltag.windows;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TagScannerTest {
    @Test
    void findsTheFilesHoldingTheTagBytesPaddedToFour(@TempDir Path dir) throws IOException {
        // "Abc " as the immediate of a push: 68 41 62 63 20.
        Files.write(dir.resolve("abc.sys"), new byte[]{0x55, (byte) 0x8b, 0x68, 'A', 'b', 'c', ' ', (byte) 0xc3});
        Files.write(dir.resolve("other.sys"), new byte[]{0x68, 'A', 'b', 'c', 'd', (byte) 0xc3});
        Map<String, List<Path>> found = TagScanner.scan(dir, List.of("Abc", "Abcd", "Zzzz")).found();
        assertEquals(List.of(dir.resolve("abc.sys")), found.get("Abc"));
        assertEquals(List.of(dir.resolve("other.sys")), found.get("Abcd"));
        assertEquals(List.of(), found.get("Zzzz"));
    }

    @Test
    void tagAcrossTheReadBufferBoundaryIsFound(@TempDir Path dir) throws IOException {
        byte[] b = new byte[(1 << 16) + 11];
        int at = (1 << 16) - 2;
        b[at] = 'L';
        b[at + 1] = 'e';
        b[at + 2] = 'a';
        b[at + 3] = '2';
        Files.write(dir.resolve("big.sys"), b);
        assertEquals(List.of(dir.resolve("big.sys")), TagScanner.scan(dir, List.of("Lea2")).found().get("Lea2"));
    }

    /**
     * A file that cannot be read is named and the rest is searched. /proc/sys/vm/drop_caches is write-only (0200) and
     * sysctl files give root the owner's bits, so even root cannot read it: the case holds under CI's root.
     */
    @Test
    void whatCannotBeReadIsNamedAndTheRestSearched() {
        Path vm = Path.of("/proc/sys/vm");
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.exists(vm.resolve("drop_caches")),
                "no /proc/sys/vm/drop_caches: not Linux, or /proc not mounted");
        TagScanner.Scan s = TagScanner.scan(vm, List.of("Abc"));
        assertEquals(true, s.unreadable().contains(vm.resolve("drop_caches")), s.unreadable().toString());
        assertEquals(List.of(), s.found().get("Abc"));
        assertEquals(false, s.unreadable().contains(vm.resolve("overcommit_memory")), "a readable file is searched");
    }

    /** A link to a driver file is searched, as the file itself. */
    @Test
    void aLinkToADriverFileIsSearched(@TempDir Path dir) throws IOException {
        Path real = Files.createDirectory(dir.resolve("real"));
        Files.write(real.resolve("drv.sys"), new byte[]{0x68, 'A', 'b', 'c', 'd'});
        Path scan = Files.createDirectory(dir.resolve("scan"));
        Files.createSymbolicLink(scan.resolve("link.sys"), real.resolve("drv.sys"));
        TagScanner.Scan s = TagScanner.scan(scan, List.of("Abcd"));
        assertEquals(List.of(scan.resolve("link.sys")), s.found().get("Abcd"));
        assertEquals(List.of(), s.unreadable());
    }
}
