package pooltag.cli.kd;

import pooltag.engine.hit.Break;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;

import org.junit.jupiter.api.Test;

import pooltag.core.snapshot.Loss;
import pooltag.core.snapshot.Pool;
import pooltag.engine.kd.KdTarget;
import pooltag.engine.publish.AddressPolicy;
import pooltag.engine.kd.ScriptedTarget;

/** Scripted sessions against {@link ScriptedTarget}, compared with the exact transcript kd's log would hold. */
class KdConsoleTest {
    static final long PIPE_A = 0xffff8a010a9e0010L;
    static final long PIPE_B = 0xffff8a010a9e1c80L;
    static final List<String> PIPE_STACK = List.of(
            "__kmalloc_cache_noprof+0x1a5 [kernel]",
            "alloc_pipe_info+0x4b [kernel]",
            "create_pipe_files+0x3c [kernel]",
            "do_pipe2+0x35 [kernel]",
            "__x64_sys_pipe2+0x18 [kernel]",
            "do_syscall_64+0x82 [kernel]",
            "entry_SYSCALL_64_after_hwframe+0x76 [kernel]");

    /** The run's masking with a fixed key, so transcripts are reproducible. */
    static final AddressPolicy MASK = AddressPolicy.maskedWithKey(1);

    static String session(ScriptedTarget target, boolean showAddresses, String... lines) {
        StringWriter w = new StringWriter();
        PrintWriter out = new PrintWriter(w);
        KdConsole console = new KdConsole(target, out, showAddresses ? AddressPolicy.raw() : MASK,
                KdConsole.BreakIn.NONE);
        KdRepl.script(console, List.of(lines).iterator(), out);
        return w.toString();
    }

    static String session(ScriptedTarget target, String... lines) {
        return session(target, false, lines);
    }

    static String lines(String... lines) {
        return String.join("\n", lines) + "\n";
    }

    static ScriptedTarget pipeTarget() {
        ScriptedTarget t = new ScriptedTarget();
        // A dentry hit first: g must skip hits of other tags.
        t.hits.add(Break.of(Break.Kind.ALLOC, "dentry", 0xffff8a0100000040L, 0xc0, 1, "systemd", 0,
                12_000_000_000_000L, List.of("kmem_cache_alloc_lru_noprof+0x1c8 [kernel]")));
        t.hits.add(Break.of(Break.Kind.ALLOC, "alloc_pipe_info", PIPE_A, 0x140, 4242, "leaker", 3,
                12_345_678_901_234L, PIPE_STACK));
        t.hits.add(Break.of(Break.Kind.FREE, "alloc_pipe_info", PIPE_A, 0x140, 4242, "leaker", 1,
                12_346_000_000_500L, List.of("kfree+0x7d [kernel]", "free_pipe_info+0x92 [kernel]")));
        t.outstanding.add(new KdTarget.Allocation("alloc_pipe_info", PIPE_B, 0x140, Pool.NONPAGED, 2_500_000_000L,
                4242, "leaker", "~3fa2c1d0"));
        t.outstanding.add(new KdTarget.Allocation("alloc_pipe_info", PIPE_A, 0x140, Pool.NONPAGED, 12_345_000_000L,
                4242, "leaker", "~3fa2c1d0"));
        t.outstanding.add(new KdTarget.Allocation("dentry", 0xffff8a0112345600L, 0xc0, Pool.PAGED, 1_000_000_000L, 1,
                "systemd", ""));
        return t;
    }

    @Test
    void thePagesSequenceSetsShowsAndClearsPoolHitTag() {
        ScriptedTarget t = new ScriptedTarget();
        String out = session(t, "ed nt!poolhittag ' cbA'", "db nt!poolhittag L4", "ed nt!poolhittag 0",
                "db nt!poolhittag L4");
        assertEquals(lines(
                "kd> ed nt!poolhittag ' cbA'",
                "'Abc ' is the Linux tag Abc: g breaks on its allocations and frees",
                "kd> db nt!poolhittag L4",
                "nt!PoolHitTag  41 62 63 20                                      Abc ",
                "kd> ed nt!poolhittag 0",
                "kd> db nt!poolhittag L4",
                "nt!PoolHitTag  00 00 00 00                                      ...."), out);
        // The 4-character tag "Abc " arms the Linux tag without its padding; 0 disarms.
        assertEquals(List.of("arm Abc", "disarm"), t.calls);
    }

