package dev.tidings.account;

import io.quarkus.hibernate.reactive.panache.PanacheRepositoryBase;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.UUID;

@ApplicationScoped
public class LoginSessionRepository implements PanacheRepositoryBase<LoginSession, UUID> {

    public Uni<Long> deleteByTokenHash(String tokenHash) {
        return delete("tokenHash", tokenHash);
    }

    public Uni<Long> deleteByAccount(UUID accountId) {
        return delete("accountId", accountId);
    }

    /** Sessions past their expiry (housekeeping). */
    public Uni<Long> deleteExpired() {
        return delete("expiresAt < ?1", dev.tidings.common.Timestamps.now());
    }
}
