package pooltag.linux.ring;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

import pooltag.core.error.PooltagException;
import pooltag.core.event.AllocEvent;
import pooltag.core.event.AllocEventConsumer;
import pooltag.linux.kmem.EventMerger;
import pooltag.linux.kmem.EventView;
import pooltag.linux.kmem.KmemDecoder;
import pooltag.linux.kmem.NameTable;
import pooltag.linux.kmem.Page;
import pooltag.linux.testutil.Formats;

/** Random and mutated pages: the decoder either decodes or throws {@link DecodeException}; it never hangs. */
class PageFuzzTest {
    private static final TraceSchema SCHEMA = Formats.schema();

    @Provide
    Arbitrary<byte[]> pages() {
        Arbitrary<byte[]> random = Arbitraries.bytes().array(byte[].class).ofMinSize(0).ofMaxSize(4096);
        // a valid-looking header with a plausible commit size, random records behind it
        Arbitrary<byte[]> framed = Arbitraries.bytes().array(byte[].class).ofSize(4096).map(b -> {
            int commit = Math.floorMod(Le.i32(b, 100), 4081);
            Le.putI64(b, 8, commit | (b[7] < 0 ? 1L << 31 : 0) | (b[6] < 0 ? 1L << 30 : 0));
            for (int i = 16; i + 4 <= 16 + commit; i += 4 + 4 * Math.floorMod(b[i + 1], 5)) {
                int typeLen = Math.floorMod(b[i], 32);
                Le.putI32(b, i, (Le.i32(b, i) & ~31) | typeLen);
                if (typeLen >= 1 && typeLen <= 28 && i + 6 <= b.length) {
                    Le.putI16(b, i + 4, (short) (656 + Math.floorMod(b[i + 2], 5))); // a kmem id
                }
            }
            return b;
        });
        return Arbitraries.oneOf(random, framed);
    }

    @Property(tries = 2000)
    void cursorAndDecoderOnlyThrowDecodeErrors(@ForAll("pages") byte[] page) {
        PageCursor c = new PageCursor(SCHEMA.header(), "fuzz");
        KmemDecoder d = new KmemDecoder(SCHEMA, new NameTable());
        EventView v = new EventView();
        try {
            c.load(page, 0, page.length, 0);
            int guard = 0;
            while (c.next()) {
                if (++guard > 4096) {
                    throw new AssertionError("more records than bytes: no progress");
                }
                d.decode(c.buffer(), c.payloadOffset(), c.payloadLength(), c.timestamp(), 0, v);
                for (int i = 0; i < v.stackDepth(); i++) {
                    v.stackFrame(i);
                }
            }
        } catch (DecodeException expected) {
            // the documented decode error
        }
    }

    @Property(tries = 500)
    void mergerSurvivesAnyPage(@ForAll("pages") byte[] a, @ForAll("pages") byte[] b) {
        EventMerger m = new EventMerger(2, SCHEMA.header(), new KmemDecoder(SCHEMA, new NameTable()), 0, p -> { });
        for (int cpu = 0; cpu < 2; cpu++) {
            byte[] src = cpu == 0 ? a : b;
            Page p = new Page(Math.max(1, src.length));
            System.arraycopy(src, 0, p.data, 0, src.length);
            p.length = src.length;
            p.cpu = cpu;
            m.addPage(p);
        }
        try {
            m.emit(0, true, new AllocEventConsumer() {
                @Override
                public void onEvent(AllocEvent event) {
                }

                @Override
                public void onLoss(int cpu, long count) {
                }
            });
        } catch (PooltagException expected) {
            // allowed, though the merger skips broken pages itself
        }
    }
}
