package pooltag.cli.commands;

import pooltag.engine.testkit.Live;
import pooltag.engine.publish.AddressPolicy;
import pooltag.engine.hit.Break;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import picocli.CommandLine;
import pooltag.cli.Main;
import pooltag.cli.kd.KdConsole;
import pooltag.engine.kd.KdTarget;
import pooltag.engine.kd.ScriptedTarget;
import pooltag.core.snapshot.Loss;
import pooltag.core.snapshot.Pool;
import pooltag.core.snapshot.TagUsage;
import pooltag.core.snapshot.UsageSnapshot;
import pooltag.core.tag.TagKind;

/** {@code pooltag kd} as a command: -c and standard-input scripts, exit codes, closing the target. */
class KdCommandTest {
    /** Distinctive (prime) counts so that totals cannot match by accident. */
    static final UsageSnapshot SNAPSHOT = new UsageSnapshot(0, "test", List.of(
            new TagUsage("dentry", TagKind.CACHE, Pool.PAGED, -1, -1, 63841, 12257471, "slab cache, 192 B objects"),
            new TagUsage("kmalloc-64", TagKind.CACHE, Pool.NONPAGED, -1, -1, 1613, 103232, "slab cache, 64 B objects"),
            new TagUsage("Abc", TagKind.POOL, Pool.PAGED, -1, -1, 36407, 33930277, ""),
            new TagUsage("vmalloc:alloc_large_system_hash", TagKind.VMALLOC, Pool.NONPAGED, -1, -1, 11, 4194311,
                    "vmalloc areas")), Loss.NONE);

    record Out(int exit, String out, String err) {
    }

