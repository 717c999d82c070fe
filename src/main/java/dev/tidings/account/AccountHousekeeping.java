package dev.tidings.account;

import dev.tidings.web.RateLimiter;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;

/** Deletes expired sessions, old codes and stale throttle counters. Safe on every replica at once. */
@ApplicationScoped
public class AccountHousekeeping {

    private final Pool pool;
    private final RateLimiter limiter;

    public AccountHousekeeping(Pool pool, RateLimiter limiter) {
        this.pool = pool;
        this.limiter = limiter;
    }

    @Scheduled(every = "1h", delayed = "5m", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    Uni<Void> purge() {
        return pool.query("DELETE FROM login_session WHERE expires_at < now()")
                .execute()
                .flatMap(x -> pool.query("DELETE FROM account_code WHERE expires_at < now() - interval '1 day'")
                        .execute())
                .flatMap(x -> limiter.purgeOlderThan(Duration.ofDays(1)))
                .replaceWithVoid();
    }
}