    @Test
    void characterConstantDcbaReadsBackWithDdAsWinDbgShowsIt() {
        ScriptedTarget t = new ScriptedTarget();
        assertEquals(lines(
                "kd> ed nt!PoolHitTag 'dcba'",
                "'abcd' is the Linux tag abcd: g breaks on its allocations and frees",
                "kd> dd nt!poolhittag",
                "nt!PoolHitTag  64636261",
                "kd> db PoolHitTag",
                "nt!PoolHitTag  61 62 63 64                                      abcd"),
                session(t, "ed nt!PoolHitTag 'dcba'; dd nt!poolhittag; db PoolHitTag"));
        assertEquals(List.of("arm abcd"), t.calls);
    }

    @Test
    void hexDwordIsTheTagItsMemoryBytesSpell() {
        ScriptedTarget t = new ScriptedTarget();
        assertEquals(lines(
                "kd> ed nt!poolhittag 3261654c",
                "'Lea2' is the Linux tag Lea2: g breaks on its allocations and frees",
                "kd> db nt!poolhittag L4",
                "nt!PoolHitTag  4c 65 61 32                                      Lea2",
                "kd> ED NT!POOLHITTAG 0x20636241",
                "'Abc ' is the Linux tag Abc: g breaks on its allocations and frees",
                "kd> dd nt!poolhittag L1",
                "nt!PoolHitTag  20636241"),
                session(t, "ed nt!poolhittag 3261654c", "db nt!poolhittag L4", "ED NT!POOLHITTAG 0x20636241",
                        "dd nt!poolhittag L1"));
        assertEquals(List.of("arm Lea2", "arm Abc"), t.calls);
    }

    @Test
    void doubleQuotedStringArmsALinuxTagOfAnyLength() {
        ScriptedTarget t = new ScriptedTarget();
        assertEquals(lines(
                "kd> ed nt!poolhittag \"alloc_pipe_info\"",
                "kd> db nt!poolhittag",
                "nt!PoolHitTag  61 6c 6c 6f 63 5f 70 69-70 65 5f 69 6e 66 6f     alloc_pipe_info",
                "kd> dd nt!poolhittag",
                "nt!PoolHitTag  6f6c6c61 69705f63 695f6570 ????????"),
                session(t, "ed nt!poolhittag \"alloc_pipe_info\"", "db nt!poolhittag", "dd nt!poolhittag"));
        assertEquals(List.of("arm alloc_pipe_info"), t.calls);
    }

    /** A tag SLUB merged into another cache: armed, and the console says whose hits g will break on. */
    @Test
    void armingAMergedCacheNameSaysWhichCacheTheHitsAre() {
        ScriptedTarget t = new ScriptedTarget();
        t.mergeNotes.put("UNIX", "UNIX: merged by SLUB into signal_cache; the kernel names a merged cache by the"
                + " cache it joined, so its allocations are that cache's, every merged name's among them");
        assertEquals(lines(
                "kd> ed nt!poolhittag \"UNIX\"",
                "Note: UNIX: merged by SLUB into signal_cache; the kernel names a merged cache by the cache it joined,"
                        + " so its allocations are that cache's, every merged name's among them"),
                session(t, "ed nt!poolhittag \"UNIX\""));
        assertEquals(List.of("arm UNIX"), t.calls);
    }

    @Test
    void longDumpsLabelLinesBySymbolOffsetAndShowUnknownMemoryAsQuestionMarks() {
        ScriptedTarget t = new ScriptedTarget();
        assertEquals(lines(
                "kd> ed nt!poolhittag \"sock_inode_cache\"",
                "kd> db nt!poolhittag L12",
                "nt!PoolHitTag       73 6f 63 6b 5f 69 6e 6f-64 65 5f 63 61 63 68 65  sock_inode_cache",
                "nt!PoolHitTag+0x10  ?? ??                                            ??"),
                session(t, "ed nt!poolhittag \"sock_inode_cache\"", "db nt!poolhittag L12"));
    }

