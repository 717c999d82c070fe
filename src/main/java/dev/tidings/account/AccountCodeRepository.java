package dev.tidings.account;

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
}
