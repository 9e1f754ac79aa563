package pooltag.engine.kd;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Optional;
import java.util.function.BooleanSupplier;

import pooltag.core.error.PooltagException;
import pooltag.core.snapshot.Pool;
import pooltag.core.snapshot.UsageSnapshot;
import pooltag.core.tag.TagPattern;
import pooltag.engine.hit.Break;
import pooltag.linux.procfs.ProcfsSource;

/**
 * The live kernel seen through procfs only: {@code .reload} counts {@code /proc/kallsyms} and
 * {@code /proc/modules}, {@code !poolused} reads {@link ProcfsSource}. The traced live target
 * ({@link LiveKdTarget}) answers those two through this class; on its own, this is what {@code pooltag kd} falls
 * back to when kmem tracing cannot start (not root, no tracefs): then everything that needs tracing
 * ({@code ed} arming a hit, {@code g}, {@code !poolfind}, {@code !pool}) fails with one line giving the reason.
 *
 * <p>The root directory is configurable so tests can read a captured tree.
 */
public final class ProcfsKdTarget implements KdTarget {
    private final Path root;
    private final ProcfsSource usage;
    /** Why kmem tracing is not available, in the words of the error that stopped it. */
    private final String noTracingReason;

    /** A procfs reader for a traced target (its tracing commands are never called). */
    public ProcfsKdTarget(Path root, boolean withVmalloc) {
        this(root, withVmalloc, "this target reads procfs only");
    }

    /** @param noTracingReason why kmem tracing could not start, e.g. the tracefs error message */
    public ProcfsKdTarget(Path root, boolean withVmalloc, String noTracingReason) {
        this.root = root;
        this.usage = new ProcfsSource(root, withVmalloc);
        this.noTracingReason = noTracingReason;
    }

    /** The one line every tracing command prints on this target. */
    public String noTracing() {
        return "kmem tracing is not available (" + noTracingReason + "): ed nt!poolhittag, g, !poolfind and !pool"
                + " need it; !poolused and .reload work";
    }

    @Override
    public String describe() {
        String release;
        try {
            release = Files.readString(root.resolve("proc/sys/kernel/osrelease"), StandardCharsets.US_ASCII).strip();
        } catch (IOException e) {
            release = "(release unknown)";
        }
        return "live Linux kernel " + release + ", procfs only (kmem tracing not available: " + noTracingReason + ")";
    }

    @Override
    public Symbols reload() {
        Path kallsyms = root.resolve("proc/kallsyms");
        long symbols = 0;
        boolean anyAddress = false;
        try (BufferedReader r = Files.newBufferedReader(kallsyms, StandardCharsets.ISO_8859_1)) {
            // Lines are "<hex address> <type> <name>[\t[module]]"; with kptr_restrict every address reads 0.
            for (String line = r.readLine(); line != null; line = r.readLine()) {
                if (line.isEmpty()) {
                    continue;
                }
                symbols++;
                if (!anyAddress) {
                    int sp = line.indexOf(' ');
                    for (int i = 0; i < (sp < 0 ? line.length() : sp); i++) {
                        if (line.charAt(i) != '0') {
                            anyAddress = true;
                            break;
                        }
                    }
                }
            }
        } catch (IOException e) {
            throw fileError(kallsyms, e);
        }
        Path modules = root.resolve("proc/modules");
        int mods;
        try (var lines = Files.lines(modules, StandardCharsets.ISO_8859_1)) {
            mods = (int) lines.filter(l -> !l.isBlank()).count();
        } catch (NoSuchFileException e) {
            mods = -1; // a kernel built without loadable modules (CONFIG_MODULES=n) has no /proc/modules
        } catch (IOException e) {
            throw fileError(modules, e);
        } catch (java.io.UncheckedIOException e) {
            throw fileError(modules, e.getCause());
        }
        return new Symbols(symbols, mods, symbols > 0 && !anyAddress);
    }

    @Override
    public UsageSnapshot usage() {
        return usage.take();
    }

    @Override
    public String armHit(String linuxTag) {
        throw new PooltagException(noTracing());
    }

    /** Nothing can be armed on this target, so there is nothing to remove. */
    @Override
    public void disarmHit() {
    }

    @Override
    public Optional<Break> go(BooleanSupplier cancelled) {
        throw new PooltagException(noTracing());
    }

    @Override
    public Found poolfind(TagPattern tag, Pool pool) {
        throw new PooltagException(noTracing());
    }

    @Override
    public Optional<Allocation> pool(long address) {
        throw new PooltagException(noTracing());
    }

    /** Procfs reads hold nothing open between commands; nothing to release. */
    @Override
    public void close() {
    }

    private static PooltagException fileError(Path p, IOException e) {
        if (e instanceof AccessDeniedException) {
            return new PooltagException("cannot read " + p + ": permission denied; run pooltag as root", e);
        }
        if (e instanceof NoSuchFileException) {
            return new PooltagException("cannot read " + p + ": no such file (is /proc mounted?)", e);
        }
        return new PooltagException("cannot read " + p + ": " + e.getMessage(), e);
    }
}
