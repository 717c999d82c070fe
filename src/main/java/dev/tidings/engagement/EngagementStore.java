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
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;

/**
 * The engagement tables: {@code engagement_event} (raw, kept for the retention), and the
 * aggregates kept for good: {@code mail_engagement}, {@code link_engagement}, {@code
 * engagement_hourly}, {@code issue_engagement}, {@code subscriber_engagement}. One statement per
 * batch and kind stores the new events and moves every aggregate they touch (grouped by its key),
 * only for events not stored before: an event delivered twice is counted once. Machine activity (known proxies, told by the tracking endpoint;
 * opens and clicks right after delivery; clicks on several links of one mail within moments) is
 * counted apart from human activity.
 */
@ApplicationScoped
public class EngagementStore {

    /** Every open of a batch in one statement: the events, then each aggregate grouped by its key. */
    private static final String OPENS =
            """
            WITH input AS (
                SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::boolean[], $5::timestamptz[])
                    AS u(id, issue_id, send_id, machine, at)),
            ev AS (
                INSERT INTO engagement_event (id, type, issue_id, subscriber_id, machine, at)
                SELECT u.id, 'open', s.issue_id, s.subscriber_id,
                       u.machine OR (s.sent_at IS NOT NULL AND u.at < s.sent_at + make_interval(secs => $6::float8)),
                       u.at
                FROM input u
                JOIN send s ON s.id = u.send_id AND s.issue_id = u.issue_id
                JOIN subscriber sub ON sub.id = s.subscriber_id AND sub.status <> 'erased'
                ON CONFLICT (id) DO NOTHING
                RETURNING issue_id, subscriber_id, machine, at),
            mail AS (
                INSERT INTO mail_engagement AS m (issue_id, subscriber_id, opens, machine_opens, first_open_at, last_open_at)
                SELECT issue_id, subscriber_id, count(*) FILTER (WHERE NOT machine), count(*) FILTER (WHERE machine),
                       min(at) FILTER (WHERE NOT machine), max(at) FILTER (WHERE NOT machine)
                FROM ev GROUP BY issue_id, subscriber_id
                ON CONFLICT (issue_id, subscriber_id) DO UPDATE SET
                    opens = m.opens + EXCLUDED.opens, machine_opens = m.machine_opens + EXCLUDED.machine_opens,
                    first_open_at = least(m.first_open_at, EXCLUDED.first_open_at),
                    last_open_at = greatest(m.last_open_at, EXCLUDED.last_open_at)),
            hourly AS (
                INSERT INTO engagement_hourly AS h (issue_id, hour, opens, machine_opens)
                SELECT issue_id, date_trunc('hour', at, 'UTC'), count(*) FILTER (WHERE NOT machine),
                       count(*) FILTER (WHERE machine)
                FROM ev GROUP BY 1, 2
                ON CONFLICT (issue_id, hour) DO UPDATE SET
                    opens = h.opens + EXCLUDED.opens, machine_opens = h.machine_opens + EXCLUDED.machine_opens),
            latest AS (
                INSERT INTO subscriber_engagement AS x (subscriber_id, last_open_at)
                SELECT subscriber_id, max(at) FROM ev WHERE NOT machine GROUP BY subscriber_id
                ON CONFLICT (subscriber_id) DO UPDATE SET last_open_at = greatest(x.last_open_at, EXCLUDED.last_open_at))
            SELECT count(*) AS stored FROM ev
            """;

