package dev.tidings.delivery;

import dev.tidings.config.TidingsConfig;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.jboss.logging.Logger;

/**
 * Send-record retention: an issue that finished (sent or cancelled) more than {@code
 * tidings.delivery.send-retention} ago (default 90 days) keeps its counts by status ({@code
 * send_count}) and by relay ({@code send_rollup_relay}), and its per-send rows are deleted in
 * batches of {@code send-retention-batch}, one short transaction each. The delivery view and the
 * archive keep working; the sends list of such an issue is empty and the view says since when
 * ({@code sendsRolledUpAt}). Replicas may run it at once: batches skip rows another one holds,
 * and a rollup cut short is finished by the next run.
 */
@ApplicationScoped
public class SendRetention {

    private static final Logger LOG = Logger.getLogger(SendRetention.class);
    /** Issues taken per query for due ones; a run goes on until none is left. */
    static final int ISSUES_PER_QUERY = 20;

    private final DeliveryStore store;
    private final Duration retention;
    private final int batch;
    private final Counter deleted;

    public SendRetention(DeliveryStore store, TidingsConfig config, MeterRegistry registry) {
        this.store = store;
        this.retention = config.delivery().sendRetention();
        this.batch = Math.max(1, config.delivery().sendRetentionBatch());
        this.deleted = Counter.builder("tidings.send.records.rolled.up")
                .description("Per-send records deleted by the send retention (their issue's counts stay)")
                .register(registry);
    }

    @Scheduled(every = "1h", delayed = "2m", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    Uni<Void> scheduled() {
        return rollUp().invoke(n -> {
                    if (n > 0) {
                        LOG.infof("rolled up %d send records of issues finished more than %s ago", n, retention);
                    }
                })
                .replaceWithVoid()
                .onFailure()
                .recoverWithItem(failure -> {
                    LOG.warnf("send retention stopped (it goes on at the next run): %s", failure.getMessage());
                    return null;
                });
    }

    /**
     * Rolls up every due issue; answers how many send records were deleted. Goes on while a full
     * set of due issues gave up rows (so a run ends even if another replica holds the last ones).
     */
    Uni<Long> rollUp() {
        return store.dueForRollup(retention, ISSUES_PER_QUERY)
                .flatMap(due -> due.isEmpty()
                        ? Uni.createFrom().item(0L)
                        : each(due, 0, 0L)
                                .flatMap(n -> n > 0 && due.size() == ISSUES_PER_QUERY
                                        ? rollUp().map(more -> n + more)
                                        : Uni.createFrom().item(n)));
    }

    private Uni<Long> each(List<UUID> issues, int at, long sofar) {
        if (at == issues.size()) {
            return Uni.createFrom().item(sofar);
        }
        UUID issue = issues.get(at);
        return store.startRollup(issue)
                .flatMap(x -> deleteAll(issue, 0L))
                .flatMap(n -> store.finishRollup(issue, n).replaceWith(n))
                .flatMap(n -> each(issues, at + 1, sofar + n));
    }

    private Uni<Long> deleteAll(UUID issue, long sofar) {
        return store.deleteRolledUp(issue, batch).flatMap(n -> {
            deleted.increment(n);
            return n < batch ? Uni.createFrom().item(sofar + n) : deleteAll(issue, sofar + n);
        });
    }
}
