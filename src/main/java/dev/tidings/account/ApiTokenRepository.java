package dev.tidings.account;

import dev.tidings.web.NewestFirst;
import dev.tidings.web.PageRequest;
import io.quarkus.hibernate.reactive.panache.PanacheRepositoryBase;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;
import java.util.UUID;

@ApplicationScoped
public class ApiTokenRepository implements PanacheRepositoryBase<ApiToken, UUID> {

    /** Newest first, {@code limit + 1} rows after the cursor (see {@code Page.of}). */
    public Uni<List<ApiToken>> page(UUID accountId, PageRequest page) {
        return NewestFirst.page(this, "accountId", accountId, page);
    }

    public Uni<Long> deleteOwned(UUID id, UUID accountId) {
        return delete("id = ?1 and accountId = ?2", id, accountId);
    }

    public Uni<Long> deleteByAccount(UUID accountId) {
        return delete("accountId", accountId);
    }
}
