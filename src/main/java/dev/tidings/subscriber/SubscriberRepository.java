package dev.tidings.subscriber;

import dev.tidings.common.NewestFirst;
import dev.tidings.common.PageRequest;
import io.smallrye.mutiny.Uni;
import io.vertx.core.json.JsonObject;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;

/**
 * Subscriber rows, in SQL on the reactive pool: this is the table that grows to millions, so every
 * query here is one indexed statement. Erased rows are never returned.
 */
@ApplicationScoped
public class SubscriberRepository {

    private final Pool pool;

    public SubscriberRepository(Pool pool) {
        this.pool = pool;
    }

    /** Inserts a subscriber; fails with a unique violation (23505) when the address is there. */
    public Uni<Subscriber> insert(
            UUID newsletterId, String email, String name, SubscriberStatus status, JsonObject attributes) {
        return one(pool.preparedQuery(
                        """
                        INSERT INTO subscriber (id, newsletter_id, email, name, status, attributes, created_at,
                                                confirmed_at, unsubscribed_at, confirm_sent_at)
                        VALUES (uuid_v7(), $1, $2, $3, $4, $5, now(),
                                CASE WHEN $4 = 'active' THEN now() END,
                                CASE WHEN $4 = 'unsubscribed' THEN now() END,
                                CASE WHEN $4 = 'pending' THEN now() END)
                        RETURNING \s"""
                                + Subscriber.COLUMNS)
                .execute(Tuple.of(newsletterId, email, name, status.wire(), attributes)));
    }

    public Uni<Subscriber> find(UUID newsletterId, UUID id) {
        return one(pool.preparedQuery("SELECT " + Subscriber.COLUMNS
                        + " FROM subscriber WHERE id = $1 AND newsletter_id = $2 AND status <> 'erased'")
                .execute(Tuple.of(id, newsletterId)));
    }

    public Uni<Subscriber> findByEmail(UUID newsletterId, String email) {
        return one(pool.preparedQuery("SELECT " + Subscriber.COLUMNS
                        + " FROM subscriber WHERE newsletter_id = $1 AND lower(email) = lower($2)")
                .execute(Tuple.of(newsletterId, email)));
    }

    /** Newest first; optional status filter and case-insensitive substring search on email and name. */
    public Uni<List<Subscriber>> page(UUID newsletterId, SubscriberStatus status, String query, PageRequest page) {
        StringBuilder sql =
                new StringBuilder("SELECT " + Subscriber.COLUMNS + " FROM subscriber WHERE newsletter_id = $1");
        List<Object> args = new ArrayList<>(List.of(newsletterId));
        if (status != null) {
            args.add(status.wire());
            sql.append(" AND status = $").append(args.size());
        } else {
            sql.append(" AND status <> 'erased'");
        }
        if (query != null && !query.isBlank()) {
            args.add("%" + likeEscape(query.strip().toLowerCase(Locale.ROOT)) + "%");
            // The expression of the subscriber_search trigram index, so the index serves it.
            sql.append(" AND lower(coalesce(email, '') || ' ' || coalesce(name, '')) LIKE $")
                    .append(args.size());
        }
        NewestFirst.sql(sql, args, page, "");
        return pool.preparedQuery(sql.toString()).execute(Tuple.from(args)).map(SubscriberRepository::all);
    }

    /** Replaces a subscriber's tags (normalised and sorted by {@link Tags}); null when it is gone. */
    public Uni<Subscriber> setTags(UUID newsletterId, UUID id, List<String> tags) {
        return one(pool.preparedQuery("UPDATE subscriber SET tags = $3 WHERE id = $1 AND newsletter_id = $2"
                        + " AND status <> 'erased' RETURNING " + Subscriber.COLUMNS)
                .execute(Tuple.of(id, newsletterId, tags.toArray(String[]::new))));
    }

