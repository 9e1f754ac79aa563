package pooltag.engine.publish;

import pooltag.core.snapshot.UsageSnapshot;

/**
 * What the web page's Open view calls with an uploaded file: a Windows capture ({@code !poolused} output, a PoolMon
 * screen or snapshot file) or a pooltag recording, turned into a usage snapshot that the page shows in the same
 * {@code !poolused} table as the live kernel. Implementations throw {@link pooltag.core.error.PooltagException}
 * with a one-line message (file:line, what was expected) for input they cannot read.
 */
public interface CaptureService {
    /** @param fileName the uploaded file's name, for messages and format hints; content at most 64 MiB */
    UsageSnapshot open(String fileName, byte[] content);
}
