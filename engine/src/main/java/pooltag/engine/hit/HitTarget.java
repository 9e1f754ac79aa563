package pooltag.engine.hit;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import pooltag.core.error.PooltagException;
import pooltag.core.tag.KmallocName;
import pooltag.core.tag.TagKind;
import pooltag.linux.kmem.TraceConfig;
import pooltag.linux.recording.HitTag;
import pooltag.linux.symbols.KernelSymbols;

/**
 * A hit tag typed by the user, resolved once: what it names (cache or site), the name the ledger keeps it under
 * (slabinfo's spelling for kmalloc classes: {@code kmalloc-1024} is kept as {@code kmalloc-1k}), and the trace
 * configuration that gives only its events a kernel stack.
 */
public record HitTarget(String tag, TagKind kind, String ledgerName, TraceConfig config) {
    public static HitTarget resolve(String tag, KernelSymbols symbols, TraceConfig base) {
        String slabinfo;
        try {
            slabinfo = Files.readString(Path.of("/proc/slabinfo"));
        } catch (IOException e) {
            throw new PooltagException("cannot read /proc/slabinfo to resolve the tag '" + tag + "': " + e.getMessage()
                    + " (run as root)", e);
        }
        TagKind kind = HitTag.kindOf(tag, slabinfo, symbols);
        long kmalloc = HitTag.kmallocBytes(tag);
        String ledgerName = kmalloc <= 0 ? tag : KmallocName.plain(kmalloc);
        return new HitTarget(tag, kind, ledgerName, HitTag.apply(base, tag, slabinfo, symbols));
    }
}
