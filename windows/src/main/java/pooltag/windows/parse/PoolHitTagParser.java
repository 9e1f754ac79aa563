package pooltag.windows.parse;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import pooltag.core.snapshot.Loss;
import pooltag.core.snapshot.Pool;
import pooltag.core.tag.WinDbgTag;

/**
 * Reads a debugger transcript of a PoolHitTag session, or of conditional breakpoints on the allocator, into its
 * allocation and free events.
 *
 * <p>Tag breakpoints: {@code bp nt!ExAllocatePool2 ".if (@r8 == 0x6b61654c) {} .else {gc}"} (or {@code bp /w},
 * {@code j (...)}; on {@code ExAllocatePool2}, {@code ExAllocatePool3}, {@code ExAllocatePoolWithTag},
 * {@code ExAllocatePoolWithQuotaTag}, {@code ExFreePoolWithTag}, {@code ExFreePool2}) break with
 * {@code Breakpoint N hit} and the routine's symbol ({@code nt!ExAllocatePool2:}); the tag is decoded from the
 * constant breakpoint N's condition compares the tag register with ({@link BreakpointTag}), alloc or free from
 * the symbol. x64 addresses: {@code r rax} after {@code gu} (what the allocator returned), {@code r rcx} at a
 * free's break (the block passed in), or {@code !pool <address>}.
 *
 * <p>A break is the allocator's symbol line after {@code Break instruction exception - code 80000003}:
 * {@code nt!ExAllocatePoolWithTag+0x881:} is an allocation, {@code nt!ExFreePoolWithTag+0x649:} a free. The first
 * stack printed after a break ({@code k}, {@code kb}, {@code kv}, {@code kvn}, x86 or x64 layout) is that event's
 * stack. The block's address:
 * <ul>
 *   <li>a free: the first argument of the {@code ExFreePool*} frame ({@code kb}/{@code kv} on x86, where
 *       "Args to Child" are the real stack arguments);</li>
 *   <li>an allocation: the argument of a {@code !pool <addr>} typed after the break, or the {@code eax=}/{@code rax=}
 *       value printed by {@code r eax} once execution went on ({@code g}, {@code gu}, {@code p}) and so the
 *       allocator had returned; its size, pool type and tag from the {@code ExAllocatePool*} frame's arguments
 *       (x86), else from the {@code !pool} lines.</li>
 * </ul>
 * The tag is the frame's tag argument, else the value the transcript set with {@code ed nt!PoolHitTag}.
 */
public final class PoolHitTagParser {
    /** The command after a {@code kd>} prompt: group 1, stripped by the reader (no {@code (.*?)\\s*$}: quadratic). */
    private static final Pattern PROMPT = Pattern.compile("^\\s*(?:\\d+:\\s*)?kd>(.*)$");
    private static final Pattern SET_HIT_TAG = Pattern.compile("(?i)^ed\\s+nt!poolhittag\\s+(.+)$");
    private static final Pattern STACK_COMMAND = Pattern.compile("^k[bvpPnLcfdM]*(?:\\s.*)?$");
    private static final Pattern POOL_COMMAND = Pattern.compile("^!pool\\s+(\\S+).*");
    private static final Pattern REG_COMMAND = Pattern.compile("(?i)^r\\s+@?([er]ax|[er]cx)$");
    private static final Pattern RESUME_COMMAND = Pattern.compile("^(?:g|gu|p|pt|pc|t|tt|tc)(?:\\s.*)?$");
    /** {@code nt!ExAllocatePoolWithTag+0x881:} (a PoolHitTag break) or {@code nt!ExAllocatePool2:} (a bp on it). */
    static final Pattern BREAK_SYMBOL = Pattern.compile(
            "^\\s*(\\w+)!(Ex(?:Allocate|Free)Pool\\w*)(?:\\+0x[0-9a-fA-F]+)?:$");
    private static final Pattern BP_HIT = Pattern.compile("^\\s*Breakpoint (\\d+) hit$");
    private static final Pattern REG_VALUE = Pattern.compile("^\\s*([er]ax|[er]cx)=([0-9a-fA-F`]+)\\b.*");
    private static final Pattern POOL_PAGE = Pattern.compile("^\\s*Pool page \\S+ region is (\\S+) pool.*", Pattern.CASE_INSENSITIVE);
    private static final Pattern POOL_BLOCK = Pattern.compile(
            "^\\s*\\*?([0-9a-fA-F`]+)\\s+size:\\s*([0-9a-fA-F]+)\\s+previous size:\\s*[0-9a-fA-F]+\\s+\\(Allocated\\).*");

