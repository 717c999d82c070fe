package dev.tidings.common;

import dev.tidings.config.TidingsConfig;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.UUID;

/**
 * Per-account hourly quotas on the mails a writer can make Tidings send to addresses of their
 * choosing, outside of a published issue: test sends and confirmation mails for subscribers they
 * add or import as pending. Counted in PostgreSQL (all replicas share them), taken atomically so
 * parallel requests cannot exceed them. Defaults a real writer does not reach.
 */
@ApplicationScoped
public class MailQuotas {

    private static final Duration HOUR = Duration.ofHours(1);

    private final RateLimiter limiter;
    private final TidingsConfig.Quotas config;

    public MailQuotas(RateLimiter limiter, TidingsConfig config) {
        this.limiter = limiter;
        this.config = config.quotas();
    }

    /** Takes {@code n} test mails of the account's hourly quota, or fails with 429 taking none. */
    public Uni<Void> testMails(UUID accountId, int n) {
        int limit = config.testMailsPerHour();
        return limiter.take("test-mails:" + accountId, n, limit, HOUR, true).map(taken -> {
            if (taken.granted() < n) {
                throw ProblemException.tooManyRequests(
                        "This account may send " + limit + " test mails per hour; try again in "
                                + Math.max(1, taken.retryAfter().toMinutes()) + " minutes",
                        taken.retryAfter());
            }
            return null;
        });
    }

    /** Takes one confirmation mail of the account's hourly quota, or fails with 429. */
    public Uni<Void> confirmationMail(UUID accountId) {
        int limit = config.confirmationMailsPerHour();
        return limiter.take("confirmations:" + accountId, 1, limit, HOUR, true).map(taken -> {
            if (taken.granted() < 1) {
                throw ProblemException.tooManyRequests(
                        "This account may have " + limit + " confirmation mails sent per hour; add the subscriber"
                                + " later, or as active if they have already agreed",
                        taken.retryAfter());
            }
            return null;
        });
    }

    /** Takes up to {@code n} confirmation mails; answers how many may be sent. */
    public Uni<Integer> confirmationMails(UUID accountId, int n) {
        return limiter.take("confirmations:" + accountId, n, config.confirmationMailsPerHour(), HOUR, false)
                .map(RateLimiter.Taken::granted);
    }

    public int confirmationMailsPerHour() {
        return config.confirmationMailsPerHour();
    }
}
