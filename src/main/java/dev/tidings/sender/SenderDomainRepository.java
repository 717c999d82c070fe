package dev.tidings.sender;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tidings.common.NewestFirst;
import dev.tidings.common.PageRequest;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.mutiny.sqlclient.Tuple;
import io.vertx.pgclient.PgException;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/** The {@code sender_domain} table: its one owner. */
@ApplicationScoped
public class SenderDomainRepository {

    /** A row as stored (the sealed private key only where asked for). */
    public record Stored(
            UUID id,
            UUID accountId,
            String domain,
            String selector,
            String publicKey,
            String status,
            ObjectNode checks,
            Instant checkedAt,
            Instant verifiedAt,
            Instant createdAt) {}

    /** What an insert came to: the row, or why there is none. */
    public enum Refusal {
        AT_LIMIT,
        OWN,
        TAKEN
    }

    public record Inserted(Stored row, Refusal refusal) {}

    private static final String COLUMNS =
            "id, account_id, domain, selector, public_key, status, checks::text AS checks,"
                    + " checked_at, verified_at, created_at";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Pool pool;

    public SenderDomainRepository(Pool pool) {
        this.pool = pool;
    }

    /**
     * Adds the domain unless the account has {@code max} already or the domain is anyone's: the
     * account row is locked before the count, so parallel requests cannot pass the limit together, and
     * the unique index decides between two accounts adding the same domain.
     */
    Uni<Inserted> insert(UUID accountId, String domain, String selector, DomainKeys.Made key, int max) {
        // Lock, then count in a statement of its own: a READ COMMITTED statement reads under the
        // snapshot it started with, so a count inside the locking statement would miss the rows
        // added by whoever held the lock while this one waited (RowLockRace in the tests).
        return pool.withTransaction(conn -> conn.preparedQuery("SELECT 1 FROM account WHERE id = $1 FOR NO KEY UPDATE")
                        .execute(Tuple.of(accountId))
                        .flatMap(locked -> conn.preparedQuery(
                                        "SELECT (SELECT count(*) FROM sender_domain WHERE account_id = $1) AS n,"
                                                + " (SELECT account_id FROM sender_domain WHERE domain = $2) AS holder")
                                .execute(Tuple.of(accountId, domain)))
                        .flatMap(rows -> {
                            Row row = rows.iterator().next();
                            UUID holder = row.getUUID("holder");
                            if (holder != null) {
                                return Uni.createFrom()
                                        .item(new Inserted(
                                                null, holder.equals(accountId) ? Refusal.OWN : Refusal.TAKEN));
                            }
                            if (row.getLong("n") >= max) {
                                return Uni.createFrom().item(new Inserted(null, Refusal.AT_LIMIT));
                            }
                            return conn.preparedQuery("INSERT INTO sender_domain (id, account_id, domain, selector,"
                                            + " public_key, private_key) VALUES (uuid_v7(), $1, $2, $3, $4, $5)"
                                            + " RETURNING " + COLUMNS)
                                    .execute(Tuple.of(
                                            accountId,
                                            domain,
                                            selector,
                                            key.publicKey(),
                                            io.vertx.core.buffer.Buffer.buffer(key.sealedPrivateKey())))
                                    .map(inserted -> new Inserted(first(inserted), null));
                        }))
                .onFailure(e -> e instanceof PgException pg && "23505".equals(pg.getSqlState()))
                .recoverWithItem(new Inserted(null, Refusal.TAKEN));
    }

    Uni<List<Stored>> page(UUID accountId, PageRequest page) {
        StringBuilder sql = new StringBuilder("SELECT " + COLUMNS + " FROM sender_domain WHERE account_id = $1");
        List<Object> args = new ArrayList<>(List.of(accountId));
        NewestFirst.sql(sql, args, page, "");
        return pool.preparedQuery(sql.toString()).execute(Tuple.from(args)).map(SenderDomainRepository::all);
    }

    /** The account's domain, or null. */
    Uni<Stored> find(UUID accountId, UUID id) {
        return pool.preparedQuery("SELECT " + COLUMNS + " FROM sender_domain WHERE id = $1 AND account_id = $2")
                .execute(Tuple.of(id, accountId))
                .map(SenderDomainRepository::first);
    }

