package dev.tidings.newsletter;

import dev.tidings.web.PageRequest;
import io.quarkus.hibernate.reactive.panache.PanacheRepositoryBase;
import io.quarkus.panache.common.Parameters;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;
import java.util.UUID;

@ApplicationScoped
public class NewsletterRepository implements PanacheRepositoryBase<Newsletter, UUID> {

    /** Null when it does not exist or belongs to another account: both answer 404. */
    public Uni<Newsletter> findOwned(UUID id, UUID accountId) {
        return find("id = ?1 and accountId = ?2", id, accountId).firstResult();
    }

    public Uni<Newsletter> findBySlug(String slug) {
        return find("slug", slug).firstResult();
    }

    /** Newest first, {@code page.limit()} rows after the cursor. */
    public Uni<List<Newsletter>> page(UUID accountId, PageRequest page) {
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
}
