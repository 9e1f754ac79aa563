package pooltag.linux.recording;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.zip.CRC32;
import java.util.zip.GZIPOutputStream;

import com.github.luben.zstd.ZstdCompressCtx;

import pooltag.core.error.PooltagException;
import pooltag.core.ledger.Ledger;
import pooltag.core.tag.TagKind;
import pooltag.linux.kmem.Page;
import pooltag.linux.kmem.SlabCacheCatalog;
import pooltag.linux.procfs.SlabSysfs;
import pooltag.linux.ring.Le;
import pooltag.linux.symbols.KernelSymbolResolver;
import pooltag.linux.testutil.Formats;

/**
 * Structure-aware fuzzer of recordings. Each input starts as a VALID recording model (metadata, header page, event
 * formats, kallsyms, modules, real kernel pages of the test machine, trailer; version 1 or 2), gets one to four
 * structural mutations (header page layout, format fields and ids, kallsyms and modules text or gzip, page bytes
 * and commit words, page cpus and read times, chunk counts and entry lengths, block order, duplicates, drops,
 * unknown blocks, trailer payloads, cut points), and is serialized with valid CRC-32s (and valid zstd frames), so
 * the reader's checks past the CRC are what is exercised. Each input then goes through the real path of
 * {@code report} and the web upload: {@link RecordingReader#open}, {@link RecordingReader#symbols}, a replay into
 * core's {@link Ledger}, a snapshot.
 *
 * <p>The outcome of an input is a result or a {@link PooltagException} (one line); anything else is a finding.
 * Run standalone: {@code java -Xmx256m -cp ... pooltag.linux.recording.RecordingFuzzer INPUTS [SEED]}.
 */
public final class RecordingFuzzer {
    /** What a run found. */
    public record Summary(long inputs, long results, long errors, Map<String, Long> errorKinds, long maxWallNanos,
                          long maxCpuNanos, long slowestInput, List<String> findings, long elapsedNanos) {
        public String line() {
            return String.format("inputs=%d results=%d errors=%d distinct-error-kinds=%d max-wall-ms=%.1f "
                            + "max-cpu-ms=%.1f (input %d) findings=%d elapsed-s=%.1f", inputs, results, errors,
                    errorKinds.size(), maxWallNanos / 1e6, maxCpuNanos / 1e6, slowestInput, findings.size(),
                    elapsedNanos / 1e9);
        }
    }

    private static final String HEADER_PAGE = Formats.resource("header_page");
    private static final Map<String, String> FORMATS = Formats.formatTexts();
    private static final String KALLSYMS = "ffffffff81000000 T _stext\nffffffff812c1010 T __kmalloc_noprof\n"
            + "ffffffff816e53c0 T alloc_pipe_info\nffffffff816e55f0 T free_pipe_info\n"
            + "ffffffffc0a01000 t ext4_alloc_inode\t[ext4]\nffffffffc0a02000 t ext4_free\t[ext4]\n";
    private static final String MODULES = "ext4 1048576 1 - Live 0xffffffffc0a00000\n";
    private static final byte[] KALLSYMS_GZ = gzip(KALLSYMS.getBytes(StandardCharsets.ISO_8859_1));
    /** 24 MiB of one repeated line (1.2 million lines), gzipped to about 24 KiB; made on first use. */
    static final class Bomb {
        static final byte[] GZIP = bomb();
    }
    private static final List<Page> REAL = realPages();
    private static final int[] KINDS = {RecordingFormat.META, RecordingFormat.HEADER_PAGE, RecordingFormat.FORMAT,
            RecordingFormat.KALLSYMS_GZ, RecordingFormat.MODULES, RecordingFormat.SLABINFO_START, RecordingFormat.PAGE,
            RecordingFormat.CPU_STATS, RecordingFormat.SLABINFO_END, RecordingFormat.LOSS, RecordingFormat.END,
            RecordingFormat.PAGES_ZSTD, RecordingFormat.SLABINFO_SAMPLE, RecordingFormat.SLAB_SYSFS,
            RecordingFormat.CGROUPS, RecordingFormat.RUN, 17, 0, -1, 0x7fffffff};

    /** One block of the model: kind, cpu, payload (for PAGES_ZSTD: the uncompressed entries, see {@link #raw}). */
    private static final class Block {
        int kind;
        int cpu;
        byte[] payload;
        // PAGES_ZSTD only: uncompressed entries, declared raw length and page count (-1: the true ones)
        byte[] raw;
        long declaredRaw = -1;
        long declaredCount = -1;
        int count;

        Block(int kind, int cpu, byte[] payload) {
            this.kind = kind;
            this.cpu = cpu;
            this.payload = payload;
        }
    }

    private final SplittableRandom rnd;
    private final ZstdCompressCtx zstd = new ZstdCompressCtx();
    private final ThreadMXBean threads = ManagementFactory.getThreadMXBean();

