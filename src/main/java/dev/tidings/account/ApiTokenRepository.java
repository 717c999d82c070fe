package dev.tidings.account;

import dev.tidings.common.NewestFirst;
import dev.tidings.common.PageRequest;
import io.quarkus.hibernate.reactive.panache.PanacheRepositoryBase;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;
import java.util.UUID;

@ApplicationScoped
public class ApiTokenRepository implements PanacheRepositoryBase<ApiToken, UUID> {

    /** Newest first, {@code limit + 1} rows after the cursor (see {@code Page.of}). */
    public Uni<List<ApiToken>> page(UUID accountId, PageRequest page) {
        return NewestFirst.panache(this, "accountId", accountId, page);
    }

    public Uni<Long> deleteOwned(UUID id, UUID accountId) {
        return delete("id = ?1 and accountId = ?2", id, accountId);
    }

    public Uni<Long> deleteByAccount(UUID accountId) {
        return delete("accountId", accountId);
    }

    /** Records that the token was used now. */
    public Uni<Integer> noteUse(UUID id) {
        return update("lastUsedAt = ?1 where id = ?2", dev.tidings.common.Timestamps.now(), id);
    }
}
