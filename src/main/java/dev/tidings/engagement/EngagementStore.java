package dev.tidings.engagement;

import dev.tidings.common.EngagementEvent;
import dev.tidings.config.TidingsConfig;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The engagement tables: {@code engagement_event} (raw, kept for the retention), and the
 * aggregates kept for good: {@code mail_engagement}, {@code link_engagement}, {@code
 * engagement_hourly}, {@code issue_engagement}, {@code subscriber_engagement}. One statement per
 * event stores it and moves every aggregate it touches, only when the event is new: an event
 * delivered twice is counted once. Machine activity (known proxies, told by the tracking endpoint;
 * opens and clicks right after delivery; clicks on several links of one mail within moments) is
 * counted apart from human activity.
 */
@ApplicationScoped
public class EngagementStore {

    private static final String OPEN =
            """
            WITH ev AS (
                INSERT INTO engagement_event (id, type, issue_id, subscriber_id, machine, at)
                SELECT $1::uuid, 'open', s.issue_id, s.subscriber_id,
                       $4::boolean OR (s.sent_at IS NOT NULL AND $5::timestamptz < s.sent_at + make_interval(secs => $6::float8)),
                       $5::timestamptz
                FROM send s JOIN subscriber sub ON sub.id = s.subscriber_id AND sub.status <> 'erased'
                WHERE s.id = $3::uuid AND s.issue_id = $2::uuid
                ON CONFLICT (id) DO NOTHING
                RETURNING issue_id, subscriber_id, machine, at),
            mail AS (
                INSERT INTO mail_engagement AS m (issue_id, subscriber_id, opens, machine_opens, first_open_at, last_open_at)
                SELECT issue_id, subscriber_id, (NOT machine)::int, machine::int,
                       CASE WHEN NOT machine THEN at END, CASE WHEN NOT machine THEN at END FROM ev
                ON CONFLICT (issue_id, subscriber_id) DO UPDATE SET
                    opens = m.opens + EXCLUDED.opens, machine_opens = m.machine_opens + EXCLUDED.machine_opens,
                    first_open_at = least(m.first_open_at, EXCLUDED.first_open_at),
                    last_open_at = greatest(m.last_open_at, EXCLUDED.last_open_at)),
            hourly AS (
                INSERT INTO engagement_hourly AS h (issue_id, hour, opens, machine_opens)
                SELECT issue_id, date_trunc('hour', at, 'UTC'), (NOT machine)::int, machine::int FROM ev
                ON CONFLICT (issue_id, hour) DO UPDATE SET
                    opens = h.opens + EXCLUDED.opens, machine_opens = h.machine_opens + EXCLUDED.machine_opens),
            latest AS (
                INSERT INTO subscriber_engagement AS x (subscriber_id, last_open_at)
                SELECT subscriber_id, at FROM ev WHERE NOT machine
                ON CONFLICT (subscriber_id) DO UPDATE SET last_open_at = greatest(x.last_open_at, EXCLUDED.last_open_at))
            SELECT count(*) AS stored FROM ev
            """;