    /**
     * Adds and removes tags on the newsletter's subscribers among {@code ids} (others' ids match
     * nothing); the result stays sorted and without repeats. A subscriber the additions would take
     * over {@link Tags#MAX_PER_SUBSCRIBER} is left as it is. Answers how many were changed or
     * already as asked.
     */
    public Uni<Integer> retag(UUID newsletterId, List<UUID> ids, List<String> add, List<String> remove) {
        return pool.preparedQuery(
                        """
                        WITH target AS (
                            SELECT id, ARRAY(SELECT DISTINCT t FROM unnest(tags || $3::text[]) AS t
                                             WHERE NOT t = ANY($4::text[]) ORDER BY t) AS tags
                            FROM subscriber
                            WHERE newsletter_id = $1 AND id = ANY($2) AND status <> 'erased'
                        )
                        UPDATE subscriber s SET tags = target.tags FROM target
                        WHERE s.id = target.id AND cardinality(target.tags) <= $5
                        """)
                .execute(Tuple.of(
                        newsletterId,
                        ids.toArray(UUID[]::new),
                        add.toArray(String[]::new),
                        remove.toArray(String[]::new),
                        Tags.MAX_PER_SUBSCRIBER))
                .map(rows -> rows.rowCount());
    }

    /**
     * Bulk tagging over every subscriber of the newsletter that the rule matches (erased ones
     * never): one statement, the rule's values as parameters. Answers how many matched.
     */
    public Uni<Integer> retag(UUID newsletterId, AudienceRule rule, List<String> add, List<String> remove) {
        AudienceRule.Sql where = rule.where("s", 5);
        List<Object> args = new ArrayList<>(List.of(
                newsletterId, add.toArray(String[]::new), remove.toArray(String[]::new), Tags.MAX_PER_SUBSCRIBER));
        args.addAll(where.params());
        return pool.preparedQuery(
                        """
                        WITH target AS (
                            SELECT id, ARRAY(SELECT DISTINCT t FROM unnest(tags || $2::text[]) AS t
                                             WHERE NOT t = ANY($3::text[]) ORDER BY t) AS tags
                            FROM subscriber s
                            WHERE s.newsletter_id = $1 AND s.status <> 'erased' AND %s
                        )
                        UPDATE subscriber s SET tags = target.tags FROM target
                        WHERE s.id = target.id AND cardinality(target.tags) <= $4
                        """
                                .formatted(where.text()))
                .execute(Tuple.from(args))
                .map(rows -> rows.rowCount());
    }

    /** How many subscribers of the newsletter a rule matches: the active ones, and all (not erased). */
    public Uni<AudienceCount> count(UUID newsletterId, AudienceRule rule) {
        AudienceRule.Sql where = rule.where("s", 2);
        List<Object> args = new ArrayList<>();
        args.add(newsletterId);
        args.addAll(where.params());
        return pool.preparedQuery(countSql(where)).execute(Tuple.from(args)).map(rows -> {
            Row row = rows.iterator().next();
            return new AudienceCount(row.getLong("active"), row.getLong("total"));
        });
    }

    /** The statement {@link #count} runs (the explain-plan test reads its plans). */
    static String countSql(AudienceRule.Sql where) {
        return """
                SELECT count(*) FILTER (WHERE s.status = 'active') AS active, count(*) AS total
                FROM subscriber s WHERE s.newsletter_id = $1 AND s.status <> 'erased' AND %s
                """
                .formatted(where.text());
    }

    public record AudienceCount(long active, long total) {}

    /**
     * The number ({@code n}) of subscribers of newsletter {@code $1} an issue published now would
     * be sent to under the rule: active ones (the dispatcher's audience, see DeliveryStore.plan).
     */
    public static String activeCountSql(AudienceRule.Sql where) {
        return "SELECT count(*) AS n FROM subscriber s WHERE s.newsletter_id = $1 AND s.status = 'active' AND "
                + where.text();
    }

    /** Each tag of the newsletter with its number of subscribers (erased ones have none), by name. */
    public Uni<List<TagCount>> tagCounts(UUID newsletterId) {
        return pool.preparedQuery(
                        """
                        SELECT t AS tag, count(*) AS subscribers
                        FROM subscriber, unnest(tags) AS t
                        WHERE newsletter_id = $1 AND tags <> '{}'
                        GROUP BY t ORDER BY t
                        """)
                .execute(Tuple.of(newsletterId))
                .map(rows -> {
                    List<TagCount> counts = new ArrayList<>(rows.size());
                    rows.forEach(r -> counts.add(new TagCount(r.getString("tag"), r.getLong("subscribers"))));
                    return counts;
                });
    }

    public record TagCount(String tag, long subscribers) {}

