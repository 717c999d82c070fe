package dev.tidings.account;

import dev.tidings.common.EmailAddress;
import dev.tidings.common.ProblemException;
import dev.tidings.common.RateLimiter;
import dev.tidings.common.Secrets;
import dev.tidings.common.Timestamps;
import dev.tidings.config.TidingsConfig;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.Locale;
import java.util.UUID;

/**
 * Password login and logout. Attempts are counted per account and per client address in
 * PostgreSQL (so every replica sees them) before anything is checked; over the limit the answer is
 * 429 and no password is checked. An unknown address and a wrong password cost the same bcrypt work and give the same 401.
 */
@ApplicationScoped
public class LoginService {

    private final AccountRepository accounts;
    private final LoginSessionRepository sessions;
    private final PasswordHasher hasher;
    private final RateLimiter limiter;
    private final TidingsConfig.Auth config;

    public LoginService(
            AccountRepository accounts,
            LoginSessionRepository sessions,
            PasswordHasher hasher,
            RateLimiter limiter,
            TidingsConfig config) {
        this.accounts = accounts;
        this.sessions = sessions;
        this.hasher = hasher;
        this.limiter = limiter;
        this.config = config.auth();
    }

    /**
     * Answers the new session's token (for the cookie). Every attempt is counted first, with one
     * atomic upsert per key, and checked after: parallel guesses cannot all slip under the limit,
     * and no password is checked once it is passed. A right password takes its count back.
     */
    public Uni<String> login(EmailAddress email, String password, String clientAddress) {
        String accountKey = "login-account:" + email.value().toLowerCase(Locale.ROOT);
        String addressKey = "login-address:" + clientAddress;
        TidingsConfig.Throttle throttle = config.loginThrottle();
        return Uni.combine()
                .all()
                .unis(
                        limiter.hit(accountKey, throttle.perAccount(), throttle.window()),
                        limiter.hit(addressKey, throttle.perAddress(), throttle.window()))
                .with((a, b) -> a.compareTo(b) >= 0 ? a : b)
                .flatMap(wait -> {
                    if (!wait.isZero()) {
                        return Uni.createFrom().failure(ProblemException.tooManyRequests(wait));
                    }
                    return Panache.withSession(() -> accounts.findByEmail(email));
                })
                .flatMap(account -> hasher.matches(password, account == null ? null : account.passwordHash)
                        .flatMap(matches -> {
                            if (!matches) {
                                return Uni.createFrom().failure(badCredentials());
                            }
                            Uni<Void> refund = limiter.reset(accountKey).flatMap(x -> limiter.refund(addressKey));
                            if (!account.isVerified()) {
                                return refund.flatMap(x -> Uni.createFrom()
                                        .failure(new ProblemException(
                                                403,
                                                "unverified-account",
                                                "Account not verified",
                                                "Confirm your email address with the code we sent before signing in")));
                            }
                            return refund.flatMap(x -> newSession(account.id));
                        }));
    }

    /**
     * A session for an account whose address was just confirmed with its emailed code, in the
     * browser that signed it up (the web admin proves that with a signed cookie of its own). Null
     * when the account does not exist or is not verified.
     */
    public Uni<String> sessionAfterVerification(EmailAddress email) {
        return Panache.withSession(() -> accounts.findByEmail(email))
                .flatMap(account -> account == null || !account.isVerified()
                        ? Uni.createFrom().nullItem()
                        : newSession(account.id));
    }

    public Uni<Void> logout(String sessionToken) {
        if (sessionToken == null || sessionToken.isBlank()) {
            return Uni.createFrom().voidItem();
        }
        return Panache.withTransaction(() -> sessions.deleteByTokenHash(Secrets.sha256(sessionToken)))
                .replaceWithVoid();
    }

    public Duration sessionTtl() {
        return config.sessionTtl();
    }

    private Uni<String> newSession(UUID accountId) {
        String token = Secrets.newToken("");
        LoginSession session = new LoginSession();
        session.id = UUID.randomUUID();
        session.accountId = accountId;
        session.tokenHash = Secrets.sha256(token);
        session.createdAt = Timestamps.now();
        session.expiresAt = session.createdAt.plus(config.sessionTtl());
        return Panache.withTransaction(() -> sessions.persist(session)).replaceWith(token);
    }

    private static ProblemException badCredentials() {
        return new ProblemException(401, "bad-credentials", "Unauthorized", "Wrong email address or password");
    }
}
