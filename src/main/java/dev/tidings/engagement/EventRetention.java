package dev.tidings.engagement;

import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

/**
 * Deletes raw engagement events older than {@code tidings.events.retention} (default 90 days),
 * in batches of 5,000 so that no statement holds many rows; the aggregates stay.
 */
@ApplicationScoped
public class EventRetention {

    private static final Logger LOG = Logger.getLogger(EventRetention.class);
    static final int BATCH = 5000;

    private final EngagementStore store;

    public EventRetention(EngagementStore store) {
        this.store = store;
    }

    @Scheduled(every = "1h", delayed = "1m", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    Uni<Void> expire() {
        return expireAll(0)
                .invoke(n -> {
                    if (n > 0) {
                        LOG.infof("deleted %d engagement events past their retention", n);
                    }
                })
                .replaceWithVoid()
                .onFailure()
                .recoverWithNull();
    }

    /** Deletes batch after batch until none is left; answers how many in all. */
    Uni<Integer> expireAll(int sofar) {
        return store.expire(BATCH).flatMap(n -> n < BATCH ? Uni.createFrom().item(sofar + n) : expireAll(sofar + n));
    }
}