    @Test
    void initialValueIsWinDbgsDefaultAndArmsNothing() {
        ScriptedTarget t = new ScriptedTarget();
        assertEquals(lines(
                "kd> dd nt!poolhittag",
                "nt!PoolHitTag  ffffff0f",
                "kd> db nt!poolhittag l4",
                "nt!PoolHitTag  0f ff ff ff                                      ....",
                "kd> g",
                "PoolHitTag is not set: ed nt!poolhittag 'tag' first"),
                session(t, "dd nt!poolhittag", "db nt!poolhittag l4", "g"));
        assertEquals(List.of(), t.calls);
    }

    @Test
    void errorsAreOneLineAndTheSessionGoesOn() {
        ScriptedTarget t = new ScriptedTarget();
        assertEquals(lines(
                "kd> xyz",
                "^ Syntax error in 'xyz'",
                "kd> !foo 1",
                "No export foo found",
                "kd> ed nt!poolhittag",
                "^ Syntax error in 'ed nt!poolhittag'",
                "kd> ed nt!poolhittag zz",
                "Couldn't resolve error at 'zz'",
                "kd> ed nt!foo 1",
                "Couldn't resolve error at 'nt!foo 1'",
                "kd> ed nt!poolhittag 123456789",
                "^ Range error in 'ed nt!poolhittag 123456789'",
                "kd> ed nt!poolhittag 'abc",
                "^ Syntax error in 'ed nt!poolhittag 'abc'",
                "kd> db nt!poolhittag L0",
                "^ Range error in 'db nt!poolhittag L0'",
                "kd> db nt!poolhittag 4",
                "^ Syntax error in 'db nt!poolhittag 4'",
                "kd> kb",
                "No break yet: kb shows the stack of the last hit (ed nt!poolhittag 'tag', then g)",
                "kd> g",
                "PoolHitTag is not set: ed nt!poolhittag 'tag' first",
                "kd> g 1234",
                "^ Extra character error in 'g 1234'",
                "kd> ed nt!poolhittag ' cbA'",
                "'Abc ' is the Linux tag Abc: g breaks on its allocations and frees",
                "kd> db nt!poolhittag L4",
                "nt!PoolHitTag  41 62 63 20                                      Abc "),
                session(t, "xyz", "!foo 1", "ed nt!poolhittag", "ed nt!poolhittag zz", "ed nt!foo 1",
                        "ed nt!poolhittag 123456789", "ed nt!poolhittag 'abc", "db nt!poolhittag L0",
                        "db nt!poolhittag 4", "kb", "g", "g 1234", "ed nt!poolhittag ' cbA'", "db nt!poolhittag L4"));
        assertEquals(List.of("arm Abc"), t.calls);
    }

    @Test
    void edWritesAnyValueAsWinDbgDoesAndNotesWhenNoLinuxTagHasItsName() {
        ScriptedTarget t = new ScriptedTarget();
        assertEquals(lines(
                "kd> ed nt!poolhittag 'dcba'",
                "'abcd' is the Linux tag abcd: g breaks on its allocations and frees",
                "kd> ed nt!poolhittag 0000ff41",
                "PoolHitTag 0000ff41 spells no tag name; g will not break until one is set",
                "kd> dc nt!poolhittag l1",
                "nt!PoolHitTag  0000ff41                             A...",
                "kd> g",
                "PoolHitTag 0000ff41 spells no tag name; g will not break until one is set",
                "kd> ed nt!poolhittag 'abcde'",
                "^ Syntax error in 'ed nt!poolhittag 'abcde'' (ed writes a DWORD: '...' holds 1 to 4 characters;"
                        + " \"...\" sets a Linux tag of any length)",
                "kd> ed nt!poolhittag \"" + ScriptedTarget.UNKNOWN_TAG + "\"",
                "no Linux tag is named 'no_such_tag'; g will not break until one is set",
                "kd> dd nt!poolhittag",
                "nt!PoolHitTag  735f6f6e 5f686375 ????????",
                "kd> g",
                "no Linux tag is named 'no_such_tag'; g will not break until one is set"),
                session(t, "ed nt!poolhittag 'dcba'", "ed nt!poolhittag 0000ff41", "dc nt!poolhittag l1", "g",
                        "ed nt!poolhittag 'abcde'", "ed nt!poolhittag \"" + ScriptedTarget.UNKNOWN_TAG + "\"",
                        "dd nt!poolhittag", "g"));
        // Each value that names nothing disarms: g must not break on the tag set before it.
        assertEquals(List.of("arm abcd", "disarm", "disarm"), t.calls);
    }

