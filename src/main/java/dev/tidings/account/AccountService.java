package dev.tidings.account;

import dev.tidings.account.AccountCode.Purpose;
import dev.tidings.common.EmailAddress;
import dev.tidings.common.ProblemException;
import dev.tidings.common.RateLimiter;
import dev.tidings.common.Secrets;
import dev.tidings.common.Timestamps;
import dev.tidings.config.TidingsConfig;
import dev.tidings.config.TidingsConfig.AddressThrottle;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.UUID;
import org.hibernate.exception.ConstraintViolationException;

/**
 * Sign-up, verification and password reset. Every answer is the same for known and unknown
 * addresses; what differs is only which mail, if any, goes out afterwards.
 */
@ApplicationScoped
public class AccountService {

    private final AccountRepository accounts;
    private final AccountCodeRepository codes;
    private final LoginSessionRepository sessions;
    private final ApiTokenRepository tokens;
    private final PasswordHasher hasher;
    private final AccountMails mails;
    private final RateLimiter limiter;
    private final TidingsConfig.Auth config;

    public AccountService(
            AccountRepository accounts,
            AccountCodeRepository codes,
            LoginSessionRepository sessions,
            ApiTokenRepository tokens,
            PasswordHasher hasher,
            AccountMails mails,
            RateLimiter limiter,
            TidingsConfig config) {
        this.accounts = accounts;
        this.codes = codes;
        this.sessions = sessions;
        this.tokens = tokens;
        this.hasher = hasher;
        this.mails = mails;
        this.limiter = limiter;
        this.config = config.auth();
    }

    /**
     * New address: an unverified account and a code. Unverified account: a new code, but the
     * password chosen first stays (a second sign-up must not replace it: whoever verifies would
     * then sign in with a password someone else chose). Verified account: a notice. Sign-ups are
     * counted per client address before any password is hashed; code mails per client address.
     */
    public Uni<Void> signup(EmailAddress email, String password, String name, String clientAddress) {
        AddressThrottle throttle = config.signupThrottle();
        return limitPerAddress("signup-address:" + clientAddress, throttle)
                .flatMap(x -> hasher.hash(password))
                .flatMap(hash -> mayMailCodes(clientAddress)
                        .flatMap(allowed -> !allowed
                                ? Uni.createFrom().item((Runnable) () -> {})
                                : Panache.withTransaction(() -> register(email, hash, name))))
                // Two sign-ups racing for one new address: the other one sent the code.
                .onFailure(AccountService::isUniqueViolation)
                .recoverWithItem(() -> () -> {})
                .invoke(Runnable::run)
                .replaceWithVoid();
    }

    private Uni<Runnable> register(EmailAddress email, String hash, String name) {
        return accounts.findByEmail(email).flatMap(existing -> {
            if (existing != null && existing.isVerified()) {
                return Uni.createFrom().item(() -> mails.alreadyRegistered(email));
            }
            if (existing != null) {
                return issueCode(existing.id, Purpose.VERIFY).map(code -> () -> mails.signupAgain(email, code));
            }
            Account account = new Account();
            account.id = UUID.randomUUID();
            account.email = email.value();
            account.createdAt = Timestamps.now();
            account.passwordHash = hash;
            account.name = blankToNull(name);
            return accounts.persist(account)
                    .flatMap(saved -> issueCode(saved.id, Purpose.VERIFY))
                    .map(code -> () -> mails.verificationCode(email, code));
        });
    }

    /** A wrong, used, expired or exhausted code is a 400; a wrong guess still counts. */
    public Uni<Void> verify(EmailAddress email, String code, String clientAddress) {
        return limitPerAddress("code-address:" + clientAddress, config.codeThrottle())
                .flatMap(x -> mayGuessCode(email))
                .flatMap(mayGuess -> !mayGuess
                        ? Uni.createFrom().item(false)
                        : Panache.<Boolean>withTransaction(() -> accounts.findByEmail(email)
                                .flatMap(account -> account == null
                                        ? Uni.createFrom().item(false)
                                        : consumeCode(account.id, Purpose.VERIFY, code)
                                                .invoke(ok -> {
                                                    if (ok) {
                                                        account.verifiedAt = Timestamps.now();
                                                    }
                                                }))))
                .map(AccountService::orInvalidCode);
    }

    public Uni<Void> requestPasswordReset(EmailAddress email, String clientAddress) {
        return mayMailCodes(clientAddress)
                .flatMap(allowed -> !allowed
                        ? Uni.createFrom().item((Runnable) () -> {})
                        : Panache.withTransaction(() -> accounts.findByEmail(email)
                                .flatMap(account -> account == null
                                        ? Uni.createFrom().item((Runnable) () -> {})
                                        : issueCode(account.id, Purpose.RESET)
                                                .map(code -> () -> mails.resetCode(email, code)))))
                .invoke(Runnable::run)
                .replaceWithVoid();
    }

