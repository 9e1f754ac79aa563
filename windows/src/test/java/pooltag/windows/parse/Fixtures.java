package pooltag.windows.parse;

import java.net.URISyntaxException;
import java.nio.file.Path;

import pooltag.core.snapshot.Pool;
import pooltag.core.snapshot.TagUsage;
import pooltag.core.snapshot.UsageSnapshot;

/** The real captures under {@code src/test/resources/windows/}, and lookups into what they parse to. */
final class Fixtures {
    private Fixtures() {
    }

    static Path path(String name) {
        try {
            return Path.of(Fixtures.class.getResource("/windows/" + name).toURI());
        } catch (URISyntaxException | NullPointerException e) {
            throw new IllegalStateException("missing test resource windows/" + name, e);
        }
    }

    static CaptureText text(String name) {
        return CaptureText.read(path(name));
    }

    /**
     * {@code text} with every run of two or more spaces made one TAB, and a single leading space too: how an editor
     * or a spreadsheet copies a column-aligned capture.
     */
    static CaptureText tabbed(CaptureText text) {
        StringBuilder out = new StringBuilder();
        for (int n = 1; n <= text.lineCount(); n++) {
            out.append(text.line(n).replaceAll(" {2,}", "\t").replaceAll("^ (?=\\S)", "\t")).append('\n');
        }
        return CaptureText.of("tabbed " + text.name(), out.toString());
    }

    static TagUsage row(UsageSnapshot s, String tag, Pool pool) {
        return s.rows().stream().filter(u -> u.tag().equals(tag) && u.pool() == pool).findFirst()
                .orElseThrow(() -> new AssertionError("no row " + tag + "/" + pool + " in " + s.rows()));
    }

    static boolean hasRow(UsageSnapshot s, String tag, Pool pool) {
        return s.rows().stream().anyMatch(u -> u.tag().equals(tag) && u.pool() == pool);
    }
}
