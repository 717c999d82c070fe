package dev.tidings.common;

import io.quarkus.hibernate.reactive.panache.PanacheRepositoryBase;
import io.quarkus.panache.common.Parameters;
import io.smallrye.mutiny.Uni;
import java.time.ZoneOffset;
import java.util.List;
import java.util.UUID;

/**
 * The one pagination helper: every list is newest first over (created_at, id), keyset-paged by a
 * {@link Cursor}. The same condition and order, written once for each persistence style: SQL for
 * the tables on the reactive pool, HQL for the Panache entities.
 */
public final class NewestFirst {

    private NewestFirst() {}

    /**
     * Appends {@code AND (created_at, id) < (cursor) ORDER BY created_at DESC, id DESC LIMIT n} to
     * {@code sql}, adding the values to {@code args} as numbered parameters; {@code alias} qualifies
     * the columns (e.g. {@code "s."} or {@code ""}).
     */
    public static void sql(StringBuilder sql, List<Object> args, PageRequest page, String alias) {
        if (page.after() != null) {
            args.add(page.after().createdAt().atOffset(ZoneOffset.UTC));
            args.add(page.after().id());
            sql.append(" AND (")
                    .append(alias)
                    .append("created_at, ")
                    .append(alias)
                    .append("id) < ($")
                    .append(args.size() - 1)
                    .append(", $")
                    .append(args.size())
                    .append(")");
        }
        args.add(page.limit());
        sql.append(" ORDER BY ")
                .append(alias)
                .append("created_at DESC, ")
                .append(alias)
                .append("id DESC LIMIT $")
                .append(args.size());
    }

    /** {@code page.limit()} entities (fields createdAt, id) whose {@code ownerField} is {@code owner}, after the cursor. */
    public static <E> Uni<List<E>> panache(
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
