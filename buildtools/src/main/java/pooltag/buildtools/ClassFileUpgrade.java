package pooltag.buildtools;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

import org.objectweb.asm.ClassReader;
import org.objectweb.asm.ClassVisitor;
import org.objectweb.asm.ClassWriter;
import org.objectweb.asm.Opcodes;

/**
 * Rewrites class files older than Java 6 (major 50) as Java 8 class files (major 52) with the stack map frames that
 * version requires, computed by ASM; the bytecode itself is unchanged.
 *
 * <p>Why: the JVM verifies a pre-50 class with the old inferencing verifier, which records no verification
 * constraints, so a class-data archive cannot keep such a class once it has been linked: JDK 25's AOT cache drops
 * it ({@code -Xlog:aot}: "Skipping picocli/CommandLine: Old class has been linked") and every run loads, parses and
 * verifies it from the jar again. picocli is compiled for Java 5; its classes were the whole of pooltag's command
 * line that the launcher's AOT cache could not hold (docs/PERFORMANCE.md, start-up).
 *
 * <p>Safety: a major-52 class is checked by the type-checking verifier against the frames written here, with no
 * fallback to the old verifier, so a wrong frame is a {@link VerifyError}, never a behaviour change; and
 * {@link #verify} links every rewritten class before it is written out, so such an error fails the build.
 */
public final class ClassFileUpgrade {
    /** The first class-file version that the type-checking verifier handles (Java 6). */
    static final int FIRST_VERIFIABLE = Opcodes.V1_6;
    /** The version written: Java 8, where stack map frames are mandatory (no fallback to the old verifier). */
    static final int TARGET = Opcodes.V1_8;

    private ClassFileUpgrade() {
    }

    /**
     * Every class file of {@code jar} older than Java 6 (outside META-INF), rewritten and verified, by entry name
     * ({@code picocli/CommandLine.class}) in the jar's order. Classes of Java 6 and later are left out: they need
     * nothing.
     */
    public static Map<String, byte[]> upgradeJar(Path jar) throws IOException {
        Map<String, byte[]> all = new LinkedHashMap<>();
        try (InputStream in = Files.newInputStream(jar); ZipInputStream z = new ZipInputStream(in)) {
            for (ZipEntry e; (e = z.getNextEntry()) != null; ) {
                if (e.getName().endsWith(".class") && !e.getName().startsWith("META-INF/")) {
                    all.put(e.getName(), z.readAllBytes());
                }
            }
        }
        ClassLoader original = new BytesLoader(all);
        Map<String, byte[]> upgraded = new LinkedHashMap<>();
        for (var e : all.entrySet()) {
            if (major(e.getValue()) < FIRST_VERIFIABLE) {
                upgraded.put(e.getKey(), upgrade(e.getValue(), original));
            }
        }
        Map<String, byte[]> merged = new LinkedHashMap<>(all);
        merged.putAll(upgraded);
        verify(merged, upgraded.keySet());
        return upgraded;
    }

    /** The class file's major version (bytes 6-7, big-endian). */
    static int major(byte[] classFile) {
        return (classFile[6] & 0xff) << 8 | classFile[7] & 0xff;
    }

    /**
     * One class file at {@link #TARGET} with frames computed from scratch; {@code frames} loads the classes whose
     * common superclass a frame at a merge point needs.
     */
    static byte[] upgrade(byte[] classFile, ClassLoader frames) {
        ClassReader r = new ClassReader(classFile);
        ClassWriter w = new ClassWriter(ClassWriter.COMPUTE_FRAMES) {
            @Override
            protected ClassLoader getClassLoader() {
                return frames;
            }
        };
        r.accept(new ClassVisitor(Opcodes.ASM9, w) {
            @Override
            public void visit(int version, int access, String name, String signature, String superName,
                    String[] interfaces) {
                super.visit(TARGET, access, name, signature, superName, interfaces);
            }
        }, ClassReader.SKIP_FRAMES);
        return w.toByteArray();
    }

    /**
     * Links every class of {@code check} (entry names) from {@code classes} in a loader of its own, so that the
     * verifier runs on each: a {@link VerifyError} (or any other linkage error) propagates. Initialization runs too
     * (the JDK has no public way to link without it); a class whose initializer throws has been verified already,
     * so that is no failure here.
     */
    static void verify(Map<String, byte[]> classes, Iterable<String> check) {
        BytesLoader loader = new BytesLoader(classes);
        for (String entry : check) {
            String name = entry.substring(0, entry.length() - ".class".length()).replace('/', '.');
            try {
                Class.forName(name, true, loader);
            } catch (ExceptionInInitializerError ignored) {
                // linked and verified; only its static initializer failed, outside a program that uses it
            } catch (ClassNotFoundException e) {
                throw new NoClassDefFoundError(name);
            }
        }
    }

    /** Defines classes from their bytes (entry name to class file), the JDK's classes from the platform loader. */
    private static final class BytesLoader extends ClassLoader {
        private final Map<String, byte[]> classes;

        BytesLoader(Map<String, byte[]> classes) {
            super(ClassLoader.getPlatformClassLoader());
            this.classes = classes;
        }

        @Override
        protected Class<?> findClass(String name) throws ClassNotFoundException {
            byte[] b = classes.get(name.replace('.', '/') + ".class");
            if (b == null) {
                throw new ClassNotFoundException(name);
            }
            return defineClass(name, b, 0, b.length);
        }

        @Override
        protected java.net.URL findResource(String name) {
            return null;
        }
    }
}
