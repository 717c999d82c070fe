package dev.tidings.delivery;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.Map;

/**
 * The owner of {@code relay_usage}: how many mails went through each relay in each clock hour and
 * UTC day, over every instance. An instance takes a block of tokens at a time with one conditional
 * update (never past the limit, however many instances ask at once) and spends it locally.
 */
@ApplicationScoped
public class RelayWindows {

    private final Pool pool;

    public RelayWindows(Pool pool) {
        this.pool = pool;
    }

    /**
     * Takes up to {@code wanted} tokens of the window; answers how many it got (0: the window is
     * used up). One transaction: the window's row locked, read, moved on; so two instances asking
     * at once get disjoint blocks and the count never passes the limit.
     */
    Uni<Integer> take(String relay, String period, Instant windowStart, int wanted, int limit) {
        Tuple key = Tuple.of(relay, period, windowStart.atOffset(ZoneOffset.UTC));
        return pool.withTransaction(
                conn -> conn.preparedQuery("INSERT INTO relay_usage (relay, period, window_start) VALUES ($1, $2, $3)"
                                + " ON CONFLICT DO NOTHING")
                        .execute(key)
                        .flatMap(x -> conn.preparedQuery("SELECT used FROM relay_usage"
                                        + " WHERE relay = $1 AND period = $2 AND window_start = $3 FOR UPDATE")
                                .execute(key))
                        .flatMap(rows -> {
                            int used = rows.iterator().next().getInteger("used");
                            int granted = Math.max(0, Math.min(wanted, limit - used));
                            if (granted == 0) {
                                return Uni.createFrom().item(0);
                            }
                            return conn.preparedQuery("UPDATE relay_usage SET used = used + $4"
                                            + " WHERE relay = $1 AND period = $2 AND window_start = $3")
                                    .execute(Tuple.of(relay, period, windowStart.atOffset(ZoneOffset.UTC), granted))
                                    .replaceWith(granted);
                        }));
    }

    /** Mails counted in each relay's current windows: {@code relay -> period -> used}. */
    Uni<Map<String, Map<String, Integer>>> used(Instant hour, Instant day) {
        return pool.preparedQuery("SELECT relay, period, used FROM relay_usage"
                        + " WHERE (period = 'hour' AND window_start = $1) OR (period = 'day' AND window_start = $2)")
                .execute(Tuple.of(hour.atOffset(ZoneOffset.UTC), day.atOffset(ZoneOffset.UTC)))
                .map(rows -> {
                    Map<String, Map<String, Integer>> used = new HashMap<>();
                    rows.forEach(r -> used.computeIfAbsent(r.getString("relay"), k -> new HashMap<>())
                            .put(r.getString("period"), r.getInteger("used")));
                    return used;
                });
    }

    /** Windows over for more than two days are deleted (they are only ever read while current). */
    Uni<Void> forgetOld() {
        return pool.query("DELETE FROM relay_usage WHERE window_start < now() - interval '2 days'")
                .execute()
                .replaceWithVoid();
    }
}
