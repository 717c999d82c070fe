package dev.tidings.subscriber;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tidings.common.NewestFirst;
import dev.tidings.common.PageRequest;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.mutiny.sqlclient.Tuple;
import io.vertx.pgclient.PgException;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/** The {@code segment} table. */
@ApplicationScoped
public class SegmentRepository {

    private static final String COLUMNS = "id, name, rule::text AS rule, created_at, updated_at";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Pool pool;

    public SegmentRepository(Pool pool) {
        this.pool = pool;
    }

    /**
     * Inserts a segment unless the newsletter has {@code max} already (null then). The newsletter
     * row is locked before the count, so parallel requests cannot pass the limit together.
     */
    Uni<Segment> insert(UUID newsletterId, String name, AudienceRule rule, int max) {
        // Lock, then count in a statement of its own (a count inside the locking statement reads
        // under the snapshot taken before the wait and misses what the lock holder added).
        return pool.withTransaction(conn -> conn.preparedQuery(
                        "SELECT 1 FROM newsletter WHERE id = $1 FOR NO KEY UPDATE")
                .execute(Tuple.of(newsletterId))
                .flatMap(locked -> conn.preparedQuery("SELECT count(*) AS n FROM segment WHERE newsletter_id = $1")
                        .execute(Tuple.of(newsletterId)))
                .flatMap(rows -> rows.iterator().next().getLong("n") >= max
                        ? Uni.createFrom().nullItem()
                        : conn.preparedQuery("INSERT INTO segment (id, newsletter_id, name, rule, created_at,"
                                        + " updated_at) VALUES (uuid_v7(), $1, $2, $3::text::jsonb, now(), now())"
                                        + " RETURNING " + COLUMNS)
                                .execute(
                                        Tuple.of(newsletterId, name, rule.json().toString()))
                                .map(SegmentRepository::first)));
    }

    /** The segment, or null when the newsletter has none with this id. */
    public Uni<Segment> find(UUID newsletterId, UUID id) {
        return pool.preparedQuery("SELECT " + COLUMNS + " FROM segment WHERE id = $1 AND newsletter_id = $2")
                .execute(Tuple.of(id, newsletterId))
                .map(SegmentRepository::first);
    }

    Uni<List<Segment>> page(UUID newsletterId, PageRequest page) {
        StringBuilder sql = new StringBuilder("SELECT " + COLUMNS + " FROM segment WHERE newsletter_id = $1");
        List<Object> args = new ArrayList<>(List.of(newsletterId));
        NewestFirst.sql(sql, args, page, "");
        return pool.preparedQuery(sql.toString()).execute(Tuple.from(args)).map(rows -> {
            List<Segment> segments = new ArrayList<>(rows.size());
            rows.forEach(r -> segments.add(of(r)));
            return segments;
        });
    }

    Uni<Segment> update(UUID newsletterId, UUID id, String name, AudienceRule rule) {
        return pool.preparedQuery("UPDATE segment SET name = $3, rule = $4::text::jsonb, updated_at = now()"
                        + " WHERE id = $1 AND newsletter_id = $2 RETURNING " + COLUMNS)
                .execute(Tuple.of(id, newsletterId, name, rule.json().toString()))
                .map(SegmentRepository::first);
    }

    /**
     * Deletes the segment, in one transaction: issues past scheduling let go of it first (they
     * keep the rule they were sent with); the foreign key of a draft or scheduled issue that still
     * uses it then refuses the deletion, and this answers false (nothing changed). Null when the
     * newsletter has no such segment.
     */
    Uni<Boolean> delete(UUID newsletterId, UUID id) {
        return pool.withTransaction(conn -> conn.preparedQuery(
                                """
                                UPDATE issue SET audience_segment_id = NULL
                                WHERE audience_segment_id = $1 AND status NOT IN ('draft', 'scheduled')
                                """)
                        .execute(Tuple.of(id))
                        .flatMap(released -> conn.preparedQuery(
                                        "DELETE FROM segment WHERE id = $1 AND newsletter_id = $2")
                                .execute(Tuple.of(id, newsletterId)))
                        .map(rows -> rows.rowCount() == 1))
                .onFailure(e -> e instanceof PgException pg && "23503".equals(pg.getSqlState()))
                .recoverWithItem(false);
    }

    /** The subjects of the draft and scheduled issues that use the segment (at most 3). */
    Uni<List<String>> usedBy(UUID id) {
        return pool.preparedQuery("SELECT subject FROM issue WHERE audience_segment_id = $1"
                        + " AND status IN ('draft', 'scheduled') ORDER BY created_at LIMIT 3")
                .execute(Tuple.of(id))
                .map(rows -> {
                    List<String> subjects = new ArrayList<>();
                    rows.forEach(r -> subjects.add(r.getString("subject")));
                    return subjects;
                });
    }

    private static Segment first(RowSet<Row> rows) {
        return rows.size() == 0 ? null : of(rows.iterator().next());
    }

    private static Segment of(Row row) {
        return new Segment(
                row.getUUID("id"),
                row.getString("name"),
                parse(row.getString("rule")),
                row.getOffsetDateTime("created_at").toInstant(),
                row.getOffsetDateTime("updated_at").toInstant());
    }

    static JsonNode parse(String json) {
        try {
            return JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }
}
