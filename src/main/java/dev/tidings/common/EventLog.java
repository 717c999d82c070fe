package dev.tidings.common;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.runtime.ShutdownEvent;
import io.smallrye.common.annotation.Identifier;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.jboss.logging.Logger;

/**
 * Puts engagement events on {@code tidings.events} with an idempotent producer (acks=all).
 * {@link #append} completes when the broker has the event: the tracking endpoints answer only
 * then, so an answered event survives a crash of this instance.
 *
 * <p>A plain Kafka producer rather than a Reactive Messaging emitter: the tracking endpoints are
 * the hottest public routes, and the emitter's per-message machinery (message wrapping, context
 * propagation, a hop through its sender) cost more than the send itself (bench/tracking.sh,
 * README "Engagement").
 */
@ApplicationScoped
public class EventLog {

    private static final Logger LOG = Logger.getLogger(EventLog.class);

    private final ObjectMapper json;
    private final Map<String, Object> kafka;
    private final Duration linger;
    private Producer<String, String> producer;

    public EventLog(
            ObjectMapper json,
            @Identifier("default-kafka-broker") Map<String, Object> kafka,
            dev.tidings.config.TidingsConfig config) {
        this.json = json;
        this.kafka = kafka;
        this.linger = config.events().producerLinger();
    }

    @PostConstruct
    void start() {
        Map<String, Object> settings = new HashMap<>();
        kafka.forEach((key, value) -> {
            if (ProducerConfig.configNames().contains(key)) {
                settings.put(key, value);
            }
        });
        settings.put(ProducerConfig.CLIENT_ID_CONFIG, "tidings-events");
        settings.put(ProducerConfig.ACKS_CONFIG, "all");
        settings.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        // tidings.events.producer-linger: under load fewer produce requests (the broker's and this
        // producer's work per event), at the price of that much on an answer (bench/tracking.sh).
        settings.put(ProducerConfig.LINGER_MS_CONFIG, (int) linger.toMillis());
        // send() runs on the event loop: it may wait for the topic's metadata or for buffer room
        // at most this long (then the event fails and the reader is answered anyway). The
        // metadata is fetched at start (warm), so in steady state send() never waits.
        settings.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 200);
        settings.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 30000);
        settings.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10000);
        producer = new KafkaProducer<>(settings, new StringSerializer(), new StringSerializer());
    }

    /** Made at start (not on a first request on the event loop), with the topic's metadata fetched. */
    void warm(@Observes io.quarkus.runtime.StartupEvent event) {
        for (int attempt = 0; attempt < 25; attempt++) {
            try {
                producer.partitionsFor(EngagementEvent.TOPIC);
                return;
            } catch (RuntimeException notYet) {
                // the topic may be being created by TopicSetup right now
            }
        }
        LOG.warnf("no metadata for %s yet; the first events may wait for it", EngagementEvent.TOPIC);
    }

    void stop(@Observes ShutdownEvent event) {
        if (producer != null) {
            producer.close(Duration.ofSeconds(5));
        }
    }

    public Uni<Void> append(EngagementEvent event) {
        return Uni.createFrom()
                .emitter(done -> send(event, failure -> {
                    if (failure == null) {
                        done.complete(null);
                    } else {
                        done.fail(failure);
                    }
                }));
    }

    /**
     * {@link #append} without Mutiny, for the tracking routes: {@code acknowledged} gets null once
     * the broker has the event, or the failure (on the producer's thread).
     */
    public void send(EngagementEvent event, java.util.function.Consumer<Throwable> acknowledged) {
        String payload;
        try {
            payload = json.writeValueAsString(event);
        } catch (JsonProcessingException e) {
            acknowledged.accept(e);
            return;
        }
        String key = String.valueOf(event.issueId() != null ? event.issueId() : event.subscriberId());
        try {
            producer.send(
                    new ProducerRecord<>(EngagementEvent.TOPIC, key, payload),
                    (metadata, failure) -> acknowledged.accept(failure));
        } catch (RuntimeException e) {
            acknowledged.accept(e);
        }
    }

    /** {@link #append} for events no one waits for (an unsubscribe, a complaint): a failure is logged. */
    public void appendLater(EngagementEvent event) {
        append(event)
                .subscribe()
                .with(
                        ok -> {},
                        failure -> LOG.warnf(
                                "could not record a %s event on %s: %s",
                                event.type(), EngagementEvent.TOPIC, failure.toString()));
    }
}
