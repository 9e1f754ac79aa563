package pooltag.cli.commands;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.PositionalParamSpec;
import pooltag.cli.CommandSpecs;
import pooltag.core.error.PooltagException;
import pooltag.core.snapshot.Loss;
import pooltag.windows.TagArgument;
import pooltag.windows.TagScanner;
import pooltag.windows.WindowsCaptures;
import pooltag.windows.parse.PoolTagEntry;
import pooltag.windows.parse.PoolTagFile;

/**
 * {@code pooltag tags}: who owns a tag. {@code --pooltag FILE} looks it up in the user's pooltag.txt (wildcard
 * entries honoured); {@code --scan DIR} lists the driver files holding its four bytes, as {@code findstr /m /l}.
 * Its command line is built in code ({@link #commandSpec}), not from annotations (start-up: docs/PERFORMANCE.md).
 */
public final class TagsCommand extends JsonCommand implements Callable<Integer>, CommandSpecs.Built {
    Path pooltag;

    Path scanDir;

    List<String> tags;

    /** Test seam: the scan of --scan DIR (a directory root cannot read is not made in a test run as root). */
    java.util.function.BiFunction<Path, List<String>, TagScanner.Scan> scanner = TagScanner::scan;

    /** This command's picocli model, with this object as its command: the only definition of its command line. */
    @Override
    public CommandSpec commandSpec() {
        CommandSpec s = wrap("tags");
        s.usageMessage().description(
                "Owner and description of pool tags from pooltag.txt, or the driver files that contain them.");
        s.addOption(CommandSpecs.option(Path.class, () -> pooltag, v -> pooltag = v, "FILE",
                "your pooltag.txt (WinDbg's triage\\pooltag.txt)", "--pooltag").build());
        s.addOption(CommandSpecs.option(Path.class, () -> scanDir, v -> scanDir = v, "DIR",
                "directory of driver files to search for the tag bytes", "--scan").build());
        @SuppressWarnings({"unchecked", "rawtypes"})
        CommandSpecs.Field<List> f = new CommandSpecs.Field<>(() -> tags, v -> tags = v);
        s.addPositional(PositionalParamSpec.builder().arity("1..*").required(true).type(List.class).auxiliaryTypes(String.class)
                .paramLabel("TAG").description("tags, up to 4 characters each (padded with spaces); or a tag"
                        + " breakpoint line (bp nt!ExAllocatePool2 \".if (@r8 == 0x6b61654c) {} .else {gc}\"), whose tag"
                        + " is decoded from the constant")
                .descriptionKey("").getter(f).setter(f).hasInitialValue(true).build());
        CommandSpecs.standardHelpOptions(s);
        return s;
    }

    @Override
    public Integer call() {
        if (pooltag == null && scanDir == null) {
            throw new PooltagException("tags: give --pooltag FILE, --scan DIR, or both");
        }
        List<String> decoded = new ArrayList<>(tags.size());
        for (String t : tags) {
            decoded.add(TagArgument.tag(t)); // a blank or too long tag is refused; a well-formed unknown one is a row
        }
        tags = decoded;
        PrintWriter out = spec.commandLine().getOut();
        PoolTagFile file = pooltag == null ? null : WindowsCaptures.readPoolTagFile(pooltag);
        TagScanner.Scan scan = scanDir == null ? null : scanner.apply(scanDir, tags);
        Map<String, List<Path>> found = scan == null ? null : scan.found();
        Loss loss = file == null ? Loss.NONE : file.loss();
        if (scan != null && !scan.unreadable().isEmpty()) {
            // What could not be read was not searched: the answer is partial, in the one loss schema as in the list.
            loss = loss.plus(new Loss(0, 0, 0, true));
        }
        if (json.on()) {
            Map<String, Object> m = new LinkedHashMap<>();
            List<Object> rows = new ArrayList<>();
            for (String t : tags) {
                Map<String, Object> r = new LinkedHashMap<>();
                r.put("tag", t);
                if (file != null) {
                    r.put("entries", file.lookup(t).stream().map(e -> {
                        Map<String, Object> x = new LinkedHashMap<>();
                        x.put("entry", e.tag());
                        x.put("binary", e.binary());
                        x.put("description", e.description());
                        x.put("line", e.line());
                        return x;
                    }).toList());
                }
                if (found != null) {
                    r.put("files", underScan(found.get(t)));
                }
                rows.add(r);
            }
            m.put("tags", rows);
            if (scan != null) {
                m.put("unreadable", underScan(scan.unreadable()));
            }
            m.put("loss", CaptureOutput.lossJson(loss));
            CaptureOutput.printJson(out, m);
            return exitCode(scan);
        }
        if (file != null) {
            out.println("pooltag.txt " + pooltag + " (" + file.entries().size() + " entries)");
            out.println();
            AlignedTable t = new AlignedTable("Tag", "Entry", "Binary", "Description");
            for (String tag : tags) {
                List<PoolTagEntry> es = file.lookup(tag);
                if (es.isEmpty()) {
                    t.row(tag, "-", "-", "not in pooltag.txt: try --scan DIR");
                }
                for (PoolTagEntry e : es) {
                    t.row(tag, e.tag(), e.binary().isEmpty() ? "-" : e.binary(), e.description());
                }
            }
            t.lines().forEach(out::println);
            out.println();
        }
        if (found != null) {
            out.println("Files under " + scanDir + " holding the tag bytes");
            out.println();
            AlignedTable t = new AlignedTable("Tag", "Bytes", "Files");
            for (String tag : tags) {
                List<Path> fs = found.get(tag);
                t.row(tag, hexBytes(tag), fs.isEmpty() ? "(none)"
                        : String.join(" ", underScan(fs)));
            }
            t.lines().forEach(out::println);
            out.println();
            if (!scan.unreadable().isEmpty()) {
                out.println(scan.unreadable().size() + " file(s) or directories could not be read and were not"
                        + " searched: " + String.join(" ", underScan(scan.unreadable().subList(0,
                        Math.min(5, scan.unreadable().size()))))
                        + (scan.unreadable().size() > 5 ? " ..." : ""));
                out.println();
            }
        }
        out.println(CaptureOutput.lossLine(loss));
        out.flush();
        return exitCode(scan);
    }

    /** 1 when the scan could not read everything under DIR (its answer is incomplete, as a cut recording's is). */
    private static int exitCode(TagScanner.Scan scan) {
        return scan != null && !scan.unreadable().isEmpty() ? 1 : 0;
    }

    /** Paths as the user gave the scan: relative to --scan DIR; DIR itself (it could not be listed) as given. */
    private List<String> underScan(List<Path> paths) {
        return paths.stream().map(p -> {
            String under = scanDir.relativize(p).toString();
            return under.isEmpty() ? scanDir.toString() : under;
        }).toList();
    }

    private static String hexBytes(String tag) {
        String p = (tag + "    ").substring(0, 4);
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 4; i++) {
            sb.append(i == 0 ? "" : " ").append(String.format("%02x", (int) p.charAt(i) & 0xff));
        }
        return sb.toString();
    }
}
