package dev.tidings.issue;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

/**
 * Renders an issue for one recipient. Templates are compiled once per issue version (id and
 * updated_at) and kept in a small LRU cache; a cache hit costs one indexed one-column read, and
 * rendering then costs only the template evaluation: no Markdown, no HTML parsing per recipient.
 * Template data: {@code subscriber.name}, {@code subscriber.email}, {@code
 * subscriber.attributes.<key>}, {@code unsubscribeUrl}. Preview, test sends and the archive use
 * this same path, so what is previewed is what is sent.
 */
@ApplicationScoped
public class IssueRenderer {

    /** Issues being sent at the same time, with room for previews; each entry is one issue's templates. */
    private static final int CACHED_ISSUES = 64;

    private final Pool pool;
    private final IssueTemplates templates;
    private final Map<UUID, CompiledIssue> cache = Collections.synchronizedMap(new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<UUID, CompiledIssue> eldest) {
            return size() > CACHED_ISSUES;
        }
    });

    public IssueRenderer(Pool pool, IssueTemplates templates) {
        this.pool = pool;
        this.templates = templates;
    }

    /** The compiled templates of an issue (cached by id and version); null if it does not exist. */
    public Uni<CompiledIssue> compile(UUID issueId) {
        return pool.preparedQuery("SELECT updated_at FROM issue WHERE id = $1")
                .execute(Tuple.of(issueId))
                .flatMap(rows -> {
                    if (rows.size() == 0) {
                        return Uni.createFrom().nullItem();
                    }
                    Instant version = rows.iterator()
                            .next()
                            .getOffsetDateTime("updated_at")
                            .toInstant();
                    CompiledIssue cached = cache.get(issueId);
                    if (cached != null && cached.updatedAt().equals(version)) {
                        return Uni.createFrom().item(cached);
                    }
                    return load(issueId);
                });
    }

    public RenderedMail render(CompiledIssue issue, Recipient recipient, String unsubscribeUrl) {
        return templates.render(
                issue,
                IssueTemplates.subscriberData(recipient.name(), recipient.email(), recipient.attributes()),
                unsubscribeUrl);
    }

    private Uni<CompiledIssue> load(UUID issueId) {
        return pool.preparedQuery(
                        "SELECT newsletter_id, subject, preheader, body_html, body_text, updated_at FROM issue WHERE id = $1")
                .execute(Tuple.of(issueId))
                .map(rows -> {
                    if (rows.size() == 0) {
                        return null;
                    }
                    Row row = rows.iterator().next();
                    CompiledIssue compiled = templates.compile(
                            issueId,
                            row.getUUID("newsletter_id"),
                            row.getOffsetDateTime("updated_at").toInstant(),
                            row.getString("subject"),
                            row.getString("preheader"),
                            row.getString("body_html"),
                            row.getString("body_text"));
                    cache.merge(
                            issueId,
                            compiled,
                            (old, fresh) -> old.updatedAt().isAfter(fresh.updatedAt()) ? old : fresh);
                    return compiled;
                });
    }
}
