package pooltag.cli.commands;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;

import org.junit.jupiter.api.Test;

import pooltag.cli.commands.KdCommandTest.Out;
import pooltag.engine.hit.Break;
import pooltag.engine.kd.KdTarget;
import pooltag.engine.kd.ScriptedTarget;
import pooltag.core.snapshot.Pool;

/**
 * The debugger pages' own sessions typed verbatim into {@code pooltag kd -c}, trailing spaces included, compared
 * with what the pages print.
 *
 * <p>Sources: the WinDbg page this project started from, "Using the Kernel Debugger to Find a Kernel-Mode Memory
 * Leak" (learn.microsoft.com/en-us/windows-hardware/drivers/debugger/using-the-kernel-debugger-to-find-a-kernel-mode-memory-leak,
 * and shared/seed/), and the NTDebugging blog's "Troubleshooting Pool Leaks Part 5 – PoolHitTag"
 * (learn.microsoft.com/en-us/archive/blogs/ntdebugging/troubleshooting-pool-leaks-part-5-poolhittag). Where a page
 * prints an address in the first column, the console prints the symbol ({@code nt!PoolHitTag}); the rest of each
 * line is compared as the page prints it (the Microsoft page's Markdown collapsed db's padding, so that line is
 * compared word by word).
 */
class KdPageSessionTest {
    /** The page's commands, in its order, each as typed there (the page has a space after several). */
    static final String PAGE_SCRIPT = String.join(";", ".reload", "!poolused 4 ", "ed nt!poolhittag ' cbA' ",
            "db nt!poolhittag L4 ", "g", "kb", "ed nt!poolhittag 0 ", "!poolfind Abc", "q");

    /** The page's db line, as printed there. */
    static final String PAGE_DB = "820f2ba4  41 62 63 20           Abc  ";

    static List<String> words(String line) {
        return List.of(line.strip().split("\\s+"));
    }

    /**
     * The output's lines with each masked address ({@code @} and 8 hex digits of a hash keyed per run, so unknown to
     * the test) as {@code @HASH}.
     */
    static List<String> unkeyed(Out r) {
        return r.out().lines().map(l -> l.replaceAll("@[0-9a-f]{8}\\b", "@HASH")).toList();
    }

    static String afterAddressColumn(String line) {
        return line.substring(line.indexOf(' '));
    }

    @Test
    void thePagesSessionOnALinuxKernelWhereNoTagIsNamedAbc() {
        ScriptedTarget t = new ScriptedTarget();
        t.usage = KdCommandTest.SNAPSHOT;
        t.unknownTags.add("Abc");
        Out r = KdCommandTest.kd(t, "", "-c", PAGE_SCRIPT);
        assertEquals(0, r.exit(), "the script ran to q: " + r.err());
        List<String> out = r.out().lines().toList();
        int ed = out.indexOf("kd> ed nt!poolhittag ' cbA'");
        // ed writes the memory; the Linux side of the question is one note.
        assertEquals("no Linux tag is named 'Abc'; g will not break until one is set", out.get(ed + 1));
        assertEquals("kd> db nt!poolhittag L4", out.get(ed + 2));
        String db = out.get(ed + 3);
        assertEquals("nt!PoolHitTag  41 62 63 20" + " ".repeat(38) + "Abc ", db);
        assertEquals(words(PAGE_DB).subList(1, 6), words(db).subList(1, 6));
        assertEquals(List.of("kd> g", "no Linux tag is named 'Abc'; g will not break until one is set",
                "kd> kb", "No break yet: kb shows the stack of the last hit (ed nt!poolhittag 'tag', then g)",
                "kd> ed nt!poolhittag 0", "kd> !poolfind Abc",
                "Searching NonPaged and Paged pools for tag Abc, outstanding since tracing began", "",
                "0 allocations, 0x0 (0) bytes", "kd> q"), out.subList(ed + 4, out.size()));
        assertEquals(List.of("reload", "disarm", "disarm", "close"), t.calls);
    }

