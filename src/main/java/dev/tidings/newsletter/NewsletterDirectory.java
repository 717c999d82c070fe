package dev.tidings.newsletter;

import dev.tidings.common.ProblemException;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.UUID;

/**
 * Fast, session-free lookups of newsletters for the other features (subscribers, public pages,
 * delivery): one indexed query on the reactive pool.
 */
@ApplicationScoped
public class NewsletterDirectory {

    /** What other features need to know of a newsletter. */
    public record Ref(
            UUID id,
            UUID accountId,
            String slug,
            String name,
            String fromName,
            String fromEmail,
            String replyTo,
            boolean doubleOptIn,
            boolean trackOpens,
            boolean trackClicks,
            String relay) {

        /** The From header: the display name quoted, with nothing in it that could break the header. */
        public String sender() {
            String display = fromName.replaceAll("[\\r\\n\"\\\\<>]", "").strip();
            return display.isEmpty() ? fromEmail : "\"" + display + "\" <" + fromEmail + ">";
        }
    }

    private static final String COLUMNS =
            "id, account_id, slug, name, from_name, from_email, reply_to, double_opt_in, track_opens,"
                    + " track_clicks, relay FROM newsletter";

    /** What a slug can be (NewsletterRequests.SLUG); anything else is looked up nowhere. */
    private static final java.util.regex.Pattern SLUG = java.util.regex.Pattern.compile(NewsletterRequests.SLUG);

    private final Pool pool;

    public NewsletterDirectory(Pool pool) {
        this.pool = pool;
    }

    /** The caller's newsletter, or a 404 (also when it belongs to someone else). */
    public Uni<Ref> owned(UUID accountId, UUID id) {
        return pool.preparedQuery("SELECT " + COLUMNS + " WHERE id = $1 AND account_id = $2")
                .execute(Tuple.of(id, accountId))
                .map(rows -> {
                    if (rows.size() == 0) {
                        throw ProblemException.notFound("This newsletter");
                    }
                    return ref(rows.iterator().next());
                });
    }

    /** The newsletter with this public slug, or null (also for anything that cannot be a slug). */
    public Uni<Ref> bySlug(String slug) {
        if (slug == null || !SLUG.matcher(slug).matches()) {
            return Uni.createFrom().nullItem();
        }
        return pool.preparedQuery("SELECT " + COLUMNS + " WHERE slug = $1")
                .execute(Tuple.of(slug))
                .map(rows -> rows.size() == 0 ? null : ref(rows.iterator().next()));
    }

    /** Whether {@code slug} is, or was before a rename, the slug of newsletter {@code id}. */
    public Uni<Boolean> hasHadSlug(UUID id, String slug) {
        if (slug == null || !SLUG.matcher(slug).matches()) {
            return Uni.createFrom().item(false);
        }
        return pool.preparedQuery(
                        """
                        SELECT 1 FROM newsletter WHERE id = $1 AND slug = $2
                        UNION ALL
                        SELECT 1 FROM newsletter_former_slug WHERE newsletter_id = $1 AND slug = $2
                        LIMIT 1
                        """)
                .execute(Tuple.of(id, slug))
                .map(rows -> rows.size() > 0);
    }

    /** The names of the account's newsletters whose From address is at {@code domain} (at most 3). */
    public Uni<java.util.List<String>> sendingFrom(UUID accountId, String domain) {
        return pool.preparedQuery("SELECT name FROM newsletter WHERE account_id = $1"
                        + " AND lower(substring(from_email FROM position('@' IN from_email) + 1)) = lower($2)"
                        + " ORDER BY created_at LIMIT 3")
                .execute(Tuple.of(accountId, domain))
                .map(rows -> {
                    java.util.List<String> names = new java.util.ArrayList<>();
                    rows.forEach(r -> names.add(r.getString("name")));
                    return names;
                });
    }

    public Uni<Ref> byId(UUID id) {
        return pool.preparedQuery("SELECT " + COLUMNS + " WHERE id = $1")
                .execute(Tuple.of(id))
                .map(rows -> rows.size() == 0 ? null : ref(rows.iterator().next()));
    }

    private static Ref ref(Row row) {
        return new Ref(
                row.getUUID("id"),
                row.getUUID("account_id"),
                row.getString("slug"),
                row.getString("name"),
                row.getString("from_name"),
                row.getString("from_email"),
                row.getString("reply_to"),
                row.getBoolean("double_opt_in"),
                row.getBoolean("track_opens"),
                row.getBoolean("track_clicks"),
                row.getString("relay"));
    }
}
