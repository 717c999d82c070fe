package dev.tidings.delivery;

import dev.tidings.common.NewestFirst;
import dev.tidings.common.PageRequest;
import dev.tidings.subscriber.AudienceRule;
import io.smallrye.mutiny.Uni;
import io.vertx.core.json.JsonObject;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The one owner of the {@code send} table: every write to a send record is a statement here, in
 * single SQL statements on the reactive pool (or on the dispatcher's connection, inside its
 * transaction). Claiming is a conditional update ({@code queued/retrying -> sending} with a
 * lease), so a job delivered twice, or held by two instances, can be claimed only once; outcomes
 * are written in batches and only over a claim that is still held. The per-status counts are kept
 * by the V4/V5 triggers in {@code send_count}, read here.
 */
@ApplicationScoped
public class DeliveryStore {

    /** What one planning statement created: the new sends, how many subscribers it looked at, its cursor. */
    record Planned(List<UUID> sends, long subscribers, OffsetDateTime lastAt, UUID lastId) {}

    /** A sweep's selection: sends whose retry is due, or whose lease ran out (the instance died). */
    enum Sweep {
        RETRY_DUE("s.status = 'retrying' AND s.next_attempt_at <= now()", "s.next_attempt_at"),
        LEASE_EXPIRED("s.status = 'sending' AND s.lease_until < now()", "s.lease_until");

        final String condition;
        final String order;

        Sweep(String condition, String order) {
            this.condition = condition;
            this.order = order;
        }
    }

    /** Why the sends of a cancelled issue were skipped. */
    static final String CANCELLED = "the issue was cancelled";

    /** A send a sweep made due again, with its issue (to be put on Kafka). */
    record Swept(UUID sendId, UUID issueId) {}

    /** A row of the sends list of an issue. */
    record Listed(
            UUID id,
            UUID subscriberId,
            String email,
            SendStatus status,
            int attempts,
            String lastError,
            OffsetDateTime sentAt,
            OffsetDateTime createdAt) {}

    static final int SWEEP_BATCH = 1000;
    static final int REDISPATCH_MINUTES = 5;
    private static final int MAX_ERROR = 500;

    private final Pool pool;

    public DeliveryStore(Pool pool) {
        this.pool = pool;
    }

    // --- planning (the dispatcher, in its transaction)

    /**
     * Creates the queued sends of the next {@code batch} subscribers of the audience (active at
     * publish time, in (created_at, id) order after the cursor), unique per (issue, subscriber).
     * The cursor is never null: with "cursor IS NULL OR" a prepared statement's generic plan kept
     * it out of the index condition, and every batch rescanned the audience from the start.
     */
    Uni<Planned> plan(
            SqlConnection conn,
            UUID issueId,
            UUID newsletterId,
            OffsetDateTime publishedAt,
            OffsetDateTime afterAt,
            UUID afterId,
            int batch,
            AudienceRule rule) {
        AudienceRule.Sql where = rule == null ? null : rule.where("s", 7);
        List<Object> args = new ArrayList<>(Arrays.asList(issueId, newsletterId, publishedAt, afterAt, afterId, batch));
        if (where != null) {
            args.addAll(where.params());
        }
        return conn.preparedQuery(
                        """
                        WITH audience AS (
                            SELECT id, created_at FROM subscriber s
                            WHERE newsletter_id = $2 AND status = 'active' AND created_at <= $3
                              AND (confirmed_at IS NULL OR confirmed_at <= $3)
                              AND (created_at, id) > ($4, $5) AND %s
                            ORDER BY created_at, id LIMIT $6),
                        inserted AS (
                            INSERT INTO send (id, issue_id, subscriber_id, status)
                            SELECT uuid_v7(), $1, id, 'queued' FROM audience
                            ON CONFLICT (issue_id, subscriber_id) DO NOTHING RETURNING id)
                        SELECT (SELECT array_agg(id) FROM inserted) AS sends,
                               (SELECT count(*) FROM audience) AS planned,
                               last.created_at AS last_at, last.id AS last_id
                        FROM (SELECT 1) one
                        LEFT JOIN (SELECT created_at, id FROM audience ORDER BY created_at DESC, id DESC LIMIT 1) last
                               ON true
                        """
                                .formatted(where == null ? "true" : where.text()))
                .execute(Tuple.from(args))
                .map(result -> {
                    Row row = result.iterator().next();
                    UUID[] sends = row.getArrayOfUUIDs("sends");
                    return new Planned(
                            sends == null ? List.of() : List.of(sends),
                            row.getLong("planned"),
                            row.getOffsetDateTime("last_at"),
                            row.getUUID("last_id"));
                });
    }

