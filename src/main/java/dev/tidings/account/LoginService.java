package dev.tidings.account;

import dev.tidings.web.EmailAddress;
import dev.tidings.web.ProblemException;
import dev.tidings.web.RateLimiter;
import dev.tidings.web.Secrets;
import dev.tidings.web.TidingsConfig;
import dev.tidings.web.Timestamps;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.Locale;
import java.util.UUID;

/**
 * Password login and logout. Failures are counted per account and per client address in
 * PostgreSQL (so every replica sees them); over the limit the answer is 429 before any password is
 * checked. An unknown address and a wrong password cost the same bcrypt work and give the same 401.
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

    /** Answers the new session's token (for the cookie). */
    public Uni<String> login(EmailAddress email, String password, String clientAddress) {
        String accountKey = "login-account:" + email.value().toLowerCase(Locale.ROOT);
        String addressKey = "login-address:" + clientAddress;
        TidingsConfig.Throttle throttle = config.loginThrottle();
        return Uni.combine()
                .all()
                .unis(
                        limiter.waitTime(accountKey, throttle.perAccount(), throttle.window()),
                        limiter.waitTime(addressKey, throttle.perAddress(), throttle.window()))
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
                                return limiter.hit(accountKey, throttle.perAccount(), throttle.window())
                                        .flatMap(w -> limiter.hit(addressKey, throttle.perAddress(), throttle.window()))
                                        .flatMap(w -> Uni.createFrom().failure(badCredentials()));
                            }
                            if (!account.isVerified()) {
                                return Uni.createFrom()
                                        .failure(new ProblemException(
                                                403,
                                                "unverified-account",
                                                "Account not verified",
                                                "Confirm your email address with the code we sent before signing in"));
                            }
                            return limiter.reset(accountKey).flatMap(x -> newSession(account.id));
                        }));
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