    /** A {@code bp}/{@code bu} on an allocate or free routine printed without a {@code kd>} prompt. */
    static boolean isBareBreakpoint(String l) {
        String lower = l.stripLeading().toLowerCase(Locale.ROOT);
        return (lower.startsWith("bp ") || lower.startsWith("bu ") || (lower.length() > 2
                && (lower.startsWith("bp") || lower.startsWith("bu")) && Character.isDigit(lower.charAt(2))))
                && (lower.contains("!exallocatepool") || lower.contains("!exfreepool"));
    }

    private static int parseId(String digits) {
        return digits.length() > 9 ? Integer.MAX_VALUE : Integer.parseInt(digits);
    }

    private PoolHitTagParser() {
    }

    public static Transcript parse(CaptureText text) {
        return text.read(() -> parseLines(text));
    }

    private static Transcript parseLines(CaptureText text) {
        return new Run(text).parse();
    }

    /** One frame of a {@code k}-family listing. */
    record Frame(String callSite, List<Long> args, boolean wide) {
        /** The function part of {@code module!Function+0xoff}, or the whole call site when it has no module. */
        String function() {
            int bang = callSite.indexOf('!');
            String f = bang < 0 ? callSite : callSite.substring(bang + 1);
            int plus = f.indexOf('+');
            return plus < 0 ? f : f.substring(0, plus);
        }
    }

    /** A break being assembled from the lines after it, until the next pool break or the end. */
    private static final class Pending {
        final HitEvent.Kind kind;
        final int line;
        /** 0 until the transcript shows it. */
        long address;
        /** 0 until the allocator's arguments or {@code !pool} show it. */
        long bytes;
        String tag;
        Pool pool;
        /** The first stack listed after the break; null until then. */
        List<String> frames;
        /** Execution went on since the break, so an allocation's eax/rax now holds what the allocator returned. */
        boolean resumed;
        /** An {@code r rax} (or {@code r rcx} at a free) was typed: the next such register line answers it. */
        boolean wantRegister;
        /** The tag came from the breakpoint's condition: the frame arguments do not override it. */
        boolean tagFromBreakpoint;

        Pending(HitEvent.Kind kind, int line) {
            this.kind = kind;
            this.line = line;
        }
    }

    private static final class Run {
        final CaptureText text;
        final List<HitEvent> events = new ArrayList<>();
        String hitTag;
        /** Breakpoint id to the tag its condition tests (null value: a pool breakpoint without one). */
        final java.util.Map<Integer, String> breakpointTags = new java.util.HashMap<>();
        /** Set by "Breakpoint N hit": the next allocator symbol line is that breakpoint's break. */
        boolean breakpointHit;
        String breakpointTag;
        Pending current;
        boolean inStack;
        boolean argsColumns;
        boolean numbered;
        List<Frame> stack;
        /** The line of the {@code k} command whose listing is being read. */
        int stackLine;
        long unkeyed;

        Run(CaptureText text) {
            this.text = text;
        }

        Transcript parse() {
            for (int n = 1; n <= text.lineCount(); n++) {
                String l = text.line(n);
                if (CaptureText.isComment(l)) {
                    continue;
                }
                if (l.isBlank()) {
                    endStack();
                    continue;
                }
                Matcher prompt = PROMPT.matcher(l);
                if (prompt.matches()) {
                    endStack();
                    command(n, prompt.group(1).strip());
                    continue;
                }
                if (isBareBreakpoint(l)) {
                    // Posts and notes print the breakpoint they typed without the prompt before it.
                    endStack();
                    breakpointCommand(l.strip());
                    continue;
                }
                Matcher hit = BP_HIT.matcher(l);
                if (hit.matches()) {
                    endStack();
                    breakpointHit = true;
                    breakpointTag = breakpointTags.get(parseId(hit.group(1)));
                    continue;
                }
                Matcher brk = BREAK_SYMBOL.matcher(l);
                if (brk.matches()) {
                    endStack();
                    finish();
                    current = new Pending(brk.group(2).startsWith("ExAllocatePool") ? HitEvent.Kind.ALLOC
                            : HitEvent.Kind.FREE, n);
                    if (breakpointHit && breakpointTag != null) {
                        current.tag = breakpointTag;
                        current.tagFromBreakpoint = true;
                    }
                    breakpointHit = false;
                    breakpointTag = null;
                    continue;
                }
                if (inStack) {
                    if (l.contains("RetAddr") || l.contains("Call Site")) {
                        argsColumns = l.contains("Args to Child");
                        numbered = l.stripLeading().startsWith("#");
                        continue;
                    }
                    Frame f = frame(l);
                    if (f != null) {
                        stack.add(f);
                        continue;
                    }
                    if (l.stripLeading().startsWith("WARNING:")) {
                        // "Stack unwind information not available. Following frames may be wrong.": frames follow.
                        continue;
                    }
                    endStack();
                }
                if (current == null) {
                    continue;
                }
                Matcher reg = REG_VALUE.matcher(l);
                if (reg.matches() && current.wantRegister && current.address == 0) {
                    boolean returned = reg.group(1).endsWith("ax") && current.resumed
                            && current.kind == HitEvent.Kind.ALLOC;
                    // x64: the block being freed is the first argument, rcx, until the free runs.
                    boolean freed = reg.group(1).equals("rcx") && !current.resumed && current.kind == HitEvent.Kind.FREE;
                    if (returned || freed) {
                        current.address = Hex.parse(reg.group(2));
                        current.wantRegister = false;
                        continue;
                    }
                }
                Matcher page = POOL_PAGE.matcher(l);
                if (page.matches() && current.pool == null) {
                    current.pool = page.group(1).toLowerCase(Locale.ROOT).startsWith("paged") ? Pool.PAGED : Pool.NONPAGED;
                    continue;
                }
                Matcher block = POOL_BLOCK.matcher(l);
                if (block.matches() && current.kind == HitEvent.Kind.ALLOC && current.bytes == 0) {
                    current.bytes = Hex.parse(block.group(2));
                }
            }
            endStack();
            finish();
            return new Transcript(events, new Loss(0, 0, unkeyed, false));
        }