    private static final String CLICK =
            """
            WITH ctx AS (
                SELECT s.issue_id, s.subscriber_id, s.sent_at, coalesce(me.scanned, false) AS scanned,
                       EXISTS (SELECT 1 FROM engagement_event e
                               WHERE e.issue_id = s.issue_id AND e.subscriber_id = s.subscriber_id AND e.type = 'click'
                                 AND e.link_index <> $6::int
                                 AND e.at BETWEEN $5::timestamptz - make_interval(secs => $8::float8)
                                              AND $5::timestamptz + make_interval(secs => $8::float8)
                                 AND e.id <> $1::uuid) AS burst
                FROM send s JOIN subscriber sub ON sub.id = s.subscriber_id AND sub.status <> 'erased'
                LEFT JOIN mail_engagement me ON me.issue_id = s.issue_id AND me.subscriber_id = s.subscriber_id
                WHERE s.id = $3::uuid AND s.issue_id = $2::uuid),
            ev AS (
                INSERT INTO engagement_event (id, type, issue_id, subscriber_id, link_index, machine, at)
                SELECT $1::uuid, 'click', issue_id, subscriber_id, $6::int,
                       $4::boolean OR scanned OR burst
                           OR (sent_at IS NOT NULL AND $5::timestamptz < sent_at + make_interval(secs => $7::float8)),
                       $5::timestamptz
                FROM ctx
                ON CONFLICT (id) DO NOTHING
                RETURNING issue_id, subscriber_id, machine, at),
            mail AS (
                INSERT INTO mail_engagement AS m (issue_id, subscriber_id, clicks, machine_clicks, first_click_at,
                                                  last_click_at, scanned)
                SELECT ev.issue_id, ev.subscriber_id, (NOT machine)::int, machine::int,
                       CASE WHEN NOT machine THEN at END, CASE WHEN NOT machine THEN at END, ctx.burst
                FROM ev, ctx
                ON CONFLICT (issue_id, subscriber_id) DO UPDATE SET
                    clicks = m.clicks + EXCLUDED.clicks, machine_clicks = m.machine_clicks + EXCLUDED.machine_clicks,
                    first_click_at = least(m.first_click_at, EXCLUDED.first_click_at),
                    last_click_at = greatest(m.last_click_at, EXCLUDED.last_click_at),
                    scanned = m.scanned OR EXCLUDED.scanned),
            link AS (
                INSERT INTO link_engagement AS l (issue_id, link_index, subscriber_id, clicks, machine_clicks, first_click_at)
                SELECT issue_id, $6::int, subscriber_id, (NOT machine)::int, machine::int, at FROM ev
                ON CONFLICT (issue_id, link_index, subscriber_id) DO UPDATE SET
                    clicks = l.clicks + EXCLUDED.clicks, machine_clicks = l.machine_clicks + EXCLUDED.machine_clicks,
                    first_click_at = least(l.first_click_at, EXCLUDED.first_click_at)),
            hourly AS (
                INSERT INTO engagement_hourly AS h (issue_id, hour, clicks, machine_clicks)
                SELECT issue_id, date_trunc('hour', at, 'UTC'), (NOT machine)::int, machine::int FROM ev
                ON CONFLICT (issue_id, hour) DO UPDATE SET
                    clicks = h.clicks + EXCLUDED.clicks, machine_clicks = h.machine_clicks + EXCLUDED.machine_clicks),
            latest AS (
                INSERT INTO subscriber_engagement AS x (subscriber_id, last_click_at)
                SELECT subscriber_id, at FROM ev WHERE NOT machine
                ON CONFLICT (subscriber_id) DO UPDATE SET last_click_at = greatest(x.last_click_at, EXCLUDED.last_click_at))
            SELECT ev.issue_id, ev.subscriber_id, ctx.burst AND NOT ctx.scanned AS newly_scanned FROM ev, ctx
            """;

    /** A scanner was recognised on a mail: its earlier clicks, counted as human, become machine clicks. */
    private static final String SCANNED =
            """
            WITH moved AS (
                UPDATE engagement_event SET machine = true
                WHERE issue_id = $1 AND subscriber_id = $2 AND type = 'click' AND NOT machine
                RETURNING link_index, date_trunc('hour', at, 'UTC') AS hour),
            hourly AS (
                UPDATE engagement_hourly h SET clicks = h.clicks - c.n, machine_clicks = h.machine_clicks + c.n
                FROM (SELECT hour, count(*)::int AS n FROM moved GROUP BY hour) c
                WHERE h.issue_id = $1 AND h.hour = c.hour),
            link AS (
                UPDATE link_engagement l SET clicks = l.clicks - c.n, machine_clicks = l.machine_clicks + c.n
                FROM (SELECT link_index, count(*)::int AS n FROM moved GROUP BY link_index) c
                WHERE l.issue_id = $1 AND l.subscriber_id = $2 AND l.link_index = c.link_index)
            UPDATE mail_engagement SET machine_clicks = machine_clicks + clicks, clicks = 0, scanned = true
            WHERE issue_id = $1 AND subscriber_id = $2
            """;

