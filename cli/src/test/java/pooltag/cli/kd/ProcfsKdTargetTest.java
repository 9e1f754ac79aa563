package pooltag.cli.kd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import pooltag.engine.publish.AddressPolicy;
import pooltag.cli.render.PoolUsedTable;
import pooltag.core.error.PooltagException;
import pooltag.core.snapshot.PoolUsedQuery;
import pooltag.core.tag.TagPattern;
import pooltag.linux.procfs.ProcfsSource;
import pooltag.engine.kd.KdTarget;
import pooltag.engine.kd.ProcfsKdTarget;

/** The procfs-only live target over a small tree in a temporary folder. */
class ProcfsKdTargetTest {
    @TempDir
    Path root;

    private void write(String path, String text) throws Exception {
        Path p = root.resolve(path);
        Files.createDirectories(p.getParent());
        Files.writeString(p, text);
    }

    private void tree(boolean hiddenAddresses, boolean modules) throws Exception {
        String a = hiddenAddresses ? "0000000000000000" : "ffffffff81000000";
        write("proc/kallsyms", a + " T _stext\n" + a + " T alloc_pipe_info\n" + a + " t xfs_init\t[xfs]\n");
        if (modules) {
            write("proc/modules", "xfs 2265088 1 - Live 0x0000000000000000\nlibcrc32c 12288 1 xfs, Live 0x0000000000000000\n");
        }
        write("proc/sys/kernel/osrelease", "6.18.44-test\n");
        write("proc/slabinfo", String.join("\n",
                "slabinfo - version: 2.1",
                "# name            <active_objs> <num_objs> <objsize> <objperslab> <pagesperslab> : tunables <limit>"
                        + " <batchcount> <sharedfactor> : slabdata <active_slabs> <num_slabs> <sharedavail>",
                "dentry             63841  64008    192   21    1 : tunables    0    0    0 : slabdata   3048   3048      0",
                "kmalloc-64          1613   1664     64   64    1 : tunables    0    0    0 : slabdata     26     26      0",
                ""));
    }

    @Test
    void reloadCountsKallsymsAndModules() throws Exception {
        tree(false, true);
        assertEquals(new KdTarget.Symbols(3, 2, false), new ProcfsKdTarget(root, false).reload());
    }

    @Test
    void zeroAddressesMeanKptrRestrictAndNoModulesFileMeansNoModules() throws Exception {
        tree(true, false);
        assertEquals(new KdTarget.Symbols(3, -1, true), new ProcfsKdTarget(root, false).reload());
    }

    @Test
    void missingKallsymsIsOneActionableError() throws Exception {
        PooltagException e = assertThrows(PooltagException.class, () -> new ProcfsKdTarget(root, false).reload());
        assertTrue(e.getMessage().startsWith("cannot read " + root.resolve("proc/kallsyms") + ": no such file"),
                e.getMessage());
    }

    @Test
    void poolusedFourInTheConsoleIsPooltagPoolusedsTableOfTheSameTree() throws Exception {
        tree(false, true);
        StringWriter expected = new StringWriter();
        PoolUsedTable.print(new PrintWriter(expected), PoolUsedQuery.parse("4", null).apply(
                new ProcfsSource(root, false).take()));
        StringWriter w = new StringWriter();
        KdConsole c = new KdConsole(new ProcfsKdTarget(root, false), new PrintWriter(w), AddressPolicy.masked(), KdConsole.BreakIn.NONE);
        assertEquals(KdConsole.Result.OK, c.execute("!poolused 4"));
        assertEquals(expected.toString(), w.toString());
        // No /sys/kernel/slab in this tree (as on SLAB kernels): every cache counts as NonPaged.
        assertTrue(w.toString().contains("\n dentry         63841     12257472          0            0\t"), w.toString());
    }

    @Test
    void withoutTracingTheTracingCommandsGiveTheReasonInOneLineEach() throws Exception {
        tree(false, true);
        String reason = "cannot create tracefs instance /sys/kernel/tracing/instances/pooltag-1: Permission denied"
                + " (pooltag needs root)";
        ProcfsKdTarget t = new ProcfsKdTarget(root, false, reason);
        assertEquals("live Linux kernel 6.18.44-test, procfs only (kmem tracing not available: " + reason + ")",
                t.describe());
        assertThrows(PooltagException.class, () -> t.armHit("dentry"));
        assertThrows(PooltagException.class, () -> t.go(() -> true));
        assertThrows(PooltagException.class, () -> t.poolfind(TagPattern.of("dentry"), null));
        assertThrows(PooltagException.class, () -> t.pool(0xffff8a0112345600L));
        StringWriter w = new StringWriter();
        KdConsole c = new KdConsole(t, new PrintWriter(w), AddressPolicy.masked(), KdConsole.BreakIn.NONE);
        for (String cmd : List.of("ed nt!poolhittag \"dentry\"", "!poolfind dentry", "!pool ffff8a0112345600",
                "ed nt!poolhittag 0")) {
            c.execute(cmd);
        }
        String line = "kmem tracing is not available (" + reason + "): ed nt!poolhittag, g, !poolfind and !pool"
                + " need it; !poolused and .reload work";
        assertEquals(line, t.noTracing());
        assertEquals(String.join("\n", "PoolHitTag is 'dentry'; g cannot break: " + line, line, line, ""), w.toString());
        t.close();
        t.close();
    }
}
