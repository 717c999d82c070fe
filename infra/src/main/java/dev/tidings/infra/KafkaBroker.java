package dev.tidings.infra;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * A single-node Kafka broker in KRaft mode (broker and controller in one process). The log
 * directory survives a restart, so a broker that is stopped and started again on the same
 * directory keeps its topics and committed offsets, as a real one would.
 */
final class KafkaBroker {

    private KafkaBroker() {}

    static void run(Options options) throws Exception {
        int port = options.intValue("port", 19092);
        int controllerPort = options.intValue("controller-port", port + 1);
        Path dir = options.path("dir", "target/kafka");
        Path data = dir.resolve("data");
        Files.createDirectories(data);
        Path properties = dir.resolve("server.properties");
        Files.writeString(properties, serverProperties(port, controllerPort, data, options.intValue("partitions", 12)));

        if (!Files.exists(data.resolve("meta.properties"))) {
            format(properties);
        }
        // Runs until SIGTERM; kafka.Kafka installs its own shutdown hook.
        kafka.Kafka.main(new String[] {properties.toString()});
    }

    /** The storage tool calls System.exit, so it runs in a JVM of its own. */
    private static void format(Path properties) throws IOException, InterruptedException {
        String clusterId = org.apache.kafka.common.Uuid.randomUuid().toString();
        List<String> command = Java.command(
                Java.infraClasspath(), "kafka.tools.StorageTool", "format", "--standalone", "-t", clusterId, "-c",
                properties.toString());
        Process process = new ProcessBuilder(command).inheritIO().start();
        if (process.waitFor() != 0) {
            throw new IllegalStateException("formatting the Kafka log directory failed");
        }
    }

    private static String serverProperties(int port, int controllerPort, Path data, int partitions) {
        return """
                process.roles=broker,controller
                node.id=1
                controller.quorum.bootstrap.servers=127.0.0.1:%2$d
                listeners=PLAINTEXT://127.0.0.1:%1$d,CONTROLLER://127.0.0.1:%2$d
                advertised.listeners=PLAINTEXT://127.0.0.1:%1$d
                controller.listener.names=CONTROLLER
                inter.broker.listener.name=PLAINTEXT
                listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
                log.dirs=%3$s
                num.partitions=%4$d
                auto.create.topics.enable=true
                offsets.topic.replication.factor=1
                offsets.topic.num.partitions=4
                transaction.state.log.replication.factor=1
                transaction.state.log.min.isr=1
                share.coordinator.state.topic.replication.factor=1
                share.coordinator.state.topic.min.isr=1
                group.initial.rebalance.delay.ms=0
                log.retention.hours=24
                """
                .formatted(port, controllerPort, data, partitions);
    }
}