    @Test
    void settingTheDefaultValueBackDisarms() {
        ScriptedTarget t = new ScriptedTarget();
        session(t, "ed nt!poolhittag 'dcba'", "ed nt!poolhittag ffffff0f", "g");
        assertEquals(List.of("arm abcd", "disarm"), t.calls);
    }

    /** pipeTarget's first alloc_pipe_info break, as g shows it. */
    static final String PIPE_ALLOC_BREAK = lines(
            "Break instruction exception - code 80000003 (first chance)",
            "alloc: tag alloc_pipe_info, size 0x140, address " + MASK.of(PIPE_A) + ", pid 4242 (leaker), CPU 3,"
                    + " time 12345.678901234 s");
    /** pipeTarget's free break, as g shows it. */
    static final String PIPE_FREE_BREAK = lines(
            "Break instruction exception - code 80000003 (first chance)",
            "free: tag alloc_pipe_info, size 0x140, address " + MASK.of(PIPE_A) + ", pid 4242 (leaker), CPU 1,"
                    + " time 12346.000000500 s");
    /** !poolfind alloc_pipe_info on pipeTarget: its two outstanding blocks. */
    static final String PIPE_POOLFIND = lines(
            "kd> !poolfind alloc_pipe_info",
            "Searching NonPaged and Paged pools for tag alloc_pipe_info, outstanding since tracing began",
            "",
            MASK.of(PIPE_A) + " : tag alloc_pipe_info, size     0x140, Nonpaged pool, age 12.345 s, pid 4242 (leaker),"
                    + " stack ~3fa2c1d0",
            MASK.of(PIPE_B) + " : tag alloc_pipe_info, size     0x140, Nonpaged pool, age 2.500 s, pid 4242 (leaker),"
                    + " stack ~3fa2c1d0",
            "2 allocations, 0x280 (640) bytes");

    /**
     * A live kernel runs on while the console waits at the prompt: hits beyond what the target keeps are not kept.
     * g says how many since it last said so, once, and so does ending the arming; !poolfind prints the target's loss
     * as it is (that LiveKdTarget's loss leaves them out was checked live: see the commit and the session note).
     */
    @Test
    void gSaysHowManyHitsWereNotKeptOnceAndSoDoesEndingTheArming() {
        ScriptedTarget t = pipeTarget();
        StringWriter w = new StringWriter();
        PrintWriter out = new PrintWriter(w);
        KdConsole console = new KdConsole(t, out, MASK, KdConsole.BreakIn.NONE);
        KdRepl.script(console, List.of("ed nt!poolhittag \"alloc_pipe_info\"").iterator(), out);
        t.hitsNotKept = 300; // while the console sat at the prompt
        KdRepl.script(console, List.of("g", "!poolfind alloc_pipe_info", "g", "g").iterator(), out);
        t.hitsNotKept = 312; // after the last g: said when the arming ends
        KdRepl.script(console, List.of("ed nt!poolhittag 0").iterator(), out);
        String notKept = " hits were not kept: hits wait for g in a bounded queue while the kernel runs on; the ledger"
                + " counted them all, !poolfind is complete)";
        assertEquals(lines("kd> ed nt!poolhittag \"alloc_pipe_info\"", "kd> g") + PIPE_ALLOC_BREAK
                + lines("(300" + notKept) + PIPE_POOLFIND + lines("kd> g") + PIPE_FREE_BREAK + lines(
                "kd> g",
                "No more hits of alloc_pipe_info: the target has no more events",
                "kd> ed nt!poolhittag 0",
                "(12" + notKept), w.toString());
    }

