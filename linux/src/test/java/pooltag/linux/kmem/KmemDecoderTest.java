package pooltag.linux.kmem;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;

import org.junit.jupiter.api.Test;

import pooltag.linux.ring.TraceSchema;
import pooltag.linux.testutil.Formats;

class KmemDecoderTest {
    @Test
    void anEventMissingAFieldIsUnsupportedWithoutBreakingTheOthers() {
        Map<String, String> f = Formats.formatTexts();
        f.put("kmem/kmalloc", f.get("kmem/kmalloc").replace("bytes_alloc", "bytes_alloc_renamed"));
        TraceSchema schema = TraceSchema.parse(Formats.resource("header_page"), f, "t");
        KmemDecoder d = new KmemDecoder(schema, new NameTable());
        assertTrue(d.unsupported().get("kmem/kmalloc").contains("no field 'bytes_alloc'"),
                d.unsupported().toString());
        assertEquals(KmemDecoder.KIND_NONE, d.kindOf(658));
        assertEquals(KmemDecoder.KIND_KFREE, d.kindOf(657));
    }

    @Test
    void recordShorterThanItsFormatIsMalformedNotAnException() {
        KmemDecoder d = new KmemDecoder(Formats.schema(), new NameTable());
        byte[] b = new byte[16];
        b[0] = (byte) 0x92; // 658 = kmalloc, but only 16 bytes of its 52
        b[1] = 0x02;
        assertEquals(KmemDecoder.MALFORMED, d.decode(b, 0, 16, 0, 0, new EventView()));
        b[0] = 0x01;
        b[1] = 0x00; // id 1: not a kmem event
        assertEquals(KmemDecoder.OTHER_EVENT, d.decode(b, 0, 16, 0, 0, new EventView()));
    }
}
