package pooltag.linux.procfs;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;

/**
 * TextLines answers as the String methods it stands in for (line splitting, {@code isBlank}, {@code startsWith},
 * {@code trim().split("\\s+")}, {@code equals}, {@code indexOf}, {@code Long.parseLong}) on texts of procfs's
 * characters and of characters procfs never gives: beyond ISO-8859-1, a literal '?', white space above 0xFF (an em
 * space), a surrogate pair, control characters that trim takes and split does not.
 */
class TextLinesTest {
    private static final String[] PIECES = {"a", "kmalloc-64", "0x", "ffff", "-", "+", "12", "-7", "+3", "0", ":",
            "?", "é", "\u00A0", "\u2003", "\uD83D\uDE00", " ", "  ", "\t", "\u000B", "\f", "\r", "\u0001", "\u001C",
            "\n", "\n", "#", "vmalloc", "99999999999999999999"};

    @Test
    void everyAnswerIsTheStringMethodsAnswer() {
        Random random = new Random(20261202);
        for (int round = 0; round < 3000; round++) {
            StringBuilder sb = new StringBuilder();
            int n = random.nextInt(40);
            for (int i = 0; i < n; i++) {
                sb.append(PIECES[random.nextInt(PIECES.length)]);
            }
            check(sb.toString());
        }
        check("");
        check("\n");
        check("a\n\nb");
        check("slabinfo - version: 2.1\n# name\nkmalloc-64 1 2 3 4 5 : tunables 0 0 0 : slabdata 1 1 0\n");
    }

    private static void check(String text) {
        List<String> expectedLines = new ArrayList<>();
        int pos = 0;
        while (pos < text.length()) {
            int nl = text.indexOf('\n', pos);
            expectedLines.add(nl < 0 ? text.substring(pos) : text.substring(pos, nl));
            pos = nl < 0 ? text.length() : nl + 1;
        }
        TextLines t = new TextLines(text);
        String where = "text '" + text.replace("\n", "\\n") + "'";
        for (int k = 0; k < expectedLines.size(); k++) {
            String line = expectedLines.get(k);
            assertEquals(true, t.nextLine(), where);
            assertEquals(line, t.line(), where);
            assertEquals(k == expectedLines.size() - 1 && !text.endsWith("\n"), t.unterminated(), where);
            assertEquals(line.isBlank(), t.lineIsBlank(), where + " line " + k);
            assertEquals(line.startsWith("#"), t.lineStartsWith("#"), where);
            assertEquals(line.startsWith("kmalloc-64 1"), t.lineStartsWith("kmalloc-64 1"), where);
            String[] fields = line.trim().split("\\s+");
            t.split();
            assertEquals(List.of(fields), fieldsOf(t), where + " line " + k);
            for (int i = 0; i < fields.length; i++) {
                String f = fields[i];
                assertEquals(f.equals(":"), t.fieldIs(i, ":"), where);
                assertEquals(f.equals("vmalloc"), t.fieldIs(i, "vmalloc"), where);
                assertEquals(f.startsWith("0x"), t.fieldStartsWith(i, "0x"), where);
                assertEquals(f.indexOf('+'), t.fieldIndexOf(i, '+'), where);
                assertEquals(f.indexOf('-'), t.fieldIndexOf(i, '-'), where);
                assertEquals(parsed(f), parsedInPlace(t, i), where + " field " + i);
            }
        }
        assertEquals(false, t.nextLine(), where);
        assertEquals(List.of(text.trim().split("\\s+")), List.of(TextLines.fieldsOf(text)), where);
    }

    private static List<String> fieldsOf(TextLines t) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < t.count(); i++) {
            out.add(t.field(i));
        }
        return out;
    }

    private static String parsed(String f) {
        try {
            return Long.toString(Long.parseLong(f));
        } catch (NumberFormatException e) {
            return "not a number";
        }
    }

    private static String parsedInPlace(TextLines t, int i) {
        try {
            return Long.toString(t.number(i));
        } catch (NumberFormatException e) {
            return "not a number";
        }
    }
}