        void command(int n, String cmd) {
            if (breakpointCommand(cmd)) {
                return;
            }
            Matcher set = SET_HIT_TAG.matcher(cmd);
            if (set.matches()) {
                hitTag = hitTagValue(n, set.group(1).strip());
                return;
            }
            if (STACK_COMMAND.matcher(cmd).matches()) {
                inStack = true;
                stackLine = n;
                argsColumns = false;
                numbered = cmd.contains("n");
                stack = new ArrayList<>();
                return;
            }
            if (current == null) {
                return;
            }
            Matcher pool = POOL_COMMAND.matcher(cmd);
            if (pool.matches() && current.kind == HitEvent.Kind.ALLOC && current.address == 0 && Hex.isHex(pool.group(1))) {
                current.address = Hex.parse(pool.group(1));
                return;
            }
            if (REG_COMMAND.matcher(cmd).matches()) {
                current.wantRegister = true;
                return;
            }
            if (RESUME_COMMAND.matcher(cmd).matches()) {
                current.resumed = true;
            }
        }

        /**
         * {@code bp}/{@code bu} on an allocator or free routine (the id is the next free one unless typed:
         * {@code bp3}), and {@code bc} clearing them. True when the command was one of these.
         */
        boolean breakpointCommand(String cmd) {
            String lower = cmd.toLowerCase(Locale.ROOT);
            if (lower.startsWith("bc")) {
                String arg = lower.substring(2).strip();
                if (arg.equals("*")) {
                    breakpointTags.clear();
                } else {
                    for (String id : arg.split(" ")) {
                        if (!id.isEmpty() && id.length() < 9 && id.chars().allMatch(Character::isDigit)) {
                            breakpointTags.remove(parseId(id));
                        }
                    }
                }
                return true;
            }
            if (!(lower.startsWith("bp") || lower.startsWith("bu"))
                    || !(lower.contains("!exallocatepool") || lower.contains("!exfreepool"))) {
                return false;
            }
            int i = 2;
            while (i < lower.length() && i < 10 && Character.isDigit(lower.charAt(i))) {
                i++;
            }
            int id = i > 2 ? parseId(lower.substring(2, i)) : nextBreakpointId();
            breakpointTags.put(id, BreakpointTag.decode(cmd));
            return true;
        }

        int nextBreakpointId() {
            int id = 0;
            while (breakpointTags.containsKey(id)) {
                id++;
            }
            return id;
        }

        String hitTagValue(int n, String arg) {
            try {
                long v;
                if (arg.length() >= 2 && arg.startsWith("'") && arg.endsWith("'")) {
                    v = WinDbgTag.charConstantValue(arg.substring(1, arg.length() - 1));
                } else {
                    v = Hex.parse(arg);
                }
                v &= 0xffff_ffffL;
                return v == 0 ? null : WinDbgTag.tagOf(v).stripTrailing();
            } catch (IllegalArgumentException e) {
                throw text.error(n, "cannot read the PoolHitTag value " + arg + ": " + e.getMessage());
            }
        }

