package dev.tidings.account;

import dev.tidings.account.AccountCode.Purpose;
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
import java.time.Instant;
import java.util.Locale;
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
     * New address: an unverified account and a code. Unverified account: its password is replaced
     * and a new code sent (only whoever reads the mailbox can finish). Verified account: a notice.
     */
    public Uni<Void> signup(EmailAddress email, String password, String name) {
        return hasher.hash(password)
                .flatMap(hash -> mayMailCodes(email)
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
            Account account = existing;
            if (account == null) {
                account = new Account();
                account.id = UUID.randomUUID();
                account.email = email.value();
                account.createdAt = Timestamps.now();
            }
            account.passwordHash = hash;
            account.name = blankToNull(name);
            return accounts.persist(account)
                    .flatMap(saved -> issueCode(saved.id, Purpose.VERIFY))
                    .map(code -> () -> mails.verificationCode(email, code));
        });
    }

    /** A wrong, used, expired or exhausted code is a 400; a wrong guess still counts. */
    public Uni<Void> verify(EmailAddress email, String code) {
        return Panache.<Boolean>withTransaction(() -> accounts.findByEmail(email)
                        .flatMap(account -> account == null
                                ? Uni.createFrom().item(false)
                                : consumeCode(account.id, Purpose.VERIFY, code).invoke(ok -> {
                                    if (ok) {
                                        account.verifiedAt = Timestamps.now();
                                    }
                                })))
                .map(AccountService::orInvalidCode);
    }

    public Uni<Void> requestPasswordReset(EmailAddress email) {
        return mayMailCodes(email)
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

    /** Sets the new password and ends every session and API token of the account. */
    public Uni<Void> confirmPasswordReset(EmailAddress email, String code, String newPassword) {
        return hasher.hash(newPassword)
                .flatMap(hash -> Panache.<Boolean>withTransaction(() -> accounts.findByEmail(email)
                        .flatMap(account -> account == null
                                ? Uni.createFrom().item(false)
                                : consumeCode(account.id, Purpose.RESET, code).flatMap(ok -> {
                                    if (!ok) {
                                        return Uni.createFrom().item(false);
                                    }
                                    account.passwordHash = hash;
                                    if (account.verifiedAt == null) {
                                        // Reading the code proves the mailbox, as verification does.
                                        account.verifiedAt = Timestamps.now();
                                    }
                                    return sessions.deleteByAccount(account.id)
                                            .flatMap(n -> tokens.deleteByAccount(account.id))
                                            .replaceWith(true);
                                }))))
                .map(AccountService::orInvalidCode);
    }

    private Uni<Boolean> mayMailCodes(EmailAddress email) {
        return limiter.hit(
                        "codes:" + email.value().toLowerCase(Locale.ROOT), config.codesPerHour(), Duration.ofHours(1))
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

    /** Only the newest code counts; it must be unused, unexpired and not guessed at too often. */
    private Uni<Boolean> consumeCode(UUID accountId, Purpose purpose, String code) {
        return codes.newest(accountId, purpose).map(row -> {
            Instant now = Timestamps.now();
            if (row == null
                    || row.usedAt != null
                    || !row.expiresAt.isAfter(now)
                    || row.attempts >= config.codeMaxAttempts()) {
                return false;
            }
            if (code == null || !Secrets.constantTimeEquals(row.codeHash, codeHash(accountId, purpose, code.strip()))) {
                row.attempts++;
                return false;
            }
            row.usedAt = now;
            return true;
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
