package dev.tidings.delivery;

import dev.tidings.common.ProblemException;
import dev.tidings.issue.IssueStatus;
import dev.tidings.issue.IssueStatus.Transition;
import dev.tidings.subscriber.AudienceRule;
import dev.tidings.subscriber.SubscriberRepository;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.UUID;

/**
 * The one owner of an issue's life: every change of {@code issue.status} and of its dispatch
 * columns (recipients, publish key, timestamps, the planned/produced cursors, requeue) goes
 * through here, as one conditional statement whose {@code WHERE status = ANY(...)} comes from
 * {@link IssueStatus#before}: an illegal move matches no row. (The issue's content and the row's
 * creation and deletion belong to {@code issue.IssueRepository}.)
 */
@ApplicationScoped
public class IssueLifecycle {

    /** What publish answers; a repeat with the same idempotency key answers the same. */
    public record Published(IssueStatus status, int recipients) {}

    /** The dispatch columns of a sending issue, as the dispatcher reads them under its lock. */
    public record DispatchState(
            UUID issueId,
            UUID newsletterId,
            OffsetDateTime publishedAt,
            OffsetDateTime plannedUptoAt,
            UUID plannedUpto,
            OffsetDateTime producedUptoAt,
            UUID producedUpto,
            boolean requeue,
            UUID requeueUpto,
            AudienceRule audience) {}

    /** The issue part of the delivery progress. */
    public record Progress(IssueStatus status, int recipients, Instant startedAt, Instant finishedAt, Instant now) {}

    private final Pool pool;

    public IssueLifecycle(Pool pool) {
        this.pool = pool;
    }

    /**
     * The stored audience rule (an inline rule, or a segment's rule frozen when sending started),
     * or null for every active subscriber. Stored rules were checked when they were saved.
     */
    static AudienceRule rule(Row row, String column) {
        String rule = row.getString(column);
        if (rule == null) {
            return null;
        }
        try {
            return AudienceRule.parse(JSON.readTree(rule), "audience.rule");
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("stored audience rule is not JSON", e);
        }
    }

    private static final com.fasterxml.jackson.databind.ObjectMapper JSON =
            new com.fasterxml.jackson.databind.ObjectMapper();

    /**
     * How many active subscribers (in the sense of the dispatcher's audience: active, subscribed
     * by now) the rule matches; every active one without a rule.
     */
    private static Uni<Integer> countAudience(SqlConnection conn, UUID newsletterId, AudienceRule rule) {
        if (rule == null) {
            return conn.preparedQuery(
                            "SELECT coalesce((SELECT n FROM subscriber_count WHERE newsletter_id = $1 AND status = 'active'), 0) AS n")
                    .execute(Tuple.of(newsletterId))
                    .map(rows -> (int) rows.iterator().next().getLong("n").longValue());
        }
        AudienceRule.Sql where = rule.where("s", 2);
        java.util.List<Object> args = new java.util.ArrayList<>();
        args.add(newsletterId);
        args.addAll(where.params());
        return conn.preparedQuery(SubscriberRepository.activeCountSql(where))
                .execute(Tuple.from(args))
                .map(rows -> (int) rows.iterator().next().getLong("n").longValue());
    }

