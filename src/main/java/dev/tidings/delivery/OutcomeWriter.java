package dev.tidings.delivery;

import dev.tidings.subscriber.SubscriberRepository;
import io.quarkus.runtime.ShutdownEvent;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.UniEmitter;
import io.vertx.mutiny.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.jboss.logging.Logger;

/**
 * Collects outcomes and writes them in batches (up to {@value #MAX_BATCH} per statement, or
 * whatever arrived within {@value #MAX_WAIT_MS} ms) through {@link DeliveryStore}; bounced
 * subscribers are then suppressed through the subscriber repository. Each caller's Uni completes once its outcome
 * is stored, so a Kafka record is acknowledged only after all its outcomes are in PostgreSQL.
 */
@ApplicationScoped
public class OutcomeWriter {

    private static final Logger LOG = Logger.getLogger(OutcomeWriter.class);
    static final int MAX_BATCH = 500;
    static final long MAX_WAIT_MS = 10;

    private record Pending(Outcome outcome, UniEmitter<? super Void> done) {}

    private final DeliveryStore store;
    private final SubscriberRepository subscribers;
    private final Vertx vertx;
    private final Object lock = new Object();
    private List<Pending> buffer = new ArrayList<>();
    private boolean timerSet;

    public OutcomeWriter(DeliveryStore store, SubscriberRepository subscribers, Vertx vertx) {
        this.store = store;
        this.subscribers = subscribers;
        this.vertx = vertx;
    }

    public Uni<Void> record(Outcome outcome) {
        return Uni.createFrom().emitter(done -> {
            List<Pending> full = null;
            synchronized (lock) {
                buffer.add(new Pending(outcome, done));
                if (buffer.size() >= MAX_BATCH) {
                    full = take();
                } else if (!timerSet) {
                    timerSet = true;
                    vertx.setTimer(MAX_WAIT_MS, id -> flush());
                }
            }
            if (full != null) {
                write(full);
            }
        });
    }

    private void flush() {
        List<Pending> batch;
        synchronized (lock) {
            timerSet = false;
            batch = take();
        }
        write(batch);
    }

    private List<Pending> take() {
        List<Pending> batch = buffer;
        buffer = new ArrayList<>();
        return batch;
    }

    private void write(List<Pending> batch) {
        if (batch.isEmpty()) {
            return;
        }
        List<Outcome> outcomes = batch.stream().map(Pending::outcome).toList();
        List<java.util.UUID> bounced = outcomes.stream()
                .filter(o -> o.status() == SendStatus.BOUNCED)
                .map(Outcome::subscriberId)
                .toList();
        // A bounce also suppresses the subscriber, so that no further issue goes to the address.
        store.record(outcomes)
                .flatMap(x -> bounced.isEmpty() ? Uni.createFrom().voidItem() : subscribers.markBounced(bounced))
                .onFailure()
                .retry()
                .withBackOff(Duration.ofMillis(100), Duration.ofSeconds(5))
                .atMost(10)
                .subscribe()
                .with(ok -> batch.forEach(p -> p.done().complete(null)), failure -> {
                    LOG.errorf("could not store %d send outcomes: %s", batch.size(), failure.getMessage());
                    batch.forEach(p -> p.done().fail(failure));
                });
    }

    void flushOnShutdown(@Observes ShutdownEvent event) {
        flush();
    }
}
