package dev.tidings.delivery;

import dev.tidings.config.TidingsConfig;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.common.annotation.Identifier;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.AdminClient;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.errors.TopicExistsException;
import org.jboss.logging.Logger;

/**
 * Creates the send-jobs topic (and its dead-letter topic) and the engagement events topic
 * ({@code tidings.events}, same partition count) if
 * they do not exist; on a managed cluster they may be declared beforehand (see deploy/).
 */
@ApplicationScoped
public class TopicSetup {

    public static final String SEND_JOBS = "tidings.send-jobs";
    public static final String DEAD_LETTERS = "tidings.send-jobs.dlq";

    private static final Logger LOG = Logger.getLogger(TopicSetup.class);

    void create(
            @Observes StartupEvent event,
            @Identifier("default-kafka-broker") Map<String, Object> kafka,
            TidingsConfig config) {
        Map<String, Object> settings = new HashMap<>();
        kafka.forEach((key, value) -> {
            if (AdminClientConfig.configNames().contains(key)) {
                settings.put(key, value);
            }
        });
        settings.put(AdminClientConfig.CLIENT_ID_CONFIG, "tidings-topic-setup");
        try (AdminClient admin = AdminClient.create(settings)) {
            for (NewTopic topic : List.of(
                    new NewTopic(SEND_JOBS, Optional.of(config.delivery().partitions()), Optional.empty()),
                    new NewTopic(DEAD_LETTERS, Optional.of(1), Optional.empty()),
                    new NewTopic(
                            dev.tidings.common.EngagementEvent.TOPIC,
                            Optional.of(config.delivery().partitions()),
                            Optional.empty()))) {
                try {
                    admin.createTopics(List.of(topic)).all().get(15, TimeUnit.SECONDS);
                    LOG.infof("created topic %s with %d partitions", topic.name(), topic.numPartitions());
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof TopicExistsException)) {
                        LOG.warnf(
                                "could not create topic %s: %s",
                                topic.name(), e.getCause().getMessage());
                    }
                }
            }
        } catch (Exception e) {
            LOG.warnf("could not check the Kafka topics: %s", e.getMessage());
        }
    }
}
