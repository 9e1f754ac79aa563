package pooltag.engine.publish;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

import pooltag.core.error.PooltagException;
import pooltag.core.ledger.Ledger;
import pooltag.core.snapshot.TagUsage;
import pooltag.core.snapshot.UsageSnapshot;

/**
 * The one address policy of every door ({@code report}, {@code hunt}, {@code hit}, {@code find}, {@code kd},
 * {@code poolused}, {@code mon}, {@code diff}, {@code trend}, the web page, the exporter). Kernel addresses are a
 * KASLR leak, so:
 * <ul>
 *   <li>a block prints as {@code @} and 8 hex digits of a keyed hash (a new random key each run): enough to tell
 *       blocks apart and to match the same block across lines of one run, useless for locating the kernel;</li>
 *   <li>a call site the kernel symbols cannot name is tagged by its raw address ({@code 0xffffffff817bd0e4}), and
 *       that name prints as {@code site@} and the same keyed hash ({@link #names}); the ledger keeps the raw name,
 *       so a tag typed as the address still finds it; a vmalloc caller {@code /proc/vmallocinfo} prints as a bare
 *       address (a module since unloaded, a BPF program: no kallsyms name) is tagged {@code vmalloc:0xffff...} and
 *       prints as {@code vmalloc:site@} and the hash the same way, every row of a usage table passing through
 *       {@link #names(UsageSnapshot)};</li>
 *   <li>raw addresses ({@code %016x}) only with {@code --show-addresses}, and only for root: anyone else asking gets
 *       one line and exit 2 ({@link #forUser}), whatever the command;</li>
 *   <li>text a server serves (metrics labels, web JSON) is scrubbed of address-like hex runs ({@link #scrub}),
 *       whatever the policy: a server never serves an address.</li>
 * </ul>
 */
public final class AddressPolicy {
    private static final long RUN_KEY = new SecureRandom().nextLong() | 1;
    /**
     * Treated as an address in served text: a {@code 0x} with 8 or more hex digits, or a bare hex run of 12 or more
     * digits (a 64-bit kernel pointer prints 16). {@code /proc/vmallocinfo} prints a raw {@code 0xffff...} when a
     * caller has no symbol and {@code phys=0x...} on some lines; those reach tag strings through the vmalloc rows.
     * Not masked: cache-name numbers ({@code kmalloc-8192}), offsets in stack frames ({@code pipe_write+0x1a4/0x4c0})
     * and stack tags, whose id is an 8-digit hash ({@code ~3fa2c1d0}), not an address.
     */
    private static final Pattern ADDRESS = Pattern.compile("(?i)0x[0-9a-f]{8,}|(?<![0-9a-z])[0-9a-f]{12,}");

    /**
     * A 64-bit kernel address as the kernel prints one: {@code 0x} and 8 or more hex digits, or 16 bare hex digits
     * starting {@code ffff} (the kernel half of the address space on x86-64 and arm64). Narrower than
     * {@link #ADDRESS}: it masks error messages, which echo what a user typed (a long number, a tag of a's), and
     * only a kernel address must go from those.
     */
    private static final Pattern KERNEL_ADDRESS = Pattern.compile(
            "(?i)0x[0-9a-f]{8,}|(?<![0-9a-z])ffff[0-9a-f]{12}(?![0-9a-z])");

    /** What {@link #scrub} puts where an address was. */
    public static final String SCRUBBED = "<addr>";

    private final boolean raw;
    private final long key;

    private AddressPolicy(boolean raw, long key) {
        this.raw = raw;
        this.key = key;
    }

    /** Masked, with this run's key. */
    public static AddressPolicy masked() {
        return new AddressPolicy(false, RUN_KEY);
    }

    /** Masked with a fixed key: for reproducible transcripts in tests only. */
    public static AddressPolicy maskedWithKey(long key) {
        return new AddressPolicy(false, key | 1);
    }

    /** Raw addresses, without the root check: for tests and for callers that made the check. */
    public static AddressPolicy raw() {
        return new AddressPolicy(true, 0);
    }

    /**
     * The policy for a user who did or did not ask for raw addresses.
     *
     * @throws PooltagException (exit 2) when someone other than root asks
     */
    public static AddressPolicy forUser(boolean showRequested) {
        if (showRequested && !isRoot()) {
            throw new PooltagException("--show-addresses prints raw kernel addresses (a KASLR leak): only root may"
                    + " ask for them");
        }
        return showRequested ? raw() : masked();
    }

