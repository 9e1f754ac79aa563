package pooltag.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import pooltag.cli.options.AddressesOption;
import pooltag.cli.options.JsonOption;
import pooltag.cli.options.NoVmallocOption;

/**
 * The one-shot commands' command lines ({@code --version}, {@code poolused}, {@code tags}, {@code diff}) keep the
 * model their annotated definitions gave: every option and parameter with its names, arity, type, default and
 * description, and the same help, byte for byte. The expected files under {@code cli-model/} were written by
 * {@link CommandModelDump#main} from the annotated commands, before their models were built in code.
 */
class CommandModelTest {
    /** Each command line of {@link CommandModelDump#CASES} ({@code --version} -> version.txt, poolused, tags, diff). */
    @Test
    void modelsAreTheAnnotatedOnes() throws IOException {
        for (String[] args : CommandModelDump.CASES) {
            String name = String.join("_", args).replace("-", "");
            assertEquals(expected(name), CommandModelDump.of(args), name);
        }
        assertEquals(4, CommandModelDump.CASES.length);
    }

    /** -h and -V as picocli's annotated mixinStandardHelpOptions gives them, which other commands still use. */
    @Test
    void standardHelpOptionsAreThePicocliMixins() {
        CommandSpec annotated = CommandSpec.create().mixinStandardHelpOptions(true);
        CommandSpec built = CommandSpec.create();
        CommandSpecs.standardHelpOptions(built);
        assertEquals(2, built.options().size());
        for (int i = 0; i < 2; i++) {
            assertEquals(CommandModelDump.option(annotated.options().get(i)),
                    CommandModelDump.option(built.options().get(i)));
        }
    }

    /** --json, --no-vmalloc and --show-addresses built in code equal the annotated mixins the other commands use. */
    @Test
    void sharedOptionsEqualTheirAnnotatedFields() {
        assertEquals(CommandModelDump.option(CommandSpec.forAnnotatedObject(new JsonOption()).findOption("--json")),
                CommandModelDump.option(new JsonOption().option()));
        assertEquals(CommandModelDump.option(CommandSpec.forAnnotatedObject(new NoVmallocOption())
                .findOption("--no-vmalloc")), CommandModelDump.option(new NoVmallocOption().option()));
        assertEquals(CommandModelDump.option(CommandSpec.forAnnotatedObject(new AddressesOption())
                .findOption("--show-addresses")), CommandModelDump.option(new AddressesOption().option()));
    }

    /** A value parsed by a model built in code lands in the command's field, and a second parse starts afresh. */
    @Test
    void builtModelsBindTheCommandsFields() {
        CommandLine cl = Main.commandLineFor(new String[] {"poolused"});
        CommandLine sub = cl.getSubcommands().get("poolused");
        CommandLine.ParseResult r = cl.parseArgs("poolused", "--top", "7", "--by", "cgroup", "--no-vmalloc", "2", "a*");
        CommandSpec s = r.subcommand().commandSpec();
        assertEquals(7, (int) s.findOption("--top").getValue());
        assertEquals("cgroup", s.findOption("--by").getValue());
        assertEquals(Boolean.TRUE, s.findOption("--no-vmalloc").getValue());
        assertEquals("2", s.positionalParameters().get(0).getValue());
        assertEquals("a*", s.positionalParameters().get(1).getValue());
        cl.parseArgs("poolused");
        assertEquals(0, (int) s.findOption("--top").getValue());
        assertEquals("tag", s.findOption("--by").getValue());
        assertEquals(Boolean.FALSE, s.findOption("--no-vmalloc").getValue());
        assertNull(s.positionalParameters().get(0).getValue());
        assertEquals(sub.getCommandSpec(), s);
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