    /**
     * Sets the new password and ends every session and API token of the account. The code is
     * checked (and used up) first; only then is the new password hashed.
     */
    public Uni<Void> confirmPasswordReset(EmailAddress email, String code, String newPassword, String clientAddress) {
        return limitPerAddress("code-address:" + clientAddress, config.codeThrottle())
                .flatMap(x -> mayGuessCode(email))
                .flatMap(mayGuess -> !mayGuess
                        ? Uni.createFrom().<UUID>nullItem()
                        : Panache.<UUID>withTransaction(() -> accounts.findByEmail(email)
                                .flatMap(account -> account == null
                                        ? Uni.createFrom().nullItem()
                                        : consumeCode(account.id, Purpose.RESET, code)
                                                .map(ok -> ok ? account.id : null))))
                .flatMap(accountId -> {
                    orInvalidCode(accountId != null);
                    return hasher.hash(newPassword)
                            .flatMap(hash -> Panache.withTransaction(
                                    () -> accounts.findById(accountId).flatMap(account -> {
                                        account.passwordHash = hash;
                                        if (account.verifiedAt == null) {
                                            // Reading the code proves the mailbox, as verification does.
                                            account.verifiedAt = Timestamps.now();
                                        }
                                        return sessions.deleteByAccount(account.id)
                                                .flatMap(n -> tokens.deleteByAccount(account.id));
                                    })));
                })
                .replaceWithVoid();
    }

    /** 429 once a client address has made more than its share of these requests; counted first. */
    private Uni<Void> limitPerAddress(String key, AddressThrottle throttle) {
        return limiter.hit(key, throttle.perAddress(), throttle.window()).map(wait -> {
            if (!wait.isZero()) {
                throw ProblemException.tooManyRequests(wait);
            }
            return null;
        });
    }

    /**
     * Code guesses are counted per address (account or not, so the answer tells nothing) and day,
     * whatever client they come from: per-client limits do not hold against an attacker with many
     * addresses. Beyond the limit every code is refused, unevaluated, until the day is over.
     * Counted on the pool before any transaction, which would hold a connection while it waits.
     */
    private Uni<Boolean> mayGuessCode(EmailAddress email) {
        return limiter.hit("code-guesses:" + email.value(), config.codeGuessesPerDay(), Duration.ofDays(1))
                .map(Duration::isZero);
    }

    /** Code mails are counted per requester: nobody can use up the mails another person needs. */
    private Uni<Boolean> mayMailCodes(String clientAddress) {
        return limiter.hit("codes-by:" + clientAddress, config.codesPerHour(), Duration.ofHours(1))
                .map(Duration::isZero);
    }

    private Uni<String> issueCode(UUID accountId, Purpose purpose) {
        String code = Secrets.sixDigitCode();
        AccountCode row = new AccountCode();
        row.id = UUID.randomUUID();
        row.accountId = accountId;
        row.purpose = purpose;
        row.codeHash = codeHash(accountId, purpose, code);
        row.createdAt = Timestamps.now();
        row.expiresAt = row.createdAt.plus(config.codeTtl());
        return codes.persist(row).replaceWith(code);
    }

    /**
     * Only the newest code counts; it must be unused, unexpired and not guessed at too often. The
     * guess is counted first, by a conditional update (so parallel guesses cannot all pass the
     * attempt limit), and compared after; a right code is then used up, once.
     */
    private Uni<Boolean> consumeCode(UUID accountId, Purpose purpose, String code) {
        return codes.newest(accountId, purpose).flatMap(row -> {
            if (row == null) {
                return Uni.createFrom().item(false);
            }
            return codes.countAttempt(row.id, config.codeMaxAttempts()).flatMap(counted -> {
                if (!counted
                        || code == null
                        || !Secrets.constantTimeEquals(row.codeHash, codeHash(accountId, purpose, code.strip()))) {
                    return Uni.createFrom().item(false);
                }
                return codes.markUsed(row.id);
            });
        });
    }

    private static String codeHash(UUID accountId, Purpose purpose, String code) {
        return Secrets.sha256(accountId + ":" + purpose + ":" + code);
    }

    private static Void orInvalidCode(boolean ok) {
        if (!ok) {
            throw ProblemException.badRequest(
                    "invalid-code",
                    "Invalid code",
                    "The code is wrong, expired or already used; ask for a new one if needed");
        }
        return null;
    }

    private static boolean isUniqueViolation(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof ConstraintViolationException) {
                return true;
            }
        }
        return false;
    }

    static String blankToNull(String value) {
        return value == null || value.isBlank() ? null : value.strip();
    }
}
