package pooltag.cli.commands;

import java.util.ArrayList;
import java.util.List;

/**
 * A plain text table as WinDbg and PoolMon print them: columns padded with spaces, numbers right-aligned, the last
 * column (a description) left as is. No borders, so output diffs and greps cleanly.
 */
final class AlignedTable {
    private final String[] headers;
    private final boolean[] right;
    private final List<String[]> rows = new ArrayList<>();

    /** @param columns header names; a name starting with {@code >} is right-aligned (the {@code >} is dropped) */
    AlignedTable(String... columns) {
        headers = new String[columns.length];
        right = new boolean[columns.length];
        for (int i = 0; i < columns.length; i++) {
            right[i] = columns[i].startsWith(">");
            headers[i] = right[i] ? columns[i].substring(1) : columns[i];
        }
    }

    AlignedTable row(Object... cells) {
        if (cells.length != headers.length) {
            throw new IllegalArgumentException("row has " + cells.length + " cells, table has " + headers.length);
        }
        String[] r = new String[cells.length];
        for (int i = 0; i < cells.length; i++) {
            r[i] = String.valueOf(cells[i]);
        }
        rows.add(r);
        return this;
    }

    boolean isEmpty() {
        return rows.isEmpty();
    }

    /** The header line then one line per row, each with one leading space (as {@code !poolused} indents). */
    List<String> lines() {
        int[] width = new int[headers.length];
        for (int i = 0; i < headers.length; i++) {
            width[i] = headers[i].length();
            for (String[] r : rows) {
                width[i] = Math.max(width[i], r[i].length());
            }
        }
        List<String> out = new ArrayList<>(rows.size() + 1);
        out.add(line(headers, width));
        for (String[] r : rows) {
            out.add(line(r, width));
        }
        return out;
    }

    private String line(String[] cells, int[] width) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < cells.length; i++) {
            boolean lastColumn = i == cells.length - 1;
            sb.append(i == 0 ? " " : "  ");
            String c = cells[i];
            if (right[i]) {
                sb.append(" ".repeat(width[i] - c.length())).append(c);
            } else if (lastColumn) {
                sb.append(c);
            } else {
                sb.append(c).append(" ".repeat(width[i] - c.length()));
            }
        }
        return sb.toString().stripTrailing();
    }
}
