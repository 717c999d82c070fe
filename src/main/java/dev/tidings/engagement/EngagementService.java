package dev.tidings.engagement;

import dev.tidings.common.Cursor;
import dev.tidings.common.Page;
import dev.tidings.common.PageRequest;
import dev.tidings.delivery.DeliveryService;
import dev.tidings.issue.CompiledIssue;
import dev.tidings.issue.IssueRenderer;
import dev.tidings.issue.TrackableLinks;
import dev.tidings.subscriber.SubscriberService;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * What a writer learns after publishing (API.md "Engagement"): an issue's report and a
 * subscriber's activity. Delivered and bounced come from the send records (the exactly-once
 * ledger); opens, clicks, complaints and unsubscribes from the aggregates the engagement consumer
 * keeps; machine activity is counted apart and never in {@code unique} or {@code total}.
 */
@ApplicationScoped
public class EngagementService {

    public record Counts(long unique, long total, long machine) {}

    public record LinkCount(String url, long unique, long total) {}

    public record Hour(Instant hour, long opens, long clicks) {}

    public record Report(
            int recipients,
            long delivered,
            long bounced,
            long complained,
            long unsubscribed,
            Counts opens,
            Counts clicks,
            List<LinkCount> links,
            List<Hour> timeline) {}

    /**
     * One line of a subscriber's activity; {@code detail}: for a mail that bounced, or about which
     * a soft bounce or complaint came back, what was reported (e.g. "hard bounce returned by mail
     * (dsn): 5.1.1 …").
     */
    public record Activity(
            UUID id, String type, UUID issueId, String url, Instant at, boolean machine, String detail) {}

    private final Pool pool;
    private final DeliveryService delivery;
    private final SubscriberService subscribers;
    private final IssueRenderer issues;

    public EngagementService(Pool pool, DeliveryService delivery, SubscriberService subscribers, IssueRenderer issues) {
        this.pool = pool;
        this.delivery = delivery;
        this.subscribers = subscribers;
        this.issues = issues;
    }

    public Uni<Report> report(UUID accountId, UUID newsletterId, UUID issueId) {
        return delivery.progress(accountId, newsletterId, issueId).flatMap(progress -> pool.preparedQuery(
                        """
                        SELECT
                          (SELECT count(*) FILTER (WHERE opens > 0) FROM mail_engagement WHERE issue_id = $1) AS opens_unique,
                          (SELECT coalesce(sum(opens), 0) FROM mail_engagement WHERE issue_id = $1) AS opens_total,
                          (SELECT coalesce(sum(machine_opens), 0) FROM mail_engagement WHERE issue_id = $1) AS opens_machine,
                          (SELECT count(*) FILTER (WHERE clicks > 0) FROM mail_engagement WHERE issue_id = $1) AS clicks_unique,
                          (SELECT coalesce(sum(clicks), 0) FROM mail_engagement WHERE issue_id = $1) AS clicks_total,
                          (SELECT coalesce(sum(machine_clicks), 0) FROM mail_engagement WHERE issue_id = $1) AS clicks_machine,
                          (SELECT coalesce(sum(complained), 0) FROM issue_engagement WHERE issue_id = $1) AS complained,
                          (SELECT coalesce(sum(unsubscribed), 0) FROM issue_engagement WHERE issue_id = $1) AS unsubscribed
                        """)
                .execute(Tuple.of(issueId))
                .flatMap(totals -> pool.preparedQuery(
                                """
                                SELECT link_index, count(*) FILTER (WHERE clicks > 0) AS uniq, sum(clicks) AS total
                                FROM link_engagement WHERE issue_id = $1 GROUP BY link_index ORDER BY link_index
                                """)
                        .execute(Tuple.of(issueId))
                        .flatMap(links -> pool.preparedQuery(
                                        "SELECT hour, opens, clicks FROM engagement_hourly WHERE issue_id = $1"
                                                + " AND (opens > 0 OR clicks > 0) ORDER BY hour")
                                .execute(Tuple.of(issueId))
                                .flatMap(hours -> issues.compile(issueId).map(compiled -> {
                                    Row t = totals.iterator().next();
                                    List<LinkCount> linkCounts = new ArrayList<>();
                                    for (Row l : links) {
                                        if (l.getLong("total") > 0) {
                                            linkCounts.add(new LinkCount(
                                                    url(compiled, l.getInteger("link_index")),
                                                    l.getLong("uniq"),
                                                    l.getLong("total")));
                                        }
                                    }
                                    linkCounts.sort((a, b) -> Long.compare(b.total(), a.total()));
                                    List<Hour> timeline = new ArrayList<>();
                                    hours.forEach(h -> timeline.add(new Hour(
                                            h.getOffsetDateTime("hour").toInstant(),
                                            h.getInteger("opens"),
                                            h.getInteger("clicks"))));
                                    return new Report(
                                            progress.recipients(),
                                            progress.sent(),
                                            progress.bounced(),
                                            t.getLong("complained"),
                                            t.getLong("unsubscribed"),
                                            new Counts(
                                                    t.getLong("opens_unique"),
                                                    t.getLong("opens_total"),
                                                    t.getLong("opens_machine")),
                                            new Counts(
                                                    t.getLong("clicks_unique"),
                                                    t.getLong("clicks_total"),
                                                    t.getLong("clicks_machine")),
                                            linkCounts,
                                            timeline);
                                })))));
    }

