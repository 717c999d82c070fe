package dev.tidings.delivery;

import dev.tidings.web.TidingsConfig;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jboss.logging.Logger;

/**
 * Turns published issues into send records and Kafka jobs, and keeps them moving. Every step is one
 * PostgreSQL transaction that locks what it works on ({@code SKIP LOCKED}; the issue row {@code FOR
 * NO KEY UPDATE}, since {@code FOR UPDATE} would also block the foreign-key checks of the counter
 * triggers, and claims deadlocked on it). A planning step commits its batch and cursor, then puts
 * the jobs on Kafka and records that it did: a batch whose planner died in between is put on Kafka
 * again by the next planner (a job on Kafka twice is harmless); nothing is lost either way. Any
 * number of replicas run it; they share the work instead of repeating it.
 *
 * <ul>
 *   <li>plan: walk the audience (active at publish time) in (created_at, id) order, {@code
 *       plan-batch} subscribers per step: insert their queued sends, put them on Kafka;
 *   <li>requeue: after resume, put the issue's queued sends on Kafka again;
 *   <li>retry: sends whose retry is due go back to queued and onto Kafka;
 *   <li>reclaim: sends whose lease expired (their instance died) go back to queued;
 *   <li>schedule: scheduled issues that are due start sending, once;
 *   <li>finish: a sending issue with nothing queued, sending or retrying left is sent.
 * </ul>
 */
@ApplicationScoped
public class Dispatcher {

    private static final Logger LOG = Logger.getLogger(Dispatcher.class);
    private static final int SWEEP_BATCH = 1000;
    /** The keyset cursor before any subscriber: planning starts here. */
    private static final java.time.OffsetDateTime BEFORE_ALL = java.time.OffsetDateTime.parse("1970-01-01T00:00:00Z");

    private static final int REDISPATCH_MINUTES = 5;
    /**
     * A batch committed but not on Kafka this long after is taken to be interrupted (its planner
     * died) and produced again by whoever plans next; a live planner is done in milliseconds.
     */
    static final int REPRODUCE_AFTER_SECONDS = 10;

    private final Pool pool;
    private final SendJobProducer producer;
    private final int planBatch;
    private final AtomicBoolean planning = new AtomicBoolean();
    /** Set by every kick; a plan loop that sees it runs one more step, so no kick is lost. */
    private final AtomicBoolean kicked = new AtomicBoolean();

    public Dispatcher(Pool pool, SendJobProducer producer, TidingsConfig config) {
        this.pool = pool;
        this.producer = producer;
        this.planBatch = config.delivery().planBatch();
    }

    /** Plans now instead of at the next tick (after a publish or resume on this instance). */
    public void kick() {
        plan();
    }

