package pooltag.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import pooltag.cli.commands.CliRun;

/**
 * The AOT training run's captures are read as a user's would be: diff and tags succeed on them, so the training
 * loads the parsers and the diff rather than only their error paths.
 */
class TrainTest {
    @Test
    void diffAndTagsReadTheTrainingCaptures(@TempDir Path dir) throws IOException {
        String older = Files.writeString(dir.resolve("older.txt"), Train.OLDER).toString();
        String newer = Files.writeString(dir.resolve("newer.txt"), Train.NEWER).toString();
        String tags = Files.writeString(dir.resolve("pooltag.txt"), Train.POOLTAG_TXT).toString();

        CliRun diff = CliRun.of("diff", older, newer);
        assertEquals(0, diff.exit(), diff.err());
        assertTrue(diff.outLines().stream().anyMatch(l -> l.strip().startsWith("Ntfs  Paged") && l.contains("+102400")), diff.out());
        assertTrue(diff.out().contains("loss: skipped 0 unreadable lines, truncated: no"), diff.out());

        CliRun tag = CliRun.of("tags", "--pooltag", tags, "Ntfs", "AmlC");
        assertEquals(0, tag.exit(), tag.err());
        assertTrue(tag.outLines().stream().anyMatch(l -> l.strip().startsWith("Ntfs") && l.contains("ntfs.sys")), tag.out());
        assertTrue(tag.outLines().stream().anyMatch(l -> l.strip().startsWith("AmlC") && l.contains("Aml*")), tag.out());
    }
}
