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

    private final io.vertx.mutiny.sqlclient.Pool pool;

    public ApiTokenRepository(io.vertx.mutiny.sqlclient.Pool pool) {
        this.pool = pool;
    }

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

    /**
     * Records that the token was used now. A hot-path single statement on the reactive pool: it
     * runs inside authentication, outside any Panache session of the request.
     */
    public Uni<Void> noteUse(UUID id) {
        return pool.preparedQuery("UPDATE api_token SET last_used_at = now() WHERE id = $1")
                .execute(io.vertx.mutiny.sqlclient.Tuple.of(id))
                .replaceWithVoid();
    }
}
