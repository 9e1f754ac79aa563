package pooltag.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import pooltag.cli.commands.CliRun;

/**
 * The AOT training run's captures are read as a user's would be: diff, tags and kbpair succeed on them, so the
 * training loads the parsers and the diff rather than only their error paths.
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

        String kb = Files.writeString(dir.resolve("transcript.txt"), Train.KB_TRANSCRIPT).toString();
        CliRun pair = CliRun.of("kbpair", kb);
        assertEquals(0, pair.exit(), pair.err());
        assertTrue(pair.out().contains("1 allocations, 1 frees, 1 paired"), pair.out());

        CliRun tag = CliRun.of("tags", "--pooltag", tags, "Ntfs", "AmlC");
        assertEquals(0, tag.exit(), tag.err());
        assertTrue(tag.outLines().stream().anyMatch(l -> l.strip().startsWith("Ntfs") && l.contains("ntfs.sys")), tag.out());
        assertTrue(tag.outLines().stream().anyMatch(l -> l.strip().startsWith("AmlC") && l.contains("Aml*")), tag.out());
    }

    /**
     * The launcher's choice of AOT cache (its {@code group} code, run by bash): one per one-shot command, a
     * {@code -json} one for the commands with JSON output, none for the commands that trace or serve; and every
     * cache it can choose is one Train knows how to train (else the training fails and that command starts slowly).
     */
    @Test
    void everyCacheTheLauncherPicksIsOneTrainTrains() throws Exception {
        String[][] expected = {
                {"", "help"}, {"--version", "version"}, {"-V", "version"}, {"help poolused", "help"},
                {"--help", "help"}, {"-h", "help"},
                {"poolused 4", "poolused"}, {"poolused --json", "poolused-json"},
                {"poolused 4 kmalloc-* --json", "poolused-json"}, {"tags Ntfs", "tags"},
                {"tags --pooltag f --json Aml", "tags-json"}, {"diff a b", "diff"}, {"diff --json a b", "diff-json"},
                {"trend a b", "trend"}, {"report --json r.ptrec", "report"}, {"kbpair a", "kbpair"},
                {"hunt --json", ""}, {"record -o x", ""}, {"serve", ""}, {"mon", ""}, {"kd", ""}};
        for (String[] e : expected) {
            String group = launcherGroup(e[0].isEmpty() ? List.of() : List.of(e[0].split(" ")));
            assertEquals(e[1], group, "./pooltag " + e[0]);
            if (!group.isEmpty()) {
                assertTrue(Train.GROUPS.containsKey(group), group + " is not one of Train's caches");
            }
        }
        Set<String> picked = new TreeSet<>();
        for (String[] e : expected) {
            if (!e[1].isEmpty()) {
                picked.add(e[1]);
            }
        }
        assertEquals(new TreeSet<>(Train.GROUPS.keySet()), picked, "a cache Train trains that no command uses");
    }

    /** The group ./pooltag picks for {@code args}: its own lines from {@code group=""} to {@code aot=...}. */
    private static String launcherGroup(List<String> args) throws Exception {
        String launcher = Files.readString(Path.of("..", "pooltag"), StandardCharsets.UTF_8);
        int from = launcher.indexOf("\ngroup=\"\"");
        int to = launcher.indexOf("\naot=", from);
        assertTrue(from >= 0 && to > from, "the group code was not found in ./pooltag");
        String script = "set -euo pipefail\n" + launcher.substring(from + 1, to + 1) + "echo \"$group\"\n";
        List<String> cmd = new ArrayList<>(List.of("bash", "-c", script, "pooltag"));
        cmd.addAll(args);
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
        return out;
    }
}