    /**
     * Every click of a batch in one statement. A click is a machine's when the endpoint said so,
     * when it came right after delivery, when its mail is known to be scanned, or when the same
     * mail has a click on another link within the scanner window (stored before, or in this
     * batch). Answers the mails a scanner was found on just now ({@link #SCANNED} then moves
     * their earlier clicks).
     */
    private static final String CLICKS =
            """
            WITH input AS (
                SELECT DISTINCT ON (id) * FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::boolean[],
                                                      $5::timestamptz[], $6::int[])
                    AS u(id, issue_id, send_id, machine, at, link)),
            known AS (
                SELECT u.*, s.subscriber_id, s.sent_at
                FROM input u
                JOIN send s ON s.id = u.send_id AND s.issue_id = u.issue_id
                JOIN subscriber sub ON sub.id = s.subscriber_id AND sub.status <> 'erased'),
            judged AS (
                SELECT k.*, coalesce(me.scanned, false) AS scanned,
                       EXISTS (SELECT 1 FROM engagement_event e
                               WHERE e.issue_id = k.issue_id AND e.subscriber_id = k.subscriber_id AND e.type = 'click'
                                 AND e.link_index <> k.link
                                 AND e.at BETWEEN k.at - make_interval(secs => $8::float8)
                                              AND k.at + make_interval(secs => $8::float8))
                       OR EXISTS (SELECT 1 FROM known o
                                  WHERE o.issue_id = k.issue_id AND o.subscriber_id = k.subscriber_id AND o.link <> k.link
                                    AND o.at BETWEEN k.at - make_interval(secs => $8::float8)
                                                 AND k.at + make_interval(secs => $8::float8)) AS burst
                FROM known k
                LEFT JOIN mail_engagement me ON me.issue_id = k.issue_id AND me.subscriber_id = k.subscriber_id),
            ev AS (
                INSERT INTO engagement_event (id, type, issue_id, subscriber_id, link_index, machine, at)
                SELECT id, 'click', issue_id, subscriber_id, link,
                       machine OR scanned OR burst
                           OR (sent_at IS NOT NULL AND at < sent_at + make_interval(secs => $7::float8)),
                       at
                FROM judged
                ON CONFLICT (id) DO NOTHING
                RETURNING id, issue_id, subscriber_id, link_index, machine, at),
            counted AS (
                SELECT ev.*, j.burst, j.scanned FROM ev JOIN judged j ON j.id = ev.id),
            mail AS (
                INSERT INTO mail_engagement AS m (issue_id, subscriber_id, clicks, machine_clicks, first_click_at,
                                                  last_click_at, scanned)
                SELECT issue_id, subscriber_id, count(*) FILTER (WHERE NOT machine), count(*) FILTER (WHERE machine),
                       min(at) FILTER (WHERE NOT machine), max(at) FILTER (WHERE NOT machine), bool_or(burst)
                FROM counted GROUP BY issue_id, subscriber_id
                ON CONFLICT (issue_id, subscriber_id) DO UPDATE SET
                    clicks = m.clicks + EXCLUDED.clicks, machine_clicks = m.machine_clicks + EXCLUDED.machine_clicks,
                    first_click_at = least(m.first_click_at, EXCLUDED.first_click_at),
                    last_click_at = greatest(m.last_click_at, EXCLUDED.last_click_at),
                    scanned = m.scanned OR EXCLUDED.scanned),
            link AS (
                INSERT INTO link_engagement AS l (issue_id, link_index, subscriber_id, clicks, machine_clicks, first_click_at)
                SELECT issue_id, link_index, subscriber_id, count(*) FILTER (WHERE NOT machine),
                       count(*) FILTER (WHERE machine), min(at)
                FROM counted GROUP BY issue_id, link_index, subscriber_id
                ON CONFLICT (issue_id, link_index, subscriber_id) DO UPDATE SET
                    clicks = l.clicks + EXCLUDED.clicks, machine_clicks = l.machine_clicks + EXCLUDED.machine_clicks,
                    first_click_at = least(l.first_click_at, EXCLUDED.first_click_at)),
            hourly AS (
                INSERT INTO engagement_hourly AS h (issue_id, hour, clicks, machine_clicks)
                SELECT issue_id, date_trunc('hour', at, 'UTC'), count(*) FILTER (WHERE NOT machine),
                       count(*) FILTER (WHERE machine)
                FROM counted GROUP BY 1, 2
                ON CONFLICT (issue_id, hour) DO UPDATE SET
                    clicks = h.clicks + EXCLUDED.clicks, machine_clicks = h.machine_clicks + EXCLUDED.machine_clicks),
            latest AS (
                INSERT INTO subscriber_engagement AS x (subscriber_id, last_click_at)
                SELECT subscriber_id, max(at) FROM counted WHERE NOT machine GROUP BY subscriber_id
                ON CONFLICT (subscriber_id) DO UPDATE SET last_click_at = greatest(x.last_click_at, EXCLUDED.last_click_at))
            SELECT DISTINCT issue_id, subscriber_id FROM counted WHERE burst AND NOT scanned
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
        Columns opens = new Columns();
        Columns clicks = new Columns();
        List<Tuple> others = new ArrayList<>();
        for (EngagementEvent e : events) {
            var at = e.at().atOffset(ZoneOffset.UTC);
            switch (e.type()) {
                case "open" -> opens.add(e, at, 0);
                case "click" -> {
                    if (e.link() != null) {
                        clicks.add(e, at, e.link());
                    }
                }
                case "unsubscribe", "complaint" -> others.add(
                        Tuple.from(Arrays.asList(e.id(), e.type(), e.subscriberId(), e.issueId(), at, e.sendId())));
                default -> {} // a type this version does not know: skipped
            }
        }
        return pool.withTransaction(conn -> (opens.isEmpty()
                        ? Uni.createFrom().<RowSet<Row>>nullItem()
                        : conn.preparedQuery(OPENS)
                                .execute(Tuple.from(Arrays.asList(
                                        opens.ids(),
                                        opens.issues(),
                                        opens.sends(),
                                        opens.machines(),
                                        opens.times(),
                                        seconds(config.machineOpenWithin())))))
                .flatMap(x -> batch(conn, OF_SUBSCRIBER, others))
                .flatMap(x -> clicks.isEmpty()
                        ? Uni.createFrom().<RowSet<Row>>nullItem()
                        : conn.preparedQuery(CLICKS)
                                .execute(Tuple.from(Arrays.asList(
                                        clicks.ids(),
                                        clicks.issues(),
                                        clicks.sends(),
                                        clicks.machines(),
                                        clicks.times(),
                                        clicks.links(),
                                        seconds(config.machineClickWithin()),
                                        seconds(config.scannerBurst())))))
                .flatMap(rows -> rescan(conn, rows)));
    }

    /** A batch's opens or clicks as parallel arrays (one statement parameter each). */
    private static final class Columns {
        final List<UUID> ids = new ArrayList<>();
        final List<UUID> issues = new ArrayList<>();
        final List<UUID> sends = new ArrayList<>();
        final List<Boolean> machines = new ArrayList<>();
        final List<OffsetDateTime> times = new ArrayList<>();
        final List<Integer> links = new ArrayList<>();

        void add(EngagementEvent e, OffsetDateTime at, int link) {
            if (e.issueId() == null || e.sendId() == null) {
                return;
            }
            ids.add(e.id());
            issues.add(e.issueId());
            sends.add(e.sendId());
            machines.add(e.machine());
            times.add(at);
            links.add(link);
        }

        boolean isEmpty() {
            return ids.isEmpty();
        }

        UUID[] ids() {
            return ids.toArray(UUID[]::new);
        }

        UUID[] issues() {
            return issues.toArray(UUID[]::new);
        }

        UUID[] sends() {
            return sends.toArray(UUID[]::new);
        }

        Boolean[] machines() {
            return machines.toArray(Boolean[]::new);
        }

        OffsetDateTime[] times() {
            return times.toArray(OffsetDateTime[]::new);
        }

        Integer[] links() {
            return links.toArray(Integer[]::new);
        }
    }

    private static Uni<RowSet<Row>> batch(SqlConnection conn, String sql, List<Tuple> tuples) {
        return tuples.isEmpty()
                ? Uni.createFrom().nullItem()
                : conn.preparedQuery(sql).executeBatch(tuples);
    }

    /** Moves the earlier clicks of every mail a scanner was found on in this batch. */
    private static Uni<Void> rescan(SqlConnection conn, RowSet<Row> scannedNow) {
        List<Tuple> scanned = new ArrayList<>();
        if (scannedNow != null) {
            for (Row row : scannedNow) {
                scanned.add(Tuple.of(row.getUUID("issue_id"), row.getUUID("subscriber_id")));
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
