package pooltag.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;

import org.junit.jupiter.api.Test;

import picocli.CommandLine;

class HelpTextTest {
    @Test
    void sourceLinesBecomeParagraphsAndLabelsKeepTheirLines() {
        String[] in = {"PoolMon on the live kernel: per-tag counters,", "refreshed.", "Keys: t a f sort;", "q quits.",
                "", "Flags (hex, as WinDbg):", "0 sort by tag;", "2 sort by NonPaged use.",
                "TagString: * matches any run.", "Example: pooltag mon"};
        assertArrayEquals(new String[]{"PoolMon on the live kernel: per-tag counters, refreshed.",
                "Keys: t a f sort; q quits.", "", "Flags (hex, as WinDbg):", "0 sort by tag; 2 sort by NonPaged use.",
                "TagString: * matches any run.", "Example: pooltag mon"}, HelpText.paragraphs(in));
    }

    /**
     * The hunt's help, as picocli prints it at 80 columns: its description was five source lines of about 100
     * characters, printed as ten lines of alternately 80 and about 20 characters. As a paragraph, every line but
     * the paragraph's last is filled.
     */
    @Test
    void theHuntsDescriptionPrintsAsAFilledParagraph() {
        StringWriter w = new StringWriter();
        CommandLine cl = Main.commandLineFor(new String[]{"hunt", "--help"});
        cl.setOut(new PrintWriter(w, true));
        cl.execute("hunt", "--help");
        String[] lines = w.toString().split("\n");
        int start = -1;
        for (int i = 0; i < lines.length; i++) {
            if (lines[i].startsWith("The leak hunt, unattended: trace every")) {
                start = i;
            }
        }
        assertTrue(start >= 0, w.toString());
        for (int i = start; i < start + 4; i++) {
            assertTrue(lines[i].length() >= 60, "short line " + (i - start) + " '" + lines[i] + "' in\n" + w);
        }
    }
}
