package pooltag.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;

/**
 * Main tells picocli not to register its converters for java.time and java.sql types (their lookups cost start-up):
 * so no option or parameter of any command may have such a type, or picocli could not convert its value. This walks
 * every command's model and fails on the first one that does.
 */
class ConvertersExcludedTest {
    @Test
    void noOptionOrParameterOfAnyCommandNeedsAnExcludedConverter() {
        CommandLine all = Main.commandLine();
        assertEquals("java\\.(time|sql)\\..*", System.getProperty("picocli.converters.excludes"));
        List<String> checked = new ArrayList<>();
        List<String> offending = new ArrayList<>();
        walk(all, checked, offending);
        assertTrue(checked.size() > 100, "walked " + checked.size() + " options and parameters");
        assertEquals(List.of(), offending);
    }

    private static void walk(CommandLine cl, List<String> checked, List<String> offending) {
        for (ArgSpec a : cl.getCommandSpec().args()) {
            List<Class<?>> types = new ArrayList<>(List.of(a.type()));
            types.addAll(List.of(a.auxiliaryTypes()));
            for (Class<?> t : types) {
                String where = cl.getCommandSpec().qualifiedName() + " " + a + ": " + t.getName();
                checked.add(where);
                if (t.getName().matches(System.getProperty("picocli.converters.excludes"))) {
                    offending.add(where);
                }
            }
        }
        for (CommandLine sub : cl.getSubcommands().values()) {
            walk(sub, checked, offending);
        }
    }
}