        /** Parses one frame line, or returns null when the line is not one (the listing ended). */
        Frame frame(String l) {
            String[] t = l.strip().split("\\s+");
            int i = 0;
            if (numbered && t.length > 1 && t[0].length() <= 4 && Hex.isHex(t[0])) {
                i++;
            }
            List<Long> values = new ArrayList<>();
            List<Long> colonArgs = new ArrayList<>();
            int colons = 0;
            boolean wide = false;
            for (; i < t.length; i++) {
                if (t[i].equals(":")) {
                    colons++;
                    continue;
                }
                String h = t[i].replace("`", "");
                if (h.length() >= 8 && !h.startsWith("0x") && Hex.isHex(h)) {
                    long v = Hex.parse(h);
                    wide |= h.length() > 8;
                    values.add(v);
                    if (colons == 1) {
                        colonArgs.add(v);
                    }
                    continue;
                }
                break;
            }
            boolean inline = values.isEmpty() && i + 2 < t.length && t[i].equals("(Inline")
                    && t[i + 1].equals("Function)") && t[i + 2].startsWith("--------");
            if (inline) {
                // "(Inline Function) --------`--------  Driver!Wrapper+0x26 [file @ line]": no frame address of its
                // own; its call site is still where the code is.
                i += 3;
            }
            if (i >= t.length || (values.isEmpty() && !inline)) {
                return null;
            }
            String site = t[i];
            // C++ sites may hold a space ("Fx!FxObject::operator new+0x2a"); the source "[file @ line]" ends them.
            while (i + 1 < t.length && !t[i + 1].startsWith("[") && site.endsWith("::operator")) {
                site = site + " " + t[++i];
            }
            List<Long> args;
            if (colons > 0) {
                args = colonArgs;
            } else if (argsColumns && values.size() > 2) {
                args = values.subList(2, values.size());
            } else {
                args = List.of();
            }
            return new Frame(site, List.copyOf(args), wide);
        }

        void endStack() {
            if (inStack && current == null && !stack.isEmpty()) {
                breakFromStack();
            }
            if (inStack && current != null && current.frames == null && !stack.isEmpty()) {
                current.frames = stack.stream().map(Frame::callSite).toList();
                applyArguments(stack);
            }
            inStack = false;
        }

        /**
         * A {@code k} listing with no "Breakpoint N hit" or break symbol before it, whose frame 00 is an allocate or
         * free routine: the transcript shows the break only through its stack (a post that kept the {@code bp} and
         * the {@code k}). It is one break of that routine; its tag is the one a breakpoint on that routine tests when
         * exactly one distinct tag is tested, else the PoolHitTag value, else none.
         */
        void breakFromStack() {
            String fn = stack.get(0).function();
            boolean alloc = fn.startsWith("ExAllocatePool");
            if (!alloc && !fn.startsWith("ExFreePool")) {
                return;
            }
            current = new Pending(alloc ? HitEvent.Kind.ALLOC : HitEvent.Kind.FREE, stackLine);
            String tag = null;
            for (String t : breakpointTags.values()) {
                if (t != null && (tag == null || tag.equals(t))) {
                    tag = t;
                } else if (t != null) {
                    tag = null;
                    break;
                }
            }
            if (tag != null) {
                current.tag = tag;
                current.tagFromBreakpoint = true;
            }
        }

        /** x86 "Args to Child" are the stack arguments; x64 shows home space there, which is not reliable. */
        void applyArguments(List<Frame> frames) {
            for (Frame f : frames) {
                String fn = f.function();
                if (f.wide() || f.args().isEmpty()) {
                    continue;
                }
                List<Long> a = f.args();
                if (current.kind == HitEvent.Kind.ALLOC && fn.startsWith("ExAllocatePool") && a.size() >= 2) {
                    String conditionTag = current.tagFromBreakpoint ? current.tag : null;
                    boolean flagsApi = fn.equals("ExAllocatePool2") || fn.equals("ExAllocatePool3");
                    long type = a.get(0);
                    current.pool = flagsApi ? ((type & 0x100) != 0 ? Pool.PAGED : Pool.NONPAGED)
                            : ((type & 1) != 0 ? Pool.PAGED : Pool.NONPAGED);
                    current.bytes = a.get(1);
                    if (a.size() >= 3 && a.get(2) != 0 && conditionTag == null) {
                        current.tag = WinDbgTag.tagOf(a.get(2)).stripTrailing();
                    }
                    return;
                }
                if (current.kind == HitEvent.Kind.FREE && fn.startsWith("ExFreePool")) {
                    current.address = a.get(0);
                    if (a.size() >= 2 && fn.contains("WithTag") && a.get(1) != 0 && !current.tagFromBreakpoint) {
                        current.tag = WinDbgTag.tagOf(a.get(1)).stripTrailing();
                    }
                    return;
                }
            }
        }

        void finish() {
            if (current == null) {
                return;
            }
            Pending p = current;
            current = null;
            if (p.address == 0) {
                unkeyed++;
            }
            String tag = p.tag != null ? p.tag : hitTag != null ? hitTag : "";
            events.add(new HitEvent(p.kind, p.address, p.kind == HitEvent.Kind.ALLOC ? p.bytes : 0, tag, p.pool,
                    p.frames == null ? List.of() : p.frames, p.line));
        }
    }
}
