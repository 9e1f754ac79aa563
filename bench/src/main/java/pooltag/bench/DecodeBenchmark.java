package pooltag.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

import pooltag.core.event.AllocEvent;
import pooltag.core.event.AllocEventConsumer;
import pooltag.core.ledger.CacheCatalog;
import pooltag.core.ledger.Ledger;
import pooltag.core.ledger.SymbolResolver;
import pooltag.linux.kmem.EventMerger;
import pooltag.linux.kmem.EventView;
import pooltag.linux.kmem.KmemDecoder;
import pooltag.linux.kmem.NameTable;
import pooltag.linux.kmem.Page;
import pooltag.linux.recording.RecordingReader;
import pooltag.linux.recording.RecordingWriter;
import pooltag.linux.ring.PageCursor;
import pooltag.linux.ring.TraceSchema;

/**
 * Decode and dispatch throughput over 1024 real trace_pipe_raw pages (kmem events recorded on the test machine
 * under a find/tar workload; see docs/PERFORMANCE.md). One operation = one pass over all pages; the
 * {@code events} counter gives events/s. Run with {@code -prof gc}: the goal is ~0 B/op.
 *
 * <ul>
 *   <li>{@link #cursorOnly}: baseline, walks the records and reads their timestamps;</li>
 *   <li>{@link #decodeDispatch}: cursor + kmem decoder + the reusable view handed to a consumer;</li>
 *   <li>{@link #mergeDecodeDispatch}: the full path of a session or a replay, with the per-CPU timestamp merge;</li>
 *   <li>{@link #mergeDecodePair}: the same into a {@link Ledger} (pairing allocations with frees, per-tag counts):
 *   what a live hunt's merge thread does per event. The ledger is kept across passes, so the outstanding table
 *   holds what the pages leave allocated (the same addresses each pass: re-allocations replace stale entries).</li>
 *   <li>{@link #countPages}: what {@code record}'s merge thread does instead of decoding (count records by kind);</li>
 *   <li>{@link #recordPages}: that plus the recording writer (trim, gather, zstd) into a discarding stream.</li>
 * </ul>
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
@State(Scope.Thread)
public class DecodeBenchmark {
    private List<Page> pages;
    private TraceSchema schema;
    private PageCursor cursor;
    private KmemDecoder decoder;
    private EventView view;
    private EventMerger merger;
    private int cpus;
    private Ledger ledger;
    private EventMerger pairMerger;
    private EventMerger countMerger;
    private RecordingWriter writer;
    /** Loss from page headers; the resource's pages have none, so nothing per page reaches it. */
    private final AllocEventConsumer lossSink = new AllocEventConsumer() {
        @Override
        public void onEvent(AllocEvent event) {
        }

        @Override
        public void onLoss(int cpu, long count) {
        }
    };

    /** Events handled, reported by JMH as a rate next to the pass rate. */
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    @State(Scope.Thread)
    public static class Events {
        public long events;

        @Setup(Level.Iteration)
        public void reset() {
            events = 0;
        }
    }

    /** Reads the resource recording into memory once. */
    @Setup(Level.Trial)
    public void load() {
        try (InputStream in = DecodeBenchmark.class.getResourceAsStream("/kmem-pages.ptrec")) {
            Path tmp = Files.createTempFile("pooltag-bench", ".ptrec");
            Files.write(tmp, in.readAllBytes());
            try (RecordingReader r = RecordingReader.open(tmp)) {
                schema = r.schema();
                cpus = r.cpus();
                pages = r.readPages();
            }
            Files.delete(tmp);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        cursor = new PageCursor(schema.header(), "bench");
        decoder = new KmemDecoder(schema, new NameTable());
        view = new EventView();
        merger = new EventMerger(cpus, schema.header(), decoder, 1_000_000_000L, p -> { });
        pairMerger = new EventMerger(cpus, schema.header(), decoder, 1_000_000_000L, p -> { });
        ledger = new Ledger(CacheCatalog.NONE, SymbolResolver.NONE);
        countMerger = new EventMerger(cpus, schema.header(), decoder, 1_000_000_000L, p -> { });
        writer = new RecordingWriter(OutputStream.nullOutputStream(), "bench", schema.header(), true);
    }

    @TearDown(Level.Trial)
    public void closeWriter() {
        writer.close();
    }

    @Benchmark
    public long cursorOnly(Events ev) {
        long sum = 0;
        long n = 0;
        for (int i = 0; i < pages.size(); i++) {
            Page p = pages.get(i);
            cursor.load(p.data, 0, p.length, 0);
            while (cursor.next()) {
                sum += cursor.timestamp();
                n++;
            }
        }
        ev.events += n;
        return sum;
    }

    @Benchmark
    public void decodeDispatch(Events ev, Blackhole bh) {
        long n = 0;
        for (int i = 0; i < pages.size(); i++) {
            Page p = pages.get(i);
            cursor.load(p.data, 0, p.length, 0);
            while (cursor.next()) {
                if (decoder.decode(p.data, cursor.payloadOffset(), cursor.payloadLength(), cursor.timestamp(),
                        p.cpu, view) == KmemDecoder.DECODED) {
                    consume(view, bh);
                    n++;
                }
            }
        }
        ev.events += n;
    }

    @Benchmark
    public void mergeDecodeDispatch(Events ev, Blackhole bh) {
        BlackholeConsumer c = new BlackholeConsumer(bh); // one object per pass of ~30k events, not per event
        for (int i = 0; i < pages.size(); i++) {
            merger.addPage(pages.get(i));
        }
        merger.emit(Long.MAX_VALUE, true, c);
        ev.events += c.n;
    }

    @Benchmark
    public long mergeDecodePair(Events ev) {
        long before = pairMerger.totalEvents();
        for (int i = 0; i < pages.size(); i++) {
            pairMerger.addPage(pages.get(i));
        }
        pairMerger.emit(Long.MAX_VALUE, true, ledger);
        ev.events += pairMerger.totalEvents() - before;
        return ledger.stats().events();
    }

    /** What {@code record}'s merge thread does per page: walk the record headers and count by kind, no decoding. */
    @Benchmark
    public long countPages(Events ev) {
        long before = countMerger.totalEvents();
        for (int i = 0; i < pages.size(); i++) {
            countMerger.countPage(pages.get(i), lossSink);
        }
        long n = countMerger.totalEvents() - before;
        ev.events += n;
        return n;
    }

    /** {@link #countPages} plus the recording writer (trim, gather, zstd) into a stream that discards the bytes. */
    @Benchmark
    public long recordPages(Events ev) {
        long before = countMerger.totalEvents();
        for (int i = 0; i < pages.size(); i++) {
            Page p = pages.get(i);
            writer.writePage(p);
            countMerger.countPage(p, lossSink);
        }
        long n = countMerger.totalEvents() - before;
        ev.events += n;
        return writer.pages();
    }

    private static void consume(AllocEvent e, Blackhole bh) {
        bh.consume(e.type());
        bh.consume(e.address());
        bh.consume(e.callSite());
        bh.consume(e.bytesAllocated());
        bh.consume(e.cacheId());
    }

    static final class BlackholeConsumer implements AllocEventConsumer {
        final Blackhole bh;
        long n;

        BlackholeConsumer(Blackhole bh) {
            this.bh = bh;
        }

        @Override
        public void onEvent(AllocEvent event) {
            consume(event, bh);
            n++;
        }

        @Override
        public void onLoss(int cpu, long count) {
            bh.consume(count);
        }
    }
}
