package dev.tidings.subscriber;

import dev.tidings.common.ServiceSecrets;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.UUID;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * A newsletter's suppression list: addresses that unsubscribed or complained and were then erased.
 * Erasure removes the address, but not the person's wish: the writer must not be able to add them
 * back (by hand or by import); only the person can, by signing up and confirming. The list holds
 * a keyed hash (HMAC-SHA256 with a service secret) of the lower-cased address, never the address.
 * The owner of the {@code suppression} table.
 */
@ApplicationScoped
public class Suppressions {

    private final Pool pool;
    private final ServiceSecrets secrets;
    private volatile byte[] key;

    public Suppressions(Pool pool, ServiceSecrets secrets) {
        this.pool = pool;
        this.secrets = secrets;
    }

    void loadKey(@Observes StartupEvent event) {
        key = secrets.getOrCreate("suppression").getBytes(StandardCharsets.UTF_8);
    }

    /** The keyed hash of an address, as the list stores it. */
    public String hash(String email) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return HexFormat.of()
                    .formatHex(
                            mac.doFinal(email.strip().toLowerCase(Locale.ROOT).getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is missing from this JVM", e);
        }
    }

    /** Remembers that the person at {@code email} left {@code newsletterId} (unsubscribed or complained). */
    public Uni<Void> remember(UUID newsletterId, String email, SubscriberStatus reason) {
        return pool.preparedQuery(
                        """
                        INSERT INTO suppression (newsletter_id, address_hash, reason, created_at)
                        VALUES ($1, $2, $3, now()) ON CONFLICT DO NOTHING
                        """)
                .execute(Tuple.of(newsletterId, hash(email), reason.wire()))
                .replaceWithVoid();
    }

    public Uni<Boolean> contains(UUID newsletterId, String email) {
        return pool.preparedQuery("SELECT 1 FROM suppression WHERE newsletter_id = $1 AND address_hash = $2")
                .execute(Tuple.of(newsletterId, hash(email)))
                .map(rows -> rows.size() > 0);
    }

    /** Whether the newsletter has a suppression list at all (most have none: imports skip the check). */
    public Uni<Boolean> any(UUID newsletterId) {
        return pool.preparedQuery("SELECT 1 FROM suppression WHERE newsletter_id = $1 LIMIT 1")
                .execute(Tuple.of(newsletterId))
                .map(rows -> rows.size() > 0);
    }

    /** Which of these hashes are on the newsletter's list. */
    public Uni<Set<String>> among(UUID newsletterId, List<String> hashes) {
        return pool.preparedQuery(
                        "SELECT address_hash FROM suppression WHERE newsletter_id = $1 AND address_hash = ANY($2)")
                .execute(Tuple.of(newsletterId, hashes.toArray(String[]::new)))
                .map(rows -> {
                    Set<String> found = new HashSet<>();
                    for (Row row : rows) {
                        found.add(row.getString("address_hash"));
                    }
                    return found;
                });
    }

    /** The person signed up again and confirmed: their own choice lifts the suppression. */
    public Uni<Void> forget(UUID newsletterId, String email) {
        return pool.preparedQuery("DELETE FROM suppression WHERE newsletter_id = $1 AND address_hash = $2")
                .execute(Tuple.of(newsletterId, hash(email)))
                .replaceWithVoid();
    }
}
