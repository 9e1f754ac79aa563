#!/usr/bin/env python3
"""`perf script` (with callchains) of a pooltag record run -> the share of each activity, per thread kind, and its CPU
seconds when the total is given. Usage: perf script -i perf.data | bench/perf-classify.py [CPU_SECONDS]
The first rule that matches a sample's whole stack (comm + frames) names it; see bench/profile-record.sh."""
import sys, re, collections
total_cpu = float(sys.argv[1]) if len(sys.argv) > 1 else 0
rules = [  # first match over the whole stack wins
    ("GC", lambda c, s: c.startswith("VM Thread") or c.startswith("GC")),
    ("JIT compilers", lambda c, s: "CompilerThre" in c),
    ("compress (zstd)", lambda c, s: "libzstd" in s),
    ("CRC32", lambda c, s: "CRC32" in s or "crc32" in s.lower()),
    ("slabinfo sampling (read+gzip)", lambda c, s: "slabinfo" in s.lower() or "Deflater" in s or "libz.so" in s or "offerSample" in s or "samplePayload" in s or "readOrEmpty" in s),
    ("page faults (new memory)", lambda c, s: "page_fault" in s),
    ("splice", lambda c, s: "splice" in s),
    ("read(2) of trace_pipe_raw", lambda c, s: c.startswith("pooltag-cpu") and ("RawPipe.read" in s or "ksys_read" in s or "tracing_buffers_read" in s)),
    ("poll(2) waits/wake-ups", lambda c, s: "poll" in s.lower() and c.startswith("pooltag-cpu")),
    ("write(2) to file/spool", lambda c, s: "ksys_write" in s or "vfs_write" in s or "ksys_pwrite" in s or "writev" in s or "FileChannelImpl.write" in s or "FileDispatcherImpl.write" in s),
    ("read back spool", lambda c, s: "ksys_read" in s or "vfs_read" in s or "Replay.next" in s),
    ("ledger pairing (hunt)", lambda c, s: "Ledger" in s or "OutstandingTable" in s or "TagRegistry" in s or "EventTagger" in s or "StackAttacher" in s or "RecentSites" in s),
    ("merge ordering (hunt)", lambda c, s: "EventMerger.emit" in s or "EventMerger.addPage" in s or "PageHeap" in s),
    ("header walk (count)", lambda c, s: "countPage" in s or "PageCursor" in s or "KmemDecoder" in s),
    ("page copy into block (arraycopy)", lambda c, s: "writePage" in s or "arraycopy" in s.lower() or "CopyMemory" in s),
    ("park/unpark, queues, stats", lambda c, s: "futex" in s or "park" in s.lower() or "ArrayBlockingQueue" in s or "pollStats" in s or "cpuStats" in s),
]
counts = collections.Counter(); per_thread = collections.Counter(); n = 0
comm = None; stack = []
def flush():
    global n
    if comm is None: return
    s = " ".join(stack)
    th = "reader" if comm.startswith("pooltag-cpu") else ("merge" if comm.startswith("pooltag-merge") else comm)
    for name, f in rules:
        if f(comm, s):
            counts[(th, name)] += 1; break
    else:
        counts[(th, "other")] += 1
    per_thread[th] += 1; n += 1
for line in sys.stdin:
    if not line.strip():
        flush(); comm = None; stack = []; continue
    if not line.startswith((" ", "\t")):
        comm = line.split()[0] if not line.startswith("C1 ") else "C1 CompilerThre"
        if line.startswith("VM Thread"): comm = "VM Thread"
        continue
    stack.append(line.strip())
flush()
print(f"{n} samples" + (f", {total_cpu:.2f} CPU-s" if total_cpu else ""))
for (th, name), k in sorted(counts.items(), key=lambda x: -x[1]):
    sec = f"{k / n * total_cpu:6.3f} s" if total_cpu else ""
    print(f"  {th:16s} {name:36s} {k / n * 100:5.1f} %  {sec}")
