package dev.tidings.subscriber;

import io.vertx.core.json.JsonArray;
import io.vertx.mutiny.sqlclient.Row;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.UUID;

/**
 * An import job's progress as the API shows it. {@code confirmationsNotSent}: new pending
 * subscribers left without a confirmation mail because the account's hourly quota was used up.
 * {@code lines}: the data lines of the file, counted when it was uploaded (a quoted value that
 * spans lines makes it a little more than the records), so {@code total / lines} is the progress.
 */
public record SubscriberImport(
        UUID id,
        String status,
        Integer lines,
        int total,
        int created,
        int updated,
        int skipped,
        List<LineError> errors,
        int errorCount,
        int confirmationsNotSent,
        String message,
        Instant createdAt,
        Instant finishedAt) {

    public record LineError(long line, String message) {}

    /** Lines read of those uploaded, in whole percent; null while the count is unknown. */
    public Integer percent() {
        if (lines == null) {
            return null;
        }
        if ("done".equals(status) || lines == 0) {
            return 100;
        }
        return (int) Math.min(100, total * 100L / lines);
    }

    static final String COLUMNS =
            "id, status, lines, total, created, updated, skipped, errors, error_count, confirmations_not_sent, message,"
                    + " created_at, finished_at";

    static SubscriberImport of(Row row) {
        JsonArray errors = (JsonArray) row.getValue("errors");
        List<LineError> lineErrors = errors.stream()
                .map(e -> (io.vertx.core.json.JsonObject) e)
                .map(e -> new LineError(e.getLong("line"), e.getString("message")))
                .toList();
        OffsetDateTime finished = row.getOffsetDateTime("finished_at");
        return new SubscriberImport(
                row.getUUID("id"),
                row.getString("status"),
                row.getInteger("lines"),
                row.getInteger("total"),
                row.getInteger("created"),
                row.getInteger("updated"),
                row.getInteger("skipped"),
                lineErrors,
                row.getInteger("error_count"),
                row.getInteger("confirmations_not_sent"),
                row.getString("message"),
                row.getOffsetDateTime("created_at").toInstant(),
                finished == null ? null : finished.toInstant());
    }
}
