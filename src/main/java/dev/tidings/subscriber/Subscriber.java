package dev.tidings.subscriber;

import io.vertx.core.json.JsonObject;
import io.vertx.mutiny.sqlclient.Row;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** One subscriber row (never an erased one). */
public record Subscriber(
        UUID id,
        UUID newsletterId,
        String email,
        String name,
        SubscriberStatus status,
        JsonObject attributes,
        List<String> tags,
        Instant createdAt,
        Instant confirmedAt,
        Instant unsubscribedAt,
        Instant confirmSentAt) {

    static final String COLUMNS = "id, newsletter_id, email, name, status, attributes, tags, created_at, confirmed_at,"
            + " unsubscribed_at, confirm_sent_at";

    static Subscriber of(Row row) {
        return new Subscriber(
                row.getUUID("id"),
                row.getUUID("newsletter_id"),
                row.getString("email"),
                row.getString("name"),
                SubscriberStatus.valueOf(row.getString("status").toUpperCase(java.util.Locale.ROOT)),
                (JsonObject) row.getValue("attributes"),
                List.of(row.getArrayOfStrings("tags")),
                instant(row.getOffsetDateTime("created_at")),
                instant(row.getOffsetDateTime("confirmed_at")),
                instant(row.getOffsetDateTime("unsubscribed_at")),
                instant(row.getOffsetDateTime("confirm_sent_at")));
    }

    /** As the API shows it. */
    public record View(
            UUID id,
            String email,
            String name,
            SubscriberStatus status,
            Map<String, Object> attributes,
            List<String> tags,
            Instant createdAt,
            Instant confirmedAt,
            Instant unsubscribedAt) {}

    View view() {
        return new View(id, email, name, status, attributes.getMap(), tags, createdAt, confirmedAt, unsubscribedAt);
    }

    private static Instant instant(OffsetDateTime time) {
        return time == null ? null : time.toInstant();
    }
}