    /**
     * Refreshes the planner's statistics of the table (a fixed-size sample, whatever its size),
     * after a bulk import changed it a lot.
     */
    public Uni<Void> analyze() {
        return pool.query("ANALYZE subscriber").execute().replaceWithVoid();
    }

    /** Writes name, attributes and status; status changes stamp their timestamps. */
    public Uni<Subscriber> update(Subscriber s) {
        return one(pool.preparedQuery(
                        """
                        UPDATE subscriber SET name = $3, attributes = $4, status = $5,
                            confirmed_at = CASE WHEN $5 = 'active' AND status <> 'active' THEN now() ELSE confirmed_at END,
                            unsubscribed_at = CASE WHEN $5 = 'unsubscribed' AND status <> 'unsubscribed' THEN now()
                                                   ELSE unsubscribed_at END
                        WHERE id = $1 AND newsletter_id = $2 AND status <> 'erased'
                        RETURNING \s"""
                                + Subscriber.COLUMNS)
                .execute(Tuple.of(
                        s.id(),
                        s.newsletterId(),
                        s.name(),
                        s.attributes(),
                        s.status().wire())));
    }

    /**
     * Erases the personal data of a subscriber (GDPR): address, name and attributes go; the row
     * stays as an 'erased' husk so that delivery history keeps its counts.
     */
    public Uni<Boolean> erase(UUID newsletterId, UUID id) {
        return pool.preparedQuery(
                        """
                        UPDATE subscriber SET email = NULL, name = NULL, attributes = '{}', tags = '{}', status = 'erased'
                        WHERE id = $1 AND newsletter_id = $2 AND status <> 'erased'
                        """)
                .execute(Tuple.of(id, newsletterId))
                .map(rows -> rows.rowCount() == 1);
    }

    /**
     * A public sign-up of an address already on the list. It writes the row whatever its status,
     * so a known address costs the same committed write as a new one (the answer's timing must not
     * tell them apart), and claims a confirmation mail when one is due: the subscriber is not
     * active and none went out in the last {@code resendAfter}. True when the caller must send it;
     * of two at once only one is (the second re-reads the row after the first's commit and keeps
     * its time, which is not the second transaction's {@code now()}).
     */
    public Uni<Boolean> signUpAgain(UUID id, java.time.Duration resendAfter) {
        return pool.preparedQuery(
                        """
                        UPDATE subscriber s SET confirm_sent_at = CASE
                            WHEN s.status <> 'active'
                             AND (s.confirm_sent_at IS NULL OR s.confirm_sent_at < now() - make_interval(secs => $2))
                            THEN now() ELSE s.confirm_sent_at END
                        WHERE s.id = $1 AND s.status <> 'erased'
                        RETURNING s.confirm_sent_at IS NOT DISTINCT FROM now() AS claimed
                        """)
                .execute(Tuple.of(id, (double) resendAfter.toSeconds()))
                .map(rows -> rows.iterator().hasNext() && rows.iterator().next().getBoolean("claimed"));
    }

    /** The subscriber's own confirmation: active from now, whatever it was (but erased). */
    public Uni<Subscriber> confirm(UUID newsletterId, UUID id) {
        return one(pool.preparedQuery(
                        """
                        UPDATE subscriber SET status = 'active',
                            confirmed_at = CASE WHEN status = 'active' THEN confirmed_at ELSE now() END,
                            unsubscribed_at = NULL
                        WHERE id = $1 AND newsletter_id = $2 AND status <> 'erased'
                        RETURNING \s"""
                                + Subscriber.COLUMNS)
                .execute(Tuple.of(id, newsletterId)));
    }

    /**
     * Unsubscribes an active or pending subscriber; suppressed ones stay as they are. True when
     * this call changed the status (so an unsubscribe is counted once).
     */
    public Uni<Boolean> unsubscribe(UUID newsletterId, UUID id) {
        return pool.preparedQuery(
                        """
                        UPDATE subscriber SET status = 'unsubscribed', unsubscribed_at = now()
                        WHERE id = $1 AND newsletter_id = $2 AND status IN ('active', 'pending')
                        """)
                .execute(Tuple.of(id, newsletterId))
                .map(rows -> rows.rowCount() == 1);
    }

