package dev.tidings.common;

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

    /** A quota taken from: how many of the requested units were granted, and the wait for more. */
    public record Taken(int granted, Duration retryAfter) {}

    /**
     * Takes up to {@code n} units of a quota of {@code limit} per window, atomically (the row is
     * locked for the moment it takes), so parallel requests never take more than the quota.
     * {@code allOrNothing}: grant all {@code n} or none.
     */
    public Uni<Taken> take(String key, int n, int limit, Duration window, boolean allOrNothing) {
        String hashed = hash(key);
        double seconds = window.toSeconds();
        return pool.withTransaction(connection -> connection
                .preparedQuery(
                        "INSERT INTO rate_limit (key, window_start, hits) VALUES ($1, now(), 0) ON CONFLICT DO NOTHING")
                .execute(Tuple.of(hashed))
                .flatMap(x -> connection
                        .preparedQuery(
                                """
                                SELECT CASE WHEN window_start <= now() - make_interval(secs => $2) THEN 0 ELSE hits END AS used,
                                       CASE WHEN window_start <= now() - make_interval(secs => $2) THEN $2
                                            ELSE extract(epoch FROM window_start + make_interval(secs => $2) - now())
                                       END AS remaining
                                FROM rate_limit WHERE key = $1 FOR UPDATE
                                """)
                        .execute(Tuple.of(hashed, seconds)))
                .flatMap(rows -> {
                    Row row = rows.iterator().next();
                    int used = row.getInteger("used");
                    double remaining = row.getNumeric("remaining").doubleValue();
                    int available = Math.max(0, limit - used);
                    int granted = allOrNothing ? (n <= available ? n : 0) : Math.min(n, available);
                    Duration wait =
                            granted < n ? Duration.ofSeconds(Math.max(1, (long) Math.ceil(remaining))) : Duration.ZERO;
                    if (granted == 0) {
                        return Uni.createFrom().item(new Taken(0, wait));
                    }
                    return connection
                            .preparedQuery(
                                    """
                                    UPDATE rate_limit SET
                                      hits = CASE WHEN window_start <= now() - make_interval(secs => $2) THEN $3 ELSE hits + $3 END,
                                      window_start = CASE WHEN window_start <= now() - make_interval(secs => $2)
                                                          THEN now() ELSE window_start END
                                    WHERE key = $1
                                    """)
                            .execute(Tuple.of(hashed, seconds, granted))
                            .replaceWith(new Taken(granted, wait));
                }));
    }

    /** Gives back one counted event (a login that turned out right need not count against its address). */
    public Uni<Void> refund(String key) {
        return pool.preparedQuery("UPDATE rate_limit SET hits = greatest(hits - 1, 0) WHERE key = $1")
                .execute(Tuple.of(hash(key)))
                .replaceWithVoid();
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
