package dev.tidings.subscriber;

import io.smallrye.mutiny.Uni;
import io.vertx.core.json.JsonArray;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;
import java.util.UUID;

/**
 * The one owner of {@code subscriber_import}: an import's row from its claim (one running per
 * account, by a partial unique index) through its progress to its end.
 */
@ApplicationScoped
public class ImportRepository {

    /** Counters and new line errors to add to an import's row. */
    record Progress(
            int total, int created, int updated, int skipped, JsonArray newErrors, int errorCount, int notConfirmed) {}

    private final Pool pool;

    public ImportRepository(Pool pool) {
        this.pool = pool;
    }

    /** Takes the account's import slot: fails with a unique violation (23505) while another runs. */
    Uni<SubscriberImport> claim(UUID accountId, UUID newsletterId, SubscriberStatus asStatus) {
        return pool.preparedQuery(
                        "INSERT INTO subscriber_import (id, newsletter_id, account_id, status, as_status, created_at,"
                                + " updated_at) VALUES ($1, $2, $3, 'running', $4, now(), now()) RETURNING "
                                + SubscriberImport.COLUMNS)
                .execute(Tuple.of(UUID.randomUUID(), newsletterId, accountId, asStatus.wire()))
                .map(rows -> SubscriberImport.of(rows.iterator().next()));
    }

    /** The data lines of the uploaded file (for the progress shown while it runs). */
    Uni<Void> expect(UUID importId, int lines) {
        return pool.preparedQuery("UPDATE subscriber_import SET lines = $2 WHERE id = $1")
                .execute(Tuple.of(importId, lines))
                .replaceWithVoid();
    }

    /** The account's running import, or null. */
    Uni<UUID> running(UUID accountId) {
        return pool.preparedQuery("SELECT id FROM subscriber_import WHERE account_id = $1 AND status = 'running'")
                .execute(Tuple.of(accountId))
                .map(rows -> rows.size() == 0 ? null : rows.iterator().next().getUUID("id"));
    }

    /** An upload that never became a job: removed. */
    Uni<Void> delete(UUID importId) {
        return pool.preparedQuery("DELETE FROM subscriber_import WHERE id = $1")
                .execute(Tuple.of(importId))
                .replaceWithVoid();
    }

    Uni<SubscriberImport> find(UUID newsletterId, UUID importId) {
        return pool.preparedQuery("SELECT " + SubscriberImport.COLUMNS
                        + " FROM subscriber_import WHERE id = $1 AND newsletter_id = $2")
                .execute(Tuple.of(importId, newsletterId))
                .map(rows -> rows.size() == 0
                        ? null
                        : SubscriberImport.of(rows.iterator().next()));
    }

    /** Marks the import as alive (a job starts); false when it is no longer running. */
    Uni<Boolean> touch(UUID importId) {
        return pool.preparedQuery(
                        "UPDATE subscriber_import SET updated_at = now() WHERE id = $1 AND status = 'running'")
                .execute(Tuple.of(importId))
                .map(rows -> rows.rowCount() == 1);
    }

    Uni<Void> progress(UUID importId, Progress p) {
        return pool.preparedQuery(
                        """
                        UPDATE subscriber_import SET total = $2, created = $3, updated = $4, skipped = $5,
                            errors = errors || $6, error_count = $7, confirmations_not_sent = $8, updated_at = now()
                        WHERE id = $1
                        """)
                .execute(Tuple.from(List.of(
                        importId,
                        p.total(),
                        p.created(),
                        p.updated(),
                        p.skipped(),
                        p.newErrors(),
                        p.errorCount(),
                        p.notConfirmed())))
                .replaceWithVoid();
    }

    /** Marks these imports (of this instance) as alive, so none is taken for abandoned. */
    Uni<Void> keepAlive(List<UUID> importIds) {
        return pool.preparedQuery(
                        "UPDATE subscriber_import SET updated_at = now() WHERE id = ANY($1) AND status = 'running'")
                .execute(Tuple.of(importIds.toArray(UUID[]::new)))
                .replaceWithVoid();
    }

    /**
     * The end of an import: done or failed, with a message for the writer. Only a running import
     * ends: one already failed (as abandoned) keeps what the writer was told.
     */
    Uni<Void> finish(UUID importId, String status, String message) {
        return pool.preparedQuery(
                        "UPDATE subscriber_import SET status = $2, message = $3, finished_at = now(), updated_at = now()"
                                + " WHERE id = $1 AND status = 'running'")
                .execute(Tuple.of(importId, status, message))
                .replaceWithVoid();
    }

    /**
     * An import whose replica died stops reporting progress and heartbeats; after two minutes of
     * silence it is marked failed, so nobody waits forever (and the account's slot is free again).
     */
    Uni<Void> failAbandoned() {
        return pool.query(
                        """
                        UPDATE subscriber_import SET status = 'failed', finished_at = now(),
                            message = 'The import was interrupted (the server stopped); upload the file again'
                        WHERE status = 'running' AND updated_at < now() - interval '2 minutes'
                        """)
                .execute()
                .replaceWithVoid();
    }
}
