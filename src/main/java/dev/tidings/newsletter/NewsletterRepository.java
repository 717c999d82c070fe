package dev.tidings.newsletter;

import dev.tidings.common.NewestFirst;
import dev.tidings.common.PageRequest;
import io.quarkus.hibernate.reactive.panache.PanacheRepositoryBase;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;
import java.util.UUID;

@ApplicationScoped
public class NewsletterRepository implements PanacheRepositoryBase<Newsletter, UUID> {

    /**
     * Whether {@code slug} is another newsletter's, now or before (links mailed under a former slug
     * must never lead to someone else's page); {@code self} may be null (a new newsletter).
     */
    public Uni<Boolean> slugTaken(String slug, UUID self) {
        UUID me = self == null ? new UUID(0, 0) : self;
        return getSession().flatMap(session -> session.createNativeQuery(
                        "SELECT (EXISTS (SELECT 1 FROM newsletter WHERE slug = ?1 AND id <> ?2)"
                                + " OR EXISTS (SELECT 1 FROM newsletter_former_slug"
                                + " WHERE slug = ?1 AND newsletter_id <> ?2))",
                        Boolean.class)
                .setParameter(1, slug)
                .setParameter(2, me)
                .getSingleResult());
    }

    /** Newest first, {@code page.limit()} rows after the cursor. */
    public Uni<List<Newsletter>> page(UUID accountId, PageRequest page) {
        return NewestFirst.panache(this, "accountId", accountId, page);
    }

    /** Keeps a slug the newsletter is leaving, so links mailed under it keep working for it. */
    public Uni<Integer> retireSlug(UUID newsletterId, String slug) {
        return getSession().flatMap(session -> session.createNativeQuery(
                        "INSERT INTO newsletter_former_slug (newsletter_id, slug, retired_at)"
                                + " VALUES (?1, ?2, now()) ON CONFLICT DO NOTHING")
                .setParameter(1, newsletterId)
                .setParameter(2, slug)
                .executeUpdate());
    }
}