    @Scheduled(every = "1s", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void tick() {
        plan();
    }

    /**
     * Runs plan steps back to back until there is nothing left to plan; one loop per instance. A
     * kick during a loop (a publish whose transaction committed after the loop's last look) makes
     * the loop look again rather than being dropped until the next tick.
     */
    private void plan() {
        kicked.set(true);
        if (!planning.compareAndSet(false, true)) {
            return;
        }
        Uni.createFrom()
                .deferred(() -> {
                    kicked.set(false);
                    return planStep();
                })
                .repeat()
                .until(worked -> !worked && !kicked.get())
                .collect()
                .last()
                .eventually(() -> {
                    planning.set(false);
                    if (kicked.get()) {
                        plan();
                    }
                })
                .subscribe()
                .with(x -> {}, failure -> LOG.warnf("planning stopped: %s", failure.getMessage()));
    }

    /**
     * One step of planning or requeueing for one issue; true if there was work. Send records are
     * put on Kafka only after the transaction that creates them has committed, so a consumer never
     * gets a job for a send it cannot see yet.
     */
    Uni<Boolean> planStep() {
        return pool.withTransaction(conn -> conn.preparedQuery(
                                """
                                SELECT id, newsletter_id, published_at, planned_upto_at, planned_upto,
                                       produced_upto_at, produced_upto, requeue, requeue_upto
                                FROM issue WHERE status = 'sending'
                                  AND (NOT planning_done OR requeue OR planned_upto IS DISTINCT FROM produced_upto)
                                  AND (planned_upto IS NOT DISTINCT FROM produced_upto
                                       OR coalesce(planned_at, '-infinity') < now() - make_interval(secs => $1))
                                ORDER BY published_at LIMIT 1 FOR NO KEY UPDATE SKIP LOCKED
                                """)
                        .execute(Tuple.of(REPRODUCE_AFTER_SECONDS))
                        .flatMap(rows -> {
                            if (rows.size() == 0) {
                                return Uni.createFrom().item(Step.NONE);
                            }
                            Row issue = rows.iterator().next();
                            if (!Objects.equals(issue.getUUID("planned_upto"), issue.getUUID("produced_upto"))) {
                                return reproduce(conn, issue).replaceWith(Step.WORKED);
                            }
                            if (issue.getBoolean("requeue")) {
                                return requeue(conn, issue).replaceWith(Step.WORKED);
                            }
                            return planNext(conn, issue);
                        }))
                .flatMap(step -> step.sends().isEmpty()
                        ? Uni.createFrom().item(step.worked())
                        : producer.produce(step.issueId(), step.sends())
                                .flatMap(x -> pool.preparedQuery(
                                                """
                                                UPDATE issue SET produced_upto_at = $2, produced_upto = $3
                                                WHERE id = $1 AND planned_upto = $3
                                                """)
                                        .execute(Tuple.of(step.issueId(), step.lastAt(), step.lastId())))
                                .replaceWith(true));
    }

    /** What a planning transaction committed, to put on Kafka after it. */
    private record Step(boolean worked, UUID issueId, List<UUID> sends, OffsetDateTime lastAt, UUID lastId) {
        static final Step NONE = new Step(false, null, List.of(), null, null);
        static final Step WORKED = new Step(true, null, List.of(), null, null);
    }

    private Uni<Step> planNext(SqlConnection conn, Row issue) {
        UUID issueId = issue.getUUID("id");
        return conn.preparedQuery(
                        """
                        WITH audience AS (
                            SELECT id, created_at FROM subscriber
                            WHERE newsletter_id = $2 AND status = 'active' AND created_at <= $3
                              AND (confirmed_at IS NULL OR confirmed_at <= $3)
                              AND (created_at, id) > ($4, $5)
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
                        """)
                .execute(Tuple.from(Arrays.asList(
                        issueId,
                        issue.getUUID("newsletter_id"),
                        issue.getOffsetDateTime("published_at"),
                        // No "cursor IS NULL OR" here: in a prepared statement's generic plan that kept the
                        // cursor out of the index condition, so every batch rescanned the audience from the start.
                        Objects.requireNonNullElse(issue.getOffsetDateTime("planned_upto_at"), BEFORE_ALL),
                        Objects.requireNonNullElse(issue.getUUID("planned_upto"), new UUID(0, 0)),
                        planBatch)))
                .flatMap(result -> {
                    Row row = result.iterator().next();
                    long planned = row.getLong("planned");
                    if (planned == 0) {
                        return conn.preparedQuery(
                                        """
                                        UPDATE issue SET planning_done = true,
                                            recipients = (SELECT count(*) FROM send WHERE issue_id = $1)
                                        WHERE id = $1
                                        """)
                                .execute(Tuple.of(issueId))
                                .replaceWith(Step.WORKED);
                    }
                    OffsetDateTime lastAt = row.getOffsetDateTime("last_at");
                    UUID lastId = row.getUUID("last_id");
                    List<UUID> sends = uuids(row.getArrayOfUUIDs("sends"));
                    return conn.preparedQuery(
                                    "UPDATE issue SET planned_upto_at = $2, planned_upto = $3, planned_at = now() WHERE id = $1")
                            .execute(Tuple.of(issueId, lastAt, lastId))
                            .replaceWith(new Step(true, issueId, sends, lastAt, lastId));
                });
    }

    /**
     * The batch between produced_upto and planned_upto was committed but maybe never reached
     * Kafka (the dispatcher died in between): put its queued sends on Kafka again.
     */
    private Uni<Void> reproduce(SqlConnection conn, Row issue) {
        UUID issueId = issue.getUUID("id");
        return conn.preparedQuery(
                        """
                        SELECT s.id FROM send s JOIN subscriber sub ON sub.id = s.subscriber_id
                        WHERE s.issue_id = $1 AND s.status = 'queued'
                          AND ($2::timestamptz IS NULL OR (sub.created_at, sub.id) > ($2, $3))
                          AND (sub.created_at, sub.id) <= ($4, $5)
                        """)
                .execute(Tuple.from(Arrays.asList(
                        issueId,
                        issue.getOffsetDateTime("produced_upto_at"),
                        issue.getUUID("produced_upto"),
                        issue.getOffsetDateTime("planned_upto_at"),
                        issue.getUUID("planned_upto"))))
                .flatMap(rows -> {
                    List<UUID> sends = new ArrayList<>();
                    rows.forEach(r -> sends.add(r.getUUID("id")));
                    LOG.infof(
                            "putting %d sends of issue %s on Kafka again after an interrupted dispatch",
                            sends.size(), issueId);
                    return producer.produce(issueId, sends);
                })
                .flatMap(x -> conn.preparedQuery(
                                "UPDATE issue SET produced_upto_at = planned_upto_at, produced_upto = planned_upto WHERE id = $1")
                        .execute(Tuple.of(issueId)))
                .replaceWithVoid();
    }

    /** After resume: the issue's queued sends (committed long ago) go on Kafka again, a batch per step. */
    private Uni<Boolean> requeue(SqlConnection conn, Row issue) {
        UUID issueId = issue.getUUID("id");
        return conn.preparedQuery(
                        """
                        SELECT id FROM send WHERE issue_id = $1 AND status = 'queued' AND ($2::uuid IS NULL OR id > $2)
                        ORDER BY id LIMIT $3
                        """)
                .execute(Tuple.of(issueId, issue.getUUID("requeue_upto"), planBatch))
                .flatMap(rows -> {
                    List<UUID> sends = new ArrayList<>();
                    rows.forEach(r -> sends.add(r.getUUID("id")));
                    boolean done = sends.size() < planBatch;
                    UUID last = sends.isEmpty() ? null : sends.get(sends.size() - 1);
                    return producer.produce(issueId, sends)
                            .flatMap(x -> conn.preparedQuery(
                                            "UPDATE issue SET requeue = $2, requeue_upto = $3 WHERE id = $1")
                                    .execute(Tuple.of(issueId, !done, done ? null : last)))
                            .replaceWith(true);
                });
    }

    /**
     * Sends whose retry is due go on Kafka (only for issues that are sending, not paused). Their
     * next attempt is pushed {@value #REDISPATCH_MINUTES} minutes out first and committed, then
     * they are produced: a consumer claims them as {@code retrying}; should this instance die in
     * between, the sweep finds them again then.
     */
    @Scheduled(every = "1s", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    Uni<Void> retryDue() {
        return sweep("s.status = 'retrying' AND s.next_attempt_at <= now()", "s.next_attempt_at");
    }

    /** Sends whose lease ran out (the instance holding them died) become due retries, produced the same way. */
    @Scheduled(
            every = "${tidings.delivery.reclaim-every:15s}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    Uni<Void> reclaimExpired() {
        return sweep("s.status = 'sending' AND s.lease_until < now()", "s.lease_until");
    }

    private Uni<Void> sweep(String condition, String order) {
        return pool.withTransaction(conn -> conn.preparedQuery(
                                """
                                WITH due AS (
                                    SELECT s.id FROM send s JOIN issue i ON i.id = s.issue_id AND i.status = 'sending'
                                    WHERE %s ORDER BY %s LIMIT %d FOR UPDATE OF s SKIP LOCKED)
                                UPDATE send SET status = 'retrying', lease_until = NULL,
                                    next_attempt_at = now() + interval '%d minutes'
                                FROM due WHERE send.id = due.id
                                RETURNING send.id, send.issue_id
                                """
                                        .formatted(condition, order, SWEEP_BATCH, REDISPATCH_MINUTES))
                        .execute())
                .flatMap(rows -> produceByIssue(rows)
                        // Kafka did not take them (a broker restart, say): due again at once rather than
                        // after the redispatch wait.
                        .onFailure()
                        .call(() -> dueNow(rows)))
                .onFailure()
                .invoke(failure -> LOG.warnf("sweep failed: %s", failure.getMessage()))
                .onFailure()
                .recoverWithNull();
    }

    private Uni<Void> dueNow(RowSet<Row> rows) {
        List<UUID> ids = new ArrayList<>();
        rows.forEach(row -> ids.add(row.getUUID("id")));
        return pool.preparedQuery("UPDATE send SET next_attempt_at = now() WHERE id = ANY($1) AND status = 'retrying'")
                .execute(Tuple.of(ids.toArray(UUID[]::new)))
                .replaceWithVoid();
    }

    private Uni<Void> produceByIssue(RowSet<Row> rows) {
        Map<UUID, List<UUID>> byIssue = new LinkedHashMap<>();
        for (Row row : rows) {
            byIssue.computeIfAbsent(row.getUUID("issue_id"), k -> new ArrayList<>())
                    .add(row.getUUID("id"));
        }
        Uni<Void> all = Uni.createFrom().voidItem();
        for (Map.Entry<UUID, List<UUID>> entry : byIssue.entrySet()) {
            all = all.flatMap(x -> producer.produce(entry.getKey(), entry.getValue()));
        }
        return all;
    }

    /** Scheduled issues that are due start sending, exactly once whichever replica gets there. */
    @Scheduled(every = "2s", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    Uni<Void> startDue() {
        return pool.query(
                        """
                        UPDATE issue SET status = 'sending', published_at = now(), started_at = now(), updated_at = now(),
                            recipients = coalesce((SELECT n FROM subscriber_count c
                                                   WHERE c.newsletter_id = issue.newsletter_id AND c.status = 'active'), 0)
                        WHERE id IN (SELECT id FROM issue WHERE status = 'scheduled' AND scheduled_at <= now()
                                     ORDER BY scheduled_at LIMIT 10 FOR NO KEY UPDATE SKIP LOCKED)
                        RETURNING id
                        """)
                .execute()
                .invoke(rows -> {
                    if (rows.size() > 0) {
                        LOG.infof("started %d scheduled issue(s)", rows.size());
                        kick();
                    }
                })
                .replaceWithVoid()
                .onFailure()
                .recoverWithNull();
    }

    /** An issue with every send settled is sent. */
    @Scheduled(every = "1s", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    Uni<Void> finish() {
        return pool.query(
                        """
                        UPDATE issue i SET status = 'sent', finished_at = now(), updated_at = now()
                        WHERE i.status = 'sending' AND i.planning_done AND NOT i.requeue
                          AND NOT EXISTS (SELECT 1 FROM send_count c WHERE c.issue_id = i.id
                                          AND c.status IN ('queued', 'sending', 'retrying')
                                          GROUP BY c.status HAVING sum(c.n) > 0)
                        """)
                .execute()
                .replaceWithVoid()
                .onFailure()
                .recoverWithNull();
    }

    private static List<UUID> uuids(UUID[] array) {
        return array == null ? List.of() : List.of(array);
    }
}
