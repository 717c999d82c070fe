package dev.tidings.account;

import dev.tidings.web.PageRequest;
import io.quarkus.hibernate.reactive.panache.PanacheRepositoryBase;
import io.quarkus.panache.common.Parameters;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;
import java.util.UUID;

@ApplicationScoped
public class ApiTokenRepository implements PanacheRepositoryBase<ApiToken, UUID> {

    /** Newest first, {@code limit + 1} rows after the cursor (see {@code Page.of}). */
    public Uni<List<ApiToken>> page(UUID accountId, PageRequest page) {
        if (page.after() == null) {
            return find("accountId = ?1 order by createdAt desc, id desc", accountId)
                    .range(0, page.limit() - 1)
                    .list();
        }
        return find(
                        "accountId = :account and (createdAt < :at or (createdAt = :at and id < :id))"
                                + " order by createdAt desc, id desc",
                        Parameters.with("account", accountId)
                                .and("at", page.after().createdAt())
                                .and("id", page.after().id()))
                .range(0, page.limit() - 1)
                .list();
    }

    public Uni<Long> deleteOwned(UUID id, UUID accountId) {
        return delete("id = ?1 and accountId = ?2", id, accountId);
    }

    public Uni<Long> deleteByAccount(UUID accountId) {
        return delete("accountId", accountId);
    }
}
