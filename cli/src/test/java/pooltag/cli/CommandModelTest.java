package pooltag.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

/**
 * The one-shot commands' command lines ({@code --version}, {@code poolused}, {@code tags}, {@code diff}) keep the
 * model their annotated definitions gave: every option and parameter with its names, arity, type, default and
 * description, and the same help, byte for byte. The expected files under {@code cli-model/} were written by
 * {@link CommandModelDump#main} from the annotated commands, before their models were built in code.
 */
class CommandModelTest {
    @Test
    void versionTreeIsTheAnnotatedOne() throws IOException {
        assertEquals(expected("version"), CommandModelDump.of("--version"));
    }

    @Test
    void poolusedIsTheAnnotatedOne() throws IOException {
        assertEquals(expected("poolused"), CommandModelDump.of("poolused"));
    }

    @Test
    void tagsIsTheAnnotatedOne() throws IOException {
        assertEquals(expected("tags"), CommandModelDump.of("tags"));
    }

    @Test
    void diffIsTheAnnotatedOne() throws IOException {
        assertEquals(expected("diff"), CommandModelDump.of("diff"));
    }

    private static String expected(String name) throws IOException {
        try (InputStream in = CommandModelTest.class.getResourceAsStream("/cli-model/" + name + ".txt")) {
            if (in == null) {
                throw new IllegalStateException("missing test resource cli-model/" + name + ".txt");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
