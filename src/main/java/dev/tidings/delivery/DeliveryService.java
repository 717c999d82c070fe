package dev.tidings.delivery;

import dev.tidings.newsletter.NewsletterDirectory;
import dev.tidings.web.Cursor;
import dev.tidings.web.KeysetSql;
import dev.tidings.web.Page;
import dev.tidings.web.PageRequest;
import dev.tidings.web.ProblemException;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * Publishing and steering the delivery of an issue. Publishing is one short transaction (the
 * issue becomes sending and its audience is fixed by the publish time); the send records are
 * created by the {@link Dispatcher} right after, so the answer comes at once for any list size.
 */
@ApplicationScoped
public class DeliveryService {

    private static final Set<String> SEND_STATUSES =
            Set.of("queued", "sending", "sent", "retrying", "failed", "bounced", "skipped");

    private final Pool pool;
    private final NewsletterDirectory newsletters;
    private final Dispatcher dispatcher;
    private final MailComposer composer;

    public DeliveryService(Pool pool, NewsletterDirectory newsletters, Dispatcher dispatcher, MailComposer composer) {
        this.pool = pool;
        this.newsletters = newsletters;
        this.dispatcher = dispatcher;
        this.composer = composer;
    }

    /**
     * Publishes now, or schedules for {@code scheduledAt} if that is in the future. With an
     * idempotency key, a repeat answers what the first call answered and changes nothing.
     */
    public Uni<DeliveryViews.Published> publish(
            UUID accountId, UUID newsletterId, UUID issueId, Instant scheduledAt, String idempotencyKey) {
        if (idempotencyKey != null && (idempotencyKey.isBlank() || idempotencyKey.length() > 200)) {
            throw ProblemException.invalid("Idempotency-Key", "must be 1 to 200 characters");
        }
        boolean later = scheduledAt != null && scheduledAt.isAfter(Instant.now());
        return newsletters
                .owned(accountId, newsletterId)
                .flatMap(n -> pool.withTransaction(conn -> conn.preparedQuery(
                                "SELECT status, publish_key, scheduled_at, recipients FROM issue"
                                        + " WHERE id = $1 AND newsletter_id = $2 FOR NO KEY UPDATE")
                        .execute(Tuple.of(issueId, newsletterId))
                        .flatMap(rows -> {
                            if (rows.size() == 0) {
                                throw ProblemException.notFound("This issue");
                            }
                            Row issue = rows.iterator().next();
                            String key = issue.getString("publish_key");
                            if (idempotencyKey != null && idempotencyKey.equals(key)) {
                                return Uni.createFrom()
                                        .item(new DeliveryViews.Published(
                                                issue.getOffsetDateTime("scheduled_at") != null
                                                        ? "scheduled"
                                                        : "sending",
                                                issue.getInteger("recipients") == null
                                                        ? 0
                                                        : issue.getInteger("recipients")));
                            }
                            if (!"draft".equals(issue.getString("status"))) {
                                throw ProblemException.conflict(
                                        "not-a-draft",
                                        "Only a draft can be published; this issue is " + issue.getString("status"));
                            }
                            return conn.preparedQuery(
                                            """
                                            UPDATE issue SET status = $3, publish_key = $4, updated_at = now(),
                                                scheduled_at = $5,
                                                published_at = CASE WHEN $3 = 'sending' THEN now() END,
                                                started_at = CASE WHEN $3 = 'sending' THEN now() END,
                                                recipients = coalesce((SELECT c.n FROM subscriber_count c
                                                    WHERE c.newsletter_id = $2 AND c.status = 'active'), 0)
                                            WHERE id = $1 RETURNING status, recipients
                                            """)
                                    .execute(Tuple.from(java.util.Arrays.asList(
                                            issueId,
                                            newsletterId,
                                            later ? "scheduled" : "sending",
                                            idempotencyKey,
                                            later ? scheduledAt.atOffset(ZoneOffset.UTC) : null)))
                                    .map(updated -> {
                                        Row row = updated.iterator().next();
                                        return new DeliveryViews.Published(
                                                row.getString("status"), row.getInteger("recipients"));
                                    });
                        })))
                .invoke(published -> {
                    if ("sending".equals(published.status())) {
                        dispatcher.kick();
                    }
                });
    }

    /** Stops claiming new sends; in-flight ones finish. Pausing a paused issue is a no-op. */
    public Uni<Void> pause(UUID accountId, UUID newsletterId, UUID issueId) {
        return transition(accountId, newsletterId, issueId, Set.of("sending", "paused"), "status = 'paused'", "pause");
    }

    /** Goes on where it stopped: queued sends are put on Kafka again. */
    public Uni<Void> resume(UUID accountId, UUID newsletterId, UUID issueId) {
        return transition(
                        accountId,
                        newsletterId,
                        issueId,
                        Set.of("paused", "sending"),
                        "status = 'sending', requeue = (status = 'paused'), requeue_upto = NULL",
                        "resume")
                .invoke(dispatcher::kick);
    }

    /** Stops the issue for good: what has not gone out yet is skipped. */
    public Uni<Void> cancel(UUID accountId, UUID newsletterId, UUID issueId) {
        return transition(
                        accountId,
                        newsletterId,
                        issueId,
                        Set.of("scheduled", "sending", "paused", "cancelled"),
                        "status = 'cancelled', finished_at = coalesce(finished_at, now())",
                        "cancel")
                .flatMap(x -> pool.preparedQuery(
                                "UPDATE send SET status = 'skipped', last_error = 'the issue was cancelled'"
                                        + " WHERE issue_id = $1 AND status IN ('queued', 'retrying')")
                        .execute(Tuple.of(issueId))
                        .replaceWithVoid());
    }

