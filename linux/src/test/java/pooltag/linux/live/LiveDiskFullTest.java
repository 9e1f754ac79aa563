package pooltag.linux.live;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import pooltag.core.event.AllocEvent;
import pooltag.core.event.AllocEventConsumer;
import pooltag.linux.kmem.TraceConfig;
import pooltag.linux.recording.Recorder;
import pooltag.linux.recording.RecordingReader;
import pooltag.linux.tracefs.Tracefs;

/**
 * {@code record} on a small tmpfs that another writer fills while it traces: the spool meets ENOSPC, the recording
 * stops as on a signal, and the file is complete and readable, holds every event kept, and says what the full disk
 * cost (RUN {@code disk_full}, the pages dropped, their events in the loss). Before: the session failed, the spool
 * was deleted and the file held the preamble alone (0 events, cut short).
 */
class LiveDiskFullTest {
    /** Above the 256 MiB a recording keeps free at its start ({@code DiskRoom}): the start is allowed, the fill is not. */
    static final String TMPFS_SIZE = "300m";
    @TempDir
    Path dir;
    private Tracefs fs;

    @AfterEach
    void nothingLeftBehind() throws Exception {
        if (fs != null) {
            assertEquals(List.of(), Live.ourInstances(fs), "instances left behind");
        }
    }

    private static int run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            return -1;
        }
        if (p.exitValue() != 0) {
            System.err.println(String.join(" ", cmd) + ": " + out);
        }
        return p.exitValue();
    }

    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void aDiskFilledWhileRecordingEndsInAReadableRecordingThatSaysWhatItLost() throws Exception {
        fs = Live.tracefsOrSkip();
        Path mnt = Files.createDirectory(dir.resolve("tmpfs"));
        if (run("mount", "-t", "tmpfs", "-o", "size=" + TMPFS_SIZE, "tmpfs", mnt.toString()) != 0) {
            System.err.println("LIVE TEST SKIPPED: cannot mount a tmpfs at " + mnt);
            fs = null;
            assumeTrue(false, "cannot mount a tmpfs");
        }
        Path work = Files.createDirectory(dir.resolve("work"));
        AtomicBoolean busy = new AtomicBoolean(true);
        Thread workload = new Thread(() -> { // files made and removed on the other disk: kmem events, steadily
            try {
                while (busy.get()) {
                    for (int i = 0; i < 100; i++) {
                        Files.writeString(work.resolve("f" + i), "x");
                    }
                    for (int i = 0; i < 100; i++) {
                        Files.delete(work.resolve("f" + i));
                    }
                }
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }, "fs-workload");
        try {
            Path file = mnt.resolve("r.ptrec");
            ByteArrayOutputStream said = new ByteArrayOutputStream();
            PrintStream err = new PrintStream(said, true, StandardCharsets.UTF_8);
            CompletableFuture<Recorder.Result> rec = CompletableFuture.supplyAsync(() -> Recorder.record(file,
                    TraceConfig.kmem(), Duration.ofSeconds(60), null, null, err));
            long deadline = System.nanoTime() + 60_000_000_000L;
            while (!text(said).contains("pooltag record: ") && !rec.isDone() && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertTrue(text(said).contains("pooltag record: "), "tracing on: " + text(said));
            workload.start();
            Thread.sleep(1000); // a second of events in the spool
            long filled = fill(mnt.resolve("fill"));
            System.out.printf("filled the tmpfs with %,d bytes%n", filled);

            Recorder.Result r = rec.get(120, TimeUnit.SECONDS); // long before the 60 s duration: the disk stopped it
            busy.set(false);
            workload.join(10_000);
            String out = text(said);
            System.out.print(out);
            assertNotNull(r.outOfRoom(), "stopped early: " + out);
            assertTrue(r.outOfRoom().contains("disk full (writing " + file + ".spool."), r.outOfRoom());
            assertTrue(r.outOfRoom().contains("No space left on device"), r.outOfRoom());
            assertFalse(r.interrupted(), "not a signal");
            assertTrue(out.contains("pooltag: " + file + ": the disk filled while recording (writing " + file
                    + ".spool."), "the one-line error names the file and the cause: " + out);
            try (var files = Files.list(mnt)) {
                assertEquals(List.of("fill", "r.ptrec"), files.map(p -> p.getFileName().toString()).sorted()
                        .toList(), "the spools are gone, the file stays");
            }

            try (RecordingReader reader = RecordingReader.open(file)) {
                long[] lost = {0};
                RecordingReader.Replay rp = reader.replay(new AllocEventConsumer() {
                    @Override
                    public void onEvent(AllocEvent e) {
                    }

                    @Override
                    public void onLoss(int cpu, long count) {
                        lost[0] += count;
                    }
                }, 1_000_000_000L);
                System.out.printf("recording: %s, %d bytes, %d pages, %d events, lost %d, disk full: %s, %d pages"
                                + " dropped%n", rp.stateLine(), rp.fileBytes(), rp.pages(), rp.totalEvents(),
                        rp.lostTotal(), rp.diskFull(), rp.diskFullPagesDropped());
                assertTrue(rp.complete(), "readable to its END block: " + rp.stateLine());
                assertTrue(rp.totalEvents() > 1000, "the events traced before the disk filled: " + rp.totalEvents());
                assertEquals(r.events(), rp.totalEvents(), "every event the recorder counted is in the file");
                assertEquals(0, rp.skippedPages());
                assertNotNull(rp.diskFull(), "the file says the disk filled");
                assertTrue(rp.diskFull().startsWith("writing " + file + ".spool."), rp.diskFull());
                assertTrue(rp.lostTotal() > 0, "what the stop left in the kernel and the pages dropped are lost");
                assertEquals(rp.lostTotal(), lost[0], "and a replay's ledger is told of all of it");
            }
        } finally {
            busy.set(false);
            workload.join(10_000);
            Files.deleteIfExists(mnt.resolve("fill"));
            assertEquals(0, run("umount", mnt.toString()), "unmounted");
        }
    }

    private static String text(ByteArrayOutputStream b) {
        synchronized (b) {
            return b.toString(StandardCharsets.UTF_8);
        }
    }

    /**
     * Fills {@code p}'s file system at once, as another process would: fallocate(1) of all but 8 MiB of what is free
     * (instant: the recorder's free-space look, every 500 ms, must not stop it cleanly while a slow fill passes its
     * 256 MiB reserve), then writes until the file system refuses (ENOSPC), once, as dd does; the bytes it holds.
     */
    private static long fill(Path p) throws Exception {
        long free = Files.getFileStore(p.getParent()).getUsableSpace();
        assertEquals(0, run("fallocate", "-l", Long.toString(Math.max(1 << 20, free - (8 << 20))), p.toString()));
        ByteBuffer mib = ByteBuffer.allocateDirect(1 << 20);
        long n = Files.size(p);
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.APPEND)) {
            while (true) {
                mib.clear();
                n += ch.write(mib);
            }
        } catch (IOException e) {
            assertTrue(e.getMessage() != null && e.getMessage().contains("No space left on device"), e.toString());
            return n;
        }
    }
}
