package pooltag.cli.mon;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

import org.jline.terminal.Attributes;
import org.jline.terminal.Size;
import org.jline.terminal.Terminal;
import org.jline.terminal.TerminalBuilder;
import org.jline.utils.AttributedString;
import org.jline.utils.AttributedStringBuilder;
import org.jline.utils.AttributedStyle;
import org.jline.utils.Display;
import org.jline.utils.InfoCmp.Capability;
import org.jline.utils.NonBlockingReader;

import pooltag.cli.render.LossLine;
import pooltag.cli.render.PoolMonText;
import pooltag.core.snapshot.Loss;
import pooltag.core.snapshot.PoolMonModel;
import pooltag.core.snapshot.UsageSnapshot;
import pooltag.core.tag.TagPattern;
import pooltag.linux.procfs.Meminfo;

/**
 * PoolMon's full screen on a JLine terminal: alternate screen, raw keys, redraws through {@link Display} (which
 * sends only the cells that changed, so no flicker), and a redraw on resize (SIGWINCH). The terminal is restored
 * on every exit path.
 */
public final class MonScreen {
    private final Supplier<UsageSnapshot> source;
    private final long intervalMillis;
    private final Supplier<Meminfo> meminfo;
    /** Traced source: show a status line with the ledger's cumulative loss under the sort line. */
    private final boolean showLoss;
    private PoolMonModel model;
    private boolean totals;
    private UsageSnapshot previous;
    private UsageSnapshot current;
    private String prompt;
    private final StringBuilder promptInput = new StringBuilder();
    private String status = "";

    public MonScreen(Supplier<UsageSnapshot> source, PoolMonModel model, boolean totals, long intervalMillis) {
        this(source, model, totals, intervalMillis, false);
    }

    /** @param showLoss the source is the tracing ledger: show its loss counters on a status line */
    public MonScreen(Supplier<UsageSnapshot> source, PoolMonModel model, boolean totals, long intervalMillis,
                     boolean showLoss) {
        this(source, model, totals, intervalMillis, Meminfo::live, showLoss);
    }

    MonScreen(Supplier<UsageSnapshot> source, PoolMonModel model, boolean totals, long intervalMillis,
              Supplier<Meminfo> meminfo) {
        this(source, model, totals, intervalMillis, meminfo, false);
    }

    MonScreen(Supplier<UsageSnapshot> source, PoolMonModel model, boolean totals, long intervalMillis,
              Supplier<Meminfo> meminfo, boolean showLoss) {
        this.source = source;
        this.model = model;
        this.totals = totals;
        this.intervalMillis = intervalMillis;
        this.meminfo = meminfo;
        this.showLoss = showLoss;
    }

    /** How often {@link #check} runs between refreshes: a dead source shows within this, whatever the interval. */
    static final long CHECK_MILLIS = 500;
    private Runnable check = () -> { };

    /** Runs {@code c} every {@link #CHECK_MILLIS} between refreshes; an exception from it ends the screen. */
    public MonScreen withCheck(Runnable c) {
        this.check = c;
        return this;
    }

    /**
     * The system terminal to draw on, or null when there is none: stdin or stdout is a pipe or a file (cron,
     * {@code mon | cat}), or TERM is dumb. The dumb terminal is asked for explicitly, so JLine does not warn that it
     * fell back to one (a two-line WARNING on stderr) and pooltag decides what to do without a screen.
     */
    public static Terminal systemTerminal() throws IOException {
        Terminal t = TerminalBuilder.builder().system(true).dumb(true).build();
        if (Terminal.TYPE_DUMB.equals(t.getType()) || Terminal.TYPE_DUMB_COLOR.equals(t.getType())) {
            t.close();
            return null;
        }
        return t;
    }

    /** Runs on a given terminal until q. Package-visible for tests with a scripted terminal. */
    public void run(Terminal terminal) throws IOException {
        Attributes saved = terminal.enterRawMode();
        terminal.puts(Capability.enter_ca_mode);
        terminal.puts(Capability.keypad_xmit);
        terminal.puts(Capability.cursor_invisible);
        terminal.flush();
        Display display = new Display(terminal, true);
        Size size = terminal.getSize();
        display.resize(Math.max(size.getRows(), 5), Math.max(size.getColumns(), 40));
        Terminal.SignalHandler previousWinch = terminal.handle(Terminal.Signal.WINCH, s -> {
            Size ns = terminal.getSize();
            synchronized (display) {
                display.clear();
                display.resize(Math.max(ns.getRows(), 5), Math.max(ns.getColumns(), 40));
            }
        });
        try {
            NonBlockingReader reader = terminal.reader();
            refresh();
            long nextRefresh = System.currentTimeMillis() + intervalMillis;
            while (true) {
                synchronized (display) {
                    display.update(lines(terminal.getSize()), 0);
                }
                terminal.flush();
                long wait = Math.max(1, Math.min(CHECK_MILLIS, nextRefresh - System.currentTimeMillis()));
                int c;
                try {
                    c = reader.read(wait);
                } catch (IOException closed) {
                    return; // the terminal went away: nothing left to draw on
                }
                if (c == NonBlockingReader.EOF) {
                    return;
                }
                if (c == NonBlockingReader.READ_EXPIRED) {
                    if (System.currentTimeMillis() < nextRefresh) {
                        check.run(); // throws when the source died: the error ends the screen at once
                        continue;
                    }
                    refresh();
                    nextRefresh = System.currentTimeMillis() + intervalMillis;
                    continue;
                }
                if (!onKey(c)) {
                    return;
                }
            }
        } finally {
            terminal.handle(Terminal.Signal.WINCH, previousWinch);
            terminal.puts(Capability.cursor_visible);
            terminal.puts(Capability.keypad_local);
            terminal.puts(Capability.exit_ca_mode);
            terminal.setAttributes(saved);
            terminal.flush();
        }
    }