    /**
     * A subscriber's activity, newest first: each mail sent or bounced (from the send records) and
     * each open, click, complaint and unsubscribe (raw events, kept for the retention).
     */
    public Uni<Page<Activity>> activity(UUID accountId, UUID newsletterId, UUID subscriberId, PageRequest page) {
        return subscribers.get(accountId, newsletterId, subscriberId).flatMap(s -> {
            List<Object> args = new ArrayList<>(Arrays.asList(subscriberId, newsletterId));
            StringBuilder sql = new StringBuilder(
                    """
                    SELECT id, type, issue_id, link_index, machine, created_at, detail FROM (
                        SELECT s.id, CASE s.status WHEN 'bounced' THEN 'bounce' ELSE 'sent' END AS type, s.issue_id,
                               NULL::int AS link_index, false AS machine, coalesce(s.sent_at, s.created_at) AS created_at,
                               CASE WHEN s.status = 'bounced' OR s.last_error LIKE 'soft bounce %'
                                         OR s.last_error LIKE 'complaint %' THEN s.last_error END AS detail
                        FROM issue i JOIN send s ON s.issue_id = i.id AND s.subscriber_id = $1
                        WHERE i.newsletter_id = $2 AND s.status IN ('sent', 'bounced')
                        UNION ALL
                        SELECT e.id, e.type, e.issue_id, e.link_index, e.machine, e.at, NULL
                        FROM engagement_event e WHERE e.subscriber_id = $1
                    ) a WHERE true""");
            dev.tidings.common.NewestFirst.sql(sql, args, page.withOneMore(), "");
            return pool.preparedQuery(sql.toString()).execute(Tuple.from(args)).flatMap(rows -> {
                List<Row> all = new ArrayList<>();
                rows.forEach(all::add);
                LinkedHashSet<UUID> clicked = new LinkedHashSet<>();
                all.forEach(r -> {
                    if ("click".equals(r.getString("type")) && r.getUUID("issue_id") != null) {
                        clicked.add(r.getUUID("issue_id"));
                    }
                });
                return compiled(new ArrayList<>(clicked))
                        .map(compiledById -> Page.of(
                                all,
                                page.limit(),
                                r -> new Cursor(
                                        r.getOffsetDateTime("created_at").toInstant(), r.getUUID("id")),
                                r -> new Activity(
                                        r.getUUID("id"),
                                        r.getString("type"),
                                        r.getUUID("issue_id"),
                                        r.getInteger("link_index") == null
                                                ? null
                                                : url(
                                                        compiledById.get(r.getUUID("issue_id")),
                                                        r.getInteger("link_index")),
                                        r.getOffsetDateTime("created_at")
                                                .withOffsetSameInstant(ZoneOffset.UTC)
                                                .toInstant(),
                                        r.getBoolean("machine"),
                                        r.getString("detail"))));
            });
        });
    }

    private Uni<Map<UUID, CompiledIssue>> compiled(List<UUID> ids) {
        Uni<Map<UUID, CompiledIssue>> result = Uni.createFrom().item(new HashMap<>());
        for (UUID id : ids) {
            result = result.flatMap(map -> issues.compile(id).map(c -> {
                if (c != null) {
                    map.put(id, c);
                }
                return map;
            }));
        }
        return result;
    }

    private static String url(CompiledIssue issue, Integer index) {
        if (issue == null
                || index == null
                || index < 0
                || index >= issue.links().size()) {
            return null;
        }
        return TrackableLinks.target(issue.links().get(index));
    }
}
