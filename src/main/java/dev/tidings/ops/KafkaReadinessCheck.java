package dev.tidings.ops;

import dev.tidings.config.TidingsConfig;
import io.smallrye.common.annotation.Identifier;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.AdminClient;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/**
 * Ready only while the Kafka cluster answers. Quarkus's own Kafka check waits for the client's
 * default API timeout (a minute) when the broker is gone; a probe needs an answer in seconds.
 */
@Readiness
@ApplicationScoped
public class KafkaReadinessCheck implements HealthCheck {

    private final Map<String, Object> kafkaConfig;
    private final long timeoutMs;
    private volatile AdminClient admin;

    public KafkaReadinessCheck(
            @Identifier("default-kafka-broker") Map<String, Object> kafkaConfig, TidingsConfig config) {
        this.kafkaConfig = kafkaConfig;
        this.timeoutMs = config.health().kafkaTimeout().toMillis();
    }

    @Override
    public HealthCheckResponse call() {
        try {
            int nodes = admin().describeCluster(new DescribeClusterOptions().timeoutMs((int) timeoutMs))
                    .nodes()
                    .get(timeoutMs + 500, TimeUnit.MILLISECONDS)
                    .size();
            return HealthCheckResponse.named("Kafka")
                    .up()
                    .withData("nodes", nodes)
                    .build();
        } catch (Exception e) {
            return HealthCheckResponse.named("Kafka")
                    .down()
                    .withData("reason", "the Kafka cluster did not answer within " + timeoutMs + " ms")
                    .build();
        }
    }

    private AdminClient admin() {
        if (admin == null) {
            synchronized (this) {
                if (admin == null) {
                    Map<String, Object> settings = new HashMap<>();
                    kafkaConfig.forEach((key, value) -> {
                        if (AdminClientConfig.configNames().contains(key)) {
                            settings.put(key, value);
                        }
                    });
                    settings.put(AdminClientConfig.CLIENT_ID_CONFIG, "tidings-readiness");
                    settings.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) timeoutMs);
                    settings.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) timeoutMs);
                    settings.put(AdminClientConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 1000);
                    admin = AdminClient.create(settings);
                }
            }
        }
        return admin;
    }

    @PreDestroy
    void close() {
        if (admin != null) {
            admin.close(java.time.Duration.ofSeconds(1));
        }
    }
}
