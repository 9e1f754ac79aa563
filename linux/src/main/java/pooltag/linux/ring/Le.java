package pooltag.linux.ring;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * Little-endian reads from a byte array, the byte order of trace_pipe_raw on x86_64 and arm64. Callers check
 * bounds against their own limits (the page's commit size) before reading; these methods only rely on the array's
 * own bounds checks.
 */
public final class Le {
    private static final VarHandle I16 = MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle I32 = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle I64 = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    private Le() {
    }

    public static int u8(byte[] b, int off) {
        return b[off] & 0xff;
    }

    public static int u16(byte[] b, int off) {
        return ((short) I16.get(b, off)) & 0xffff;
    }

    public static int i32(byte[] b, int off) {
        return (int) I32.get(b, off);
    }

    public static long u32(byte[] b, int off) {
        return ((int) I32.get(b, off)) & 0xffffffffL;
    }

    public static long i64(byte[] b, int off) {
        return (long) I64.get(b, off);
    }

    /** An unsigned field of 1, 2, 4 or 8 bytes (as laid out in a format file), zero-extended; 0 for other sizes. */
    public static long unsigned(byte[] b, int off, int size) {
        return switch (size) {
            case 8 -> (long) I64.get(b, off);
            case 4 -> ((int) I32.get(b, off)) & 0xffffffffL;
            case 2 -> ((short) I16.get(b, off)) & 0xffff;
            case 1 -> b[off] & 0xff;
            default -> 0;
        };
    }

    public static void putI32(byte[] b, int off, int v) {
        I32.set(b, off, v);
    }

    public static void putI64(byte[] b, int off, long v) {
        I64.set(b, off, v);
    }

    public static void putI16(byte[] b, int off, short v) {
        I16.set(b, off, v);
    }
}
