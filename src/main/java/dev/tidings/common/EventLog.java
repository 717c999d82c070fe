package dev.tidings.common;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.concurrent.CompletableFuture;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.jboss.logging.Logger;

/**
 * Puts engagement events on {@code tidings.events} (idempotent producer, acks=all). {@link
 * #append} completes when the broker has the event: the tracking endpoints answer only then, so
 * an answered event survives a crash of this instance.
 */
@ApplicationScoped
public class EventLog {

    private static final Logger LOG = Logger.getLogger(EventLog.class);

    private final MutinyEmitter<String> emitter;
    private final ObjectMapper json;

    public EventLog(@Channel("events-out") MutinyEmitter<String> emitter, ObjectMapper json) {
        this.emitter = emitter;
        this.json = json;
    }

    public Uni<Void> append(EngagementEvent event) {
        String payload;
        try {
            payload = json.writeValueAsString(event);
        } catch (JsonProcessingException e) {
            return Uni.createFrom().failure(e);
        }
        String key = String.valueOf(event.issueId() != null ? event.issueId() : event.subscriberId());
        return Uni.createFrom()
                .emitter(done -> emitter.sendMessageAndForget(Message.of(payload)
                        .addMetadata(OutgoingKafkaRecordMetadata.<String>builder()
                                .withKey(key)
                                .build())
                        .withAck(() -> {
                            done.complete(null);
                            return CompletableFuture.completedFuture(null);
                        })
                        .withNack(failure -> {
                            done.fail(failure);
                            return CompletableFuture.completedFuture(null);
                        })));
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
