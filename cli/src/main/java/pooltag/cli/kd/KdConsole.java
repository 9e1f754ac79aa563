package pooltag.cli.kd;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

import pooltag.cli.render.LossLine;
import pooltag.cli.render.PoolUsedTable;
import pooltag.core.error.PooltagException;
import pooltag.core.snapshot.Loss;
import pooltag.core.snapshot.Pool;
import pooltag.core.snapshot.PoolUsedQuery;
import pooltag.core.tag.TagPattern;
import pooltag.core.tag.WinDbgTag;
import pooltag.engine.hit.Break;
import pooltag.engine.kd.KdTarget;
import pooltag.engine.kd.UnknownTagException;
import pooltag.engine.publish.AddressPolicy;

/**
 * The commands of the WinDbg page, run one at a time against a {@link KdTarget}: the console's state is
 * {@code nt!PoolHitTag} and the last break. Front ends (the JLine prompt, {@code -c}, standard input) split lines
 * at {@code ;} with {@link KdSyntax#splitCommands} and hand each command to {@link #execute}.
 *
 * <p>Every failure prints exactly one line and leaves the console usable. Output and errors go to the same
 * writer, in order, as in kd's command window and log.
 *
 * <p>Threads: one thread calls {@link #execute}; {@link #interrupt} may be called from any thread (a Ctrl-C
 * handler) and only affects a running {@code g}.
 */
public final class KdConsole implements AutoCloseable {
    /** What {@link #execute} did. */
    public enum Result {
        OK, FAILED, QUIT
    }

    /**
     * Routes the user's break-in key to a running {@code g}: {@code arm} installs {@code onBreakIn} as the Ctrl-C
     * handler and returns what restores the previous one. Called once per {@code g}.
     */
    @FunctionalInterface
    public interface BreakIn {
        BreakIn NONE = onBreakIn -> () -> { };

        Runnable arm(Runnable onBreakIn);
    }

    /** One command of the help: its syntax and a line of description with an example. */
    record Help(String name, String syntax, String text) {
    }

    static final List<Help> HELP = List.of(
            new Help(".reload", ".reload", "reread kernel symbols and modules: .reload"),
            new Help("!poolused", "!poolused [Flags [TagString]]",
                    "usage per tag, as pooltag poolused: !poolused 4 (sort by Paged), !poolused 2 kmalloc-*"),
            new Help("ed", "ed nt!poolhittag Value",
                    "set the hit tag: ed nt!poolhittag ' cbA' (tag 'Abc '), ed nt!poolhittag \"dentry\", ed nt!poolhittag 0 (clear)"),
            new Help("db", "db nt!poolhittag [L<n>]", "show PoolHitTag as bytes: db nt!poolhittag L4"),
            new Help("dd", "dd nt!poolhittag [L<n>]", "show PoolHitTag as DWORDs: dd nt!poolhittag"),
            new Help("dc", "dc nt!poolhittag [L<n>]", "show PoolHitTag as DWORDs and characters: dc nt!PoolHitTag l1"),
            new Help("g", "g", "run to the next alloc or free of the hit tag; Ctrl-C breaks back to the prompt: g"),
            new Help("kb", "kb | k | kv [Frames]", "stack of the last hit (no arguments or frame pointers on Linux): kb"),
            new Help("!poolfind", "!poolfind TagString [PoolType]",
                    "outstanding allocations of a tag since tracing began: !poolfind dentry 1"
                            + " (PoolType 0 NonPaged, 1 Paged; default both, not WinDbg's 0)"),
            new Help("!pool", "!pool Address", "the tracked allocation holding an address: !pool ffff8a01`0a9e0010"),
            new Help("?", "? | help", "this list: ?"),
            new Help("q", "q | qq", "quit (Ctrl-D too), removing every trigger the console armed: q"));

    /** Every command word the console takes, for completion. */
    static final List<String> COMMANDS = List.of(".reload", "!poolused", "ed", "db", "dd", "dc", "g", "k", "kb", "kv",
            "kn", "kbn", "kvn", "!poolfind", "!pool", "?", "help", "q", "qq");

    /** Mask of a kernel address: only the offset in its 4 KiB page, which says nothing of the KASLR base. */