    /**
     * The import's upsert of one batch (parallel arrays, one entry per line): new addresses are
     * created with {@code asStatus} (or a suppressing status from the file); existing subscribers
     * keep their status (an import re-subscribes nobody), take a new name and attributes when the
     * file brings them, and gain its tags ({@code ;}-joined; an import never removes a tag). Answers the rows it created or changed, {@code inserted} for new ones.
     */
    public Uni<RowSet<Row>> upsert(
            UUID newsletterId,
            SubscriberStatus asStatus,
            String[] emails,
            String[] names,
            String[] attributes,
            String[] statuses,
            String[] tags) {
        return pool.preparedQuery(
                        """
                        INSERT INTO subscriber (id, newsletter_id, email, name, status, attributes, tags, created_at,
                                                confirmed_at, confirm_sent_at)
                        SELECT uuid_v7(), $1, u.email, u.name, coalesce(u.status, $2), u.attributes::jsonb,
                               string_to_array(u.tags, ';'), now(),
                               CASE WHEN coalesce(u.status, $2) = 'active' THEN now() END,
                               CASE WHEN coalesce(u.status, $2) = 'pending' THEN now() END
                        FROM unnest($3::text[], $4::text[], $5::text[], $6::text[], $7::text[])
                             AS u(email, name, attributes, status, tags)
                        ON CONFLICT (newsletter_id, lower(email)) DO UPDATE
                            SET name = COALESCE(EXCLUDED.name, subscriber.name),
                                attributes = subscriber.attributes || EXCLUDED.attributes,
                                tags = (SELECT CASE WHEN cardinality(m) <= $8 THEN m ELSE subscriber.tags END
                                        FROM (SELECT ARRAY(SELECT DISTINCT t FROM unnest(subscriber.tags || EXCLUDED.tags)
                                                           AS t ORDER BY t) AS m) AS merged)
                            WHERE (EXCLUDED.name IS NOT NULL AND EXCLUDED.name IS DISTINCT FROM subscriber.name)
                               OR NOT subscriber.attributes @> EXCLUDED.attributes
                               OR NOT subscriber.tags @> EXCLUDED.tags
                        RETURNING id, email, status, (xmax = 0) AS inserted
                        """)
                .execute(Tuple.from(java.util.Arrays.asList(
                        newsletterId,
                        asStatus.wire(),
                        emails,
                        names,
                        attributes,
                        statuses,
                        tags,
                        Tags.MAX_PER_SUBSCRIBER)));
    }

    /** Delivery got a permanent refusal for these subscribers: bounced, unless already suppressed. */
    public Uni<Void> markBounced(List<UUID> ids) {
        return pool.preparedQuery(
                        "UPDATE subscriber SET status = 'bounced' WHERE id = ANY($1) AND status IN ('active', 'pending')")
                .execute(Tuple.of(ids.toArray(UUID[]::new)))
                .replaceWithVoid();
    }

    /**
     * A bounce or complaint reported later for an address: {@code status} (bounced or complained)
     * in the given newsletter, or in every newsletter when none is given; idempotent.
     */
    /** Suppresses the address (in one newsletter or all); answers the subscribers it changed. */
    public Uni<List<UUID>> suppressReported(String email, UUID newsletterId, SubscriberStatus status) {
        return pool.preparedQuery(
                        """
                        UPDATE subscriber SET status = $1
                        WHERE lower(email) = lower($2) AND ($3::uuid IS NULL OR newsletter_id = $3)
                          AND status IN ('active', 'pending', 'unsubscribed', 'bounced')
                          AND status <> $1
                        RETURNING id
                        """)
                .execute(Tuple.of(status.wire(), email, newsletterId))
                .map(rows -> {
                    List<UUID> ids = new ArrayList<>();
                    rows.forEach(r -> ids.add(r.getUUID("id")));
                    return ids;
                });
    }

    static String likeEscape(String text) {
        return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_");
    }

    private static Uni<Subscriber> one(Uni<RowSet<Row>> rows) {
        return rows.map(
                set -> set.size() == 0 ? null : Subscriber.of(set.iterator().next()));
    }

    private static List<Subscriber> all(RowSet<Row> rows) {
        List<Subscriber> list = new ArrayList<>(rows.size());
        for (Row row : rows) {
            list.add(Subscriber.of(row));
        }
        return list;
    }
}
