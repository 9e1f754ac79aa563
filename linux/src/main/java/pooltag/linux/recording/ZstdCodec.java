package pooltag.linux.recording;

import com.github.luben.zstd.ZstdCompressCtx;
import com.github.luben.zstd.ZstdDecompressCtx;

import pooltag.core.error.PooltagException;

/**
 * The zstd contexts of recordings' PAGES_ZSTD blocks (zstd-jni, the reference C library through JNI). The native library is
 * loaded on first use only, so reading a recording of uncompressed pages never needs it; when it cannot load (e.g. a
 * {@code noexec} temporary directory), the caller gets one line saying so instead of a {@link LinkageError}.
 */
final class ZstdCodec {
    /**
     * zstd level for pages: 1 is the fastest; on real kmem pages in 1 MiB blocks it gives 13.9x at ~400 MB/s on
     * one core of the test machine (level 3: 13.3x at ~300 MB/s; level 6: 14.9x at ~60 MB/s), so 1 wins.
     */
    static final int LEVEL = 1;

    private ZstdCodec() {
    }

    static ZstdDecompressCtx decompressor() {
        try {
            return new ZstdDecompressCtx();
        } catch (LinkageError e) {
            throw unavailable(e);
        }
    }

    /** A compressor, or null when the native library cannot load (the writer then writes one PAGE block per page). */
    static ZstdCompressCtx compressorOrNull() {
        try {
            ZstdCompressCtx c = new ZstdCompressCtx();
            c.setLevel(LEVEL);
            return c;
        } catch (LinkageError e) {
            return null;
        }
    }

    static String loadError() {
        try {
            new ZstdDecompressCtx().close();
            return null;
        } catch (LinkageError e) {
            return e.toString();
        }
    }

    private static PooltagException unavailable(LinkageError e) {
        return new PooltagException("cannot load the zstd library that compressed pages need (" + e
                + "); zstd-jni unpacks it into java.io.tmpdir, which must allow executing it:"
                + " POOLTAG_JAVA_OPTS=-DZstdTempFolder=DIR names another directory");
    }
}