    private final KdTarget target;
    private final PrintWriter out;
    private final AddressPolicy addresses;
    private final BreakIn breakIn;
    private PoolHitTag hitTag = PoolHitTag.initial();
    /** True when the target breaks on {@code hitTag}'s name: set by a successful arm, cleared by any other ed. */
    private boolean armed;
    private Break lastBreak;
    /** {@link KdTarget#hitsNotKept()} as last said after a {@code g}. */
    private long hitsNotKeptSaid;
    /** True while {@code g} waits in the target: an interrupt then cancels it. */
    private volatile boolean going;
    private volatile boolean cancelled;
    private boolean closed;

    /**
     * @param addresses how kernel addresses print ({@link AddressPolicy#forUser}: masked unless root asked)
     */
    public KdConsole(KdTarget target, PrintWriter out, AddressPolicy addresses, BreakIn breakIn) {
        this.target = target;
        this.out = out;
        this.addresses = addresses;
        this.breakIn = breakIn;
    }

    /** Runs one command (no {@code ;}). Never throws for a bad command or a target error: it prints one line. */
    public Result execute(String command) {
        String cmd = command.strip();
        try {
            return dispatch(cmd);
        } catch (KdError | PooltagException | IllegalArgumentException e) {
            out.println(e.getMessage());
            return Result.FAILED;
        } catch (RuntimeException e) {
            // A bug, not the user's mistake; still one line, and the console goes on.
            out.println("Error: " + e);
            return Result.FAILED;
        } finally {
            out.flush();
        }
    }

    /**
     * The break-in key: cancels a running {@code g}, which returns to the prompt.
     *
     * @return true when a {@code g} was running
     */
    public boolean interrupt() {
        if (going) {
            cancelled = true;
            return true;
        }
        return false;
    }

    /** Closes the target (removing every trigger); later calls do nothing. */
    @Override
    public void close() {
        if (!closed) {
            closed = true;
            target.close();
        }
    }

    private Result dispatch(String cmd) {
        if (cmd.isEmpty() || cmd.startsWith("*")) {
            return Result.OK; // kd's comment command
        }
        List<KdSyntax.Token> t = KdSyntax.tokens(cmd);
        String word = t.get(0).quote() == 0 ? t.get(0).text().toLowerCase(Locale.ROOT) : "";
        switch (word) {
            case "q", "qq" -> {
                noArguments(cmd, t);
                return Result.QUIT;
            }
            case "?", "help", ".help" -> {
                if (t.size() > 1) {
                    throw new KdError("^ Syntax error in '" + cmd + "' (expressions are not evaluated; ? alone lists the commands)");
                }
                help();
            }
            case ".reload" -> reload(cmd, t);
            case "!poolused" -> poolused(cmd, t);
            case "ed" -> ed(cmd, t);
            case "db", "dd", "dc" -> dump(cmd, t, word);
            case "g" -> {
                noArguments(cmd, t);
                go();
            }
            case "k", "kb", "kv", "kn", "kbn", "kvn" -> stack(cmd, t);
            case "!poolfind" -> poolfind(cmd, t);
            case "!pool" -> pool(cmd, t);
            default -> {
                if (word.startsWith("!")) {
                    throw new KdError("No export " + word.substring(1) + " found");
                }
                throw KdError.syntax(cmd);
            }
        }
        return Result.OK;
    }

    private static void noArguments(String cmd, List<KdSyntax.Token> t) {
        if (t.size() > 1) {
            throw KdError.extra(cmd);
        }
    }

    private void help() {
        out.println("Commands, as on the WinDbg page (several on one line: separate them with ;):");
        int w = 0;
        for (Help h : HELP) {
            w = Math.max(w, h.syntax().length());
        }
        for (Help h : HELP) {
            out.printf(" %-" + w + "s  %s%n", h.syntax(), h.text());
        }
        out.println("Tags: a Linux tag is a slab cache (dentry), an allocating function (alloc_pipe_info) or kind:name;"
                + " NonPaged = unreclaimable, Paged = reclaimable.");
        out.println("Addresses print masked (@ and a keyed hash) unless pooltag kd --show-addresses runs as root.");
    }

    private void reload(String cmd, List<KdSyntax.Token> t) {
        for (int i = 1; i < t.size(); i++) {
            // kd's /f forces an immediate load; every .reload here rereads at once, so it changes nothing.
            if (!t.get(i).text().equalsIgnoreCase("/f")) {
                throw KdError.syntax(cmd);
            }
        }
        KdTarget.Symbols s = target.reload();
        out.printf("Loaded %d kernel symbols, %s%s%n", s.symbols(),
                s.modules() < 0 ? "no modules (kernel without loadable modules)" : s.modules() + " modules",
                s.addressesHidden()
                ? " (addresses hidden by kptr_restrict: stacks cannot be symbolized; run as root)" : "");
    }

