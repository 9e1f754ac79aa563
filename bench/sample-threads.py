#!/usr/bin/env python3
"""Samples a process every PERIOD s until it exits: per-thread CPU ticks (utime+stime) and voluntary context
switches (a blocking read or poll that sleeps is one), and per-CPU ring-buffer stats of a tracefs instance.
Usage: sample-threads.py PID INSTANCE_DIR PERIOD > samples.tsv ; prints a summary to stderr at the end."""
import os, sys, time, glob
pid, inst, period = int(sys.argv[1]), sys.argv[2], float(sys.argv[3])
hz = os.sysconf("SC_CLK_TCK")
def threads():
    out = {}
    for d in glob.glob(f"/proc/{pid}/task/*"):
        try:
            comm = open(d + "/comm").read().strip()
            f = open(d + "/stat").read().rsplit(")", 1)[1].split()
            vol = next(int(l.split()[1]) for l in open(d + "/status") if l.startswith("voluntary_ctxt"))
            key = comm if comm.startswith("pooltag") else comm.split("-")[0].rstrip("0123456789 ")
            a = out.setdefault(key, [0, 0]); a[0] += int(f[11]) + int(f[12]); a[1] += vol
        except (OSError, StopIteration, IndexError):
            pass
    return out
def cpustats():
    out = {}
    for c in sorted(glob.glob(inst + "/per_cpu/cpu*")):
        d = {}
        try:
            for l in open(c + "/stats"):
                k, _, v = l.partition(":"); d[k.strip()] = v.strip()
        except OSError:
            continue
        out[os.path.basename(c)] = (int(d.get("entries", 0)), int(d.get("overrun", 0)), int(d.get("dropped events", 0)))
    return out
first = last = None; t0 = time.time(); rows = []
while os.path.exists(f"/proc/{pid}"):
    t = time.time() - t0; th = threads(); cs = cpustats()
    if th:
        if first is None: first = (t, th)
        merged = dict(last[1]) if last else {}
        for k, v in th.items():   # keep each thread's highest count: threads vanish while the process exits
            o = merged.get(k, [0, 0]); merged[k] = [max(o[0], v[0]), max(o[1], v[1])]
        last = (t, merged)
        print(f"{t:.2f}\t" + " ".join(f"{k}={v[0]},{v[1]}" for k, v in sorted(th.items())) + "\t"
              + " ".join(f"{k}=e{v[0]},o{v[1]},d{v[2]}" for k, v in cs.items()), flush=True)
    time.sleep(period)
if first and last:
    dt = last[0] - first[0]
    print(f"# {dt:.1f} s sampled; per thread: CPU s (share of one CPU), voluntary switches/s", file=sys.stderr)
    for k in sorted(last[1], key=lambda k: -(last[1][k][0] - first[1].get(k, [0, 0])[0])):
        a = last[1][k]; b = first[1].get(k, [0, 0]); c = (a[0] - b[0]) / hz
        if c > 0 or k.startswith("pooltag"):
            print(f"#  {k:22s} {c:7.2f} s ({c / dt * 100:5.1f} %)  {(a[1] - b[1]) / dt:9.0f} switches/s", file=sys.stderr)