    /**
     * Publishes now, or schedules for {@code scheduledAt} if that is in the future, in one short
     * transaction: the issue row is locked ({@code FOR NO KEY UPDATE}: {@code FOR UPDATE} would
     * also block the foreign-key checks of the counter triggers), the audience is counted. With an
     * idempotency key, a repeat answers what the first call answered and changes nothing.
     */
    public Uni<Published> publish(UUID newsletterId, UUID issueId, Instant scheduledAt, String idempotencyKey) {
        boolean later = scheduledAt != null && scheduledAt.isAfter(Instant.now());
        Transition move = later ? Transition.SCHEDULE : Transition.PUBLISH;
        return pool.withTransaction(conn -> conn.preparedQuery(
                        """
                        SELECT status, publish_key, scheduled_at, recipients,
                               coalesce((SELECT g.rule FROM segment g WHERE g.id = issue.audience_segment_id),
                                        audience_rule)::text AS rule
                        FROM issue WHERE id = $1 AND newsletter_id = $2 FOR NO KEY UPDATE
                        """)
                .execute(Tuple.of(issueId, newsletterId))
                .flatMap(rows -> {
                    if (rows.size() == 0) {
                        throw ProblemException.notFound("This issue");
                    }
                    Row issue = rows.iterator().next();
                    if (idempotencyKey != null && idempotencyKey.equals(issue.getString("publish_key"))) {
                        return Uni.createFrom()
                                .item(new Published(
                                        issue.getOffsetDateTime("scheduled_at") != null
                                                ? IssueStatus.SCHEDULED
                                                : IssueStatus.SENDING,
                                        recipientsOf(issue)));
                    }
                    IssueStatus current = IssueStatus.of(issue.getString("status"));
                    if (!move.allowedFrom(current)) {
                        throw ProblemException.conflict(
                                "not-a-draft", "Only a draft can be published; this issue is " + current.wire());
                    }
                    String rule = issue.getString("rule");
                    return countAudience(conn, newsletterId, rule(issue, "rule"))
                            .flatMap(recipients -> conn.preparedQuery(
                                            """
                                            UPDATE issue SET status = $3, publish_key = $4, updated_at = now(),
                                                scheduled_at = $5,
                                                published_at = CASE WHEN $3 = 'sending' THEN now() END,
                                                started_at = CASE WHEN $3 = 'sending' THEN now() END,
                                                audience_rule = CASE WHEN $3 = 'sending' THEN $7::text::jsonb
                                                                     ELSE audience_rule END,
                                                recipients = $6
                                            WHERE id = $1 AND newsletter_id = $2 RETURNING status, recipients
                                            """)
                                    .execute(Tuple.from(Arrays.asList(
                                            issueId,
                                            newsletterId,
                                            move.to().wire(),
                                            idempotencyKey,
                                            later ? scheduledAt.atOffset(ZoneOffset.UTC) : null,
                                            recipients,
                                            rule))))
                            .map(updated -> {
                                Row row = updated.iterator().next();
                                return new Published(IssueStatus.of(row.getString("status")), recipientsOf(row));
                            });
                }));
    }

    /** Stops claiming new sends; in-flight ones finish. Pausing a paused issue is a no-op. */
    public Uni<Void> pause(UUID newsletterId, UUID issueId) {
        return move(newsletterId, issueId, Transition.PAUSE, "status = 'paused'", "pause");
    }

    /**
     * Goes on where it stopped; a paused issue's queued sends are put on Kafka again (from the
     * start). Resuming an issue that is already sending changes nothing, a requeue under way included.
     */
    public Uni<Void> resume(UUID newsletterId, UUID issueId) {
        return move(
                newsletterId,
                issueId,
                Transition.RESUME,
                "status = 'sending', requeue = (requeue OR status = 'paused'),"
                        + " requeue_upto = CASE WHEN status = 'paused' THEN NULL ELSE requeue_upto END",
                "resume");
    }

    /** Stops the issue for good (what is left of its sends is skipped by the caller). */
    public Uni<Void> cancel(UUID newsletterId, UUID issueId) {
        return move(
                newsletterId,
                issueId,
                Transition.CANCEL,
                "status = 'cancelled', finished_at = coalesce(finished_at, now())",
                "cancel");
    }

    /**
     * Makes {@code move} if the issue is where it starts from, or already where it leads (pause,
     * resume and cancel are idempotent); otherwise a 409 naming where the issue is.
     */
    private Uni<Void> move(UUID newsletterId, UUID issueId, Transition move, String set, String action) {
        String[] from = java.util.stream.Stream.concat(
                        Arrays.stream(move.fromWire()),
                        java.util.stream.Stream.of(move.to().wire()))
                .toArray(String[]::new);
        return pool.preparedQuery("UPDATE issue SET " + set + ", updated_at = now()"
                        + " WHERE id = $1 AND newsletter_id = $2 AND status = ANY($3) RETURNING id")
                .execute(Tuple.of(issueId, newsletterId, from))
                .flatMap(rows -> rows.size() == 1
                        ? Uni.createFrom().voidItem()
                        : status(newsletterId, issueId).map(current -> {
                            throw ProblemException.conflict(
                                    "wrong-status", "An issue that is " + current.wire() + " cannot " + action);
                        }));
    }