    /** The row of {@code domain} (whoever holds it), or null. */
    Uni<Stored> byDomain(String domain) {
        return pool.preparedQuery("SELECT " + COLUMNS + " FROM sender_domain WHERE domain = $1")
                .execute(Tuple.of(domain))
                .map(SenderDomainRepository::first);
    }

    /** The sealed private key of the account's {@code domain}, or null. */
    Uni<byte[]> sealedKey(UUID accountId, String domain) {
        return pool.preparedQuery("SELECT private_key FROM sender_domain WHERE domain = $1 AND account_id = $2")
                .execute(Tuple.of(domain, accountId))
                .map(rows -> rows.size() == 0
                        ? null
                        : rows.iterator().next().getBuffer("private_key").getBytes());
    }

    /**
     * Stores a check: pending → verified when {@code passed}; verified → failing when not; failing
     * → verified when passed again (the one place the status moves).
     */
    Uni<Stored> checked(UUID id, ObjectNode checks, boolean passed) {
        return pool.preparedQuery(
                        """
                        UPDATE sender_domain SET checks = $2::text::jsonb, checked_at = now(),
                          status = CASE WHEN $3 THEN 'verified'
                                        WHEN status = 'pending' THEN 'pending' ELSE 'failing' END,
                          verified_at = CASE WHEN $3 AND status <> 'verified' THEN now() ELSE verified_at END
                        WHERE id = $1 RETURNING
                        """
                                + COLUMNS)
                .execute(Tuple.of(id, checks.toString(), passed))
                .map(SenderDomainRepository::first);
    }

    /**
     * Takes up to {@code limit} domains due for a check (never checked, or checked before
     * {@code every} ago; pending ones every {@code pendingEvery}), marking them checked now so
     * another replica does not take them too.
     */
    Uni<List<Stored>> takeDue(int limit, Duration every, Duration pendingEvery) {
        return pool.preparedQuery(
                        """
                        UPDATE sender_domain SET checked_at = now() WHERE id IN (
                          SELECT id FROM sender_domain
                          WHERE checked_at IS NULL
                             OR checked_at < now() - make_interval(secs => $2)
                             OR (status = 'pending' AND checked_at < now() - make_interval(secs => $3))
                          ORDER BY checked_at NULLS FIRST LIMIT $1 FOR UPDATE SKIP LOCKED)
                        RETURNING
                        """
                                + COLUMNS)
                .execute(Tuple.of(limit, (double) every.toSeconds(), (double) pendingEvery.toSeconds()))
                .map(SenderDomainRepository::all);
    }

    /** Releases domains never verified within {@code ttl}; answers how many. */
    Uni<Integer> releaseStale(Duration ttl) {
        return pool.preparedQuery("DELETE FROM sender_domain WHERE status = 'pending'"
                        + " AND created_at < now() - make_interval(secs => $1)")
                .execute(Tuple.of((double) ttl.toSeconds()))
                .map(RowSet::rowCount);
    }

    Uni<Boolean> delete(UUID accountId, UUID id) {
        return pool.preparedQuery("DELETE FROM sender_domain WHERE id = $1 AND account_id = $2")
                .execute(Tuple.of(id, accountId))
                .map(rows -> rows.rowCount() == 1);
    }

    private static Stored first(RowSet<Row> rows) {
        return rows.size() == 0 ? null : of(rows.iterator().next());
    }

    private static List<Stored> all(RowSet<Row> rows) {
        List<Stored> list = new ArrayList<>(rows.size());
        rows.forEach(r -> list.add(of(r)));
        return list;
    }

    private static Stored of(Row row) {
        ObjectNode checks;
        try {
            JsonNode parsed = JSON.readTree(row.getString("checks"));
            checks = parsed instanceof ObjectNode o ? o : JSON.createObjectNode();
        } catch (java.io.IOException e) {
            checks = JSON.createObjectNode();
        }
        return new Stored(
                row.getUUID("id"),
                row.getUUID("account_id"),
                row.getString("domain"),
                row.getString("selector"),
                row.getString("public_key"),
                row.getString("status"),
                checks,
                instant(row, "checked_at"),
                instant(row, "verified_at"),
                instant(row, "created_at"));
    }

    private static Instant instant(Row row, String column) {
        java.time.OffsetDateTime at = row.getOffsetDateTime(column);
        return at == null ? null : at.toInstant();
    }
}
