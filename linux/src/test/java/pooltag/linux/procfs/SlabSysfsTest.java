package pooltag.linux.procfs;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SlabSysfsTest {
    @TempDir
    Path tmp;

    /** reclaim_account read with one read call: the same answers as reading the whole value and trimming it. */
    @Test
    void reclaimFlagIsTheTrimmedValueOne() throws IOException {
        String longOne = " ".repeat(100) + "1\n"; // longer than one read: read whole
        String longTwo = "1" + " ".repeat(100) + "2\n";
        List<String> values = List.of("1\n", "1", " 1 \n", "0\n", "", "10\n", "11\n", longOne, longTwo);
        for (int i = 0; i < values.size(); i++) {
            Path d = Files.createDirectories(tmp.resolve("cache" + i));
            Files.writeString(d.resolve("reclaim_account"), values.get(i));
        }
        Files.createDirectories(tmp.resolve("noflag"));
        SlabSysfs s = SlabSysfs.read(tmp);
        for (int i = 0; i < values.size(); i++) {
            assertEquals(values.get(i).trim().equals("1"), s.reclaimable("cache" + i), "value '" + values.get(i) + "'");
        }
        assertEquals(false, s.reclaimable("noflag"));
    }
}
