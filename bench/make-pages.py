#!/usr/bin/env python3
"""Cut a benchmark resource out of a pooltag recording (see docs/PERFORMANCE.md).

Keeps the META, HEADER_PAGE and FORMAT blocks and N consecutive PAGE blocks from the middle of the run (where
the workload was busy), writes an END block, and drops KALLSYMS_GZ/MODULES/SLABINFO (symbols of the machine are
not needed to decode, and kallsyms would publish its KASLR offset). IN must hold PAGE blocks: a recording of
compressed pages is converted first (ConvertRecording IN IN1 1, linux tests). Usage: make-pages.py IN OUT [N]
"""
import struct, sys, zlib

src, dst = sys.argv[1], sys.argv[2]
want = int(sys.argv[3]) if len(sys.argv) > 3 else 1024
data = open(src, 'rb').read()
assert data[:8] == b'PTAGREC\0', 'not a recording'
blocks, pos = [], 16
while pos + 16 <= len(data):
    kind, cpu, ln, crc = struct.unpack_from('<IiII', data, pos)
    blocks.append((kind, cpu, data[pos + 16:pos + 16 + ln]))
    pos += 16 + ln
pages = [b for b in blocks if b[0] == 7]
start = max(0, len(pages) // 2 - want // 2)
kept_pages = pages[start:start + want]
keep = [b for b in blocks if b[0] in (1, 2, 3)] + kept_pages
# END: u64 stop time (unknown: 0), u64 pages written (readers check it against the pages they read), u64 events (0)
keep.append((11, -1, struct.pack('<QQQ', 0, len(kept_pages), 0)))
with open(dst, 'wb') as out:
    # version 1, flags 0: PAGE blocks, each CRC-32 over its payload alone (docs/RECORDING.md), whatever IN was
    out.write(data[:8] + struct.pack('<II', 1, 0))
    for kind, cpu, payload in keep:
        out.write(struct.pack('<IiII', kind, cpu, len(payload), zlib.crc32(payload) & 0xffffffff))
        out.write(payload)
print(f'{dst}: {len(keep)} blocks, {min(want, len(pages))} pages')
