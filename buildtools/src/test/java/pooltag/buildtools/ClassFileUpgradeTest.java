package pooltag.buildtools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** ClassFileUpgrade on the real picocli jar pooltag ships, and on a class file that cannot be verified. */
class ClassFileUpgradeTest {
    @TempDir
    Path dir;

    @Test
    void picocliBecomesJava8ClassFilesAndBehavesTheSame() throws Exception {
        Path original = Path.of(picocli.CommandLine.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        Map<String, byte[]> before = entries(original);
        long old = before.entrySet().stream()
                .filter(e -> e.getKey().endsWith(".class") && !e.getKey().startsWith("META-INF/"))
                .filter(e -> ClassFileUpgrade.major(e.getValue()) < 50).count();
        assertTrue(old > 200, "picocli ships Java 5 class files; found " + old);

        Map<String, byte[]> upgraded = ClassFileUpgrade.upgradeJar(original);

        assertEquals(old, upgraded.size());
        assertTrue(upgraded.containsKey("picocli/CommandLine.class"));
        for (var e : upgraded.entrySet()) {
            assertEquals(52, ClassFileUpgrade.major(e.getValue()), e.getKey());
            assertTrue(ClassFileUpgrade.major(before.get(e.getKey())) < 50, e.getKey());
        }
        // The same jar with the rewritten classes: nothing left to rewrite, and picocli parses and prints help alike.
        Path jar = dir.resolve("upgraded.jar");
        try (ZipOutputStream z = new ZipOutputStream(Files.newOutputStream(jar))) {
            for (var e : before.entrySet()) {
                z.putNextEntry(new ZipEntry(e.getKey()));
                z.write(upgraded.getOrDefault(e.getKey(), e.getValue()));
                z.closeEntry();
            }
        }
        assertEquals(Map.of(), ClassFileUpgrade.upgradeJar(jar));
        assertEquals(parseAndHelp(original), parseAndHelp(jar));
    }

    @Test
    void aClassThatFailsVerificationFailsTheStep() throws Exception {
        // A Java 5 class whose only method returns an int where its descriptor says long: the check of the
        // rewritten file must reject it, so that the build fails instead of shipping it.
        Path jar = dir.resolve("bad.jar");
        try (ZipOutputStream z = new ZipOutputStream(Files.newOutputStream(jar))) {
            z.putNextEntry(new ZipEntry("Bad.class"));
            z.write(badClass());
            z.closeEntry();
        }
        assertThrows(VerifyError.class, () -> ClassFileUpgrade.upgradeJar(jar));
    }

    /**
     * Parses {@code -n 7 file} with picocli loaded from {@code jar} (a programmatic spec: no annotated class needed)
     * and returns the parsed value, the positional and the usage text.
     */
    private static String parseAndHelp(Path jar) throws Exception {
        try (URLClassLoader l = new URLClassLoader(new URL[] {jar.toUri().toURL()},
                ClassLoader.getPlatformClassLoader())) {
            Class<?> specC = l.loadClass("picocli.CommandLine$Model$CommandSpec");
            Class<?> optC = l.loadClass("picocli.CommandLine$Model$OptionSpec");
            Class<?> posC = l.loadClass("picocli.CommandLine$Model$PositionalParamSpec");
            Class<?> argBuilder = l.loadClass("picocli.CommandLine$Model$ArgSpec$Builder");
            Object spec = specC.getMethod("create").invoke(null);
            specC.getMethod("name", String.class).invoke(spec, "demo");
            Object ob = optC.getMethod("builder", String[].class).invoke(null, (Object) new String[] {"-n", "--count"});
            call(argBuilder, ob, "type", Class.class, int.class);
            call(argBuilder, ob, "description", String[].class, new String[] {"How many."});
            specC.getMethod("addOption", optC).invoke(spec, ob.getClass().getMethod("build").invoke(ob));
            Object pb = posC.getMethod("builder").invoke(null);
            call(argBuilder, pb, "paramLabel", String.class, "FILE");
            specC.getMethod("addPositional", posC).invoke(spec, pb.getClass().getMethod("build").invoke(pb));
            Class<?> clC = l.loadClass("picocli.CommandLine");
            Object cl = clC.getConstructor(Object.class).newInstance(spec);
            Object pr = clC.getMethod("parseArgs", String[].class).invoke(cl, (Object) new String[] {"-n", "7", "f"});
            Object n = pr.getClass().getMethod("matchedOptionValue", String.class, Object.class).invoke(pr, "-n", 0);
            Object pos = pr.getClass().getMethod("matchedPositionalValue", int.class, Object.class).invoke(pr, 0, "");
            String usage = (String) clC.getMethod("getUsageMessage").invoke(cl);
            assertEquals(7, n);
            assertEquals("f", pos);
            assertTrue(usage.contains("How many."), usage);
            return n + " " + pos + "\n" + usage;
        }
    }

    /** {@code target.name(arg)} for a public method of a package-private picocli class. */
    private static void call(Class<?> declaring, Object target, String name, Class<?> type, Object arg)
            throws ReflectiveOperationException {
        java.lang.reflect.Method m = declaring.getDeclaredMethod(name, type);
        m.setAccessible(true);
        m.invoke(target, arg);
    }

    /** class Bad { static long f() { iconst_0; lreturn } }, version 49. */
    private static byte[] badClass() {
        var cw = new org.objectweb.asm.ClassWriter(0);
        cw.visit(org.objectweb.asm.Opcodes.V1_5, org.objectweb.asm.Opcodes.ACC_PUBLIC, "Bad", null, "java/lang/Object",
                null);
        var mv = cw.visitMethod(org.objectweb.asm.Opcodes.ACC_STATIC, "f", "()J", null, null);
        mv.visitCode();
        mv.visitInsn(org.objectweb.asm.Opcodes.ICONST_0);
        mv.visitInsn(org.objectweb.asm.Opcodes.LRETURN);
        mv.visitMaxs(1, 0);
        mv.visitEnd();
        cw.visitEnd();
        return cw.toByteArray();
    }

    private static Map<String, byte[]> entries(Path jar) throws IOException {
        Map<String, byte[]> m = new LinkedHashMap<>();
        try (InputStream in = Files.newInputStream(jar); ZipInputStream z = new ZipInputStream(in)) {
            for (ZipEntry e; (e = z.getNextEntry()) != null; ) {
                m.put(e.getName(), z.readAllBytes());
            }
        }
        return m;
    }

}
