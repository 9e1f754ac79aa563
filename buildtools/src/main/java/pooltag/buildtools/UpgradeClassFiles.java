package pooltag.buildtools;

import java.io.IOException;
import java.io.OutputStream;
import java.net.JarURLConnection;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;

import javax.annotation.processing.AbstractProcessor;
import javax.annotation.processing.RoundEnvironment;
import javax.lang.model.SourceVersion;
import javax.lang.model.element.TypeElement;
import javax.tools.Diagnostic;
import javax.tools.StandardLocation;

/**
 * A build step run by javac while it compiles cli's main classes (an annotation processor only in form: it reads no
 * annotation and claims none): writes {@link ClassFileUpgrade}'s rewrite of the pre-Java-6 class files of the jar
 * that holds each class named by the option {@code -Apooltag.upgrade=picocli.CommandLine,...} into the class
 * output, beside cli's own classes. cli's tests then run on the rewritten classes (the class output comes before
 * the dependencies on the class path), and the shaded jar takes them from there (cli's POM excludes the original
 * jar from shading).
 *
 * <p>Why a processor: it is the one hook the offline build has between compiling and shading that runs Java code
 * (Maven's plugins that run programs are not in the local repository). It runs once, in the first round.
 */
public final class UpgradeClassFiles extends AbstractProcessor {
    static final String OPTION = "pooltag.upgrade";
    private boolean done;

    @Override
    public Set<String> getSupportedAnnotationTypes() {
        return Set.of("*");
    }

    @Override
    public Set<String> getSupportedOptions() {
        return Set.of(OPTION);
    }

    @Override
    public SourceVersion getSupportedSourceVersion() {
        return SourceVersion.latestSupported();
    }

    @Override
    public boolean process(Set<? extends TypeElement> annotations, RoundEnvironment round) {
        if (done) {
            return false;
        }
        done = true;
        String option = processingEnv.getOptions().get(OPTION);
        if (option == null || option.isBlank()) {
            error("-A" + OPTION + "=CLASS,... names no class whose jar to upgrade");
            return false;
        }
        for (String cls : option.split(",")) {
            try {
                Path jar = jarOf(cls.strip());
                Map<String, byte[]> upgraded = ClassFileUpgrade.upgradeJar(jar);
                for (var e : upgraded.entrySet()) {
                    try (OutputStream out = processingEnv.getFiler()
                            .createResource(StandardLocation.CLASS_OUTPUT, "", e.getKey()).openOutputStream()) {
                        out.write(e.getValue());
                    }
                }
                processingEnv.getMessager().printMessage(Diagnostic.Kind.NOTE, "UpgradeClassFiles: "
                        + upgraded.size() + " class files of " + jar.getFileName() + " rewritten as Java 8 and verified");
            } catch (IOException | URISyntaxException | RuntimeException | LinkageError e) {
                error("cannot upgrade the class files of the jar of " + cls + ": " + e);
            }
        }
        return false;
    }

    /** The jar on javac's class path (this processor's loader) that holds {@code className}. */
    private Path jarOf(String className) throws IOException, URISyntaxException {
        URL u = UpgradeClassFiles.class.getClassLoader().getResource(className.replace('.', '/') + ".class");
        if (u == null || !"jar".equals(u.getProtocol())) {
            throw new IOException(className + " is not in a jar on the class path (" + u + ")");
        }
        return Path.of(((JarURLConnection) u.openConnection()).getJarFileURL().toURI());
    }

    private void error(String message) {
        processingEnv.getMessager().printMessage(Diagnostic.Kind.ERROR, "UpgradeClassFiles: " + message);
    }
}