    /** True when this process runs with effective user id 0 ({@code /proc/self/status}). */
    public static boolean isRoot() {
        try {
            return Files.readString(Path.of("/proc/self/status")).lines()
                    .filter(l -> l.startsWith("Uid:")).findFirst()
                    .map(l -> l.split("\\s+")[2].equals("0")).orElse(false);
        } catch (IOException e) {
            return false;
        }
    }

    public boolean showsRaw() {
        return raw;
    }

    /** The address as this policy prints it: 16 hex digits, or {@code @} and 8 hex digits of the keyed hash. */
    public String of(long address) {
        if (raw) {
            return String.format("%016x", address);
        }
        long h = (address ^ key) * 0x9E3779B97F4A7C15L;
        h ^= h >>> 29;
        return String.format("@%08x", (int) (h >>> 32));
    }

    /**
     * A tag name, a {@code tag@cgroup} label or a line of text naming tags, as this policy prints it. A call site the
     * kernel symbols cannot name is tagged {@code 0x} and its address (core's {@code EventTagger}), so every kernel
     * address in the text ({@link #KERNEL_ADDRESS}) is masked: a {@code 0x} one as {@code site@} and the keyed hash
     * of {@link #of} (one site reads the same on every line of a run), a bare 16-digit one as {@link #of} prints a
     * block. Other hex (a container id in a cgroup path, {@code +0x1a4} in a frame) is no kernel address and stays.
     * Raw: the text as it is.
     */
    public String names(String text) {
        if (raw || text == null || text.length() < 10) {
            return text;
        }
        return KERNEL_ADDRESS.matcher(text).replaceAll(m -> {
            String a = m.group();
            boolean site = a.charAt(1) == 'x' || a.charAt(1) == 'X';
            long address = new BigInteger(site ? a.substring(2) : a, 16).longValue();
            return site ? "site" + of(address) : of(address);
        });
    }

    /**
     * The snapshot as this policy prints it: every row's tag and description through {@link #names(String)}, so a
     * vmalloc caller or a call site named by its address reads {@code vmalloc:site@} / {@code site@} and the keyed
     * hash, one hash per address for the whole run (two such callers stay two rows; a series of snapshots keeps one
     * name per caller). Counts, pools, source and loss are unchanged. Raw: the same snapshot.
     */
    public UsageSnapshot names(UsageSnapshot snapshot) {
        if (raw) {
            return snapshot;
        }
        List<TagUsage> rows = new ArrayList<>(snapshot.rows().size());
        for (TagUsage u : snapshot.rows()) {
            rows.add(new TagUsage(names(u.tag()), u.kind(), u.pool(), u.allocs(), u.frees(), u.live(), u.bytes(),
                    names(u.description()), u.liveSlack()));
        }
        return new UsageSnapshot(snapshot.takenAtNanos(), snapshot.source(), rows, snapshot.loss());
    }

    /** The text with every address-like hex run replaced by {@link #SCRUBBED}; the same string when there is none. */
    public static String scrub(String s) {
        if (s == null || s.length() < 8) {
            return s;
        }
        return ADDRESS.matcher(s).replaceAll(SCRUBBED);
    }

    /**
     * An error message a server serves, with every kernel address in it replaced by {@link #SCRUBBED}
     * ({@link #KERNEL_ADDRESS}): other hex runs are the user's own input, echoed as typed.
     */
    public static String scrubMessage(String s) {
        return s == null ? null : KERNEL_ADDRESS.matcher(s).replaceAll(SCRUBBED);
    }

    /**
     * A ledger label with only its tag scrubbed: {@code tag@cgroup} (a pair: {@code cgroup,cache} or
     * {@code cgroup,site}) keeps its cgroup path as it is (a container id is 64 hex digits, not an address); a label
     * without the separator is a tag, scrubbed whole. The separator is the first {@link Ledger#PAIR_SEPARATOR}: a
     * tag never holds one, a cgroup path may ({@code user@1000.service}).
     */
    public static String scrubPairTag(String label) {
        if (label == null) {
            return null;
        }
        int at = label.indexOf(Ledger.PAIR_SEPARATOR);
        return at < 0 ? scrub(label) : scrub(label.substring(0, at)) + label.substring(at);
    }
}