    static Out kd(ScriptedTarget target, String stdin, String... args) {
        KdCommand cmd = new KdCommand();
        cmd.target = target;
        cmd.scriptBreakIn = KdConsole.BreakIn.NONE;
        cmd.stdin = new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8));
        cmd.stdinIsTerminal = () -> false;
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = new CommandLine(cmd);
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int rc = cl.execute(args);
        return new Out(rc, out.toString(), err.toString());
    }

    @Test
    void dashCRunsTheCommandsEchoedAsKdsLogThenClosesTheTarget() {
        ScriptedTarget t = new ScriptedTarget();
        Out r = kd(t, "", "-c", "ed nt!poolhittag ' cbA'; db nt!poolhittag L4; ed nt!poolhittag 0; db nt!poolhittag L4");
        assertEquals(0, r.exit(), r.err());
        assertEquals(String.join("\n",
                "kd> ed nt!poolhittag ' cbA'",
                "'Abc ' is the Linux tag Abc: g breaks on its allocations and frees",
                "kd> db nt!poolhittag L4",
                "nt!PoolHitTag  41 62 63 20                                      Abc ",
                "kd> ed nt!poolhittag 0",
                "kd> db nt!poolhittag L4",
                "nt!PoolHitTag  00 00 00 00                                      ....", ""), r.out());
        assertEquals(List.of("arm Abc", "disarm", "close"), t.calls);
    }

    @Test
    void standardInputThatIsNotATerminalIsAScriptAndEndOfInputCloses() {
        ScriptedTarget t = new ScriptedTarget();
        Out r = kd(t, "ed nt!poolhittag \"alloc_pipe_info\"\n\ndd nt!poolhittag L1; kb\n");
        assertEquals(0, r.exit(), "the script ran to its end: kb's error is printed, not the exit status");
        assertEquals(String.join("\n",
                "kd> ed nt!poolhittag \"alloc_pipe_info\"",
                "kd> dd nt!poolhittag L1",
                "nt!PoolHitTag  6f6c6c61",
                "kd> kb",
                "No break yet: kb shows the stack of the last hit (ed nt!poolhittag 'tag', then g)", ""), r.out());
        assertEquals(1, t.closes);
        assertEquals(List.of("arm alloc_pipe_info", "close"), t.calls);
    }

    @Test
    void qEndsTheSessionAndClosesTheTargetOnce() {
        ScriptedTarget t = new ScriptedTarget();
        Out r = kd(t, ".reload\nq\n.reload\n");
        assertEquals(0, r.exit());
        assertEquals("kd> .reload\nLoaded 184523 kernel symbols, 63 modules\nkd> q\n", r.out());
        assertEquals(List.of("reload", "close"), t.calls);
    }

    @Test
    void poolusedInTheConsolePrintsExactlyWhatPooltagPoolusedPrints() {
        ScriptedTarget t = new ScriptedTarget();
        t.usage = SNAPSHOT;
        for (String[] args : List.of(new String[] {"4"}, new String[] {"2", "*a*"}, new String[] {"1"},
                new String[] {})) {
            PoolUsedCommand poolused = new PoolUsedCommand();
            poolused.source = () -> SNAPSHOT;
            StringWriter expected = new StringWriter();
            CommandLine cl = new CommandLine(poolused.commandSpec());
            cl.setOut(new PrintWriter(expected, true));
            assertEquals(0, cl.execute(args));
            String command = ("!poolused " + String.join(" ", args)).strip();
            Out r = kd(t, "", "-c", command);
            assertEquals("kd> " + command + "\n" + expected, r.out(), command);
        }
    }

    @Test
    void showAddressesPrintsFullAddressesOnlyForRoot() {
        ScriptedTarget t = new ScriptedTarget();
        t.outstanding.add(new KdTarget.Allocation("dentry", 0xffff8a0112345600L, 0xc0, Pool.PAGED, 1_000_000_000L,
                1, "systemd", ""));
        Out masked = kd(t, "", "-c", "!poolfind dentry");
        assertTrue(masked.out().matches("(?s).*\n@[0-9a-f]{8} : tag dentry, size      0xc0, Paged pool.*"), masked.out());
        if (!AddressPolicy.isRoot()) {
            CliRun refused = CliRun.of("kd", "--show-addresses", "-c", "!poolfind dentry");
            assertEquals(2, refused.exit());
            assertEquals("pooltag: --show-addresses prints raw kernel addresses (a KASLR leak): only root may ask for"
                    + " them\n", refused.err());
            return;
        }
        Out full = kd(t, "", "--show-addresses", "-c", "!poolfind dentry");
        assertTrue(full.out().contains("\nffff8a0112345600 : tag dentry, size      0xc0, Paged pool"), full.out());
    }

    @Test
    void aRecordingThatCannotBeReadIsOneErrorLineAndExitTwo() {
        CliRun r = CliRun.of("kd", "--recording", "/nonexistent/x.ptrec", "-c", "g");
        assertEquals(2, r.exit());
        assertEquals(1, r.err().lines().count(), r.err());
        assertTrue(r.err().startsWith("pooltag: --recording /nonexistent/x.ptrec: cannot read /nonexistent/x.ptrec"),
                r.err());
    }

    @Test
    void kdIsASubcommandWithHelp() {
        CliRun r = CliRun.of("kd", "--help");
        assertEquals(0, r.exit());
        assertTrue(r.out().contains("ed nt!poolhittag ' cbA'"), r.out());
        assertTrue(Main.commandLine().getSubcommands().containsKey("kd"));
    }

    /**
     * The live kernel, traced: .reload counts /proc/kallsyms, !poolused reads slabinfo, and with dentry armed while
     * this test creates and deletes files, g breaks with a stack and !poolfind lists dentries allocated since the
     * console started, with the loss line.
     */
    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void liveKernelTraced() throws Exception {
        pooltag.linux.tracefs.Tracefs fs = pooltag.engine.testkit.Live.tracefsOrSkip();
        Path tmp = Files.createTempDirectory("kd-dentry");
        java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
        Thread churn = new Thread(() -> {
            // Each new name is a dentry allocation; deleting it frees one (later, through RCU).
            for (long i = 0; !stop.get(); i++) {
                try {
                    Path f = tmp.resolve("f" + (i % 997));
                    Files.deleteIfExists(f);
                    Files.writeString(f, "x");
                    Thread.sleep(1);
                } catch (Exception e) {
                    return;
                }
            }
        }, "dentry-churn");
        churn.start();
        CliRun r;
        try {
            r = CliRun.of("kd", "-c", ".reload; !poolused 4 dentry; ed nt!poolhittag \"dentry\"; g; kb;"
                    + " !poolfind dentry; ed nt!poolhittag 0");
        } finally {
            stop.set(true);
            churn.join();
        }
        assertEquals(0, r.exit(), r.out() + r.err());
        List<String> lines = r.out().lines().toList();
        assertEquals("kd> .reload", lines.get(0));
        Matcher m = Pattern.compile("Loaded (\\d+) kernel symbols, .*").matcher(lines.get(1));
        assertTrue(m.matches(), lines.get(1));
        assertTrue(Long.parseLong(m.group(1)) > 1000, "a real kernel has many symbols");
        assertTrue(r.out().contains("\n Sorting by Paged Pool Consumed\n"), r.out());
        assertTrue(r.out().lines().anyMatch(l -> l.startsWith(" dentry ")), r.out());
        int g = lines.indexOf("kd> g");
        assertEquals("Break instruction exception - code 80000003 (first chance)", lines.get(g + 1), r.out());
        assertTrue(lines.get(g + 2).matches("(alloc|free): tag dentry, size .*, pid \\d+.*, CPU \\d+, time .* s"),
                lines.get(g + 2));
        assertTrue(r.out().contains("\n # Call Site\n00 "), "kb prints the hit's frames: " + r.out());
        int pf = lines.indexOf("kd> !poolfind dentry");
        assertEquals("Searching NonPaged and Paged pools for tag dentry, outstanding since tracing began",
                lines.get(pf + 1));
        assertTrue(r.out().lines().anyMatch(l -> l.matches("\\d+ allocations?, 0x[0-9a-f]+ \\(\\d+\\) bytes")), r.out());
        assertTrue(r.out().contains("\n Loss: "), "the ledger's loss is printed: " + r.out());
        assertFalse(Files.exists(pooltag.engine.testkit.Live.ownInstance(fs)), "the instance is gone after the script");
        try (var s = Files.list(tmp)) {
            for (Path p : s.toList()) {
                Files.delete(p);
            }
        }
        Files.delete(tmp);
    }
}
