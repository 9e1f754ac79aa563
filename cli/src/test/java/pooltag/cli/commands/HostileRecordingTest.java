package pooltag.cli.commands;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import pooltag.engine.publish.FileCaptureService;
import pooltag.core.error.PooltagException;
import pooltag.linux.recording.RecordingFormat;
import pooltag.linux.recording.RecordingWriter;
import pooltag.linux.ring.HeaderPage;

/**
 * The three doors a recording comes in by ({@code report}, {@code kd --recording}, the web page's upload) answer
 * hostile recordings (valid CRCs, bad contents) with one line and, on the command line, exit 2.
 */
class HostileRecordingTest {
    @TempDir
    Path dir;

    private static final Path FORMATS = Path.of("../linux/src/test/resources/formats");

    private static byte[] recording(String headerPage, byte[] kallsymsGz) throws IOException {
        ByteArrayOutputStream bo = new ByteArrayOutputStream();
        try (RecordingWriter w = new RecordingWriter(bo, "mem", HeaderPage.DEFAULT_4K, true)) {
            w.writeMeta(java.util.Map.of("cpus", "2"));
            w.writeText(RecordingFormat.HEADER_PAGE, -1, headerPage);
            w.writeText(RecordingFormat.FORMAT, -1, "kmem/kmalloc\n" + Files.readString(FORMATS.resolve("kmem_kmalloc.format")));
            if (kallsymsGz != null) {
                w.writeGzipPayload(kallsymsGz);
            }
            w.writeLongs(RecordingFormat.END, 1, 0, 0);
        }
        return bo.toByteArray();
    }

    private static byte[] hugePage() throws IOException {
        return recording(Files.readString(FORMATS.resolve("header_page")).replace("size:4080", "size:16777200"), null);
    }

    private static byte[] kallsymsBomb() throws IOException {
        ByteArrayOutputStream bo = new ByteArrayOutputStream();
        byte[] piece = "ffffffff81000000 T a\n".repeat(10_000).getBytes(StandardCharsets.ISO_8859_1);
        try (GZIPOutputStream gz = new GZIPOutputStream(bo)) {
            for (int i = 0; i < 500; i++) {
                gz.write(piece); // 100 MiB of text in about 100 KiB
            }
        }
        return recording(Files.readString(FORMATS.resolve("header_page")), bo.toByteArray());
    }

    private void oneLineExit2(byte[] content, String expected, String... cmd) throws IOException {
        Path f = dir.resolve("hostile-" + System.nanoTime() + ".ptrec");
        Files.write(f, content);
        String[] args = java.util.Arrays.copyOf(cmd, cmd.length + 1);
        args[cmd.length] = f.toString();
        CliRun r = CliRun.of(args);
        assertEquals(2, r.exit(), r.out() + r.err());
        assertEquals(1, r.err().lines().count(), r.err());
        assertTrue(r.err().contains(f.toString()) && r.err().contains(expected), r.err());
        assertFalse(r.err().contains("Exception"), r.err());
    }

    @Test
    void reportAnswersAHugePageLayoutWithOneLine() throws IOException {
        oneLineExit2(hugePage(), "at byte 39: HEADER_PAGE block", "report");
    }

    @Test
    void kdRecordingAnswersAHugePageLayoutWithOneLine() throws IOException {
        oneLineExit2(hugePage(), "at byte 39: HEADER_PAGE block", "kd", "--recording");
    }

    @Test
    void reportAnswersAKallsymsBombWithOneLine() throws IOException {
        oneLineExit2(kallsymsBomb(), "KALLSYMS_GZ block holds more than 1000000 lines", "report");
    }

    @Test
    void theUploadAnswersWithOneLineNamingTheUpload() throws IOException {
        FileCaptureService service = new FileCaptureService();
        for (byte[] bad : new byte[][] {hugePage(), kallsymsBomb()}) {
            PooltagException e = assertThrows(PooltagException.class, () -> service.open("mine.ptrec", bad));
            assertTrue(e.getMessage().startsWith("mine.ptrec at byte "), e.getMessage());
            assertFalse(e.getMessage().contains("\n"), e.getMessage());
        }
    }
}
