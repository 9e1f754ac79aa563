package pooltag.cli.kd;

import pooltag.engine.publish.AddressPolicy;
import pooltag.engine.hit.Break;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.jline.terminal.Size;
import org.jline.terminal.Terminal;
import org.jline.terminal.TerminalBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import pooltag.engine.kd.ScriptedTarget;

/** Ctrl-C during {@code g} returns to the prompt: the target sees its cancel supplier turn true. */
class KdBreakInTest {
    @Test
    @Timeout(value = 20, unit = TimeUnit.SECONDS)
    void interruptCancelsARunningGoAndTheConsoleGoesOn() throws Exception {
        ScriptedTarget t = new ScriptedTarget();
        t.waitWhenNoHits = true;
        StringWriter w = new StringWriter();
        KdConsole c = new KdConsole(t, new PrintWriter(w), AddressPolicy.masked(), KdConsole.BreakIn.NONE);
        c.execute("ed nt!poolhittag \"dentry\"");
        CompletableFuture<KdConsole.Result> g = CompletableFuture.supplyAsync(() -> c.execute("g"));
        assertTrue(t.inGo.await(10, TimeUnit.SECONDS), "g reached the target");
        assertTrue(c.interrupt(), "a g was running");
        assertEquals(KdConsole.Result.OK, g.get(10, TimeUnit.SECONDS));
        assertEquals(KdConsole.Result.OK, c.execute("dd nt!poolhittag"));
        assertEquals("Break-in (Ctrl-C): no hit of dentry yet\nnt!PoolHitTag  746e6564 ????????\n", w.toString());
    }

    @Test
    @Timeout(value = 20, unit = TimeUnit.SECONDS)
    void ctrlCOnTheTerminalBreaksGoAndTheHandlerIsRestoredAfterwards() throws Exception {
        ScriptedTarget t = new ScriptedTarget();
        t.waitWhenNoHits = true;
        try (Terminal terminal = TerminalBuilder.builder().system(false).provider("exec")
                .streams(new ByteArrayInputStream(new byte[0]), new ByteArrayOutputStream()).type("dumb")
                .size(new Size(80, 24)).build()) {
            Terminal.SignalHandler before = terminal.handle(Terminal.Signal.INT, Terminal.SignalHandler.SIG_IGN);
            terminal.handle(Terminal.Signal.INT, before);
            StringWriter w = new StringWriter();
            KdConsole c = new KdConsole(t, new PrintWriter(w), AddressPolicy.masked(), KdRepl.terminalBreakIn(terminal));
            c.execute("ed nt!poolhittag ' cbA'");
            CompletableFuture<KdConsole.Result> g = CompletableFuture.supplyAsync(() -> c.execute("g"));
            assertTrue(t.inGo.await(10, TimeUnit.SECONDS));
            terminal.raise(Terminal.Signal.INT);
            assertEquals(KdConsole.Result.OK, g.get(10, TimeUnit.SECONDS));
            assertEquals("'Abc ' is the Linux tag Abc: g breaks on its allocations and frees\n"
                    + "Break-in (Ctrl-C): no hit of Abc yet\n", w.toString());
            // Outside g, Ctrl-C is no longer routed to the console.
            assertEquals(before, terminal.handle(Terminal.Signal.INT, before));
        }
        assertEquals(List.of("arm Abc", "go"), t.calls);
    }
}
