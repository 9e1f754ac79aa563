#!/usr/bin/env python3
"""Ground truth for one leak of the corpus, sharing no code with pooltag.

    oracle.py LEAKER KIND COUNT RATE [MIN]

Starts the corpus leaker, traces only its pid through a private tracefs instance (text `trace` output, the kernel's
own formatting: cache name, call site and a kernel stack per allocation), lets it leak COUNT objects at RATE/s,
stops tracing while it still holds them, and prints every group of live objects it made (allocations not freed by
it) of at least MIN objects, keyed by (event, cache, call site, syscall on the stack), beside the /proc/slabinfo
delta of each cache over the leak. Needs root and tracefs; no kprobes or BPF.
"""
import collections, os, re, subprocess, sys, time

T = "/sys/kernel/tracing"


def w(path, text):
    with open(path, "w") as f:
        f.write(text)


def slabinfo():
    out = {}
    with open("/proc/slabinfo") as f:
        for line in f.readlines()[2:]:
            p = line.split()
            out[p[0]] = int(p[1])
    return out


def main():
    leaker, kind, count, rate = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
    least = int(sys.argv[5]) if len(sys.argv) > 5 else max(10, count // 2)
    child = subprocess.Popen([leaker, kind, str(count), str(rate)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             text=True)
    ready = child.stdout.readline().split()
    assert ready[0] == "READY", ready
    pid = int(ready[1])
    inst = f"{T}/instances/oracle-{os.getpid()}"
    os.mkdir(inst)
    try:
        w(f"{inst}/buffer_size_kb", "16384")
        w(f"{inst}/trace_clock", "mono")
        flt = f"common_pid == {pid}"
        for ev in ("kmalloc", "kmem_cache_alloc"):
            w(f"{inst}/events/kmem/{ev}/filter", flt)
            w(f"{inst}/events/kmem/{ev}/trigger", f"stacktrace if {flt}")
            w(f"{inst}/events/kmem/{ev}/enable", "1")
        for ev in ("kfree", "kmem_cache_free"):
            w(f"{inst}/events/kmem/{ev}/filter", flt)
            w(f"{inst}/events/kmem/{ev}/enable", "1")
        before = slabinfo()
        w(f"{inst}/tracing_on", "1")
        child.stdin.write("GO\n")
        child.stdin.flush()
        done = child.stdout.readline().split()
        time.sleep(0.5)
        w(f"{inst}/tracing_on", "0")
        after = slabinfo()
        lost = 0
        for cpu in os.listdir(f"{inst}/per_cpu"):
            for line in open(f"{inst}/per_cpu/{cpu}/stats"):
                if line.startswith("overrun") or line.startswith("dropped events"):
                    lost += int(line.split(":")[1])
        with open(f"{inst}/trace") as f:
            text = f.read()
        for ev in ("kmalloc", "kmem_cache_alloc", "kfree", "kmem_cache_free"):
            w(f"{inst}/events/kmem/{ev}/enable", "0")
        for ev in ("kmalloc", "kmem_cache_alloc"):
            w(f"{inst}/events/kmem/{ev}/trigger", f"!stacktrace if {flt}")
    finally:
        child.stdin.close()
        child.wait(30)
        os.rmdir(inst)

    live = {}  # ptr -> key
    stack = None
    pending = None
    ev_re = re.compile(r"\s(kmalloc|kmem_cache_alloc|kfree|kmem_cache_free): (.*)$")
    for line in text.splitlines() + ["<end>"]:
        if line.startswith(" => "):
            if stack is not None:
                stack.append(line[4:].split("+")[0].strip())
            continue
        if stack is not None and pending is not None:
            sysc = next((f for f in reversed(stack) if re.match(r"__(x64|se|do)_sys_", f)), None)
            if sysc is None and "do_syscall_64" in stack:  # a tail-called wrapper: the frame under do_syscall_64
                sysc = stack[stack.index("do_syscall_64") - 1] + " (tail call)"
            sysc = sysc or "-"
            ptr, key = pending
            live[ptr] = key[:3] + (sysc,)
            pending = None
        stack = [] if "<stack trace>" in line else None
        m = ev_re.search(line)
        if not m:
            continue
        ev, fields = m.group(1), dict(kv.split("=", 1) for kv in re.findall(r"\S+=\S+", m.group(2)))
        ptr = fields.get("ptr")
        if ev in ("kfree", "kmem_cache_free"):
            live.pop(ptr, None)
            if pending and pending[0] == ptr:
                pending = None
            continue
        if pending is not None:  # an allocation without a stack after it
            live[pending[0]] = pending[1]
        cache = fields.get("name") or f"kmalloc({fields.get('bytes_alloc')})"
        site = fields.get("call_site", "?").split("+")[0]
        pending = (ptr, (ev, cache, site, "-"))
    groups = collections.Counter(live.values())
    print(f"# kernel {os.uname().release}; leaker {kind} x{count} at {rate:g}/s; {done}; lost {lost}")
    print("| live | event | cache (as traced) | call site | syscall on stack |")
    print("|---:|---|---|---|---|")
    for (ev, cache, site, sysc), n in groups.most_common():
        if n >= least:
            print(f"| {n} | {ev} | {cache} | {site} | {sysc} |")
    print("slabinfo deltas >= %d: %s" % (least, ", ".join(
        f"{k} +{after[k] - before.get(k, 0)}" for k in sorted(after, key=lambda k: before.get(k, 0) - after[k])
        if after[k] - before.get(k, 0) >= least)))


main()
