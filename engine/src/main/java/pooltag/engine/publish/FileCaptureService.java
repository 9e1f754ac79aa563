package pooltag.engine.publish;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import pooltag.engine.run.PublishingLedger;
import pooltag.core.error.PooltagException;
import pooltag.core.snapshot.UsageSnapshot;
import pooltag.core.tag.TagKind;
import pooltag.linux.kmem.KmemTagPolicy;
import pooltag.linux.recording.RecordingFormat;
import pooltag.linux.recording.RecordingReader;
import pooltag.windows.WindowsCaptures;

/**
 * The web page's Open view: an uploaded Windows capture ({@code !poolused} output, a PoolMon screen or {@code /n}
 * snapshot file, a {@code !poolfind} or {@code !verifier 3} capture as one row per tag of what it lists, told apart
 * by content through {@link WindowsCaptures#readAsUsage}) or a pooltag recording (told by
 * its magic), as a usage snapshot. A recording is replayed into a {@link PublishingLedger} (as {@code pooltag report} replays
 * it) and shown as the ledger's cache tags: allocations made while recording and still outstanding at its end, with
 * the replay's loss. The upload is written to a private temporary file (the parsers read files) that is deleted
 * before returning. Errors are one-line {@link PooltagException}s naming the uploaded file, not the temporary one.
 */
public final class FileCaptureService implements CaptureService {
    /** The reorder window of a replay, as {@code pooltag report} uses (pages are ordered by their read time). */
    private static final long REPLAY_WINDOW_NANOS = 1_000_000_000L;

    @Override
    public UsageSnapshot open(String fileName, byte[] content) {
        return openFile(fileName, content).snapshot();
    }

    @Override
    public Opened openFile(String fileName, byte[] content) {
        if (content.length == 0) {
            throw new PooltagException(fileName + ": the file is empty");
        }
        Path tmp;
        try {
            tmp = Files.createTempFile("pooltag-upload-", ".tmp");
        } catch (IOException e) {
            throw storeFailed(fileName, e);
        }
        try {
            Files.write(tmp, content);
            Opened o = isRecording(content) ? recording(tmp, fileName)
                    : new Opened(WindowsCaptures.readAsUsage(tmp), null);
            // The snapshot is named by what the user uploaded, never by the private temporary copy.
            UsageSnapshot s = o.snapshot();
            return new Opened(new UsageSnapshot(s.takenAtNanos(), fileName, s.rows(), s.loss()), o.recording());
        } catch (PooltagException e) {
            // The parsers name the file they read: name the upload instead of the temporary copy.
            throw new PooltagException(e.getMessage().replace(tmp.toString(), fileName), e);
        } catch (IOException e) {
            throw storeFailed(fileName, e);
        } finally {
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException ignored) {
                // a leftover private temp file is harmless; the answer matters more
            }
        }
    }

    /**
     * The server could not keep its private copy of the upload (a full or read-only temporary directory): said in
     * words, the system's reason without the JDK's exception class or the temporary path.
     */
    private static PooltagException storeFailed(String fileName, IOException e) {
        String reason = e instanceof java.nio.file.FileSystemException fs && fs.getReason() != null ? fs.getReason()
                : "an I/O error";
        return new PooltagException("cannot keep a copy of " + fileName + " to read it: " + reason
                + " (the server's temporary directory, java.io.tmpdir)", e);
    }

    static boolean isRecording(byte[] content) {
        int n = RecordingFormat.MAGIC.length;
        return content.length >= n && Arrays.equals(content, 0, n, RecordingFormat.MAGIC, 0, n);
    }

    private static Opened recording(Path file, String fileName) {
        try (RecordingReader r = RecordingReader.open(file)) {
            // Pools (reclaimable caches are Paged) as every replay of a recording decides them: from the file
            PublishingLedger ledger = PublishingLedger.over(r, KmemTagPolicy.ledgerOptions());
            // The replay ends with onEnd(cut short?), which PublishingLedger turns into a last publish with that flag.
            RecordingReader.Replay rp = r.replay(ledger, REPLAY_WINDOW_NANOS);
            UsageSnapshot s = ledger.ledger().snapshot(TagKind.CACHE);
            if (s == null) {
                throw new PooltagException(fileName + ": the recording holds no allocation events"
                        + (rp.complete() ? "" : " (" + rp.stateLine() + ")"));
            }
            String why = rp.cutShortReason() == null ? null : rp.cutShortReason().replace(file.toString(), fileName);
            String damage = rp.firstDamage() == null ? null : rp.firstDamage().replace(file.toString(), fileName);
            return new Opened(s, RecordingHealth.of(rp, why, damage));
        }
    }
}