    public RecordingFuzzer(long seed) {
        this.rnd = new SplittableRandom(seed);
        zstd.setLevel(1);
    }

    public static void main(String[] args) {
        long inputs = Long.parseLong(args.length > 0 ? args[0] : System.getProperty("pooltag.fuzz.inputs", "100000"));
        long seed = args.length > 1 ? Long.parseLong(args[1]) : Long.getLong("pooltag.fuzz.seed", 1L);
        int threads = Integer.getInteger("pooltag.fuzz.threads", 1);
        Summary s = runParallel(inputs, seed, threads);
        System.out.println(s.line());
        s.errorKinds().entrySet().stream().sorted(Map.Entry.<String, Long>comparingByValue().reversed())
                .forEach(e -> System.out.println(String.format("%9d  %s", e.getValue(), e.getKey())));
        s.findings().forEach(f -> System.out.println("FINDING " + f));
        System.exit(s.findings().isEmpty() ? 0 : 1);
    }

    /** {@code threads} fuzzers with seeds seed, seed+1, ..., sharing the inputs; their summaries summed. */
    static Summary runParallel(long inputs, long seed, int threads) {
        Summary[] parts = new Summary[threads];
        Thread[] ts = new Thread[threads];
        for (int i = 0; i < threads; i++) {
            int k = i;
            long share = inputs / threads + (i < inputs % threads ? 1 : 0);
            ts[i] = new Thread(() -> parts[k] = new RecordingFuzzer(seed + k).run(share, Long.MAX_VALUE,
                    k == 0 ? System.out : null), "fuzz-" + i);
            ts[i].start();
        }
        long start = System.nanoTime();
        for (Thread t : ts) {
            try {
                t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
        long n = 0, results = 0, errors = 0, maxWall = 0, maxCpu = 0, slowest = -1;
        Map<String, Long> kinds = new TreeMap<>();
        List<String> findings = new ArrayList<>();
        for (Summary p : parts) {
            n += p.inputs();
            results += p.results();
            errors += p.errors();
            maxWall = Math.max(maxWall, p.maxWallNanos());
            if (p.maxCpuNanos() > maxCpu) {
                maxCpu = p.maxCpuNanos();
                slowest = p.slowestInput();
            }
            p.errorKinds().forEach((k, v) -> kinds.merge(k, v, Long::sum));
            findings.addAll(p.findings());
        }
        return new Summary(n, results, errors, kinds, maxWall, maxCpu, slowest, findings, System.nanoTime() - start);
    }

    /** Runs until {@code inputs} inputs or {@code nanos} have passed, whichever comes first. */
    public Summary run(long inputs, long nanos, java.io.PrintStream progress) {
        return run(inputs, nanos, 0, Long.MAX_VALUE, progress);
    }

    /**
     * As {@link #run(long, long, java.io.PrintStream)}, but going on past {@code nanos} until {@code minInputs}
     * inputs are done, up to {@code capNanos} in all (a bounded build run on a busy machine).
     */
    public Summary run(long inputs, long nanos, long minInputs, long capNanos, java.io.PrintStream progress) {
        long start = System.nanoTime();
        long n = 0, results = 0, errors = 0, maxWall = 0, maxCpu = 0, slowest = -1;
        Map<String, Long> kinds = new TreeMap<>();
        List<String> findings = new ArrayList<>();
        while (n < inputs) {
            long el = System.nanoTime() - start;
            if (el >= capNanos || el >= nanos && n >= minInputs) {
                break;
            }
            byte[] input = next();
            long t0 = System.nanoTime();
            long c0 = threads.getCurrentThreadCpuTime();
            try {
                consume(input);
                results++;
            } catch (PooltagException e) {
                errors++;
                String m = e.getMessage();
                if (m == null || m.isBlank() || m.indexOf('\n') >= 0) {
                    findings.add("input " + n + ": error message is not one line: " + m);
                }
                kinds.merge(kind(m), 1L, Long::sum);
            } catch (Throwable t) {
                findings.add("input " + n + ": " + t + " at " + (t.getStackTrace().length > 0
                        ? t.getStackTrace()[0] : "?") + save(input, n));
            }
            long wall = System.nanoTime() - t0;
            long cpu = threads.getCurrentThreadCpuTime() - c0;
            if (cpu > maxCpu) {
                maxCpu = cpu;
                slowest = n;
            }
            maxWall = Math.max(maxWall, wall);
            if (cpu > 2_000_000_000L) {
                findings.add("input " + n + ": " + cpu / 1_000_000 + " ms of CPU" + save(input, n));
            }
            n++;
            if (progress != null && n % 100_000 == 0) {
                progress.println("fuzz: " + n + " inputs, " + errors + " errors, " + kinds.size() + " kinds, "
                        + findings.size() + " findings, " + (System.nanoTime() - start) / 1_000_000_000 + " s");
            }
        }
        return new Summary(n, results, errors, kinds, maxWall, maxCpu, slowest, findings, System.nanoTime() - start);
    }

    /** The real reading path of report and the web upload: open, symbols, replay into a ledger, snapshot. */
    static void consume(byte[] input) {
        // The offline hunt's first pass: the side blocks, samples parsed with the file's pool kinds.
        RecordedCgroups cgroups = new RecordedCgroups();
        try (RecordingReader r = RecordingReader.open("fuzz.ptrec", input)) {
            SlabSysfs sysfs = r.slabSysfs();
            r.scanSide(new RecordingReader.SideData() {
                @Override
                public void sample(long nanos, String slabinfo, String where) {
                    pooltag.linux.procfs.ProcfsSource.snapshot(nanos, slabinfo, where, sysfs, 2, null, null);
                }

                @Override
                public void cgroup(long nanos, int pid, String path) {
                    cgroups.cgroup(nanos, pid, path);
                }
            });
        }
        try (RecordingReader r = RecordingReader.open("fuzz.ptrec", input)) {
            Ledger ledger = new Ledger(new SlabCacheCatalog(r.names(), r.slabSysfs()),
                    new KernelSymbolResolver(r.symbols()), 64);
            ledger.tagByCgroup(cgroups);
            RecordingReader.Replay rp = r.replay(ledger, 1_000_000_000L);
            ledger.publish(Math.max(0, rp.lastPageNanos()));
            ledger.snapshot(TagKind.CACHE);
            ledger.snapshot(TagKind.SITE);
            ledger.snapshot(TagKind.CGROUP);
        }
    }

    /** An error's kind: its message without the file name, numbers and quoted text. */
    static String kind(String m) {
        if (m == null) {
            return "null";
        }
        String k = m.replace("fuzz.ptrec", "F").replaceAll("'[^']*'", "'…'").replaceAll("-?\\d+", "#")
                .replaceAll("0x[0-9a-f#]+", "#");
        return k.length() > 160 ? k.substring(0, 160) : k;
    }

    private static String save(byte[] input, long n) {
        try {
            Path d = Path.of(System.getProperty("java.io.tmpdir"), "pooltag-fuzz-findings");
            Files.createDirectories(d);
            Path f = d.resolve("input-" + n + ".ptrec");
            Files.write(f, input);
            return " (saved to " + f + ")";
        } catch (IOException e) {
            return "";
        }
    }

    // ------------------------------------------------------------------------------------------ generation

    /** The next input: a valid model, mutated, serialized with valid CRCs. */
    byte[] next() {
        boolean v2 = rnd.nextBoolean();
        int cpus = 1 + rnd.nextInt(4);
        List<Block> blocks = validModel(v2, cpus);
        int mutations = 1 + rnd.nextInt(4);
        for (int i = 0; i < mutations; i++) {
            mutate(blocks, cpus);
        }
        byte[] out = serialize(v2, blocks);
        if (rnd.nextInt(12) == 0) {
            out = java.util.Arrays.copyOf(out, rnd.nextInt(out.length + 1)); // cut anywhere
        }
        return out;
    }

    private List<Block> validModel(boolean v2, int cpus) {
        List<Block> b = new ArrayList<>();
        b.add(text(RecordingFormat.META, -1, "tool=pooltag fuzz\nkernel=6.18.0\ncpus=" + cpus
                + "\nstart_mono_ns=1000\npage_size=4096\n"));
        b.add(text(RecordingFormat.HEADER_PAGE, -1, HEADER_PAGE));
        for (Map.Entry<String, String> e : FORMATS.entrySet()) {
            b.add(text(RecordingFormat.FORMAT, -1, e.getKey() + "\n" + e.getValue()));
        }
        b.add(new Block(RecordingFormat.KALLSYMS_GZ, -1, KALLSYMS_GZ));
        b.add(text(RecordingFormat.MODULES, -1, MODULES));
        b.add(text(RecordingFormat.SLABINFO_START, -1, "slabinfo - version: 2.1\n"));
        b.add(text(RecordingFormat.SLAB_SYSFS, -1, SYSFS));
        b.add(sample(1000 + rnd.nextInt(1000)));
        int pages = 1 + rnd.nextInt(3);
        int first = rnd.nextInt(REAL.size());
        List<byte[]> entries = new ArrayList<>();
        for (int i = 0; i < pages; i++) {
            Page p = REAL.get((first + i) % REAL.size());
            byte[] e = new byte[RecordingFormat.CHUNK_ENTRY_HEADER + p.length];
            Le.putI32(e, 0, rnd.nextInt(cpus));
            Le.putI32(e, 4, p.length);
            Le.putI64(e, 8, p.readNanos);
            System.arraycopy(p.data, 0, e, RecordingFormat.CHUNK_ENTRY_HEADER, p.length);
            entries.add(e);
        }
        if (v2) {
            int at = 0;
            while (at < entries.size()) {
                int n = 1 + rnd.nextInt(entries.size() - at);
                b.add(chunk(entries.subList(at, at + n)));
                at += n;
            }
        } else {
            for (byte[] e : entries) {
                byte[] payload = new byte[8 + e.length - RecordingFormat.CHUNK_ENTRY_HEADER];
                System.arraycopy(e, 8, payload, 0, 8);
                System.arraycopy(e, RecordingFormat.CHUNK_ENTRY_HEADER, payload, 8, payload.length - 8);
                b.add(new Block(RecordingFormat.PAGE, Le.i32(e, 0), payload));
            }
        }
        b.add(cgroupEntries());
        b.add(sample(2_000_000_000L));
        for (int c = 0; c < cpus; c++) {
            b.add(text(RecordingFormat.CPU_STATS, c, "entries: 0\noverrun: 0\ncommit overrun: 0\ndropped events: "
                    + rnd.nextInt(3) + "\nread events: 10\n"));
        }
        b.add(text(RecordingFormat.SLABINFO_END, -1, "slabinfo - version: 2.1\n"));
        b.add(longs(RecordingFormat.LOSS, 0, 0, 0));
        b.add(text(RecordingFormat.RUN, -1, "duration_ns=2000000000\narmed=alloc_pipe_info@0.5\ntag_by=cgroup\n"));
        b.add(longs(RecordingFormat.END, 2_000_000_000L, pages, 100));
        return b;
    }

    private static final String SYSFS = ":0000192\t0\tkmalloc-192 pid\ndentry\t1\tdentry\n";
    private static final String SLABINFO = "slabinfo - version: 2.1\n# name <active_objs> <num_objs> <objsize>"
            + " <objperslab> <pagesperslab> : tunables <limit> <batchcount> <sharedfactor> : slabdata <active_slabs>"
            + " <num_slabs> <sharedavail>\nkmalloc-192 100 120 192 21 1 : tunables 0 0 0 : slabdata 5 5 0\n";

    /** A SLABINFO_SAMPLE block: read time, then the gzip of a slabinfo text. */
    private Block sample(long nanos) {
        byte[] gz = gzip(SLABINFO.getBytes(StandardCharsets.ISO_8859_1));
        byte[] p = new byte[8 + gz.length];
        Le.putI64(p, 0, nanos);
        System.arraycopy(gz, 0, p, 8, gz.length);
        return new Block(RecordingFormat.SLABINFO_SAMPLE, -1, p);
    }

    /** A CGROUPS block of a few decisions for the real pages' pids (and some others). */
    private Block cgroupEntries() {
        java.io.ByteArrayOutputStream bo = new java.io.ByteArrayOutputStream();
        int n = 1 + rnd.nextInt(4);
        for (int i = 0; i < n; i++) {
            byte[] path = ("/pods/p" + rnd.nextInt(3)).getBytes(StandardCharsets.UTF_8);
            byte[] e = new byte[RecordingFormat.CGROUP_ENTRY_HEADER + path.length];
            Le.putI64(e, 0, rnd.nextInt(3) == 0 ? rnd.nextLong() : 1000L * i);
            Le.putI32(e, 8, rnd.nextInt(4) == 0 ? rnd.nextInt() : rnd.nextInt(40000));
            e[12] = (byte) path.length;
            System.arraycopy(path, 0, e, RecordingFormat.CGROUP_ENTRY_HEADER, path.length);
            bo.writeBytes(e);
        }
        return new Block(RecordingFormat.CGROUPS, -1, bo.toByteArray());
    }

    private static Block chunk(List<byte[]> entries) {
        ByteArrayOutputStream bo = new ByteArrayOutputStream();
        for (byte[] e : entries) {
            bo.writeBytes(e);
        }
        Block k = new Block(RecordingFormat.PAGES_ZSTD, -1, null);
        k.raw = bo.toByteArray();
        k.count = entries.size();
        return k;
    }

    private void mutate(List<Block> b, int cpus) {
        switch (rnd.nextInt(18)) {
            case 16 -> mutateText(b, rnd.nextBoolean() ? RecordingFormat.SLAB_SYSFS : RecordingFormat.RUN);
            case 17 -> mutateSide(b);
            case 0 -> mutateText(b, RecordingFormat.HEADER_PAGE);
            case 1, 2 -> mutateText(b, RecordingFormat.FORMAT);
            case 3 -> mutateKallsyms(b);
            case 4 -> mutateText(b, RecordingFormat.MODULES);
            case 5 -> mutateText(b, RecordingFormat.META);
            case 6, 7 -> mutatePage(b);
            case 8 -> mutatePageHeader(b, cpus);
            case 9 -> mutateChunkCounts(b);
            case 10 -> reorder(b);
            case 11 -> {
                if (!b.isEmpty()) {
                    b.remove(rnd.nextInt(b.size())); // drop a block
                }
            }
            case 12 -> {
                if (!b.isEmpty()) {
                    Block d = b.get(rnd.nextInt(b.size())); // duplicate a block somewhere
                    b.add(rnd.nextInt(b.size() + 1), d);
                }
            }
            case 13 -> b.add(rnd.nextInt(b.size() + 1), new Block(KINDS[rnd.nextInt(KINDS.length)],
                    rnd.nextInt(-2, 5), randomBytes(rnd.nextInt(64))));
            case 14 -> mutateTrailer(b);
            default -> flipInside(b);
        }
    }

    private void mutateText(List<Block> b, int kind) {
        List<Block> of = b.stream().filter(k -> k.kind == kind).toList();
        if (of.isEmpty()) {
            return;
        }
        Block k = of.get(rnd.nextInt(of.size()));
        String t = new String(k.payload, StandardCharsets.UTF_8);
        String[] lines = t.split("\n", -1);
        int i = rnd.nextInt(lines.length);
        switch (rnd.nextInt(8)) {
            case 0 -> lines[i] = replaceNumber(lines[i]);
            case 1 -> lines[i] = replaceNumber(replaceNumber(lines[i]));
            case 2 -> lines[i] = "";
            case 3 -> lines[i] = lines[i].replace("unsigned long", "__data_loc char[]")
                    .replace("const void *", "__rel_loc char[]");
            case 4 -> lines[i] = lines[i] + "\n" + lines[rnd.nextInt(lines.length)]; // a duplicate line
            case 5 -> lines[i] = "\tfield:char x[" + rnd.nextInt() + "];\toffset:" + interesting() + ";\tsize:"
                    + interesting() + ";\tsigned:" + rnd.nextInt(3) + ";";
            case 6 -> lines[i] = new String(randomBytes(rnd.nextInt(40)), StandardCharsets.ISO_8859_1);
            default -> lines[i] = lines[i].replace(":", rnd.nextBoolean() ? "" : "::").replace(";", ",");
        }
        k.payload = String.join("\n", lines).getBytes(StandardCharsets.UTF_8);
    }

    /** A line with one of its numbers replaced by an interesting value. */
    private String replaceNumber(String line) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\\d+").matcher(line);
        List<int[]> spans = new ArrayList<>();
        while (m.find()) {
            spans.add(new int[] {m.start(), m.end()});
        }
        if (spans.isEmpty()) {
            return line;
        }
        int[] s = spans.get(rnd.nextInt(spans.size()));
        return line.substring(0, s[0]) + interesting() + line.substring(s[1]);
    }

    private String interesting() {
        long[] v = {0, 1, 2, 3, 4, 7, 8, 15, 16, 17, 24, 255, 256, 4079, 4080, 4081, 4095, 4096, 4097, 65535, 65536,
                65537, 1 << 20, (1 << 20) + 1, 1 << 24, Integer.MAX_VALUE, 1L << 31, 1L << 32, -1, -4096,
                Long.MAX_VALUE};
        return rnd.nextInt(4) == 0 ? Long.toString(rnd.nextLong()) : rnd.nextInt(8) == 0 ? "99999999999999999999"
                : Long.toString(v[rnd.nextInt(v.length)]);
    }

    private void mutateKallsyms(List<Block> b) {
        for (Block k : b) {
            if (k.kind != RecordingFormat.KALLSYMS_GZ) {
                continue;
            }
            // the bomb costs ~20 MiB of inflating before the reader's line bound stops it: rarer than the rest
            switch (rnd.nextInt(40) == 0 ? 0 : 1 + rnd.nextInt(5)) {
                case 0 -> k.payload = Bomb.GZIP;
                case 1 -> k.payload = randomBytes(rnd.nextInt(100)); // not gzip at all
                case 2 -> k.payload = java.util.Arrays.copyOf(KALLSYMS_GZ, rnd.nextInt(KALLSYMS_GZ.length));
                case 3 -> {
                    StringBuilder sb = new StringBuilder();
                    int n = rnd.nextInt(2000);
                    for (int i = 0; i < n; i++) {
                        sb.append(Long.toHexString(rnd.nextBoolean() ? rnd.nextLong() : 0xffffffff81000000L + i * 16L))
                                .append(rnd.nextBoolean() ? " T " : " t ").append("f").append(i)
                                .append(rnd.nextInt(5) == 0 ? "\t[m" + rnd.nextInt(3) + "]" : "").append('\n');
                    }
                    k.payload = gzip(sb.toString().getBytes(StandardCharsets.ISO_8859_1));
                }
                case 4 -> k.payload = gzip(randomBytes(rnd.nextInt(2000)));
                default -> {
                    String t = KALLSYMS.replace("T", rnd.nextBoolean() ? "" : "T T").replace("ffffffff8", "g");
                    k.payload = gzip(t.getBytes(StandardCharsets.ISO_8859_1));
                }
            }
        }
    }

    /** Flips, overwrites or plants words in a page's records (page bytes after the 16-byte header). */
    private void mutatePage(List<Block> b) {
        Pick page = pickPage(b);
        if (page == null) {
            return;
        }
        byte[] p = page.bytes();
        int from = page.from(), len = p.length - from;
        if (len < 20) {
            return;
        }
        int at = from + 16 + rnd.nextInt(len - 16);
        switch (rnd.nextInt(5)) {
            case 0 -> p[at] ^= (byte) (1 << rnd.nextInt(8));
            case 1 -> { // a record header (4-byte aligned, as the kernel's) with any type_len and delta
                int w = Math.max(from + 16, at & ~3);
                if (w + 4 <= p.length) {
                    Le.putI32(p, w, (rnd.nextInt(1 << 27) << 5) | rnd.nextInt(32));
                }
            }
            case 2 -> { // a length-like word: 0, small, page-sized, huge
                int[] v = {0, 1, 3, 4, 8, 16, 4080, 4096, 65535, 65536, Integer.MAX_VALUE, -1, rnd.nextInt()};
                if (at + 4 <= p.length) {
                    Le.putI32(p, at, v[rnd.nextInt(v.length)]);
                }
            }
            case 3 -> { // an event id of another known event, or an unknown one
                if (at + 2 <= p.length) {
                    Le.putI16(p, at, (short) (rnd.nextBoolean() ? 650 + rnd.nextInt(20) : rnd.nextInt(65536)));
                }
            }
            default -> {
                for (int i = 0; i < 8 && at + i < p.length; i++) {
                    p[at + i] = (byte) rnd.nextInt(256);
                }
            }
        }
    }

    /** The commit word, timestamp, page length, cpu and read time of a page. */
    private void mutatePageHeader(List<Block> b, int cpus) {
        Pick page = pickPage(b);
        if (page == null) {
            return;
        }
        byte[] p = page.bytes();
        int from = page.from();
        switch (rnd.nextInt(6)) {
            case 0 -> Le.putI64(p, from + 8, rnd.nextBoolean() ? rnd.nextLong()
                    : (Le.i64(p, from + 8) & 0x7ffffff) | ((long) rnd.nextInt(4) << 30) + rnd.nextInt(-64, 64));
            case 1 -> Le.putI64(p, from, rnd.nextBoolean() ? rnd.nextLong() : Long.MAX_VALUE);
            case 2 -> setEntry(b, page, "cpu", rnd.nextInt(4) == 0 ? rnd.nextInt() : rnd.nextInt(-1, cpus + 2));
            case 3 -> setEntry(b, page, "time", rnd.nextBoolean() ? rnd.nextLong() : Long.MAX_VALUE - rnd.nextInt(9));
            case 4 -> setEntry(b, page, "length", rnd.nextInt(4) == 0 ? rnd.nextInt() : rnd.nextInt(0, 4200));
            default -> setEntry(b, page, "time", 0); // a page read "before" the others
        }
    }

    private void mutateChunkCounts(List<Block> b) {
        List<Block> chunks = b.stream().filter(k -> k.kind == RecordingFormat.PAGES_ZSTD && k.raw != null).toList();
        if (chunks.isEmpty()) {
            return;
        }
        Block k = chunks.get(rnd.nextInt(chunks.size()));
        switch (rnd.nextInt(5)) {
            case 0 -> k.declaredCount = rnd.nextBoolean() ? k.count + rnd.nextInt(-2, 3) : rnd.nextLong(1L << 32);
            case 1 -> k.declaredRaw = rnd.nextBoolean() ? k.raw.length + rnd.nextInt(-20, 20)
                    : rnd.nextLong(1L << 32);
            case 2 -> k.raw = java.util.Arrays.copyOf(k.raw, rnd.nextInt(k.raw.length + 1)); // fewer bytes
            case 3 -> k.raw = java.util.Arrays.copyOf(k.raw, k.raw.length + rnd.nextInt(1, 64)); // trailing bytes
            default -> k.declaredRaw = RecordingFormat.MAX_CHUNK_RAW + rnd.nextInt(2);
        }
    }

    private void reorder(List<Block> b) {
        if (b.size() < 2) {
            return;
        }
        int i = rnd.nextInt(b.size()), j = rnd.nextInt(b.size());
        Block t = b.get(i);
        b.set(i, b.get(j));
        b.set(j, t);
    }

    private void mutateTrailer(List<Block> b) {
        for (Block k : b) {
            if ((k.kind == RecordingFormat.LOSS || k.kind == RecordingFormat.END) && rnd.nextBoolean()) {
                k.payload = randomBytes(rnd.nextInt(40));
            } else if (k.kind == RecordingFormat.CPU_STATS && rnd.nextInt(3) == 0) {
                k.cpu = rnd.nextInt(-2, 6);
                k.payload = ("dropped events: " + interesting() + "\noverrun: " + interesting() + "\n")
                        .getBytes(StandardCharsets.UTF_8);
            }
        }
    }

    /** A CGROUPS entry's length or a sample's gzip or text broken (a bomb now and then), the CRC still valid. */
    private void mutateSide(List<Block> b) {
        for (Block k : b) {
            if (k.kind == RecordingFormat.CGROUPS && k.payload.length >= RecordingFormat.CGROUP_ENTRY_HEADER
                    && rnd.nextBoolean()) {
                k.payload = k.payload.clone();
                int[] lens = {0, 1, 2, 255, 256, 4095, 4096, 4097, 65535};
                int len = rnd.nextBoolean() ? lens[rnd.nextInt(lens.length)] : rnd.nextInt(65536);
                k.payload[12] = (byte) len;
                k.payload[13] = (byte) (len >>> 8);
            } else if (k.kind == RecordingFormat.SLABINFO_SAMPLE && rnd.nextBoolean()) {
                byte[] body = switch (rnd.nextInt(4)) {
                    case 0 -> randomBytes(rnd.nextInt(64)); // not gzip
                    case 1 -> gzip(randomBytes(rnd.nextInt(400))); // not slabinfo
                    case 2 -> rnd.nextInt(10) == 0 ? Bomb.GZIP : gzip(SLABINFO.replace("100", interesting())
                            .getBytes(StandardCharsets.ISO_8859_1));
                    default -> new byte[0];
                };
                byte[] p = new byte[rnd.nextInt(10) == 0 ? rnd.nextInt(8) : 8 + body.length];
                System.arraycopy(body, 0, p, Math.min(8, p.length), Math.max(0, p.length - 8));
                k.payload = p;
            }
        }
    }

    /** A random byte of a random block changed, the CRC still valid (the serializer computes it). */
    private void flipInside(List<Block> b) {
        if (b.isEmpty()) {
            return;
        }
        Block k = b.get(rnd.nextInt(b.size()));
        // copy first: payloads may be shared (the gzipped kallsyms, a duplicated block)
        byte[] p = k.raw != null ? (k.raw = k.raw.clone()) : k.payload != null ? (k.payload = k.payload.clone()) : null;
        if (p != null && p.length > 0) {
            p[rnd.nextInt(p.length)] ^= (byte) (1 + rnd.nextInt(255));
        }
    }

    /**
     * A page to mutate: the array and the page's first byte in it (a PAGE payload after its 8-byte read time,
     * or an entry inside a chunk). Blocks are copied first: models share the real pages' arrays.
     */
    private Pick pickPage(List<Block> b) {
        List<Block> pages = b.stream().filter(k -> k.kind == RecordingFormat.PAGE && k.payload != null
                && k.payload.length >= 24 || k.raw != null).toList();
        if (pages.isEmpty()) {
            return null;
        }
        Block k = pages.get(rnd.nextInt(pages.size()));
        lastEntryBlock = null;
        if (k.raw == null) {
            k.payload = k.payload.clone();
            return new Pick(k.payload, 8);
        }
        k.raw = k.raw.clone();
        List<Integer> starts = new ArrayList<>();
        int at = 0;
        while (at + RecordingFormat.CHUNK_ENTRY_HEADER <= k.raw.length) {
            long len = Le.u32(k.raw, at + 4);
            if (len < 24 || at + RecordingFormat.CHUNK_ENTRY_HEADER + len > k.raw.length) {
                break;
            }
            starts.add(at);
            at += RecordingFormat.CHUNK_ENTRY_HEADER + (int) len;
        }
        if (starts.isEmpty()) {
            return null;
        }
        int e = starts.get(rnd.nextInt(starts.size()));
        lastEntryBlock = k;
        return new Pick(k.raw, e + RecordingFormat.CHUNK_ENTRY_HEADER);
    }

    private record Pick(byte[] bytes, int from) {
    }

    private Block lastEntryBlock;

    private void setEntry(List<Block> b, Pick page, String what, long v) {
        byte[] p = page.bytes();
        int from = page.from();
        boolean inChunk = lastEntryBlock != null && p == lastEntryBlock.raw;
        if (!inChunk) {
            Block k = b.stream().filter(x -> x.payload == p).findFirst().orElse(null);
            if (k == null) {
                return;
            }
            switch (what) {
                case "cpu" -> k.cpu = (int) v;
                case "time" -> Le.putI64(p, 0, v);
                default -> k.payload = java.util.Arrays.copyOf(p, (int) Math.max(0, Math.min(v, 8 + 4200)));
            }
            return;
        }
        int e = from - RecordingFormat.CHUNK_ENTRY_HEADER;
        switch (what) {
            case "cpu" -> Le.putI32(p, e, (int) v);
            case "time" -> Le.putI64(p, e + 8, v);
            default -> Le.putI32(p, e + 4, (int) v);
        }
    }

    // ---------------------------------------------------------------------------------------- serialization

    private boolean pristine;

    private byte[] serialize(boolean v2, List<Block> blocks) {
        ByteArrayOutputStream bo = new ByteArrayOutputStream(32 << 10);
        byte[] fh = new byte[RecordingFormat.FILE_HEADER_SIZE];
        System.arraycopy(RecordingFormat.MAGIC, 0, fh, 0, 8);
        // pages packed as v2 asks, in a file of this pooltag (version 3: the CRC covers the block header too) or of an
        // older one (version 2 for zstd blocks, 1 for PAGE blocks; flags 0: payload-only CRC, or 1 as round 14 wrote)
        int version = rnd.nextBoolean() ? RecordingFormat.VERSION : v2 ? RecordingFormat.VERSION_2 : RecordingFormat.VERSION_1;
        int flags = version < RecordingFormat.VERSION_3 && rnd.nextBoolean() ? RecordingFormat.FLAG_HEADER_CRC : 0;
        boolean headerCrc = version >= RecordingFormat.VERSION_3 || flags != 0;
        Le.putI32(fh, 8, !pristine && rnd.nextInt(64) == 0 ? rnd.nextInt(5) : version);
        Le.putI32(fh, 12, flags);
        bo.writeBytes(fh);
        CRC32 crc = new CRC32();
        byte[] h = new byte[RecordingFormat.BLOCK_HEADER_SIZE];
        for (Block k : blocks) {
            byte[] payload = k.payload;
            if (k.raw != null) {
                byte[] z = new byte[RecordingFormat.CHUNK_HEADER + k.raw.length + 1024];
                int n = zstd.compressByteArray(z, RecordingFormat.CHUNK_HEADER, z.length - RecordingFormat.CHUNK_HEADER,
                        k.raw, 0, k.raw.length);
                Le.putI32(z, 0, (int) (k.declaredRaw >= 0 ? k.declaredRaw : k.raw.length));
                Le.putI32(z, 4, (int) (k.declaredCount >= 0 ? k.declaredCount : k.count));
                payload = java.util.Arrays.copyOf(z, RecordingFormat.CHUNK_HEADER + n);
            }
            Le.putI32(h, 0, k.kind);
            Le.putI32(h, 4, k.cpu);
            Le.putI32(h, 8, payload.length);
            crc.reset();
            if (headerCrc) {
                crc.update(h, 0, RecordingFormat.BLOCK_HEADER_CRC_SPAN);
            }
            crc.update(payload);
            Le.putI32(h, 12, (int) crc.getValue());
            if (!pristine && rnd.nextInt(200) == 0) {
                Le.putI32(h, 8, rnd.nextInt()); // a length that disagrees with the file
            }
            bo.writeBytes(h);
            bo.writeBytes(payload);
        }
        return bo.toByteArray();
    }

    private static Block text(int kind, int cpu, String t) {
        return new Block(kind, cpu, t.getBytes(StandardCharsets.UTF_8));
    }

    private static Block longs(int kind, long... v) {
        byte[] b = new byte[8 * v.length];
        for (int i = 0; i < v.length; i++) {
            Le.putI64(b, 8 * i, v[i]);
        }
        return new Block(kind, -1, b);
    }

    private byte[] randomBytes(int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) rnd.nextInt(256);
        }
        return b;
    }

    static byte[] gzip(byte[] b) {
        ByteArrayOutputStream bo = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(bo)) {
            gz.write(b);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return bo.toByteArray();
    }

    private static byte[] bomb() {
        ByteArrayOutputStream bo = new ByteArrayOutputStream();
        byte[] line = "ffffffff81000000 T a\n".getBytes(StandardCharsets.ISO_8859_1);
        byte[] piece = new byte[line.length * 50_000];
        for (int i = 0; i < piece.length; i += line.length) {
            System.arraycopy(line, 0, piece, i, line.length);
        }
        try (GZIPOutputStream gz = new GZIPOutputStream(bo)) {
            for (long written = 0; written < (24L << 20); written += piece.length) {
                gz.write(piece);
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return bo.toByteArray();
    }

    private static List<Page> realPages() {
        try (InputStream in = RecordingFuzzer.class.getResourceAsStream("/real-pages.ptrec")) {
            byte[] all = in.readAllBytes();
            try (RecordingReader r = RecordingReader.open("real-pages.ptrec", all)) {
                return r.readPages();
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** For tests: the generator's inputs without mutation are valid recordings. */
    byte[] validInput() {
        boolean v2 = rnd.nextBoolean();
        pristine = true;
        try {
            return serialize(v2, validModel(v2, 1 + rnd.nextInt(4)));
        } finally {
            pristine = false;
        }
    }

}
