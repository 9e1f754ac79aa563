package pooltag.linux.recording;

import java.nio.file.Files;
import java.nio.file.Path;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

import pooltag.core.error.PooltagException;
import pooltag.core.event.AllocEvent;
import pooltag.core.event.AllocEventConsumer;

/** Mutated and truncated recordings: the reader answers with PooltagException/DecodeException or a replay. */
class RecordingFuzzTest {
    private static byte[] valid;

    private static synchronized byte[] valid() throws Exception {
        if (valid == null) {
            Path d = Files.createTempDirectory("ptfuzz");
            RecordingRoundTripTest t = new RecordingRoundTripTest();
            t.dir = d;
            valid = Files.readAllBytes(t.write(true));
        }
        return valid;
    }

    @Property(tries = 300)
    void mutatedOrCutRecordingsFailCleanly(@ForAll @IntRange(min = 0, max = 100_000) int cut,
                                           @ForAll @IntRange(min = 0, max = 100_000) int flipAt,
                                           @ForAll byte flip) throws Exception {
        byte[] b = valid().clone();
        int len = Math.min(b.length, cut % (b.length + 1));
        b[flipAt % b.length] ^= flip;
        Path f = Files.createTempFile("ptfuzz", ".ptrec");
        try {
            Files.write(f, java.util.Arrays.copyOf(b, len));
            try (RecordingReader r = RecordingReader.open(f)) {
                r.replay(new AllocEventConsumer() {
                    @Override
                    public void onEvent(AllocEvent event) {
                    }

                    @Override
                    public void onLoss(int cpu, long count) {
                    }
                }, 0);
                r.symbols();
            } catch (PooltagException expected) {
                // DecodeException included: the documented outcome for bad input
            }
        } finally {
            Files.deleteIfExists(f);
        }
    }
}
