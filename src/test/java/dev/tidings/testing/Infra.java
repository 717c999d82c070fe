package dev.tidings.testing;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Starts pieces of the real infrastructure (built by infra/pom.xml into target/infra) as child
 * JVMs, the same way the local run does.
 */
public final class Infra {

    private Infra() {}

    public static Path infraDir() {
        return Path.of(System.getProperty("infra.dir", "target/infra")).toAbsolutePath();
    }

    public static Path workDir(String name) throws IOException {
        Path dir = Path.of("target", "test-infra", name).toAbsolutePath();
        Files.createDirectories(dir);
        return dir;
    }

    /** {@code Stack <component> args...} in a JVM of its own, output to {@code log}. */
    public static Process stack(Path log, String component, String... args) throws IOException {
        Path lib = infraDir().resolve("lib");
        if (!Files.exists(lib.resolve("tidings-infra.jar"))) {
            throw new IllegalStateException(lib + " is missing: run the build through Maven (./mvnw verify)");
        }
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx512m",
                "-cp",
                lib.resolve("*").toString(),
                "dev.tidings.infra.Stack",
                component));
        command.addAll(List.of(args));
        return new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
    }

    public static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    public static boolean isOpen(int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    public static void awaitLine(Process process, Path log, String line, Duration timeout) {
        Instant deadline = Instant.now().plus(timeout);
        try {
            while (!Files.exists(log) || !Files.readString(log).contains(line)) {
                if (!process.isAlive()) {
                    throw new IllegalStateException("process exited; its log " + log + ":\n" + tail(log));
                }
                if (Instant.now().isAfter(deadline)) {
                    throw new IllegalStateException(
                            "no '" + line + "' within " + timeout + "; log " + log + ":\n" + tail(log));
                }
                Thread.sleep(100);
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public static void stop(Process process) {
        if (process == null || !process.isAlive()) {
            return;
        }
        process.destroy();
        try {
            if (!process.waitFor(Duration.ofSeconds(30).toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)) {
                process.destroyForcibly().waitFor();
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    private static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
        } catch (IOException e) {
            return "(no log)";
        }
    }
}
