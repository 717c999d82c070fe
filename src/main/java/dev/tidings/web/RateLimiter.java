package dev.tidings.web;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;

/**
 * Fixed-window counters in PostgreSQL, so that every replica sees the same counts. Keys are stored
 * hashed: they contain email and IP addresses that need not sit in the database.
 */
@ApplicationScoped
public class RateLimiter {

    private final Pool pool;

    public RateLimiter(Pool pool) {
        this.pool = pool;
    }

    /** Counts one event; answers how long to wait when it went over {@code limit}, else zero. */
    public Uni<Duration> hit(String key, int limit, Duration window) {
        return pool.preparedQuery(
                        """
                        INSERT INTO rate_limit AS r (key, window_start, hits) VALUES ($1, now(), 1)
                        ON CONFLICT (key) DO UPDATE SET
                          hits = CASE WHEN r.window_start <= now() - make_interval(secs => $2) THEN 1 ELSE r.hits + 1 END,
                          window_start = CASE WHEN r.window_start <= now() - make_interval(secs => $2)
                                              THEN now() ELSE r.window_start END
                        RETURNING hits, extract(epoch FROM r.window_start + make_interval(secs => $2) - now()) AS remaining
                        """)
                .execute(Tuple.of(hash(key), (double) window.toSeconds()))
                .map(rows -> waitIfOver(rows, limit));
    }

    /** How long {@code key} must wait before its next event, without counting one. */
    public Uni<Duration> waitTime(String key, int limit, Duration window) {
        return pool.preparedQuery(
                        """
                        SELECT hits, extract(epoch FROM window_start + make_interval(secs => $2) - now()) AS remaining
                        FROM rate_limit WHERE key = $1
                        """)
                .execute(Tuple.of(hash(key), (double) window.toSeconds()))
                .map(rows -> waitIfOver(rows, limit - 1));
    }

    public Uni<Void> reset(String key) {
        return pool.preparedQuery("DELETE FROM rate_limit WHERE key = $1")
                .execute(Tuple.of(hash(key)))
                .replaceWithVoid();
    }

    /** Drops counters whose window ended long ago. */
    public Uni<Integer> purgeOlderThan(Duration age) {
        return pool.preparedQuery("DELETE FROM rate_limit WHERE window_start < now() - make_interval(secs => $1)")
                .execute(Tuple.of((double) age.toSeconds()))
                .map(RowSet::rowCount);
    }

    private static Duration waitIfOver(RowSet<Row> rows, int allowed) {
        if (rows.size() == 0) {
            return Duration.ZERO;
        }
        Row row = rows.iterator().next();
        double remaining = row.getNumeric("remaining").doubleValue();
        if (row.getInteger("hits") > allowed && remaining > 0) {
            return Duration.ofSeconds((long) Math.ceil(remaining));
        }
        return Duration.ZERO;
    }

    private static String hash(String key) {
        return Secrets.sha256(key);
    }
}
