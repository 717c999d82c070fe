package dev.tidings.issue;

import io.vertx.mutiny.sqlclient.Row;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.UUID;

/**
 * An issue as stored and as the API shows it. {@code bodyHtml} is the given HTML or the one
 * rendered from {@code bodyMarkdown}; {@code bodyText} is null when the plain-text part is derived
 * from the HTML (at compile time, so it always follows the current HTML).
 */
public record Issue(
        UUID id,
        UUID newsletterId,
        String subject,
        String preheader,
        String bodyMarkdown,
        String bodyHtml,
        String bodyText,
        IssueStatus status,
        Instant scheduledAt,
        Integer recipients,
        Instant createdAt,
        Instant updatedAt,
        Instant publishedAt,
        Instant finishedAt,
        Audience audience) {

    static final String COLUMNS = "id, newsletter_id, subject, preheader, body_markdown, body_html, body_text, status,"
            + " scheduled_at, recipients, created_at, updated_at, published_at, finished_at, audience_segment_id,"
            + " audience_rule";

    /** {@link #COLUMNS} of a table called {@code alias} in a join. */
    static String columns(String alias) {
        return java.util.Arrays.stream(COLUMNS.split(","))
                .map(c -> alias + "." + c.strip())
                .collect(java.util.stream.Collectors.joining(", "));
    }

    static Issue of(Row row) {
        return new Issue(
                row.getUUID("id"),
                row.getUUID("newsletter_id"),
                row.getString("subject"),
                row.getString("preheader"),
                row.getString("body_markdown"),
                row.getString("body_html"),
                row.getString("body_text"),
                IssueStatus.of(row.getString("status")),
                instant(row.getOffsetDateTime("scheduled_at")),
                row.getInteger("recipients"),
                instant(row.getOffsetDateTime("created_at")),
                instant(row.getOffsetDateTime("updated_at")),
                instant(row.getOffsetDateTime("published_at")),
                instant(row.getOffsetDateTime("finished_at")),
                audience(row));
    }

    private static Audience audience(Row row) {
        UUID segment = row.getUUID("audience_segment_id");
        Object rule = row.getValue("audience_rule");
        if (segment == null && rule == null) {
            return null;
        }
        try {
            return new Audience(segment, rule == null ? null : JSON.readTree(rule.toString()));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("stored audience rule is not JSON", e);
        }
    }

    private static final com.fasterxml.jackson.databind.ObjectMapper JSON =
            new com.fasterxml.jackson.databind.ObjectMapper();

    private static Instant instant(OffsetDateTime time) {
        return time == null ? null : time.toInstant();
    }
}
