package dev.tidings.web;

import io.quarkus.hibernate.reactive.panache.PanacheRepositoryBase;
import io.quarkus.panache.common.Parameters;
import io.smallrye.mutiny.Uni;
import java.util.List;
import java.util.UUID;

/** The keyset query behind every newest-first list of an owner's entities (fields createdAt, id). */
public final class NewestFirst {

    private NewestFirst() {}

    /** {@code page.limit()} entities whose {@code ownerField} is {@code owner}, after the cursor. */
    public static <E> Uni<List<E>> page(
            PanacheRepositoryBase<E, UUID> repository, String ownerField, UUID owner, PageRequest page) {
        String order = " order by createdAt desc, id desc";
        Parameters parameters = Parameters.with("owner", owner);
        String query = ownerField + " = :owner";
        if (page.after() != null) {
            query += " and (createdAt < :at or (createdAt = :at and id < :id))";
            parameters = parameters
                    .and("at", page.after().createdAt())
                    .and("id", page.after().id());
        }
        return repository
                .find(query + order, parameters)
                .range(0, page.limit() - 1)
                .list();
    }
}