    @Test
    void thePagesSessionWhereATagAbcAllocatesBreaksAndShowsItsStack() {
        ScriptedTarget t = new ScriptedTarget();
        t.usage = KdCommandTest.SNAPSHOT;
        t.hits.add(Break.of(Break.Kind.ALLOC, "Abc", 0xffff8a010a9e0010L, 0x3a8, 77, "abcd", 1,
                5_000_000_000L, List.of("__kmalloc_noprof+0x1a5 [kernel]", "abc_create+0x31 [abc]")));
        t.outstanding.add(new KdTarget.Allocation("Abc", 0xffff8a010a9e0010L, 0x3a8, Pool.PAGED, 1_000_000_000L, 77,
                "abcd", ""));
        Out r = KdCommandTest.kd(t, "", "-c", PAGE_SCRIPT);
        assertEquals(0, r.exit(), r.err());
        // One block, one mask: g's break and !poolfind's row name the same block.
        List<String> masks = java.util.regex.Pattern.compile("@[0-9a-f]{8}\\b").matcher(r.out()).results()
                .map(java.util.regex.MatchResult::group).toList();
        assertEquals(2, masks.size(), r.out());
        assertEquals(masks.get(0), masks.get(1));
        List<String> out = unkeyed(r);
        int ed = out.indexOf("kd> ed nt!poolhittag ' cbA'");
        assertEquals(List.of("kd> ed nt!poolhittag ' cbA'",
                "'Abc ' is the Linux tag Abc: g breaks on its allocations and frees",
                "kd> db nt!poolhittag L4", "nt!PoolHitTag  41 62 63 20" + " ".repeat(38) + "Abc ",
                "kd> g", "Break instruction exception - code 80000003 (first chance)",
                "alloc: tag Abc, size 0x3a8, address @HASH, pid 77 (abcd), CPU 1, time 5.000000000 s",
                "kd> kb", " # Call Site", "00 __kmalloc_noprof+0x1a5 [kernel]", "01 abc_create+0x31 [abc]",
                "kd> ed nt!poolhittag 0", "kd> !poolfind Abc",
                "Searching NonPaged and Paged pools for tag Abc, outstanding since tracing began", "",
                "@HASH : tag Abc, size     0x3a8, Paged pool, age 1.000 s, pid 77 (abcd)",
                "1 allocation, 0x3a8 (936) bytes", "kd> q"), out.subList(ed, out.size()));
        assertEquals(List.of("reload", "arm Abc", "go", "disarm", "close"), t.calls);
    }

    @Test
    void ntDebuggingPart5SessionShowsTheDefaultThenLea2WithDc() {
        ScriptedTarget t = new ScriptedTarget();
        t.hits.add(Break.of(Break.Kind.ALLOC, "Lea2", 0xffff8a010a9e0010L, 0x30, 4, "System", 0,
                1_000_000_000L, List.of("__kmalloc_noprof+0x1a5 [kernel]", "leak_alloc+0x12 [leak]")));
        // As typed on the blog (its prompt "1: kd> " is the debugger's, not typed).
        Out r = KdCommandTest.kd(t, "", "-c",
                "dc nt!PoolHitTag l1; ed nt!PoolHitTag 3261654c; dc nt!PoolHitTag l1; g; kb");
        assertEquals(0, r.exit(), r.err());
        List<String> out = unkeyed(r);
        // The blog's lines, address column left out.
        assertEquals(afterAddressColumn("fffff800`016530fc  ffffff0f                             ...."),
                afterAddressColumn(out.get(1)));
        assertEquals(afterAddressColumn("fffff800`016530fc  3261654c                             Lea2"),
                afterAddressColumn(out.get(5)));
        assertEquals(List.of("kd> dc nt!PoolHitTag l1", "nt!PoolHitTag  ffffff0f                             ....",
                "kd> ed nt!PoolHitTag 3261654c", "'Lea2' is the Linux tag Lea2: g breaks on its allocations and frees",
                "kd> dc nt!PoolHitTag l1", "nt!PoolHitTag  3261654c                             Lea2",
                "kd> g", "Break instruction exception - code 80000003 (first chance)",
                "alloc: tag Lea2, size 0x30, address @HASH, pid 4 (System), CPU 0, time 1.000000000 s",
                "kd> kb", " # Call Site", "00 __kmalloc_noprof+0x1a5 [kernel]", "01 leak_alloc+0x12 [leak]"),
                out);
    }
}
