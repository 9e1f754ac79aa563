package pooltag.linux.kmem;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/** The JDK 21 reader: blocking {@link FileChannel} reads (the kernel wakes it on data; it never answers EMPTY). */
final class ChannelRawPipe implements RawPipe {
    private final FileChannel ch;
    private ByteBuffer wrapped;
    private byte[] wrappedArray;

    ChannelRawPipe(Path file) throws IOException {
        this.ch = FileChannel.open(file, StandardOpenOption.READ);
    }

    @Override
    public int read(byte[] dst, int len) throws IOException {
        if (wrappedArray != dst) { // pages are pooled: wrap each array once, not per read
            wrapped = ByteBuffer.wrap(dst);
            wrappedArray = dst;
        }
        return readInto(wrapped.clear().limit(len), 0);
    }

    @Override
    public int read(ByteBuffer dst, int off, int len) throws IOException {
        return readInto(dst.limit(off + len).position(off), off); // a direct buffer: FileChannel reads straight in
    }

    private int readInto(ByteBuffer bb, int off) throws IOException {
        while (bb.hasRemaining()) {
            int n = ch.read(bb);
            if (n < 0 || (n == 0 && bb.position() == off)) {
                return EOF; // the kernel answers 0 while tracing is off and the buffer is empty
            }
            if (n == 0) {
                break;
            }
        }
        return bb.position() - off;
    }

    @Override
    public void await(int timeoutMillis) {
    }

    @Override
    public boolean tellsEmpty() {
        return false;
    }

    @Override
    public void close() throws IOException {
        ch.close();
    }
}
