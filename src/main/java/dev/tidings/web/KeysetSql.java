package dev.tidings.web;

import java.time.ZoneOffset;
import java.util.List;

/** The SQL tail of every newest-first list over (created_at, id): the cursor condition, order and limit. */
public final class KeysetSql {

    private KeysetSql() {}

    /**
     * Appends {@code AND (created_at, id) < (cursor) ORDER BY created_at DESC, id DESC LIMIT n} to
     * {@code sql}, adding the values to {@code args} as numbered parameters; {@code alias} qualifies
     * the columns (e.g. {@code "s."} or {@code ""}).
     */
    public static void appendPage(StringBuilder sql, List<Object> args, PageRequest page, String alias) {
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
}
