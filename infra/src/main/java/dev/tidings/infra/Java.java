package dev.tidings.infra;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** Builds command lines for child JVMs that run with the infrastructure's own jars. */
final class Java {

    private Java() {}

    static String executable() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    /** The directory this launcher's jar was loaded from: {@code target/infra/lib}. */
    static Path libDir() {
        try {
            return Path.of(Stack.class.getProtectionDomain().getCodeSource().getLocation().toURI())
                    .getParent();
        } catch (Exception e) {
            throw new IllegalStateException("cannot locate the infrastructure jars", e);
        }
    }

    /** Every jar but GreenMail's, which is shaded and runs on its own. */
    static String infraClasspath() {
        try (Stream<Path> jars = Files.list(libDir())) {
            return String.join(
                    File.pathSeparator,
                    jars.filter(p -> p.toString().endsWith(".jar"))
                            .filter(p -> !p.getFileName().toString().startsWith("greenmail-standalone"))
                            .map(Path::toString)
                            .sorted()
                            .toList());
        } catch (IOException e) {
            throw new IllegalStateException("cannot list " + libDir(), e);
        }
    }

    static Path greenMailJar() {
        try (Stream<Path> jars = Files.list(libDir())) {
            return jars.filter(p -> p.getFileName().toString().startsWith("greenmail-standalone"))
                    .findFirst()
                    .orElseThrow(() -> new IllegalStateException("greenmail-standalone jar missing in " + libDir()));
        } catch (IOException e) {
            throw new IllegalStateException("cannot list " + libDir(), e);
        }
    }

    static List<String> command(String classpath, String mainClass, String... args) {
        List<String> command = new ArrayList<>(List.of(executable(), "-Xmx512m", "-cp", classpath, mainClass));
        command.addAll(List.of(args));
        return command;
    }
}