    private void poolused(String cmd, List<KdSyntax.Token> t) {
        if (t.size() > 3) {
            throw KdError.extra(cmd);
        }
        PoolUsedQuery q = PoolUsedQuery.parse(t.size() > 1 ? t.get(1).text() : null, t.size() > 2 ? t.get(2).text() : null);
        // a vmalloc caller without a symbol is named by its address: masked as pooltag poolused masks it
        PoolUsedTable.print(out, q.apply(addresses.names(target.usage())));
    }

    private void ed(String cmd, List<KdSyntax.Token> t) {
        if (t.size() < 2) {
            throw KdError.syntax(cmd);
        }
        requirePoolHitTag(cmd, t.get(1));
        if (t.size() < 3) {
            // kd would prompt for values; a console line must carry one.
            throw KdError.syntax(cmd);
        }
        if (t.size() > 3) {
            throw KdError.extra(cmd);
        }
        KdSyntax.Token v = t.get(2);
        PoolHitTag next;
        try {
            next = switch (v.quote()) {
                case '\'' -> {
                    if (v.text().isEmpty() || v.text().length() > 4) {
                        throw new KdError("^ Syntax error in '" + cmd + "' (ed writes a DWORD: '...' holds 1 to 4"
                                + " characters; \"...\" sets a Linux tag of any length)");
                    }
                    yield PoolHitTag.ofDword(WinDbgTag.charConstantValue(v.text()));
                }
                case '"' -> PoolHitTag.ofLinuxTag(v.text());
                default -> {
                    long n;
                    try {
                        n = KdSyntax.number(v.text());
                    } catch (NumberFormatException e) {
                        throw KdError.unresolved(cmd.substring(v.start()));
                    }
                    if (n >>> 32 != 0) {
                        throw KdError.range(cmd);
                    }
                    yield PoolHitTag.ofDword(n);
                }
            };
        } catch (IllegalArgumentException e) {
            throw new KdError("PoolHitTag not changed: " + e.getMessage());
        }
        // As WinDbg: memory takes the value whatever it is. Whether a Linux tag carries that name is the
        // target's answer, given as a note; a value that names nothing disarms, so g never breaks on a stale tag.
        sayHitsNotKept(); // of the arming this ends: its queue goes with it
        hitTag = next;
        armed = false;
        if (next.name() == null) {
            target.disarmHit();
            if (!next.isClear()) {
                out.println(noNameNote(next));
            }
            return;
        }
        String mergeNote;
        try {
            mergeNote = target.armHit(next.name());
            armed = true;
        } catch (UnknownTagException e) {
            target.disarmHit();
            out.println(noTagNote(next));
            return;
        } catch (PooltagException | IllegalArgumentException e) {
            // The name may be fine; the target cannot break at all (no tracing): its reason, in one line.
            target.disarmHit();
            out.println("PoolHitTag is " + next.shown() + "; g cannot break: " + e.getMessage());
            return;
        }
        if (v.quote() != '"') {
            out.println(next.shown() + " is the Linux tag " + addresses.names(next.name())
                    + ": g breaks on its allocations and frees");
        }
        if (!mergeNote.isEmpty()) {
            out.println("Note: " + mergeNote);
        }
    }

    private static String noNameNote(PoolHitTag tag) {
        return "PoolHitTag " + tag.shown() + " spells no tag name; g will not break until one is set";
    }

    private static String noTagNote(PoolHitTag tag) {
        return "no Linux tag is named '" + tag.name() + "'; g will not break until one is set";
    }

    private static void requirePoolHitTag(String cmd, KdSyntax.Token symbol) {
        if (symbol.quote() != 0 || !KdSyntax.isPoolHitTag(symbol.text())) {
            throw KdError.unresolved(cmd.substring(symbol.start()));
        }
    }

