package dev.tidings.account;

import dev.tidings.common.RateLimiter;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;

/** Deletes expired sessions, old codes and stale throttle counters. Safe on every replica at once. */
@ApplicationScoped
public class AccountHousekeeping {

    private final LoginSessionRepository sessions;
    private final AccountCodeRepository codes;
    private final RateLimiter limiter;

    public AccountHousekeeping(LoginSessionRepository sessions, AccountCodeRepository codes, RateLimiter limiter) {
        this.sessions = sessions;
        this.codes = codes;
        this.limiter = limiter;
    }

    @Scheduled(every = "1h", delayed = "5m", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    Uni<Void> purge() {
        return io.quarkus.hibernate.reactive.panache.Panache.withTransaction(
                        () -> sessions.deleteExpired().flatMap(x -> codes.deleteExpired()))
                .flatMap(x -> limiter.purgeOlderThan(Duration.ofDays(1)))
                .replaceWithVoid();
    }
}
