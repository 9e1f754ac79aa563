package pooltag.cli;

import java.util.ArrayList;
import java.util.List;

import picocli.CommandLine;
import picocli.CommandLine.Model.UsageMessageSpec;

/**
 * Help text as paragraphs. The commands' descriptions and footers are written as source lines of up to about 100
 * characters; picocli prints each array element as a line of its own and wraps it at its width (80), which left a
 * short line after every long one. Lines are joined into paragraphs that picocli wraps evenly. A new line starts
 * after an empty line or a line ending in ':', and at a line that is empty, starts with a space or '-', or opens
 * with a label ("Example:", "Keys:", "TagString:"): the structure the text was written with.
 */
final class HelpText {
    private HelpText() {
    }

    /** Reflows every command of the tree in place; returns {@code cl}. */
    static CommandLine reflow(CommandLine cl) {
        UsageMessageSpec u = cl.getCommandSpec().usageMessage();
        u.description(paragraphs(u.description()));
        u.footer(paragraphs(u.footer()));
        for (CommandLine sub : cl.getSubcommands().values()) {
            reflow(sub);
        }
        return cl;
    }

    static String[] paragraphs(String[] lines) {
        List<String> out = new ArrayList<>(lines.length);
        for (String line : lines) {
            if (out.isEmpty() || startsLine(out.get(out.size() - 1), line)) {
                out.add(line);
            } else {
                out.set(out.size() - 1, out.get(out.size() - 1) + " " + line.strip());
            }
        }
        return out.toArray(String[]::new);
    }

    private static boolean startsLine(String previous, String line) {
        if (previous.isBlank() || line.isBlank() || previous.endsWith(":") || line.startsWith(" ")
                || line.startsWith("-") || line.startsWith("%n")) {
            return true;
        }
        int colon = line.indexOf(':');
        // A label: up to three words before a colon that opens the line ("Exit code:", "TagString:").
        return colon > 0 && colon <= 30 && Character.isUpperCase(line.charAt(0))
                && line.substring(0, colon).split(" ").length <= 3;
    }
}