    private void dump(String cmd, List<KdSyntax.Token> t, String word) {
        boolean bytes = word.equals("db");
        if (t.size() < 2) {
            throw KdError.syntax(cmd);
        }
        requirePoolHitTag(cmd, t.get(1));
        if (t.size() > 3) {
            throw KdError.extra(cmd);
        }
        byte[] memory = hitTag.bytes();
        int count = bytes ? memory.length : (memory.length + 3) / 4;
        if (t.size() == 3) {
            String len = t.get(2).text();
            if (t.get(2).quote() != 0 || len.length() < 2 || Character.toLowerCase(len.charAt(0)) != 'l') {
                throw KdError.syntax(cmd);
            }
            // L?n lifts kd's size limit; ours is the same either way.
            String digits = len.charAt(1) == '?' ? len.substring(2) : len.substring(1);
            long n;
            try {
                n = KdSyntax.number(digits);
            } catch (NumberFormatException e) {
                throw KdError.syntax(cmd);
            }
            // 0x1000 units: well past the variable, enough to see the ?? that follow it; more is surely a typo.
            if (n == 0 || n > 0x1000) {
                throw KdError.range(cmd);
            }
            count = (int) n;
        }
        List<String> lines = switch (word) {
            case "db" -> MemoryDump.bytes(memory, count);
            case "dc" -> MemoryDump.dwordsAndChars(memory, count);
            default -> MemoryDump.dwords(memory, count);
        };
        for (String line : lines) {
            out.println(line);
        }
    }

    private void go() {
        if (!armed) {
            if (hitTag.isClear()) {
                throw new KdError("PoolHitTag is not set: ed nt!poolhittag 'tag' first");
            }
            throw new KdError(hitTag.name() == null ? noNameNote(hitTag) : noTagNote(hitTag));
        }
        cancelled = false;
        Optional<Break> hit;
        // going before the handler is armed: a Ctrl-C that arrives as soon as it is armed must not be lost.
        going = true;
        Runnable restore = breakIn.arm(this::interrupt);
        try {
            hit = target.go(() -> cancelled);
        } finally {
            going = false;
            restore.run();
        }
        if (hit.isEmpty()) {
            String name = addresses.names(hitTag.name());
            out.println(cancelled ? "Break-in (Ctrl-C): no hit of " + name + " yet"
                    : "No more hits of " + name + ": the target has no more events");
            cancelled = false;
            sayHitsNotKept();
            return;
        }
        Break b = hit.get();
        lastBreak = b;
        out.println("Break instruction exception - code 80000003 (first chance)");
        StringBuilder sb = new StringBuilder();
        sb.append(b.kind().label()).append(": tag ").append(addresses.names(b.tag()))
                .append(", size ").append(b.size() > 0 ? "0x" + Long.toHexString(b.size()) : "?");
        if (b.address() != 0) {
            sb.append(", address ").append(address(b.address()));
        }
        sb.append(", pid ").append(b.pid()).append(b.comm().isEmpty() ? "" : " (" + b.comm() + ")")
                .append(", CPU ").append(b.cpu()).append(", time ").append(seconds9(b.timeNanos())).append(" s");
        out.println(sb);
        sayHitsNotKept();
    }

    /** After a {@code g} and before a new arming: hits the target could not keep since last said (none: nothing). */
    private void sayHitsNotKept() {
        long notKept = target.hitsNotKept();
        if (notKept > hitsNotKeptSaid) {
            long n = notKept - hitsNotKeptSaid;
            out.println("(" + n + (n == 1 ? " hit was" : " hits were") + " not kept: hits wait for g in a"
                    + " bounded queue while the kernel runs on; the ledger counted them all, !poolfind is complete)");
            hitsNotKeptSaid = notKept;
        }
    }

    private void stack(String cmd, List<KdSyntax.Token> t) {
        if (t.size() > 2) {
            throw KdError.extra(cmd);
        }
        int max = Integer.MAX_VALUE;
        if (t.size() == 2) {
            try {
                max = (int) Math.min(Integer.MAX_VALUE, KdSyntax.number(t.get(1).text()));
            } catch (NumberFormatException e) {
                throw KdError.unresolved(cmd.substring(t.get(1).start()));
            }
        }
        if (lastBreak == null) {
            throw new KdError("No break yet: " + t.get(0).text()
                    + " shows the stack of the last hit (ed nt!poolhittag 'tag', then g)");
        }
        out.println(" # Call Site");
        List<String> frames = lastBreak.frames();
        if (frames.isEmpty()) {
            out.println("(this hit carried no stack)");
        }
        for (int i = 0; i < frames.size() && i < max; i++) {
            out.printf("%02x %s%n", i, frames.get(i));
        }
    }

