package dev.tidings.issue;

import dev.tidings.common.NewestFirst;
import dev.tidings.common.PageRequest;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;

/**
 * Issue rows, in SQL on the reactive pool. The delivery engine writes the same rows (status,
 * counters, dispatch progress), so changes here are single conditional statements on the columns
 * this feature owns: an edit can never undo a publish that happened in between.
 */
@ApplicationScoped
public class IssueRepository {

    /** An issue in the public archive: what the list shows. */
    public record ArchiveEntry(UUID id, String subject, Instant publishedAt) {}

    private final Pool pool;

    public IssueRepository(Pool pool) {
        this.pool = pool;
    }

    public Uni<Issue> insert(UUID newsletterId, IssueContent content, Audience audience) {
        return one(pool.preparedQuery(
                        """
                        INSERT INTO issue (id, newsletter_id, subject, preheader, body_markdown, body_html, body_text,
                                           status, created_at, updated_at, audience_segment_id, audience_rule)
                        VALUES (uuid_v7(), $1, $2, $3, $4, $5, $6, 'draft', now(), now(),
                                $7, $8::text::jsonb)
                        RETURNING \s"""
                                + Issue.COLUMNS)
                .execute(Tuple.from(Arrays.asList(
                        newsletterId,
                        content.subject(),
                        content.preheader(),
                        content.bodyMarkdown(),
                        content.bodyHtml(),
                        content.bodyText(),
                        audience == null ? null : audience.segmentId(),
                        ruleText(audience)))));
    }

    private static String ruleText(Audience audience) {
        return audience == null || audience.rule() == null
                ? null
                : audience.rule().toString();
    }

    public Uni<Issue> find(UUID newsletterId, UUID id) {
        return one(pool.preparedQuery("SELECT " + Issue.COLUMNS + " FROM issue WHERE id = $1 AND newsletter_id = $2")
                .execute(Tuple.of(id, newsletterId)));
    }

    /** Newest first, optionally of one status, keyset-paged by (created_at, id). */
    public Uni<List<Issue>> page(UUID newsletterId, IssueStatus status, PageRequest page) {
        StringBuilder sql = new StringBuilder("SELECT " + Issue.COLUMNS + " FROM issue WHERE newsletter_id = $1");
        List<Object> args = new ArrayList<>(List.of(newsletterId));
        if (status != null) {
            args.add(status.wire());
            sql.append(" AND status = $").append(args.size());
        }
        NewestFirst.sql(sql, args, page, "");
        return pool.preparedQuery(sql.toString()).execute(Tuple.from(args)).map(IssueRepository::all);
    }

    /**
     * Writes the content if the issue is still editable; null if it is not (or is gone). updated_at
     * always moves forward, so the renderer's cache never keeps an older version.
     */
    public Uni<Issue> updateContent(UUID newsletterId, UUID id, IssueContent content, Audience audience) {
        return one(pool.preparedQuery(
                        """
                        UPDATE issue SET subject = $3, preheader = $4, body_markdown = $5, body_html = $6,
                            body_text = $7, updated_at = greatest(now(), updated_at + interval '1 microsecond'),
                            audience_segment_id = $8,
                            audience_rule = $9::text::jsonb
                        WHERE id = $1 AND newsletter_id = $2 AND status IN ('draft', 'scheduled')
                        RETURNING \s"""
                                + Issue.COLUMNS)
                .execute(Tuple.from(Arrays.asList(
                        id,
                        newsletterId,
                        content.subject(),
                        content.preheader(),
                        content.bodyMarkdown(),
                        content.bodyHtml(),
                        content.bodyText(),
                        audience == null ? null : audience.segmentId(),
                        ruleText(audience)))));
    }

    /** Deletes the issue unless it is being sent; true if it was deleted. */
    public Uni<Boolean> delete(UUID newsletterId, UUID id) {
        return pool.preparedQuery(
                        "DELETE FROM issue WHERE id = $1 AND newsletter_id = $2 AND status NOT IN ('sending', 'paused')")
                .execute(Tuple.of(id, newsletterId))
                .map(rows -> rows.rowCount() == 1);
    }

    /** The account's latest issues over all its newsletters, newest first (the admin's dashboard). */
    public Uni<List<Issue>> recentOfAccount(UUID accountId, int limit) {
        return pool.preparedQuery("SELECT " + Issue.columns("i")
                        + " FROM issue i JOIN newsletter n ON n.id = i.newsletter_id WHERE n.account_id = $1"
                        + " ORDER BY i.created_at DESC, i.id DESC LIMIT $2")
                .execute(Tuple.of(accountId, limit))
                .map(IssueRepository::all);
    }

    /** The newsletter's sent issues, newest first. */
    public Uni<List<ArchiveEntry>> archive(UUID newsletterId, int limit) {
        return pool.preparedQuery(
                        """
                        SELECT id, subject, coalesce(published_at, finished_at, created_at) AS published
                        FROM issue WHERE newsletter_id = $1 AND status = 'sent'
                        ORDER BY published DESC, id DESC LIMIT $2
                        """)
                .execute(Tuple.of(newsletterId, limit))
                .map(rows -> {
                    List<ArchiveEntry> entries = new ArrayList<>(rows.size());
                    for (Row row : rows) {
                        entries.add(new ArchiveEntry(
                                row.getUUID("id"),
                                row.getString("subject"),
                                row.getOffsetDateTime("published").toInstant()));
                    }
                    return entries;
                });
    }

    /** A sent issue of the newsletter, or null. */
    public Uni<Issue> findSent(UUID newsletterId, UUID id) {
        return one(pool.preparedQuery("SELECT " + Issue.COLUMNS
                        + " FROM issue WHERE id = $1 AND newsletter_id = $2 AND status = 'sent'")
                .execute(Tuple.of(id, newsletterId)));
    }

    private static Uni<Issue> one(Uni<RowSet<Row>> rows) {
        return rows.map(set -> set.size() == 0 ? null : Issue.of(set.iterator().next()));
    }

    private static List<Issue> all(RowSet<Row> rows) {
        List<Issue> list = new ArrayList<>(rows.size());
        for (Row row : rows) {
            list.add(Issue.of(row));
        }
        return list;
    }
}