    private Uni<Void> transition(
            UUID accountId, UUID newsletterId, UUID issueId, Set<String> from, String set, String action) {
        return newsletters
                .owned(accountId, newsletterId)
                .flatMap(n -> pool.preparedQuery("UPDATE issue SET " + set + ", updated_at = now()"
                                + " WHERE id = $1 AND newsletter_id = $2 AND status = ANY($3) RETURNING id")
                        .execute(Tuple.of(issueId, newsletterId, from.toArray(String[]::new))))
                .flatMap(rows -> rows.size() == 1
                        ? Uni.createFrom().voidItem()
                        : status(newsletterId, issueId).map(current -> {
                            throw ProblemException.conflict(
                                    "wrong-status", "An issue that is " + current + " cannot " + action);
                        }));
    }

    private Uni<String> status(UUID newsletterId, UUID issueId) {
        return pool.preparedQuery("SELECT status FROM issue WHERE id = $1 AND newsletter_id = $2")
                .execute(Tuple.of(issueId, newsletterId))
                .map(rows -> {
                    if (rows.size() == 0) {
                        throw ProblemException.notFound("This issue");
                    }
                    return rows.iterator().next().getString("status");
                });
    }

    public Uni<DeliveryViews.Progress> progress(UUID accountId, UUID newsletterId, UUID issueId) {
        return newsletters
                .owned(accountId, newsletterId)
                .flatMap(n -> pool.preparedQuery(
                                """
                                SELECT i.status, i.recipients, i.started_at, i.finished_at, now() AS now
                                FROM issue i WHERE i.id = $1 AND i.newsletter_id = $2
                                """)
                        .execute(Tuple.of(issueId, newsletterId)))
                .flatMap(rows -> {
                    if (rows.size() == 0) {
                        throw ProblemException.notFound("This issue");
                    }
                    Row issue = rows.iterator().next();
                    return pool.preparedQuery(
                                    "SELECT status, sum(n)::bigint AS n FROM send_count WHERE issue_id = $1 GROUP BY status")
                            .execute(Tuple.of(issueId))
                            .map(counts -> {
                                Map<String, Long> by = new HashMap<>();
                                counts.forEach(r -> by.put(r.getString("status"), r.getLong("n")));
                                Instant started = instant(issue.getOffsetDateTime("started_at"));
                                Instant finished = instant(issue.getOffsetDateTime("finished_at"));
                                long sent = by.getOrDefault("sent", 0L);
                                // The average since the start (up to the end, once finished).
                                Instant until = finished != null ? finished : instant(issue.getOffsetDateTime("now"));
                                double rate = started == null
                                        ? 0
                                        : sent
                                                / Math.max(
                                                        0.001,
                                                        Duration.between(started, until)
                                                                        .toMillis()
                                                                / 1000.0);
                                return new DeliveryViews.Progress(
                                        issue.getString("status"),
                                        issue.getInteger("recipients") == null ? 0 : issue.getInteger("recipients"),
                                        by.getOrDefault("queued", 0L),
                                        by.getOrDefault("sending", 0L),
                                        sent,
                                        by.getOrDefault("retrying", 0L),
                                        by.getOrDefault("failed", 0L),
                                        by.getOrDefault("bounced", 0L),
                                        by.getOrDefault("skipped", 0L),
                                        started,
                                        finished,
                                        Math.round(rate * 10) / 10.0);
                            });
                });
    }

    public Uni<Page<DeliveryViews.SendView>> sends(
            UUID accountId, UUID newsletterId, UUID issueId, String status, PageRequest page) {
        if (status != null && !status.isBlank() && !SEND_STATUSES.contains(status)) {
            throw ProblemException.invalid(
                    "status", "must be one of " + String.join(", ", new java.util.TreeSet<>(SEND_STATUSES)));
        }
        PageRequest fetch = page.withOneMore();
        StringBuilder sql = new StringBuilder(
                """
                SELECT s.id, s.subscriber_id, sub.email, s.status, s.attempts, s.last_error, s.sent_at, s.created_at
                FROM send s JOIN subscriber sub ON sub.id = s.subscriber_id JOIN issue i ON i.id = s.issue_id
                WHERE s.issue_id = $1 AND i.newsletter_id = $2""");
        List<Object> args = new ArrayList<>(List.of(issueId, newsletterId));
        if (status != null && !status.isBlank()) {
            args.add(status);
            sql.append(" AND s.status = $").append(args.size());
        }
        KeysetSql.appendPage(sql, args, fetch, "s.");
        return newsletters
                .owned(accountId, newsletterId)
                .flatMap(n -> status(newsletterId, issueId))
                .flatMap(x -> pool.preparedQuery(sql.toString()).execute(Tuple.from(args)))
                .map(rows -> {
                    List<Row> list = new ArrayList<>();
                    rows.forEach(list::add);
                    return Page.of(
                            list,
                            page.limit(),
                            r -> new Cursor(r.getOffsetDateTime("created_at").toInstant(), r.getUUID("id")),
                            r -> new DeliveryViews.SendView(
                                    r.getUUID("subscriber_id"),
                                    r.getString("email"),
                                    r.getString("status"),
                                    r.getInteger("attempts"),
                                    r.getString("last_error"),
                                    instant(r.getOffsetDateTime("sent_at")),
                                    composer.messageId(r.getUUID("id"))));
                });
    }

    private static Instant instant(OffsetDateTime time) {
        return time == null ? null : time.toInstant();
    }
}