    /** The queued sends of subscribers between two cursors: a batch that may never have reached Kafka. */
    Uni<List<UUID>> queuedBetween(
            SqlConnection conn,
            UUID issueId,
            OffsetDateTime afterAt,
            UUID afterId,
            OffsetDateTime uptoAt,
            UUID uptoId) {
        return conn.preparedQuery(
                        """
                        SELECT s.id FROM send s JOIN subscriber sub ON sub.id = s.subscriber_id
                        WHERE s.issue_id = $1 AND s.status = 'queued'
                          AND ($2::timestamptz IS NULL OR (sub.created_at, sub.id) > ($2, $3))
                          AND (sub.created_at, sub.id) <= ($4, $5)
                        """)
                .execute(Tuple.from(Arrays.asList(issueId, afterAt, afterId, uptoAt, uptoId)))
                .map(DeliveryStore::ids);
    }

    /** The next {@code limit} queued sends of the issue after send {@code afterId} (requeue after resume). */
    Uni<List<UUID>> queuedAfter(SqlConnection conn, UUID issueId, UUID afterId, int limit) {
        return conn.preparedQuery(
                        """
                        SELECT id FROM send WHERE issue_id = $1 AND status = 'queued' AND ($2::uuid IS NULL OR id > $2)
                        ORDER BY id LIMIT $3
                        """)
                .execute(Tuple.of(issueId, afterId, limit))
                .map(DeliveryStore::ids);
    }

    /**
     * Makes a batch of due sends (of issues that are sending, not paused) retrying with their next
     * attempt {@value #REDISPATCH_MINUTES} minutes out, committed before they go on Kafka: a
     * consumer claims them as {@code retrying}; should the caller die before producing them, the
     * sweep finds them again then. Due sends of a cancelled issue (a retry recorded as the cancel
     * committed, or a claim whose instance died) end skipped instead and are not returned.
     */
    Uni<List<Swept>> sweep(Sweep sweep) {
        return pool.withTransaction(conn -> conn.preparedQuery(
                                """
                                WITH due AS (
                                    SELECT s.id, i.status = 'cancelled' AS cancelled
                                    FROM send s JOIN issue i ON i.id = s.issue_id AND i.status IN ('sending', 'cancelled')
                                    WHERE %s ORDER BY %s LIMIT %d FOR UPDATE OF s SKIP LOCKED)
                                UPDATE send SET status = CASE WHEN due.cancelled THEN 'skipped' ELSE 'retrying' END,
                                    lease_until = NULL,
                                    last_error = CASE WHEN due.cancelled THEN $1 ELSE send.last_error END,
                                    next_attempt_at = CASE WHEN due.cancelled THEN NULL
                                                      ELSE now() + interval '%d minutes' END
                                FROM due WHERE send.id = due.id
                                RETURNING send.id, send.issue_id, due.cancelled
                                """
                                        .formatted(sweep.condition, sweep.order, SWEEP_BATCH, REDISPATCH_MINUTES))
                        .execute(Tuple.of(CANCELLED)))
                .map(rows -> {
                    List<Swept> swept = new ArrayList<>(rows.size());
                    rows.forEach(r -> {
                        if (!r.getBoolean("cancelled")) {
                            swept.add(new Swept(r.getUUID("id"), r.getUUID("issue_id")));
                        }
                    });
                    return swept;
                });
    }

    /** Swept sends that Kafka did not take: due again at once rather than after the redispatch wait. */
    Uni<Void> dueNow(List<UUID> sendIds) {
        return pool.preparedQuery("UPDATE send SET next_attempt_at = now() WHERE id = ANY($1) AND status = 'retrying'")
                .execute(Tuple.of(sendIds.toArray(UUID[]::new)))
                .replaceWithVoid();
    }

    // --- delivery (the consumer)