    private void refresh() {
        previous = current;
        current = source.get();
    }

    /** @return false to quit */
    boolean onKey(int c) {
        if (prompt != null) {
            if (c == '\r' || c == '\n') {
                String text = promptInput.toString().trim();
                if (!text.isEmpty()) {
                    List<TagPattern> list = new ArrayList<>(prompt.startsWith("include") ? model.include() : model.exclude());
                    list.add(TagPattern.of(text));
                    model = prompt.startsWith("include") ? model.withInclude(list) : model.withExclude(list);
                } else {
                    model = prompt.startsWith("include") ? model.withInclude(List.of()) : model.withExclude(List.of());
                }
                prompt = null;
                promptInput.setLength(0);
            } else if (c == 27) {
                prompt = null;
                promptInput.setLength(0);
            } else if (c == 127 || c == 8) {
                if (promptInput.length() > 0) {
                    promptInput.setLength(promptInput.length() - 1);
                }
            } else if (c >= 32) {
                promptInput.append((char) c);
            }
            return true;
        }
        switch (c) {
            case 'q', 'Q', 3 -> {
                return false;
            }
            case 't', 'a', 'f', 'd', 'b', 'm', 'T', 'A', 'F', 'D', 'B', 'M' ->
                    model = model.withSort(PoolMonModel.SortKey.ofKey((char) c));
            case '(', ')' -> model = model.withByChange(!model.byChange());
            case 'p', 'P' -> model = model.withPools(model.pools().next());
            case 'e', 'E' -> totals = !totals;
            case 'i', 'I' -> prompt = "include pattern (empty clears): ";
            case 'x', 'X' -> prompt = "exclude pattern (empty clears): ";
            default -> status = "keys: t a f d b m sort, ( ) by change, p pools, e totals, i/x patterns, q quit";
        }
        return true;
    }

    List<String> linesForTest(Size size) {
        if (current == null) {
            refresh();
        }
        return lines(size).stream().map(AttributedString::toString).toList();
    }

    List<AttributedString> lines(Size size) {
        int rowsAvail = Math.max(size.getRows(), 5);
        List<AttributedString> out = new ArrayList<>(rowsAvail);
        Meminfo mi = meminfo.get();
        out.add(new AttributedString(String.format(" Memory:%dK Avail:%dK  Vmalloc:%dK   Pool N:%dK P:%dK",
                mi.memTotalKb(), mi.memAvailableKb(), mi.vmallocUsedKb(), mi.slabUnreclaimKb(), mi.slabReclaimKb())));
        out.add(new AttributedString(String.format(" Sort: %c%s  Pools: %s  Refresh: %.1fs  Include: %s  Exclude: %s",
                model.sort().key, model.byChange() ? " (by change)" : "", model.pools().name().toLowerCase(),
                intervalMillis / 1000.0, model.include(), model.exclude())));
        if (showLoss) {
            // Allocs and Frees count from the start of tracing; the loss says how far to trust them.
            out.add(new AttributedString(" Traced:" + LossLine.of(current.loss() == null ? Loss.NONE : current.loss())));
        }
        List<PoolMonModel.Row> rows = model.rows(previous, current);
        int w = PoolMonText.tagWidth(rows);
        out.add(new AttributedStringBuilder().style(AttributedStyle.INVERSE)
                .append(PoolMonText.screenHeader(w)).toAttributedString());
        if (totals) {
            out.add(new AttributedString(PoolMonText.screenTotals(w, model.totals(rows))));
        }
        int room = rowsAvail - out.size() - 1;
        for (int i = 0; i < rows.size() && i < room; i++) {
            out.add(new AttributedString(PoolMonText.screenRow(w, rows.get(i))));
        }
        while (out.size() < rowsAvail - 1) {
            out.add(AttributedString.EMPTY);
        }
        out.add(new AttributedString(prompt != null ? " " + prompt + promptInput : " " + status));
        List<AttributedString> clipped = new ArrayList<>(out.size());
        for (AttributedString a : out) {
            clipped.add(a.columnLength() > size.getColumns() && size.getColumns() > 0
                    ? a.columnSubSequence(0, size.getColumns()) : a);
        }
        return clipped;
    }
}