    /** The issue's status, or a 404 when the newsletter has no such issue. */
    public Uni<IssueStatus> status(UUID newsletterId, UUID issueId) {
        return pool.preparedQuery("SELECT status FROM issue WHERE id = $1 AND newsletter_id = $2")
                .execute(Tuple.of(issueId, newsletterId))
                .map(rows -> {
                    if (rows.size() == 0) {
                        throw ProblemException.notFound("This issue");
                    }
                    return IssueStatus.of(rows.iterator().next().getString("status"));
                });
    }

    public Uni<Progress> progress(UUID newsletterId, UUID issueId) {
        return pool.preparedQuery(
                        """
                        SELECT status, recipients, started_at, finished_at, now() AS now
                        FROM issue WHERE id = $1 AND newsletter_id = $2
                        """)
                .execute(Tuple.of(issueId, newsletterId))
                .map(rows -> {
                    if (rows.size() == 0) {
                        throw ProblemException.notFound("This issue");
                    }
                    Row row = rows.iterator().next();
                    return new Progress(
                            IssueStatus.of(row.getString("status")),
                            recipientsOf(row),
                            instant(row.getOffsetDateTime("started_at")),
                            instant(row.getOffsetDateTime("finished_at")),
                            instant(row.getOffsetDateTime("now")));
                });
    }

    // --- the dispatcher's steps (each within the dispatcher's transaction where a connection is given)

    /**
     * The oldest sending issue with dispatch work (planning not done, a requeue, or a batch not
     * yet on Kafka whose planner must have died: planned {@code reproduceAfterSeconds} ago),
     * locked for this transaction; other replicas skip it.
     */
    Uni<DispatchState> nextToDispatch(SqlConnection conn, int reproduceAfterSeconds) {
        return conn.preparedQuery(
                        """
                        SELECT id, newsletter_id, published_at, planned_upto_at, planned_upto,
                               produced_upto_at, produced_upto, requeue, requeue_upto, audience_rule::text AS rule
                        FROM issue WHERE status = 'sending'
                          AND (NOT planning_done OR requeue OR planned_upto IS DISTINCT FROM produced_upto)
                          AND (planned_upto IS NOT DISTINCT FROM produced_upto
                               OR coalesce(planned_at, '-infinity') < now() - make_interval(secs => $1))
                        ORDER BY published_at LIMIT 1 FOR NO KEY UPDATE SKIP LOCKED
                        """)
                .execute(Tuple.of(reproduceAfterSeconds))
                .map(rows -> {
                    if (rows.size() == 0) {
                        return null;
                    }
                    Row row = rows.iterator().next();
                    return new DispatchState(
                            row.getUUID("id"),
                            row.getUUID("newsletter_id"),
                            row.getOffsetDateTime("published_at"),
                            row.getOffsetDateTime("planned_upto_at"),
                            row.getUUID("planned_upto"),
                            row.getOffsetDateTime("produced_upto_at"),
                            row.getUUID("produced_upto"),
                            row.getBoolean("requeue"),
                            row.getUUID("requeue_upto"),
                            rule(row, "rule"));
                });
    }

    /** A batch is planned up to this subscriber (committed with its send records). */
    Uni<Void> planned(SqlConnection conn, UUID issueId, OffsetDateTime lastAt, UUID lastId) {
        return conn.preparedQuery(
                        "UPDATE issue SET planned_upto_at = $2, planned_upto = $3, planned_at = now() WHERE id = $1")
                .execute(Tuple.of(issueId, lastAt, lastId))
                .replaceWithVoid();
    }

