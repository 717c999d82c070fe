package dev.tidings.delivery;

import dev.tidings.common.NewestFirst;
import dev.tidings.common.PageRequest;
import dev.tidings.subscriber.AudienceRule;
import io.smallrye.mutiny.Uni;
import io.vertx.core.json.JsonArray;
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

    /**
     * A sweep's selection of sends to put on Kafka (again). Each names its condition on {@code s}
     * (the send) with its parameters from {@code $2} on ({@code $1} is the cancel note).
     */
    enum Sweep {
        /** Retries whose time has come (they are not on Kafka until then). */
        RETRY_DUE(
                "s.status = 'retrying' AND s.dispatched_at IS NULL AND s.next_attempt_at <= now()",
                "s.next_attempt_at"),
        /**
         * The redispatch net: queued or retrying sends put on Kafka longer ago than the window
         * ({@code $2}, seconds; from the consumers' lag) and never claimed: their record was lost
         * (a produce not acknowledged, or acknowledged and lost with the broker).
         */
        UNCLAIMED(
                "s.status IN ('queued', 'retrying') AND s.dispatched_at < now() - make_interval(secs => $2)",
                "s.dispatched_at"),
        /** Claims of instances taken for dead ({@code $2}: their ids): handed back at once. */
        DEAD_INSTANCE("s.status = 'sending' AND s.claimed_by = ANY($2)", "s.lease_until"),
        /**
         * Claims whose lease ran out and whose instance is not alive ({@code $2}: the live
         * instances), e.g. of an instance from before heartbeats; a live instance keeps its claims.
         */
        LEASE_EXPIRED(
                "s.status = 'sending' AND s.lease_until < now()"
                        + " AND (s.claimed_by IS NULL OR NOT s.claimed_by = ANY($2))",
                "s.lease_until");

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
            OffsetDateTime createdAt,
            String relay,
            int deferrals,
            OffsetDateTime nextAttemptAt,
            JsonArray history) {}

    static final int SWEEP_BATCH = 1000;
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
                            INSERT INTO send (id, issue_id, subscriber_id, status, dispatched_at)
                            SELECT uuid_v7(), $1, id, 'queued', now() FROM audience
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

    /**
     * The next {@code limit} queued sends of the issue after send {@code afterId}, in id order,
     * marked as put on Kafka now (requeue after resume).
     */
    Uni<List<UUID>> queuedAfter(SqlConnection conn, UUID issueId, UUID afterId, int limit) {
        return conn.preparedQuery(
                        """
                        UPDATE send SET dispatched_at = now() WHERE id IN (
                            SELECT id FROM send WHERE issue_id = $1 AND status = 'queued' AND ($2::uuid IS NULL OR id > $2)
                            ORDER BY id LIMIT $3)
                        RETURNING id
                        """)
                .execute(Tuple.of(issueId, afterId, limit))
                .map(rows -> {
                    List<UUID> ids = ids(rows);
                    ids.sort(null);
                    return ids;
                });
    }

    /**
     * Marks a batch of the selected sends (of issues that are sending, not paused) as put on Kafka
     * now, committed before they go on Kafka: a consumer claims them as queued or retrying; should
     * the caller die before producing them, the redispatch net finds them again. A claim handed
     * back becomes retrying. Sends of a cancelled issue end skipped instead and are not returned.
     */
    Uni<List<Swept>> sweep(Sweep sweep, Object parameter) {
        List<Object> args = new ArrayList<>();
        args.add(CANCELLED);
        if (sweep != Sweep.RETRY_DUE) {
            args.add(parameter);
        }
        return pool.withTransaction(conn -> conn.preparedQuery(
                                """
                                WITH due AS (
                                    SELECT s.id, i.status = 'cancelled' AS cancelled
                                    FROM send s JOIN issue i ON i.id = s.issue_id AND i.status IN ('sending', 'cancelled')
                                    WHERE %s ORDER BY %s LIMIT %d FOR UPDATE OF s SKIP LOCKED)
                                UPDATE send SET status = CASE WHEN due.cancelled THEN 'skipped'
                                                         WHEN send.status = 'queued' THEN 'queued' ELSE 'retrying' END,
                                    lease_until = NULL, claimed_by = NULL,
                                    last_error = CASE WHEN due.cancelled THEN $1 ELSE send.last_error END,
                                    next_attempt_at = CASE WHEN due.cancelled THEN NULL ELSE send.next_attempt_at END,
                                    dispatched_at = CASE WHEN due.cancelled THEN NULL ELSE now() END
                                FROM due WHERE send.id = due.id
                                RETURNING send.id, send.issue_id, due.cancelled
                                """
                                        .formatted(sweep.condition, sweep.order, SWEEP_BATCH))
                        .execute(Tuple.from(args)))
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

    /** Swept sends that Kafka did not take: the redispatch net takes them again at once. */
    Uni<Void> dueNow(List<UUID> sendIds) {
        return pool.preparedQuery("UPDATE send SET dispatched_at = '-infinity'"
                        + " WHERE id = ANY($1) AND status IN ('queued', 'retrying')")
                .execute(Tuple.of(sendIds.toArray(UUID[]::new)))
                .replaceWithVoid();
    }

    // --- delivery (the consumer)

    /** {@link #claim}'s statement ({@code DeliveryPlanTest} reads its generic plan). */
    static final String CLAIM =
            """
                        UPDATE send s SET status = 'sending', lease_until = now() + make_interval(secs => $3),
                            claimed_by = $4
                        FROM subscriber sub, issue i
                        WHERE s.id = ANY($2) AND s.issue_id IS NOT DISTINCT FROM $1 AND (s.status || '') IN ('queued', 'retrying')
                          AND sub.id = s.subscriber_id AND i.id = $1 AND i.status = 'sending'
                        RETURNING s.id, s.lease_until, s.issue_id, s.subscriber_id, s.attempts, sub.email, sub.name,
                                  sub.status, sub.attributes, s.deferrals, s.created_at
                        """;

    /**
     * Claims the still-queued sends among {@code sendIds} of an issue that is sending. The issue is
     * matched with IS NOT DISTINCT FROM on purpose: with "=" the prepared statement's generic plan
     * walked the (issue_id, ...) index over every send of the issue to find the 100 ids, a cost
     * that grew with the issue (35 ms a claim at 100k); now the ids are looked up by primary key.
     * The status is compared as {@code status || ''} for the same reason: a generic plan made while
     * few sends were queued (at the end of the previous issue) scanned the {@code send_dispatched}
     * partial index, every queued and retrying send, instead of looking the ids up, and kept doing so
     * while a large issue filled it (until the next ANALYZE); the expression does not match the
     * index's predicate, so the planner cannot choose it.
     */
    public Uni<List<Claimed>> claim(UUID issueId, List<UUID> sendIds, Duration lease, UUID instance) {
        return pool.preparedQuery(CLAIM)
                .execute(Tuple.of(issueId, sendIds.toArray(UUID[]::new), (double) lease.toSeconds(), instance))
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
                                (JsonObject) row.getValue("attributes"),
                                row.getInteger("deferrals"),
                                row.getOffsetDateTime("created_at")));
                    }
                    return claimed;
                });
    }

    /**
     * Records outcomes in one statement, only over claims still held (the lease is the claim
     * token). A retry of an issue cancelled meanwhile ends skipped: nothing would ever send it (a
     * batch without retries, the common case, is written without looking at the issue).
     * IS NOT DISTINCT FROM keeps the lease out of the generic plan's index choice: a claim
     * gives 100 sends the same lease, so probing the lease index visited 100 rows per send. The
     * status is compared as {@code status || ''} so that no partial index of claimed sends matches
     * either: a generic plan made while nothing was claimed hashed a scan of {@code
     * send_claimed_by}, every send being sent, for each batch (see {@code DeliveryPlanTest}).
     */
    public Uni<Void> record(List<Outcome> outcomes) {
        int n = outcomes.size();
        UUID[] ids = new UUID[n];
        String[] statuses = new String[n];
        Integer[] counted = new Integer[n];
        String[] errors = new String[n];
        OffsetDateTime[] next = new OffsetDateTime[n];
        OffsetDateTime[] leases = new OffsetDateTime[n];
        Integer[] deferred = new Integer[n];
        String[] relays = new String[n];
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
            deferred[i] = o.deferral() ? 1 : 0;
            relays[i] = o.relay();
        }
        Tuple args = Tuple.from(new Object[] {ids, statuses, counted, errors, next, leases, deferred, relays});
        if (!anyRetry) {
            return pool.preparedQuery(RECORD).execute(args).replaceWithVoid();
        }
        return pool.preparedQuery(RECORD_WITH_RETRIES)
                .execute(args.addValue(CANCELLED))
                .replaceWithVoid();
    }

    /**
     * The columns every outcome sets: attempts and deferrals counted, the relay of the attempt, the
     * attempt added to the send's history when it was a real attempt that did not go out (the last
     * ten kept), the claim let go, and a retry off Kafka until the retry sweep finds it due.
     */
    private static final String RECORD_COMMON =
            """
                attempts = s.attempts + u.counted, deferrals = s.deferrals + u.deferred,
                relay = coalesce(u.relay, s.relay),
                history = CASE WHEN u.error IS NULL OR u.counted + u.deferred = 0 THEN s.history
                          ELSE jsonb_path_query_array(coalesce(s.history, '[]'::jsonb) || jsonb_build_array(
                              jsonb_strip_nulls(jsonb_build_object('at', now(), 'relay', u.relay, 'reply', u.error))),
                              '$[last-9 to last]') END,
                lease_until = NULL, claimed_by = NULL, dispatched_at = NULL,
                sent_at = CASE WHEN u.status = 'sent' THEN now() ELSE s.sent_at END
            """;

    private static final String RECORD_ROWS =
            """
            unnest($1::uuid[], $2::text[], $3::int[], $4::text[], $5::timestamptz[], $6::timestamptz[],
                   $7::int[], $8::text[]) AS u(id, status, counted, error, next_at, lease, deferred, relay)
            """;

    static final String RECORD =
            "UPDATE send s SET status = u.status, last_error = u.error, next_attempt_at = u.next_at,\n"
                    + RECORD_COMMON + "FROM " + RECORD_ROWS
                    + "WHERE s.id = u.id AND (s.status || '') = 'sending' AND s.lease_until IS NOT DISTINCT FROM u.lease";

    /** {@link #RECORD} for a batch with retries: a retry of an issue cancelled meanwhile ends skipped. */
    static final String RECORD_WITH_RETRIES =
            """
            UPDATE send s SET
                status = CASE WHEN u.status = 'retrying' AND i.status = 'cancelled' THEN 'skipped' ELSE u.status END,
                last_error = CASE WHEN u.status = 'retrying' AND i.status = 'cancelled' THEN $9 ELSE u.error END,
                next_attempt_at = CASE WHEN u.status = 'retrying' AND i.status = 'cancelled' THEN NULL ELSE u.next_at END,
            """
                    + RECORD_COMMON + "FROM " + RECORD_ROWS
                    + """
            , issue i
            WHERE s.id = u.id AND i.id = s.issue_id
              AND (s.status || '') = 'sending' AND s.lease_until IS NOT DISTINCT FROM u.lease
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

    /** Who a send went to: its subscriber's address and newsletter. */
    public record SendRecipient(UUID sendId, UUID subscriberId, UUID newsletterId, String email, SendStatus status) {}

    /** The recipient of a send, or null when there is no such send (or its subscriber was erased). */
    Uni<SendRecipient> recipient(UUID sendId) {
        return pool.preparedQuery(
                        """
                        SELECT s.id, s.subscriber_id, i.newsletter_id, sub.email, s.status
                        FROM send s JOIN issue i ON i.id = s.issue_id JOIN subscriber sub ON sub.id = s.subscriber_id
                        WHERE s.id = $1
                        """)
                .execute(Tuple.of(sendId))
                .map(rows -> {
                    if (rows.size() == 0) {
                        return null;
                    }
                    Row r = rows.iterator().next();
                    return new SendRecipient(
                            r.getUUID("id"),
                            r.getUUID("subscriber_id"),
                            r.getUUID("newsletter_id"),
                            r.getString("email"),
                            SendStatus.of(r.getString("status")));
                });
    }

    /** A provider confirmed the mail reached the receiving server (kept the first time; repeats change nothing). */
    Uni<Boolean> delivered(UUID sendId) {
        return pool.preparedQuery("UPDATE send SET delivered_at = now() WHERE id = $1 AND delivered_at IS NULL"
                        + " AND status IN ('sent', 'bounced')")
                .execute(Tuple.of(sendId))
                .map(rows -> rows.rowCount() == 1);
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

    /**
     * The issue's sends by the relay of their last attempt and status: {@code relay -> status -> n};
     * for an issue whose sends were rolled up ({@link SendRetention}), as they were then.
     */
    Uni<Map<String, Map<SendStatus, Long>>> relayCounts(UUID issueId) {
        return pool.preparedQuery(
                        """
                        SELECT relay, status, count(*) AS n FROM send
                        WHERE issue_id = $1 AND relay IS NOT NULL
                          AND NOT EXISTS (SELECT 1 FROM send_rollup WHERE issue_id = $1)
                        GROUP BY relay, status
                        UNION ALL
                        SELECT relay, status, n FROM send_rollup_relay WHERE issue_id = $1
                        """)
                .execute(Tuple.of(issueId))
                .map(rows -> {
                    Map<String, Map<SendStatus, Long>> counts = new java.util.HashMap<>();
                    rows.forEach(r -> counts.computeIfAbsent(r.getString("relay"), k -> new EnumMap<>(SendStatus.class))
                            .put(SendStatus.of(r.getString("status")), r.getLong("n")));
                    return counts;
                });
    }

    /**
     * Finished issues (sent or cancelled) that finished more than {@code retention} ago and still
     * have send records, oldest first (a rollup cut short, or one whose rows another replica held,
     * comes back until its last row is gone).
     */
    Uni<List<UUID>> dueForRollup(Duration retention, int limit) {
        return pool.preparedQuery(
                        """
                        SELECT i.id FROM issue i
                        WHERE i.status IN ('sent', 'cancelled') AND i.finished_at < now() - make_interval(secs => $1)
                          AND EXISTS (SELECT 1 FROM send s WHERE s.issue_id = i.id)
                        ORDER BY i.finished_at LIMIT $2
                        """)
                .execute(Tuple.of(retention.toMillis() / 1000.0, limit))
                .map(DeliveryStore::ids);
    }

    /**
     * Starts rolling up the issue's sends: notes it, and keeps its counts by relay and status (only
     * the first time: a rollup cut short and started again keeps the counts it took).
     */
    Uni<Void> startRollup(UUID issueId) {
        return pool.preparedQuery(
                        """
                        WITH started AS (
                            INSERT INTO send_rollup (issue_id) VALUES ($1) ON CONFLICT DO NOTHING RETURNING issue_id)
                        INSERT INTO send_rollup_relay (issue_id, relay, status, n)
                        SELECT s.issue_id, s.relay, s.status, count(*)
                        FROM send s JOIN started ON started.issue_id = s.issue_id
                        WHERE s.relay IS NOT NULL GROUP BY 1, 2, 3
                        """)
                .execute(Tuple.of(issueId))
                .replaceWithVoid();
    }

    /**
     * Deletes up to {@code limit} of the issue's sends and answers how many. The counts stay as
     * they are: the transaction tells the V14 trigger not to count these deletions.
     */
    Uni<Integer> deleteRolledUp(UUID issueId, int limit) {
        return pool.withTransaction(conn -> conn.query("SELECT set_config('tidings.rollup', 'on', true)")
                .execute()
                .flatMap(x -> conn.preparedQuery(
                                """
                                DELETE FROM send WHERE id IN (
                                    SELECT id FROM send WHERE issue_id = $1 LIMIT $2 FOR UPDATE SKIP LOCKED)
                                """)
                        .execute(Tuple.of(issueId, limit)))
                .map(io.vertx.mutiny.sqlclient.SqlResult::rowCount));
    }

    /** The issue's rollup is done: {@code deleted} more sends are gone. */
    Uni<Void> finishRollup(UUID issueId, long deleted) {
        return pool.preparedQuery("UPDATE send_rollup SET done_at = now(), deleted = deleted + $2 WHERE issue_id = $1")
                .execute(Tuple.of(issueId, deleted))
                .replaceWithVoid();
    }

    /** When the issue's sends began to be rolled up (its per-send records deleted), or null. */
    Uni<OffsetDateTime> rolledUpAt(UUID issueId) {
        return pool.preparedQuery("SELECT started_at FROM send_rollup WHERE issue_id = $1")
                .execute(Tuple.of(issueId))
                .map(rows -> rows.size() == 0 ? null : rows.iterator().next().getOffsetDateTime("started_at"));
    }

    /** The issue's sends, newest first, optionally of one status, one more than the page asks for. */
    Uni<List<Listed>> page(UUID newsletterId, UUID issueId, SendStatus status, PageRequest page) {
        StringBuilder sql = new StringBuilder(
                """
                SELECT s.id, s.subscriber_id, sub.email, s.status, s.attempts, s.last_error, s.sent_at, s.created_at,
                       s.relay, s.deferrals, s.next_attempt_at, s.history
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
                        r.getOffsetDateTime("created_at"),
                        r.getString("relay"),
                        r.getInteger("deferrals"),
                        r.getOffsetDateTime("next_attempt_at"),
                        (JsonArray) r.getValue("history")));
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
