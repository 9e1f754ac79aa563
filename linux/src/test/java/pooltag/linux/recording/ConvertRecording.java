package pooltag.linux.recording;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import pooltag.linux.kmem.Page;
import pooltag.linux.ring.HeaderPage;
import pooltag.linux.ring.Le;

/**
 * Measurement tool: rewrites a recording of any version as version 3, block for block, its pages zstd-compressed
 * (or, given {@code 1}, one PAGE block each), so that the two packings of one and the same run can be compared
 * (size, {@code pooltag report} time). {@code java -cp ... pooltag.linux.recording.ConvertRecording IN OUT [1|2]}. Trusts its input (a recording
 * this pooltag wrote); it is not a reader of hostile files.
 */
public final class ConvertRecording {
    private ConvertRecording() {
    }

    public static void main(String[] args) throws IOException {
        Path in = Path.of(args[0]);
        Path out = Path.of(args[1]);
        boolean compress = args.length < 3 || !"1".equals(args[2]);
        HeaderPage layout;
        try (RecordingReader r = RecordingReader.open(in)) {
            layout = r.schema().header();
        }
        try (RecordingReader r = RecordingReader.open(in);
             RecordingWriter w = new RecordingWriter(out, layout, compress)) {
            // blocks in file order: the reader's pages, the rest copied as they are
            byte[] all = Files.readAllBytes(in);
            int pos = RecordingFormat.FILE_HEADER_SIZE;
            java.util.List<Page> pages = r.readPages();
            int next = 0;
            while (pos + RecordingFormat.BLOCK_HEADER_SIZE <= all.length) {
                int kind = Le.i32(all, pos);
                int cpu = Le.i32(all, pos + 4);
                int len = Le.i32(all, pos + 8);
                byte[] payload = java.util.Arrays.copyOfRange(all, pos + 16, pos + 16 + len);
                if (kind == RecordingFormat.PAGE) {
                    w.writePage(pages.get(next++));
                } else if (kind == RecordingFormat.PAGES_ZSTD) {
                    int count = Le.i32(payload, 4);
                    for (int i = 0; i < count; i++) {
                        w.writePage(pages.get(next++));
                    }
                } else {
                    w.writeRawBlock(kind, cpu, payload);
                }
                pos += 16 + len;
            }
            System.out.println(in + " (" + Files.size(in) + " bytes, version " + r.version() + ") -> " + out + " ("
                    + w.bytes() + " bytes, version " + RecordingFormat.VERSION + (w.compressed() ? ", zstd" : "") + "), " + next + " pages");
        }
    }
}