    /** An unsubscribe or complaint, counted against the issue named, the send's, or the latest one sent. */
    private static final String OF_SUBSCRIBER =
            """
            WITH target AS (
                SELECT sub.id AS subscriber_id,
                       coalesce($4::uuid, (SELECT issue_id FROM send WHERE id = $6::uuid),
                                (SELECT i.id FROM issue i
                                 WHERE i.newsletter_id = sub.newsletter_id AND i.published_at IS NOT NULL
                                   AND EXISTS (SELECT 1 FROM send s WHERE s.issue_id = i.id AND s.subscriber_id = sub.id
                                               AND s.status IN ('sent', 'bounced'))
                                 ORDER BY i.published_at DESC LIMIT 1)) AS issue_id
                FROM subscriber sub WHERE sub.id = $3::uuid AND sub.status <> 'erased'),
            ev AS (
                INSERT INTO engagement_event (id, type, issue_id, subscriber_id, at)
                SELECT $1::uuid, $2::text, issue_id, subscriber_id, $5::timestamptz FROM target
                ON CONFLICT (id) DO NOTHING
                RETURNING issue_id, type)
            INSERT INTO issue_engagement AS i (issue_id, complained, unsubscribed)
            SELECT issue_id, (type = 'complaint')::int, (type = 'unsubscribe')::int FROM ev WHERE issue_id IS NOT NULL
            ON CONFLICT (issue_id) DO UPDATE SET
                complained = i.complained + EXCLUDED.complained, unsubscribed = i.unsubscribed + EXCLUDED.unsubscribed
            """;

    private final Pool pool;
    private final TidingsConfig.Events config;

    public EngagementStore(Pool pool, TidingsConfig config) {
        this.pool = pool;
        this.config = config.events();
    }

    /** Stores a batch of events in one transaction (each at most once, whatever came before). */
    Uni<Void> apply(List<EngagementEvent> events) {
        List<Tuple> opens = new ArrayList<>();
        List<Tuple> clicks = new ArrayList<>();
        List<Tuple> others = new ArrayList<>();
        double openWithin = seconds(config.machineOpenWithin());
        double clickWithin = seconds(config.machineClickWithin());
        double burst = seconds(config.scannerBurst());
        for (EngagementEvent e : events) {
            var at = e.at().atOffset(ZoneOffset.UTC);
            switch (e.type()) {
                case "open" -> opens.add(
                        Tuple.from(Arrays.asList(e.id(), e.issueId(), e.sendId(), e.machine(), at, openWithin)));
                case "click" -> clicks.add(Tuple.from(
                        Arrays.asList(e.id(), e.issueId(), e.sendId(), e.machine(), at, e.link(), clickWithin, burst)));
                case "unsubscribe", "complaint" -> others.add(
                        Tuple.from(Arrays.asList(e.id(), e.type(), e.subscriberId(), e.issueId(), at, e.sendId())));
                default -> {} // a type this version does not know: skipped
            }
        }
        return pool.withTransaction(conn -> batch(conn, OPEN, opens)
                .flatMap(x -> batch(conn, OF_SUBSCRIBER, others))
                .flatMap(x -> batch(conn, CLICK, clicks))
                .flatMap(rows -> rescan(conn, rows)));
    }

    private static Uni<RowSet<Row>> batch(SqlConnection conn, String sql, List<Tuple> tuples) {
        return tuples.isEmpty()
                ? Uni.createFrom().nullItem()
                : conn.preparedQuery(sql).executeBatch(tuples);
    }

    /** Moves the earlier clicks of every mail a scanner was found on in this batch. */
    private static Uni<Void> rescan(SqlConnection conn, RowSet<Row> clicks) {
        List<Tuple> scanned = new ArrayList<>();
        for (RowSet<Row> rows = clicks; rows != null; rows = rows.next()) {
            for (Row row : rows) {
                if (Boolean.TRUE.equals(row.getBoolean("newly_scanned"))) {
                    scanned.add(Tuple.of(row.getUUID("issue_id"), row.getUUID("subscriber_id")));
                }
            }
        }
        return batch(conn, SCANNED, scanned).replaceWithVoid();
    }

    /** Deletes up to {@code limit} raw events older than the retention; answers how many. */
    Uni<Integer> expire(int limit) {
        return pool.preparedQuery(
                        """
                        DELETE FROM engagement_event WHERE id IN (
                            SELECT id FROM engagement_event WHERE at < now() - make_interval(secs => $1) LIMIT $2)
                        """)
                .execute(Tuple.of(seconds(config.retention()), limit))
                .map(RowSet::rowCount);
    }

    private static double seconds(java.time.Duration d) {
        return d.toMillis() / 1000.0;
    }
}
