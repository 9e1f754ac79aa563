package pooltag.linux.kmem;

/**
 * One raw ring-buffer sub-buffer as read from {@code per_cpu/cpuN/trace_pipe_raw} (or from a recording), with where
 * it came from. Pages are pooled and recycled by their owner; the merger hands them back through its recycler.
 */
public final class Page {
    public final byte[] data;
    /** Valid bytes in {@link #data} (a whole sub-buffer, except a page cut short at the end of a recording). */
    public int length;
    public int cpu;
    /** CLOCK_MONOTONIC nanoseconds when the page was read from the kernel; orders pages across CPUs. */
    public long readNanos;
    /** Byte offset of the page in its source file, or -1 for live pages. */
    public long sourceOffset = -1;

    public Page(int capacity) {
        this.data = new byte[capacity];
    }
}
