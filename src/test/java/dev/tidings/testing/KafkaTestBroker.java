package dev.tidings.testing;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.Map;
import java.util.stream.Stream;

/**
 * A real Kafka broker (KRaft, Kafka 4.3) in a JVM of its own for the tests. Its state lives on
 * disk (ports and pid in {@code broker.state}), so a test can stop it and start it again with
 * {@link #stopBroker()} and {@link #startBroker()} whatever class loader it runs in.
 */
public class KafkaTestBroker implements QuarkusTestResourceLifecycleManager {

    private static final String READY = "Kafka Server started";

    @Override
    public Map<String, String> start() {
        try {
            Path dir = Infra.workDir("kafka");
            deleteTree(dir);
            Files.createDirectories(dir);
            int port = Infra.freePort();
            int controllerPort = Infra.freePort();
            Files.writeString(dir.resolve("broker.state"), port + " " + controllerPort + " 0");
            startBroker();
            return Map.of("kafka.bootstrap.servers", "127.0.0.1:" + port);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void stop() {
        stopBroker();
    }

    /** Starts the broker on its ports and log directory, keeping its data; waits until it serves. */
    public static synchronized void startBroker() {
        try {
            Path dir = Infra.workDir("kafka");
            String[] state = Files.readString(dir.resolve("broker.state")).split(" ");
            Path log = dir.resolve("broker-" + System.currentTimeMillis() + ".log");
            Process process = Infra.stack(
                    log, "kafka", "--port", state[0], "--controller-port", state[1], "--dir", dir.toString());
            Files.writeString(dir.resolve("broker.state"), state[0] + " " + state[1] + " " + process.pid());
            Infra.awaitLine(process, log, READY, Duration.ofSeconds(90));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Stops the broker (SIGTERM, then SIGKILL after 30 s) and waits until it is gone. */
    public static synchronized void stopBroker() {
        try {
            Path stateFile = Infra.workDir("kafka").resolve("broker.state");
            if (!Files.exists(stateFile)) {
                return;
            }
            long pid = Long.parseLong(Files.readString(stateFile).split(" ")[2]);
            ProcessHandle.of(pid).ifPresent(handle -> {
                handle.destroy();
                try {
                    handle.onExit().get(30, java.util.concurrent.TimeUnit.SECONDS);
                } catch (Exception e) {
                    handle.destroyForcibly();
                }
            });
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(path);
            }
        }
    }
}
