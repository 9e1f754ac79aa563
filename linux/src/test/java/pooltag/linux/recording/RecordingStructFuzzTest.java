package pooltag.linux.recording;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import pooltag.core.event.AllocEvent;
import pooltag.core.event.AllocEventConsumer;

/**
 * The structure-aware fuzzer ({@link RecordingFuzzer}) in the build: valid recordings, mutated, with valid CRCs,
 * through the reader and the ledger. Bounded by time ({@code -Dpooltag.fuzz.seconds}, default 4) unless
 * {@code -Dpooltag.fuzz.inputs=N} asks for a number of inputs (the long mode: see docs/RECORDING.md).
 */
class RecordingStructFuzzTest {
    @Test
    void unmutatedInputsAreValidRecordingsWithEvents() {
        RecordingFuzzer f = new RecordingFuzzer(7);
        for (int i = 0; i < 50; i++) {
            byte[] in = f.validInput();
            try (RecordingReader r = RecordingReader.open("valid", in)) {
                long[] n = new long[1];
                RecordingReader.Replay rp = r.replay(new AllocEventConsumer() {
                    @Override
                    public void onEvent(AllocEvent e) {
                        n[0]++;
                    }

                    @Override
                    public void onLoss(int cpu, long count) {
                    }
                }, 1_000_000_000L);
                assertTrue(rp.complete(), "input " + i);
                assertEquals(0, rp.skippedPages(), "input " + i + ": " + rp.firstError());
                assertEquals(0, rp.malformedRecords(), "input " + i);
                assertTrue(n[0] > 10, "input " + i + " holds real events: " + n[0]);
                assertTrue(r.symbols().size() >= 4, "kallsyms parsed: " + r.symbols().size());
            }
        }
    }

    @Test
    void mutatedRecordingsAreAnsweredByAResultOrOneLineError() {
        String inputs = System.getProperty("pooltag.fuzz.inputs");
        long n = inputs == null || inputs.isBlank() ? Long.MAX_VALUE : Long.parseLong(inputs);
        long seconds = Long.getLong("pooltag.fuzz.seconds", 4L);
        long seed = Long.getLong("pooltag.fuzz.seed", System.nanoTime());
        // at least 300 inputs (so that the checks below are fair) but never more than 60 s on a loaded machine
        RecordingFuzzer.Summary s = n == Long.MAX_VALUE
                ? new RecordingFuzzer(seed).run(n, seconds * 1_000_000_000L, 300, 60_000_000_000L, null)
                : new RecordingFuzzer(seed).run(n, Long.MAX_VALUE, null);
        System.out.println("RecordingStructFuzzTest seed=" + seed + ": " + s.line());
        assertTrue(s.findings().isEmpty(), "seed " + seed + ": " + String.join("\n", s.findings()));
        assertTrue(s.inputs() >= 100, "too few inputs in 60 s: " + s.line());
        // the mutations reach past the CRC: errors from the layout, the formats, the pages and the symbols
        String kinds = String.join("\n", s.errorKinds().keySet());
        for (String deep : new String[] {"header_page", "format", "KALLSYMS_GZ"}) {
            assertTrue(kinds.contains(deep), "no error mentions " + deep + ":\n" + kinds);
        }
        assertTrue(s.results() > s.inputs() / 20, "some mutated inputs still replay: " + s.line());
    }
}