    private void poolfind(String cmd, List<KdSyntax.Token> t) {
        if (t.size() < 2) {
            throw KdError.syntax(cmd);
        }
        if (t.size() > 3) {
            throw KdError.extra(cmd);
        }
        String tag = t.get(1).text();
        if (t.get(1).quote() == 0 && tag.toLowerCase(Locale.ROOT).startsWith("0x")) {
            // WinDbg's 0xTagValue: a DWORD whose memory bytes spell the tag; Linux tags carry no padding.
            long v;
            try {
                v = KdSyntax.number(tag);
            } catch (NumberFormatException e) {
                throw KdError.unresolved(cmd.substring(t.get(1).start()));
            }
            if (v >>> 32 != 0) {
                throw KdError.range(cmd);
            }
            tag = WinDbgTag.tagOf(v).replaceAll("[ \\x00]+$", "");
            if (tag.isEmpty()) {
                throw KdError.range(cmd);
            }
        }
        Pool pool = null;
        if (t.size() == 3) {
            long type;
            try {
                type = KdSyntax.number(t.get(2).text());
            } catch (NumberFormatException e) {
                throw KdError.unresolved(cmd.substring(t.get(2).start()));
            }
            pool = switch ((int) Math.min(type, 99)) {
                case 0 -> Pool.NONPAGED;
                case 1 -> Pool.PAGED;
                case 2 -> throw new KdError("PoolType 2 (special pool) is not on Linux: use 0 NonPaged, 1 Paged,"
                        + " or leave it out for both");
                case 4 -> throw new KdError("PoolType 4 (session pool) is not on Linux: the kernel has no session pool");
                default -> throw KdError.range(cmd);
            };
        }
        KdTarget.Found found = target.poolfind(TagPattern.of(tag), pool);
        out.printf("Searching %s for tag %s, outstanding since tracing began%n",
                pool == null ? "NonPaged and Paged pools" : pool == Pool.NONPAGED ? "NonPaged pool" : "Paged pool", tag);
        out.println();
        List<KdTarget.Allocation> rows = new ArrayList<>(found.allocations());
        rows.sort(Comparator.comparingLong(KdTarget.Allocation::ageNanos).reversed()
                .thenComparing(KdTarget.Allocation::address, Long::compareUnsigned));
        long bytes = 0;
        for (KdTarget.Allocation a : rows) {
            out.println(row(a));
            bytes += a.size();
        }
        out.printf("%d allocation%s, 0x%x (%d) bytes%n", rows.size(), rows.size() == 1 ? "" : "s", bytes, bytes);
        if (!found.loss().none()) {
            out.println(LossLine.of(found.loss()));
        }
    }

    private void pool(String cmd, List<KdSyntax.Token> t) {
        if (t.size() < 2) {
            throw KdError.syntax(cmd);
        }
        if (t.size() > 2) {
            throw KdError.extra(cmd);
        }
        long addr;
        try {
            addr = KdSyntax.number(t.get(1).text());
        } catch (NumberFormatException e) {
            throw KdError.unresolved(cmd.substring(t.get(1).start()));
        }
        Optional<KdTarget.Allocation> a = target.pool(addr);
        if (a.isEmpty()) {
            out.println(address(addr) + ": not a tracked allocation (only blocks allocated since tracing began are known)");
            return;
        }
        out.printf("%s is at offset +0x%x in:%n", address(addr), addr - a.get().address());
        out.println(row(a.get()));
    }

    /** WinDbg's new {@code !poolfind} row, then what Linux adds: age, task, stack tag. */
    private String row(KdTarget.Allocation a) {
        StringBuilder sb = new StringBuilder();
        sb.append(address(a.address())).append(" : tag ").append(addresses.names(a.tag()))
                .append(String.format(", size %9s, ", "0x" + Long.toHexString(a.size())))
                .append(a.pool() == Pool.NONPAGED ? "Nonpaged" : "Paged").append(" pool")
                .append(String.format(Locale.ROOT, ", age %.3f s", a.ageNanos() / 1e9))
                .append(", pid ").append(a.pid()).append(a.comm().isEmpty() ? "" : " (" + a.comm() + ")");
        if (!a.stackTag().isEmpty()) {
            sb.append(", stack ").append(a.stackTag());
        }
        return sb.toString();
    }

    /** A kernel address as the policy prints it. */
    String address(long a) {
        return addresses.of(a);
    }

    private static String seconds9(long nanos) {
        return Long.toUnsignedString(Long.divideUnsigned(nanos, 1_000_000_000L)) + "."
                + String.format("%09d", Long.remainderUnsigned(nanos, 1_000_000_000L));
    }
}