    /**
     * Claims the still-queued sends among {@code sendIds} of an issue that is sending. The issue is
     * matched with IS NOT DISTINCT FROM on purpose: with "=" the prepared statement's generic plan
     * walked the (issue_id, ...) index over every send of the issue to find the 100 ids, a cost
     * that grew with the issue (35 ms a claim at 100k); now the ids are looked up by primary key.
     */
    public Uni<List<Claimed>> claim(UUID issueId, List<UUID> sendIds, Duration lease) {
        return pool.preparedQuery(
                        """
                        UPDATE send s SET status = 'sending', lease_until = now() + make_interval(secs => $3)
                        FROM subscriber sub, issue i
                        WHERE s.id = ANY($2) AND s.issue_id IS NOT DISTINCT FROM $1 AND s.status IN ('queued', 'retrying')
                          AND sub.id = s.subscriber_id AND i.id = $1 AND i.status = 'sending'
                        RETURNING s.id, s.lease_until, s.issue_id, s.subscriber_id, s.attempts, sub.email, sub.name,
                                  sub.status, sub.attributes
                        """)
                .execute(Tuple.of(issueId, sendIds.toArray(UUID[]::new), (double) lease.toSeconds()))
                .map(rows -> {
                    List<Claimed> claimed = new ArrayList<>(rows.size());
                    for (Row row : rows) {
                        claimed.add(new Claimed(
                                row.getUUID("id"),
                                row.getOffsetDateTime("lease_until"),
                                row.getUUID("issue_id"),
                                row.getUUID("subscriber_id"),
                                row.getInteger("attempts"),
                                row.getString("email"),
                                row.getString("name"),
                                row.getString("status"),
                                (JsonObject) row.getValue("attributes")));
                    }
                    return claimed;
                });
    }

    /**
     * Records outcomes in one statement, only over claims still held (the lease is the claim
     * token). A retry of an issue cancelled meanwhile ends skipped: nothing would ever send it (a
     * batch without retries, the common case, is written without looking at the issue).
     * IS NOT DISTINCT FROM keeps the lease out of the generic plan's index choice: a claim
     * gives 100 sends the same lease, so probing the lease index visited 100 rows per send.
     */
    public Uni<Void> record(List<Outcome> outcomes) {
        int n = outcomes.size();
        UUID[] ids = new UUID[n];
        String[] statuses = new String[n];
        Integer[] counted = new Integer[n];
        String[] errors = new String[n];
        OffsetDateTime[] next = new OffsetDateTime[n];
        OffsetDateTime[] leases = new OffsetDateTime[n];
        boolean anyRetry = false;
        for (int i = 0; i < n; i++) {
            Outcome o = outcomes.get(i);
            anyRetry |= o.status() == SendStatus.RETRYING;
            ids[i] = o.sendId();
            leases[i] = o.lease();
            statuses[i] = o.status().wire();
            counted[i] = o.countsAsAttempt() ? 1 : 0;
            errors[i] = o.error() == null ? null : truncate(o.error());
            next[i] = o.nextAttemptAt() == null ? null : o.nextAttemptAt().atOffset(ZoneOffset.UTC);
        }
        Tuple args = Tuple.from(new Object[] {ids, statuses, counted, errors, next, leases});
        if (!anyRetry) {
            return pool.preparedQuery(RECORD).execute(args).replaceWithVoid();
        }
        return pool.preparedQuery(RECORD_WITH_RETRIES)
                .execute(args.addValue(CANCELLED))
                .replaceWithVoid();
    }

    private static final String RECORD =
            """
            UPDATE send s SET status = u.status, attempts = s.attempts + u.counted, last_error = u.error,
                next_attempt_at = u.next_at, lease_until = NULL,
                sent_at = CASE WHEN u.status = 'sent' THEN now() ELSE s.sent_at END
            FROM unnest($1::uuid[], $2::text[], $3::int[], $4::text[], $5::timestamptz[], $6::timestamptz[])
                 AS u(id, status, counted, error, next_at, lease)
            WHERE s.id = u.id AND s.status = 'sending' AND s.lease_until IS NOT DISTINCT FROM u.lease
            """;

    /** {@link #RECORD} for a batch with retries: a retry of an issue cancelled meanwhile ends skipped. */
    private static final String RECORD_WITH_RETRIES =
            """
            UPDATE send s SET
                status = CASE WHEN u.status = 'retrying' AND i.status = 'cancelled' THEN 'skipped' ELSE u.status END,
                attempts = s.attempts + u.counted,
                last_error = CASE WHEN u.status = 'retrying' AND i.status = 'cancelled' THEN $7 ELSE u.error END,
                next_attempt_at = CASE WHEN u.status = 'retrying' AND i.status = 'cancelled' THEN NULL ELSE u.next_at END,
                lease_until = NULL,
                sent_at = CASE WHEN u.status = 'sent' THEN now() ELSE s.sent_at END
            FROM unnest($1::uuid[], $2::text[], $3::int[], $4::text[], $5::timestamptz[], $6::timestamptz[])
                 AS u(id, status, counted, error, next_at, lease), issue i
            WHERE s.id = u.id AND i.id = s.issue_id
              AND s.status = 'sending' AND s.lease_until IS NOT DISTINCT FROM u.lease
            """;

    // --- steering and reports

