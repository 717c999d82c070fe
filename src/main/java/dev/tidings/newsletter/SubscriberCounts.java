package dev.tidings.newsletter;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;

/**
 * Subscribers per status, read from the counters that triggers keep in {@code subscriber_count}:
 * one small indexed read, however many subscribers there are.
 */
@ApplicationScoped
public class SubscriberCounts {

    public record Counts(long pending, long active, long unsubscribed, long bounced, long complained) {
        static final Counts NONE = new Counts(0, 0, 0, 0, 0);

        static Counts of(Map<String, Long> byStatus) {
            return new Counts(
                    byStatus.getOrDefault("pending", 0L),
                    byStatus.getOrDefault("active", 0L),
                    byStatus.getOrDefault("unsubscribed", 0L),
                    byStatus.getOrDefault("bounced", 0L),
                    byStatus.getOrDefault("complained", 0L));
        }
    }

    private final Pool pool;

    public SubscriberCounts(Pool pool) {
        this.pool = pool;
    }

    public Uni<Map<UUID, Counts>> of(Collection<UUID> newsletterIds) {
        if (newsletterIds.isEmpty()) {
            return Uni.createFrom().item(Map.of());
        }
        return pool.preparedQuery("SELECT newsletter_id, status, n FROM subscriber_count WHERE newsletter_id = ANY($1)")
                .execute(Tuple.of(newsletterIds.toArray(UUID[]::new)))
                .map(rows -> {
                    Map<UUID, Map<String, Long>> grouped = new HashMap<>();
                    for (Row row : rows) {
                        grouped.computeIfAbsent(row.getUUID("newsletter_id"), k -> new HashMap<>())
                                .put(row.getString("status"), row.getLong("n"));
                    }
                    Map<UUID, Counts> counts = new HashMap<>();
                    for (UUID id : newsletterIds) {
                        counts.put(id, grouped.containsKey(id) ? Counts.of(grouped.get(id)) : Counts.NONE);
                    }
                    return counts;
                });
    }
}
