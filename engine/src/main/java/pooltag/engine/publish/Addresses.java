package pooltag.engine.publish;

import java.security.SecureRandom;

/**
 * Kernel addresses are a KASLR leak: by default a block prints as {@code @} and 8 hex digits of a keyed hash (a new
 * random key each run), enough to tell blocks apart and to match the same block across lines of one report, useless
 * for locating the kernel. Raw addresses only with {@code --show-addresses}, and only for root.
 */
public final class Addresses {
    private static final long KEY = new SecureRandom().nextLong() | 1;

    private final boolean raw;

    private Addresses(boolean raw) {
        this.raw = raw;
    }

    public static Addresses masked() {
        return new Addresses(false);
    }

    /**
     * @param showRequested the user asked for raw addresses
     * @throws pooltag.core.error.PooltagException when asked by a user other than root
     */
    public static Addresses forUser(boolean showRequested) {
        if (showRequested && !isRoot()) {
            throw new pooltag.core.error.PooltagException("--show-addresses prints raw kernel addresses (a KASLR leak):"
                    + " only root may ask for them");
        }
        return new Addresses(showRequested);
    }

    static boolean isRoot() {
        try {
            return java.nio.file.Files.readString(java.nio.file.Path.of("/proc/self/status")).lines()
                    .filter(l -> l.startsWith("Uid:")).findFirst()
                    .map(l -> l.split("\\s+")[2].equals("0")).orElse(false);
        } catch (java.io.IOException e) {
            return false;
        }
    }

    public boolean raw() {
        return raw;
    }

    public String of(long address) {
        if (raw) {
            return String.format("%016x", address);
        }
        long h = (address ^ KEY) * 0x9E3779B97F4A7C15L;
        h ^= h >>> 29;
        return String.format("@%08x", (int) (h >>> 32));
    }
}
