package dev.tidings.issue;

import io.quarkus.qute.Engine;
import io.quarkus.qute.Template;
import io.quarkus.qute.Variant;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;

/**
 * Renders an issue for one recipient. Templates are compiled once per issue version and cached;
 * rendering then costs only the template evaluation. Template data: {@code subscriber.name},
 * {@code subscriber.email}, {@code subscriber.attributes.<key>}, {@code unsubscribeUrl}.
 */
@ApplicationScoped
public class IssueRenderer {

    private final Pool pool;
    private final Engine engine;
    private final Map<UUID, CompiledIssue> cache = new java.util.concurrent.ConcurrentHashMap<>();

    public IssueRenderer(Pool pool, Engine engine) {
        this.pool = pool;
        this.engine = engine;
    }

    /** The compiled templates of an issue (cached by id and version); null if it does not exist. */
    public Uni<CompiledIssue> compile(UUID issueId) {
        return pool.preparedQuery(
                        "SELECT id, newsletter_id, subject, preheader, body_html, body_text, updated_at FROM issue WHERE id = $1")
                .execute(Tuple.of(issueId))
                .map(rows -> {
                    if (rows.size() == 0) {
                        return null;
                    }
                    Row row = rows.iterator().next();
                    java.time.Instant version =
                            row.getOffsetDateTime("updated_at").toInstant();
                    CompiledIssue cached = cache.get(issueId);
                    if (cached != null && cached.updatedAt().equals(version)) {
                        return cached;
                    }
                    String text = row.getString("body_text") != null
                            ? row.getString("body_text")
                            : row.getString("body_html").replaceAll("<[^>]+>", "");
                    CompiledIssue compiled = new CompiledIssue(
                            issueId,
                            row.getUUID("newsletter_id"),
                            version,
                            parse(row.getString("subject"), "text/plain"),
                            row.getString("preheader"),
                            parse(row.getString("body_html"), "text/html"),
                            parse(text, "text/plain"));
                    cache.put(issueId, compiled);
                    return compiled;
                });
    }

    public RenderedMail render(CompiledIssue issue, Recipient recipient, String unsubscribeUrl) {
        Map<String, Object> subscriber = new HashMap<>();
        subscriber.put("name", recipient.name() == null ? "" : recipient.name());
        subscriber.put("email", recipient.email());
        subscriber.put("attributes", recipient.attributes() == null ? Map.of() : recipient.attributes());
        return new RenderedMail(
                issue.subject()
                        .data("subscriber", subscriber)
                        .render()
                        .replaceAll("[\\r\\n]+", " ")
                        .strip(),
                issue.html()
                        .data("subscriber", subscriber)
                        .data("unsubscribeUrl", unsubscribeUrl)
                        .render(),
                issue.text()
                        .data("subscriber", subscriber)
                        .data("unsubscribeUrl", unsubscribeUrl)
                        .render());
    }

    private Template parse(String content, String contentType) {
        return engine.parse(content, new Variant(java.util.Locale.ROOT, contentType, "UTF-8"));
    }
}