    @Test
    void goStopsOnTheHitTagThenKbPoolfindAndPoolShowWhatTheTargetTracked() {
        ScriptedTarget t = pipeTarget();
        String out = session(t, "ed nt!poolhittag \"alloc_pipe_info\"", "g", "kb", "!poolfind alloc_pipe_info",
                "!pool ffff8a01`0a9e1d00", "!pool ffff8a010a9e2000", "g", "k 2", "g");
        assertEquals(lines("kd> ed nt!poolhittag \"alloc_pipe_info\"", "kd> g") + PIPE_ALLOC_BREAK + lines(
                "kd> kb",
                " # Call Site",
                "00 __kmalloc_cache_noprof+0x1a5 [kernel]",
                "01 alloc_pipe_info+0x4b [kernel]",
                "02 create_pipe_files+0x3c [kernel]",
                "03 do_pipe2+0x35 [kernel]",
                "04 __x64_sys_pipe2+0x18 [kernel]",
                "05 do_syscall_64+0x82 [kernel]",
                "06 entry_SYSCALL_64_after_hwframe+0x76 [kernel]") + PIPE_POOLFIND + lines(
                "kd> !pool ffff8a01`0a9e1d00",
                MASK.of(0xffff8a010a9e1d00L) + " is at offset +0x80 in:",
                MASK.of(PIPE_B) + " : tag alloc_pipe_info, size     0x140, Nonpaged pool, age 2.500 s, pid 4242 (leaker),"
                        + " stack ~3fa2c1d0",
                "kd> !pool ffff8a010a9e2000",
                MASK.of(0xffff8a010a9e2000L) + ": not a tracked allocation (only blocks allocated since tracing began are known)",
                "kd> g") + PIPE_FREE_BREAK + lines(
                "kd> k 2",
                " # Call Site",
                "00 kfree+0x7d [kernel]",
                "01 free_pipe_info+0x92 [kernel]",
                "kd> g",
                "No more hits of alloc_pipe_info: the target has no more events"), out);
        assertEquals(List.of("arm alloc_pipe_info", "go", "go", "go"), t.calls);
    }

    @Test
    void showAddressesPrintsThemInFull() {
        ScriptedTarget t = pipeTarget();
        String out = session(t, true, "!poolfind dentry 1");
        assertEquals(lines(
                "kd> !poolfind dentry 1",
                "Searching Paged pool for tag dentry, outstanding since tracing began",
                "",
                "ffff8a0112345600 : tag dentry, size      0xc0, Paged pool, age 1.000 s, pid 1 (systemd)",
                "1 allocation, 0xc0 (192) bytes"), out);
    }

    @Test
    void poolfindTakesWildcardsPoolTypesAndTagValuesAndShowsLoss() {
        ScriptedTarget t = pipeTarget();
        t.loss = new Loss(7, 2, 0, false);
        String out = session(t, "!poolfind * 0", "!poolfind 0x20636241", "!poolfind dentry 2", "!poolfind dentry 4",
                "!poolfind dentry 3", "!poolfind");
        assertEquals(lines(
                "kd> !poolfind * 0",
                "Searching NonPaged pool for tag *, outstanding since tracing began",
                "",
                MASK.of(PIPE_A) + " : tag alloc_pipe_info, size     0x140, Nonpaged pool, age 12.345 s, pid 4242 (leaker),"
                        + " stack ~3fa2c1d0",
                MASK.of(PIPE_B) + " : tag alloc_pipe_info, size     0x140, Nonpaged pool, age 2.500 s, pid 4242 (leaker),"
                        + " stack ~3fa2c1d0",
                "2 allocations, 0x280 (640) bytes",
                " Loss: 7 lost events, 2 unpaired frees, 0 skipped records, 0 evicted outstanding",
                "kd> !poolfind 0x20636241",
                "Searching NonPaged and Paged pools for tag Abc, outstanding since tracing began",
                "",
                "0 allocations, 0x0 (0) bytes",
                " Loss: 7 lost events, 2 unpaired frees, 0 skipped records, 0 evicted outstanding",
                "kd> !poolfind dentry 2",
                "PoolType 2 (special pool) is not on Linux: use 0 NonPaged, 1 Paged, or leave it out for both",
                "kd> !poolfind dentry 4",
                "PoolType 4 (session pool) is not on Linux: the kernel has no session pool",
                "kd> !poolfind dentry 3",
                "^ Range error in '!poolfind dentry 3'",
                "kd> !poolfind",
                "^ Syntax error in '!poolfind'"), out);
    }