    /**
     * Cancel: what has not gone out yet is skipped. Sends in flight end when their attempt does
     * (sent, failed, or skipped instead of a retry; see {@link #record}), or by the sweeps.
     */
    Uni<Void> skipRemaining(UUID issueId) {
        return pool.preparedQuery("UPDATE send SET status = 'skipped', last_error = $2"
                        + " WHERE issue_id = $1 AND status IN ('queued', 'retrying')")
                .execute(Tuple.of(issueId, CANCELLED))
                .replaceWithVoid();
    }

    /**
     * A report about a send that went out (a bounce or complaint arriving later): the note is
     * recorded, and with {@code status} the sent send becomes it.
     */
    Uni<Void> report(UUID sendId, String note, SendStatus status) {
        return pool.preparedQuery(
                        """
                        UPDATE send SET last_error = left($2, 500), status = coalesce($3, status)
                        WHERE id = $1 AND ($3::text IS NULL OR status = 'sent')
                        """)
                .execute(Tuple.of(sendId, note, status == null ? null : status.wire()))
                .replaceWithVoid();
    }

    /** How many sends of the issue are in each status (from the trigger-kept counters). */
    Uni<Map<SendStatus, Long>> counts(UUID issueId) {
        return pool.preparedQuery(
                        "SELECT status, sum(n)::bigint AS n FROM send_count WHERE issue_id = $1 GROUP BY status")
                .execute(Tuple.of(issueId))
                .map(rows -> {
                    Map<SendStatus, Long> counts = new EnumMap<>(SendStatus.class);
                    for (SendStatus status : SendStatus.values()) {
                        counts.put(status, 0L);
                    }
                    rows.forEach(r -> counts.put(SendStatus.of(r.getString("status")), r.getLong("n")));
                    return counts;
                });
    }

    /** {@link #counts} of several issues in one statement (lists of issues with their progress). */
    Uni<Map<UUID, Map<SendStatus, Long>>> counts(java.util.Collection<UUID> issueIds) {
        return pool.preparedQuery(
                        "SELECT issue_id, status, sum(n)::bigint AS n FROM send_count WHERE issue_id = ANY($1)"
                                + " GROUP BY issue_id, status")
                .execute(Tuple.of(issueIds.toArray(UUID[]::new)))
                .map(rows -> {
                    Map<UUID, Map<SendStatus, Long>> all = new java.util.HashMap<>();
                    for (UUID id : issueIds) {
                        Map<SendStatus, Long> counts = new EnumMap<>(SendStatus.class);
                        for (SendStatus status : SendStatus.values()) {
                            counts.put(status, 0L);
                        }
                        all.put(id, counts);
                    }
                    rows.forEach(r ->
                            all.get(r.getUUID("issue_id")).put(SendStatus.of(r.getString("status")), r.getLong("n")));
                    return all;
                });
    }

    /** The issue's sends, newest first, optionally of one status, one more than the page asks for. */
    Uni<List<Listed>> page(UUID newsletterId, UUID issueId, SendStatus status, PageRequest page) {
        StringBuilder sql = new StringBuilder(
                """
                SELECT s.id, s.subscriber_id, sub.email, s.status, s.attempts, s.last_error, s.sent_at, s.created_at
                FROM send s JOIN subscriber sub ON sub.id = s.subscriber_id JOIN issue i ON i.id = s.issue_id
                WHERE s.issue_id = $1 AND i.newsletter_id = $2""");
        List<Object> args = new ArrayList<>(List.of(issueId, newsletterId));
        if (status != null) {
            args.add(status.wire());
            sql.append(" AND s.status = $").append(args.size());
        }
        NewestFirst.sql(sql, args, page.withOneMore(), "s.");
        return pool.preparedQuery(sql.toString()).execute(Tuple.from(args)).map(rows -> {
            List<Listed> list = new ArrayList<>(rows.size());
            for (Row r : rows) {
                list.add(new Listed(
                        r.getUUID("id"),
                        r.getUUID("subscriber_id"),
                        r.getString("email"),
                        SendStatus.of(r.getString("status")),
                        r.getInteger("attempts"),
                        r.getString("last_error"),
                        r.getOffsetDateTime("sent_at"),
                        r.getOffsetDateTime("created_at")));
            }
            return list;
        });
    }

    private static List<UUID> ids(io.vertx.mutiny.sqlclient.RowSet<Row> rows) {
        List<UUID> ids = new ArrayList<>(rows.size());
        rows.forEach(r -> ids.add(r.getUUID("id")));
        return ids;
    }

    private static String truncate(String error) {
        return error.length() > MAX_ERROR ? error.substring(0, MAX_ERROR) : error;
    }
}
