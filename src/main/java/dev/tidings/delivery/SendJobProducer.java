package dev.tidings.delivery;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Message;

/**
 * Puts send records on Kafka, {@code jobSize} per record, keyed by the first send id so that jobs
 * spread over the partitions. The returned Uni completes when the broker has every record
 * (idempotent producer, acks=all), which is what lets callers commit their cursor afterwards.
 */
@ApplicationScoped
public class SendJobProducer {

    private final MutinyEmitter<String> emitter;
    private final ObjectMapper json;
    private final int jobSize;

    public SendJobProducer(
            @Channel("send-jobs-out") MutinyEmitter<String> emitter,
            ObjectMapper json,
            dev.tidings.config.TidingsConfig config) {
        this.emitter = emitter;
        this.json = json;
        this.jobSize = config.delivery().jobSize();
    }

    public Uni<Void> produce(UUID issueId, List<UUID> sendIds) {
        if (sendIds.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        List<Uni<Void>> sends = new ArrayList<>();
        for (int i = 0; i < sendIds.size(); i += jobSize) {
            List<UUID> slice = sendIds.subList(i, Math.min(sendIds.size(), i + jobSize));
            sends.add(emit(new SendJob(issueId, List.copyOf(slice))));
        }
        return Multi.createFrom()
                .iterable(sends)
                .onItem()
                .transformToUniAndMerge(u -> u)
                .collect()
                .last()
                .replaceWithVoid();
    }

    private Uni<Void> emit(SendJob job) {
        String payload;
        try {
            payload = json.writeValueAsString(job);
        } catch (JsonProcessingException e) {
            return Uni.createFrom().failure(e);
        }
        return Uni.createFrom()
                .emitter(done -> emitter.sendMessageAndForget(Message.of(payload)
                        .addMetadata(OutgoingKafkaRecordMetadata.<String>builder()
                                .withKey(job.sendIds().get(0).toString())
                                .build())
                        .withAck(() -> {
                            done.complete(null);
                            return java.util.concurrent.CompletableFuture.completedFuture(null);
                        })
                        .withNack(failure -> {
                            done.fail(failure);
                            return java.util.concurrent.CompletableFuture.completedFuture(null);
                        })));
    }
}