    @Test
    void reloadPrintsTheTargetsCounts() {
        ScriptedTarget t = new ScriptedTarget();
        assertEquals(lines("kd> .reload", "Loaded 184523 kernel symbols, 63 modules",
                        "kd> .reload /f", "Loaded 184523 kernel symbols, 63 modules"),
                session(t, ".reload", ".reload /f"));
        t.symbols = new KdTarget.Symbols(122165, -1, true);
        assertEquals(lines("kd> .reload", "Loaded 122165 kernel symbols, no modules (kernel without loadable modules)"
                + " (addresses hidden by kptr_restrict: stacks cannot be symbolized; run as root)"), session(t, ".reload"));
    }

    @Test
    void helpListsEveryCommandWithAnExample() {
        String out = session(new ScriptedTarget(), "?");
        for (String cmd : List.of(".reload", "!poolused", "ed nt!poolhittag", "db nt!poolhittag", "dd nt!poolhittag",
                " g ", "kb", "!poolfind", "!pool Address", "? | help", "q | qq")) {
            assertTrue(out.contains(cmd), cmd + " missing from:\n" + out);
        }
        assertTrue(out.contains("default both, not WinDbg's 0"), "help says !poolfind's Linux default");
        assertEquals(session(new ScriptedTarget(), "help"), out.replace("kd> ?", "kd> help"));
    }

    @Test
    void qStopsTheScriptAndCommentsAreSkipped() {
        ScriptedTarget t = new ScriptedTarget();
        assertEquals(lines("kd> * the page's first step", "kd> .reload", "Loaded 184523 kernel symbols, 63 modules",
                "kd> q"), session(t, "* the page's first step", ".reload; q; .reload"));
    }

    @Test
    void semicolonsInsideQuotesDoNotSplitCommands() {
        assertEquals(List.of("ed nt!poolhittag ';ab;'", "db nt!poolhittag"),
                KdSyntax.splitCommands(" ed nt!poolhittag ';ab;' ;; db nt!poolhittag ;"));
        ScriptedTarget t = new ScriptedTarget();
        assertTrue(session(t, "ed nt!poolhittag ';ab;'; db nt!poolhittag").endsWith("3b 62 61 3b" + " ".repeat(38)
                + ";ba;\n"));
    }

    @Test
    void aScriptThatRanToItsEndExitsZeroWhateverSingleCommandsAnswered() {
        StringWriter w = new StringWriter();
        PrintWriter out = new PrintWriter(w);
        KdConsole c = new KdConsole(new ScriptedTarget(), out, MASK, KdConsole.BreakIn.NONE);
        assertEquals(0, KdRepl.script(c, List.of("db nt!poolhittag; .reload").iterator(), out));
        // As cdb: a command's error is printed where it happened and the script goes on.
        assertEquals(0, KdRepl.script(c, List.of("xyz; db nt!poolhittag").iterator(), out));
        assertTrue(w.toString().endsWith("kd> db nt!poolhittag\nnt!PoolHitTag  0f ff ff ff" + " ".repeat(38)
                + "....\n"), "went on after the error");
    }

    @Test
    void closeClosesTheTargetOnce() {
        ScriptedTarget t = new ScriptedTarget();
        KdConsole c = new KdConsole(t, new PrintWriter(new StringWriter()), MASK, KdConsole.BreakIn.NONE);
        c.close();
        c.close();
        assertEquals(1, t.closes);
        assertFalse(c.interrupt(), "nothing to interrupt outside g");
    }
}
