package dev.tidings.account;

import dev.tidings.common.Timestamps;
import io.quarkus.hibernate.reactive.panache.PanacheRepositoryBase;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.UUID;

@ApplicationScoped
public class AccountCodeRepository implements PanacheRepositoryBase<AccountCode, UUID> {

    /** The only code of this purpose that counts: the newest one. */
    public Uni<AccountCode> newest(UUID accountId, AccountCode.Purpose purpose) {
        return find("accountId = ?1 and purpose = ?2 order by createdAt desc", accountId, purpose)
                .firstResult();
    }

    /**
     * Counts one guess against a code that may still be guessed (unused, unexpired, under the
     * limit): true when it was counted. One conditional update, so parallel guesses cannot pass.
     */
    public Uni<Boolean> countAttempt(UUID codeId, int maxAttempts) {
        return update(
                        "attempts = attempts + 1 where id = ?1 and usedAt is null and expiresAt > ?2 and attempts < ?3",
                        codeId,
                        Timestamps.now(),
                        maxAttempts)
                .map(n -> n == 1);
    }

    /** Codes expired for a day (housekeeping; a fresh expired code still answers "expired"). */
    public Uni<Long> deleteExpired() {
        return delete("expiresAt < ?1", Timestamps.now().minus(java.time.Duration.ofDays(1)));
    }

    /** Uses a code up; true for the one caller that did. */
    public Uni<Boolean> markUsed(UUID codeId) {
        return update("usedAt = ?2 where id = ?1 and usedAt is null", codeId, Timestamps.now())
                .map(n -> n == 1);
    }
}
