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
}