    /** The whole audience is planned: the recipients are now the send records. */
    Uni<Void> planningDone(SqlConnection conn, UUID issueId) {
        return conn.preparedQuery(
                        """
                        UPDATE issue SET planning_done = true,
                            recipients = (SELECT count(*) FROM send WHERE issue_id = $1)
                        WHERE id = $1
                        """)
                .execute(Tuple.of(issueId))
                .replaceWithVoid();
    }

    /** The batch up to this subscriber is on Kafka (only if it is still the planned one). */
    Uni<Void> produced(UUID issueId, OffsetDateTime lastAt, UUID lastId) {
        return pool.preparedQuery(
                        """
                        UPDATE issue SET produced_upto_at = $2, produced_upto = $3
                        WHERE id = $1 AND planned_upto = $3
                        """)
                .execute(Tuple.of(issueId, lastAt, lastId))
                .replaceWithVoid();
    }

    /** An interrupted batch went on Kafka again: the produced cursor catches up with the planned one. */
    Uni<Void> reproduced(SqlConnection conn, UUID issueId) {
        return conn.preparedQuery(
                        "UPDATE issue SET produced_upto_at = planned_upto_at, produced_upto = planned_upto WHERE id = $1")
                .execute(Tuple.of(issueId))
                .replaceWithVoid();
    }

    /** Requeue after resume moved on: {@code more} left after send {@code last}, or done. */
    Uni<Void> requeued(SqlConnection conn, UUID issueId, boolean more, UUID last) {
        return conn.preparedQuery("UPDATE issue SET requeue = $2, requeue_upto = $3 WHERE id = $1")
                .execute(Tuple.of(issueId, more, more ? last : null))
                .replaceWithVoid();
    }

    /**
     * Scheduled issues that are due start sending, exactly once whichever replica gets there: the
     * audience's rule is frozen now (a segment's current rule) and counted.
     */
    Uni<Integer> startDue() {
        return pool.withTransaction(conn -> conn.preparedQuery(
                        """
                        UPDATE issue SET status = 'sending', published_at = now(), started_at = now(), updated_at = now(),
                            audience_rule = coalesce((SELECT g.rule FROM segment g WHERE g.id = issue.audience_segment_id),
                                                     audience_rule)
                        WHERE id IN (SELECT id FROM issue WHERE status = ANY($1) AND scheduled_at <= now()
                                     ORDER BY scheduled_at LIMIT 10 FOR NO KEY UPDATE SKIP LOCKED)
                        RETURNING id, newsletter_id, audience_rule::text AS rule
                        """)
                .execute(Tuple.of((Object) Transition.START.fromWire()))
                .flatMap(rows -> {
                    Uni<Void> counted = Uni.createFrom().voidItem();
                    for (Row row : rows) {
                        UUID id = row.getUUID("id");
                        UUID newsletterId = row.getUUID("newsletter_id");
                        AudienceRule rule = rule(row, "rule");
                        counted = counted.flatMap(done -> countAudience(conn, newsletterId, rule)
                                .flatMap(n -> conn.preparedQuery("UPDATE issue SET recipients = $2 WHERE id = $1")
                                        .execute(Tuple.of(id, n)))
                                .replaceWithVoid());
                    }
                    return counted.replaceWith(rows.size());
                }));
    }

    /** A sending issue whose planning is done and whose every send is settled is sent. */
    Uni<Void> finishSettled() {
        return pool.preparedQuery(
                        """
                        UPDATE issue i SET status = 'sent', finished_at = now(), updated_at = now()
                        WHERE i.status = ANY($1) AND i.planning_done AND NOT i.requeue
                          AND NOT EXISTS (SELECT 1 FROM send_count c WHERE c.issue_id = i.id
                                          AND c.status IN ('queued', 'sending', 'retrying')
                                          GROUP BY c.status HAVING sum(c.n) > 0)
                        """)
                .execute(Tuple.of((Object) Transition.FINISH.fromWire()))
                .replaceWithVoid();
    }

    private static int recipientsOf(Row row) {
        Integer recipients = row.getInteger("recipients");
        return recipients == null ? 0 : recipients;
    }

    private static Instant instant(OffsetDateTime time) {
        return time == null ? null : time.toInstant();
    }
}
